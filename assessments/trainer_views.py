"""Trainer pages: regrade a corrected question, look at an attempt, override one answer's score.

Only trainers and staff reach them; everybody else gets a 404, as if the pages did not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import selectors, services
from assessments import trainer_selectors as ts
from assessments.trainer_forms import OverrideForm, RegradeForm


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
    email = request.GET.get("email", "").strip()[:254]
    attempts = ts.attempts_recent(user=request.user, email=email)
    return render(request, "assessments/trainer/attempts.html", {"attempts": attempts, "email": email})


def _attempt_page(request: HttpRequest, attempt, *, forms=None, status: int = 200) -> HttpResponse:
    questions = selectors.attempt_questions(attempt=attempt) if attempt.is_finished else []
    forms = forms or {}
    for q in questions:
        q.override_form = forms.get(q.response.pk) or OverrideForm(
            initial={"score": q.response.score}, prefix=f"r{q.response.pk}"
        )
    ctx = {
        "attempt": attempt,
        "questions": questions,
        "changes": ts.attempt_score_changes(user=request.user, attempt=attempt),
    }
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
