"""Pages of the 带教 loop: the recruit's checklist, the mentor's mentees and sign-off, the manager's
assignment of mentors. Thin: parse, call one service or selector, render. Someone else's id is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from courses import manager_selectors
from courses.manager_views import manager_required
from courses.models import CohortMembership
from evaluation import mentor_selectors as selectors
from evaluation import mentor_services as services


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


@login_required
@require_http_methods(["GET", "POST"])
def checklist(request: HttpRequest) -> HttpResponse:
    """GET: the recruit's own checklist. POST: mark one of their items done with evidence."""
    error, failed_id = "", None
    if request.method == "POST":
        progress_id = _int(request.POST.get("item"))
        if progress_id is None:
            error = _("The form was incomplete. Reload the page and try again.")
        else:
            try:
                services.item_submit(
                    user=request.user,
                    progress_id=progress_id,
                    note=request.POST.get("note", ""),
                    link=request.POST.get("link", ""),
                )
            except services.ChecklistError as exc:
                error, failed_id = str(exc), progress_id
            else:
                messages.success(request, _("Sent to your mentor for sign-off."))
                return redirect("evaluation_checklist")
    views = selectors.recruit_checklists(user=request.user)
    ctx = {"checklists": views, "error": error, "failed_id": failed_id, "posted": request.POST}
    return render(request, "evaluation/checklist.html", ctx, status=400 if error else 200)


@login_required
@require_GET
def mentees(request: HttpRequest) -> HttpResponse:
    return render(request, "evaluation/mentees.html", {"runs": selectors.mentees(mentor=request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def mentee(request: HttpRequest, run_id: int) -> HttpResponse:
    """GET: one mentee's checklist and its audit trail. POST: sign an item off or send it back."""
    view, events = selectors.mentee_checklist(mentor=request.user, run_id=run_id)
    error, failed_id = "", None
    if request.method == "POST":
        progress_id = _int(request.POST.get("item"))
        if progress_id is None or not any(p.pk == progress_id for s in view.stages for p in s.items):
            error = _("The form was incomplete. Reload the page and try again.")
        else:
            try:
                services.item_review(
                    mentor=request.user,
                    progress_id=progress_id,
                    decision=request.POST.get("decision", ""),
                    comment=request.POST.get("comment", ""),
                )
            except services.ChecklistError as exc:
                error, failed_id = str(exc), progress_id
            else:
                messages.success(request, _("Saved."))
                return redirect("evaluation_mentee", run_id=run_id)
    ctx = {"view": view, "events": events, "error": error, "failed_id": failed_id, "posted": request.POST}
    return render(request, "evaluation/mentee.html", ctx, status=400 if error else 200)


@manager_required
@require_http_methods(["GET", "POST"])
def cohort_mentors(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """GET: the cohort's recruits, their mentors and checklist stages. POST: name a recruit's mentor."""
    cohort = manager_selectors.cohort_get(user=request.user, cohort_id=cohort_id)
    error, failed_id = "", None
    if request.method == "POST":
        recruit_id = _int(request.POST.get("recruit"))
        if recruit_id is None:
            error = _("The form was incomplete. Reload the page and try again.")
        else:
            try:
                services.mentor_assign(
                    cohort=cohort,
                    recruit_id=recruit_id,
                    mentor_name=request.POST.get("mentor", ""),
                    acting_user=request.user,
                )
            except services.ChecklistError as exc:
                error, failed_id = str(exc), recruit_id
            else:
                messages.success(request, _("Mentor saved."))
                return redirect("evaluation_cohort_mentors", cohort_id=cohort.pk)
    members = list(
        CohortMembership.objects.filter(cohort=cohort)
        .select_related("user")
        .order_by("user__display_name", "user__email")
    )
    rows = selectors.cohort_mentors(cohort=cohort)
    ctx = {
        "cohort": cohort,
        "tab": "mentors",
        "members": [(m.user, rows.get(m.user_id)) for m in members],
        "error": error,
        "failed_id": failed_id,
        "posted": request.POST,
    }
    return render(request, "evaluation/cohort_mentors.html", ctx, status=400 if error else 200)
