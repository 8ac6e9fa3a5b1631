"""The recruit's daily review and the managers' recall page: thin views over one service or selector."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.forms import answers_from_post
from assessments.grading import InvalidAnswer
from courses.manager_views import manager_required
from retention import selectors, services
from retention.models import AnswerStatus, ReviewAnswer


@login_required
@require_GET
def review_home(request: HttpRequest) -> HttpResponse:
    return render(request, "retention/review_home.html", {"plan": selectors.review_plan(user=request.user)})


@login_required
@require_POST
def review_next(request: HttpRequest) -> HttpResponse:
    try:
        answer = services.review_next(user=request.user, limit=selectors.session_limit(user=request.user))
    except services.ReviewError as exc:
        messages.info(request, str(exc))
        return redirect("review_home")
    return redirect("review_answer", public_id=answer.public_id)


def _answer_or_404(request: HttpRequest, public_id: uuid.UUID) -> ReviewAnswer:
    try:
        return selectors.review_answer_get(user=request.user, public_id=public_id)
    except ReviewAnswer.DoesNotExist:
        raise Http404("no such review") from None


@login_required
@require_http_methods(["GET", "POST"])
def review_answer(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    answer = _answer_or_404(request, public_id)
    error = ""
    if request.method == "POST":
        try:
            posted = answers_from_post(responses=[answer], post=request.POST).get(answer.position)
            services.review_answer_submit(user=request.user, public_id=public_id, answer=posted)
        except (InvalidAnswer, services.ReviewError) as exc:
            error = str(exc)
        else:
            return redirect("review_answer", public_id=public_id)
        answer = _answer_or_404(request, public_id)
    return _answer_page(request, answer, error=error, status=400 if error else 200)


@login_required
@require_GET
def review_answer_status(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The htmx poll: the grading notice until graded, then the result."""
    answer = _answer_or_404(request, public_id)
    return render(request, "retention/_answer_result.html", _result_context(request, answer))


def _answer_page(
    request: HttpRequest, answer: ReviewAnswer, *, error: str = "", status: int = 200
) -> HttpResponse:
    ctx = _result_context(request, answer)
    ctx["error"] = error
    if answer.status == AnswerStatus.SERVED:
        ctx["q"] = {
            "position": answer.position,
            "question": selectors.served_question(answer=answer),
            "answer": None,
        }
    return render(request, "retention/review_answer.html", ctx, status=status)


def _result_context(request: HttpRequest, answer: ReviewAnswer) -> dict:
    ctx: dict = {"answer": answer}
    if answer.status == AnswerStatus.GRADED:
        ctx["plan"] = selectors.review_plan(user=request.user)
        ctx.update(selectors.graded_question(answer=answer))
    return ctx


@manager_required
@require_GET
def cohort_recall(request: HttpRequest, cohort_id: int) -> HttpResponse:
    view = selectors.cohort_recall(user=request.user, cohort_id=cohort_id, page=request.GET.get("page", 1))
    return render(request, "retention/cohort_recall.html", {"view": view})
