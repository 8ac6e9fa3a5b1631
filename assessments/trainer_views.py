"""Trainer pages: regrade a corrected question, look at an attempt, override one answer's score.

Only trainers and staff reach them; everybody else gets a 404, as if the pages did not exist.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import drill_services, selectors, services
from assessments import trainer_selectors as ts
from assessments.models import ReviewStatus
from assessments.trainer_forms import OverrideForm, RegradeForm, ReviewForm


@login_required
@require_GET
def question_list(request: HttpRequest) -> HttpResponse:
    questions = ts.questions_with_versions(user=request.user)
    return render(request, "assessments/trainer/questions.html", {"questions": questions})


@login_required
@require_http_methods(["GET", "POST"])
def question_regrade(request: HttpRequest, question_id: int) -> HttpResponse:
    """GET: what a regrade would change. POST: start it, then watch its progress."""
    question = ts.question_get(user=request.user, question_id=question_id)
    form = RegradeForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            job = services.regrade_job_start(
                question=question, reason=form.cleaned_data["reason"], acting_user=request.user
            )
        except services.ScoreChangeError as exc:
            error = str(exc)
        else:
            return redirect("trainer_regrade_job", job_id=job.pk)
    ctx = {"question": question, "plan": ts.regrade_plan(question=question), "form": form, "error": error}
    status = 400 if request.method == "POST" else 200
    return render(request, "assessments/trainer/regrade_confirm.html", ctx, status=status)


@login_required
@require_GET
def regrade_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = ts.regrade_job_get(user=request.user, job_id=job_id)
    return render(request, "assessments/trainer/regrade_job.html", {"job": job})


@login_required
@require_GET
def regrade_job_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The htmx poll: the progress bar until the job is done."""
    job = ts.regrade_job_get(user=request.user, job_id=job_id)
    return render(request, "assessments/trainer/_regrade_progress.html", {"job": job})


@login_required
@require_POST
def regrade_job_resume(request: HttpRequest, job_id: int) -> HttpResponse:
    job = ts.regrade_job_get(user=request.user, job_id=job_id)
    if services.regrade_job_resume(job=job, acting_user=request.user):
        messages.success(request, _("The regrade was queued again."))
    return redirect("trainer_regrade_job", job_id=job.pk)


@login_required
@require_GET
def attempt_list(request: HttpRequest) -> HttpResponse:
    # Searching by email would undo anonymised results, so the filter exists only when names are shown.
    email = request.GET.get("email", "").strip()[:254] if settings.TRAINER_SEES_NAMES else ""
    attempts = ts.attempts_recent(user=request.user, email=email)
    for attempt in attempts:
        attempt.recruit = ts.recruit_label(attempt.user)
    ctx = {"attempts": attempts, "email": email, "names_shown": settings.TRAINER_SEES_NAMES}
    return render(request, "assessments/trainer/attempts.html", ctx)


def _attempt_page(request: HttpRequest, attempt, *, forms=None, status: int = 200) -> HttpResponse:
    ctx = selectors.attempt_review_context(attempt=attempt, reveal=True)
    forms = forms or {}
    for q in ctx["questions"]:
        q.override_form = forms.get(q.response.pk) or OverrideForm(
            initial={"score": q.response.score}, prefix=f"r{q.response.pk}"
        )
    ctx["recruit"] = ts.recruit_label(attempt.user)
    ctx["changes"] = ts.attempt_score_changes(user=request.user, attempt=attempt)
    return render(request, "assessments/trainer/attempt.html", ctx, status=status)


@login_required
@require_GET
def attempt_detail(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = ts.attempt_get(user=request.user, attempt_id=attempt_id)
    return _attempt_page(request, attempt)


@login_required
@require_POST
def response_override(request: HttpRequest, attempt_id: int, response_id: int) -> HttpResponse:
    attempt = ts.attempt_get(user=request.user, attempt_id=attempt_id)
    response = ts.response_get(user=request.user, attempt=attempt, response_id=response_id)
    form = OverrideForm(request.POST, prefix=f"r{response.pk}")
    if form.is_valid():
        try:
            services.response_override(
                response=response,
                score=form.cleaned_data["score"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except services.ScoreChangeError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Score changed. The recruit sees the new score and your reason."))
            return redirect("trainer_attempt", attempt_id=attempt.pk)
    attempt.refresh_from_db()
    return _attempt_page(request, attempt, forms={response.pk: form}, status=400)


@login_required
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    pending = ts.reviews_pending(user=request.user)
    done = ts.reviews_done(user=request.user)
    for review in [*pending, *done]:
        review.recruit = ts.recruit_label(review.attempt.user)
    agreement = ts.review_agreement(user=request.user)
    return render(
        request,
        "assessments/trainer/reviews.html",
        {"pending": pending, "done": done, "agreement": agreement},
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    """The response, the rubric and the automatic suggestion; the trainer's scores are final."""
    review = ts.review_get(user=request.user, review_id=review_id)
    attempt = review.attempt
    criteria = attempt.drill.data["criteria"]
    auto = {c["id"]: c.get("score") for c in (attempt.result or {}).get("criteria", [])}
    decided = {cid: row["score"] for cid, row in (review.scores or {}).items()}
    auto_levels = {c["id"]: c["level"] for c in (attempt.result or {}).get("criteria", []) if "level" in c}
    decided_levels = {cid: row["level"] for cid, row in (review.scores or {}).items() if "level" in row}
    form = ReviewForm(
        request.POST or None,
        criteria=criteria,
        suggestion=decided or auto,
        level_suggestion=decided_levels or auto_levels,
        initial={"comment": review.comment},
    )
    error = ""
    if request.method == "POST" and form.is_valid():
        scores, comments, comment = form.decision()
        try:
            saved = drill_services.review_decide(
                review=review,
                scores=scores,
                comments=comments,
                comment=comment,
                acting_user=request.user,
                levels=form.levels(),
            )
        except drill_services.DrillError as exc:
            error = str(exc)
        else:
            if saved.double_marked and saved.status == ReviewStatus.PENDING:
                messages.success(
                    request, _("Your mark is saved. A second trainer marks this response independently.")
                )
                return redirect("trainer_reviews")
            messages.success(request, _("Review saved. The recruit now sees the result and your comments."))
            return redirect("trainer_reviews")
    ctx = selectors.attempt_review_context(attempt=attempt, reveal=True)
    ctx.update(
        {
            "review": review,
            "form": form,
            "error": error,
            "recruit": ts.recruit_label(attempt.user),
            "changes": ts.attempt_score_changes(user=request.user, attempt=attempt),
        }
    )
    status = 400 if request.method == "POST" else 200
    return render(request, "assessments/trainer/review.html", ctx, status=status)
