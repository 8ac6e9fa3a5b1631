from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from assessments import drill_views, rules, selectors, services
from assessments.forms import answers_from_post, confidences_from_post
from assessments.grading import InvalidAnswer
from assessments.masking import OPAQUE
from courses import selectors as course_selectors


@login_required
def quiz_detail(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    module = course_selectors.module_get(slug=slug)
    quiz = selectors.quiz_get(module=module, key=key)
    if request.method == "POST":
        try:
            attempt = services.attempt_start(user=request.user, quiz=quiz)
        except services.AttemptError as exc:
            messages.error(request, str(exc))
            return redirect("quiz_detail", slug=slug, key=key)
        if not attempt.is_open:
            messages.warning(request, str(services.AttemptClosed(attempt)))
        return redirect("attempt_detail", attempt_id=attempt.pk)
    attempts = selectors.quiz_attempts(user=request.user, quiz=quiz)
    if _expire_if_due(next((a for a in attempts if a.is_open), None)):
        attempts = selectors.quiz_attempts(user=request.user, quiz=quiz)
    pool_size = quiz.pool.count()
    ctx = {
        "module": module,
        "quiz": quiz,
        "attempts": attempts,
        "open_attempt": next((a for a in attempts if a.is_open), None),
        "refusal": rules.start_refusal(
            quiz=quiz,
            attempts=attempts,
            now=timezone.now(),
            cycle_start=rules.cycle_start(user=request.user, module=module),
        ),
        "pool_size": pool_size,
        "rules": rules.rules_summary(assessment=quiz, attempts=attempts, pool_size=pool_size),
    }
    return render(request, "assessments/quiz_detail.html", ctx)


def _expire_if_due(attempt) -> bool:
    """Close an open attempt whose time is up (the server decides, whatever runs the sweeper); True when
    this request closed it. ``attempt`` is refreshed: a submit or the sweeper may have closed it first."""
    if not (attempt and attempt.is_open and services.past_deadline(attempt, timezone.now())):
        return False
    closed = services.attempt_expire(attempt_id=attempt.pk)
    attempt.refresh_from_db(fields=["status", "submitted_at"])
    return closed


def _closed(request: HttpRequest, attempt, *, json: bool = False) -> HttpResponse:
    """The attempt's time was up: say so, and send the recruit to its result instead of the form."""
    message = str(services.AttemptClosed(attempt))
    messages.warning(request, message)
    return _closed_json(attempt, message) if json else redirect("attempt_detail", attempt_id=attempt.pk)


def _attempt_page(request: HttpRequest, attempt, *, error: str = "", status: int = 200) -> HttpResponse:
    if attempt.drill_id and (attempt.drill.kind != "data" or not attempt.is_open):
        return drill_views.attempt_page(request, attempt, error=error, status=status)
    assessment = attempt.assessment
    ctx = {
        "attempt": attempt,
        "module": assessment.version.module,
        "assessment": assessment,
        "back_url": reverse(
            "drill_detail" if attempt.drill_id else "quiz_detail",
            args=[assessment.version.module.slug, assessment.key],
        ),
        "error": error,
    }
    if attempt.is_open and attempt.deadline:
        # The countdown runs on the server's clock: the page gets both times and works out its offset.
        ctx["deadline_ms"] = int(attempt.deadline.timestamp() * 1000)
        ctx["server_now_ms"] = int(timezone.now().timestamp() * 1000)
        ctx["grace_ms"] = int(services.DEADLINE_GRACE.total_seconds() * 1000)
    if attempt.is_finished:
        ctx.update(selectors.attempt_review_context(attempt=attempt))
    else:
        ctx["questions"] = selectors.attempt_questions(attempt=attempt)
    if attempt.drill_id:
        ctx["columns"], ctx["rows"] = selectors.dataset_table(attempt=attempt)
    return render(request, "assessments/attempt_detail.html", ctx, status=status)


@login_required
@require_GET
def attempt_detail(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.attempt_get(user=request.user, attempt_id=attempt_id)
    if _expire_if_due(attempt):
        return _closed(request, attempt)
    return _attempt_page(request, attempt)


@login_required
@require_POST
def attempt_submit(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.attempt_get(user=request.user, attempt_id=attempt_id)
    if attempt.drill_id and attempt.drill.kind == "written":
        return drill_views.written_submit(request, attempt)
    if attempt.drill_id and attempt.drill.kind == "scenario":
        return redirect("attempt_detail", attempt_id=attempt.pk)
    try:
        answers, confidences = _posted(request, attempt)
        attempt = services.attempt_submit(
            user=request.user, attempt_id=attempt.pk, answers=answers, confidences=confidences
        )
    except services.AttemptClosed:
        return _closed(request, attempt)
    except (InvalidAnswer, services.AttemptError) as exc:
        if _expire_if_due(attempt):
            return _closed(request, attempt)
        return _attempt_page(request, attempt, error=str(exc), status=400)
    return redirect("attempt_detail", attempt_id=attempt.pk)


@login_required
@require_POST
def attempt_autosave(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.attempt_get(user=request.user, attempt_id=attempt_id)
    try:
        answers, confidences = _posted(request, attempt)
        changed = services.attempt_save(
            user=request.user, attempt_id=attempt.pk, answers=answers, confidences=confidences
        )
    except services.AttemptClosed as exc:
        messages.warning(request, str(exc))
        return _closed_json(attempt, str(exc))
    except (InvalidAnswer, services.AttemptError) as exc:
        if _expire_if_due(attempt):
            return _closed(request, attempt, json=True)
        attempt.refresh_from_db(fields=["status"])
        if not attempt.is_open:  # submitted meanwhile (another tab, the sweeper): the page moves on
            return _closed_json(attempt, str(exc))
        return JsonResponse({"ok": False, "error": str(exc)}, status=400)
    return JsonResponse({"ok": True, "changed": changed})


def _posted(request: HttpRequest, attempt) -> tuple[dict, dict]:
    """The posted answers and confidences of an attempt's form; tampered fields raise InvalidAnswer."""
    responses = list(attempt.responses.select_related("question_version"))
    answers = answers_from_post(responses=responses, post=request.POST, legacy=not attempt.state.get(OPAQUE))
    asked = bool(attempt.quiz_id and attempt.quiz.asks_confidence)
    return answers, confidences_from_post(responses=responses, post=request.POST, asked=asked)


def _closed_json(attempt, message: str) -> HttpResponse:
    """Autosave to an attempt no longer open: nothing saved; the page goes to the result (409)."""
    url = reverse("attempt_detail", args=[attempt.pk])
    return JsonResponse({"ok": False, "closed": True, "error": message, "url": url}, status=409)


@login_required
@require_GET
def attempt_status(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The htmx poll: returns the grading notice until graded, then the full result."""
    attempt = selectors.attempt_get(user=request.user, attempt_id=attempt_id)
    return render(
        request, "assessments/_attempt_result.html", selectors.attempt_review_context(attempt=attempt)
    )
