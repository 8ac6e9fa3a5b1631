"""The 转正答辩 pages: a manager schedules, panel members score and may change with a reason, everyone
concerned reads the defence page. Views parse, call one selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses import manager_selectors
from evaluation import defence_selectors as selectors
from evaluation import defence_services as services
from evaluation.defence_forms import DefenceScheduleForm, ScoreChangeForm, levels_from_post


def _page(request: HttpRequest, defence_id: int, *, error: str = "", status: int = 200) -> HttpResponse:
    page = selectors.defence_page(user=request.user, defence_id=defence_id)
    ctx = {
        "page": page,
        "rubric_title": selectors.rubric_title(page.defence.rubric_version),
        "error": error,
        "change_form": ScoreChangeForm(),
        "levels": range(1, 5),
        "posted": request.POST if error else {},
    }
    return render(request, "evaluation/defence/detail.html", ctx, status=status)


@login_required
@require_GET
def defence_detail(request: HttpRequest, defence_id: int) -> HttpResponse:
    return _page(request, defence_id)


@login_required
@require_POST
def defence_score(request: HttpRequest, defence_id: int) -> HttpResponse:
    member = selectors.panel_member_get(user=request.user, defence_id=defence_id)
    try:
        services.defence_score_submit(
            member_id=member.pk,
            levels=levels_from_post(request.POST),
            comment=request.POST.get("comment", ""),
        )
    except services.DefenceError as exc:
        return _page(request, defence_id, error=str(exc), status=400)
    messages.success(request, _("Your scores are submitted."))
    return redirect("evaluation_defence", defence_id=defence_id)


@login_required
@require_POST
def defence_change(request: HttpRequest, defence_id: int) -> HttpResponse:
    member = selectors.panel_member_get(user=request.user, defence_id=defence_id)
    form = ScoreChangeForm(request.POST)
    if not form.is_valid():
        error = _("A change needs a criterion, a level from 1 to 4 and a reason (at most 1,000 characters).")
        return _page(request, defence_id, error=error, status=400)
    try:
        services.defence_score_change(
            member_id=member.pk,
            acting_user=request.user,
            criterion=form.cleaned_data["criterion"],
            level=form.cleaned_data["level"],
            reason=form.cleaned_data["reason"],
        )
    except services.DefenceError as exc:
        return _page(request, defence_id, error=str(exc), status=400)
    messages.success(request, _("The score is changed and the change is recorded."))
    return redirect("evaluation_defence", defence_id=defence_id)


@login_required
@require_GET
def defence_list(request: HttpRequest) -> HttpResponse:
    seats, own = selectors.defences_for_user(user=request.user)
    return render(request, "evaluation/defence/list.html", {"seats": seats, "own": own})


@login_required
@require_http_methods(["GET", "POST"])
def defence_schedule(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = manager_selectors.cohort_get(user=request.user, cohort_id=cohort_id)
    form = DefenceScheduleForm(request.POST or None, cohort=cohort)
    if request.method == "POST" and form.is_valid():
        try:
            defence = services.defence_schedule(
                manager=request.user,
                cohort=cohort,
                recruit_id=form.cleaned_data["recruit"],
                panel_ids=form.cleaned_data["panel"],
                rubric_version_id=form.cleaned_data["rubric"],
                scheduled_at=form.cleaned_data["scheduled_at"],
            )
        except services.DefenceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The defence is scheduled and the panel is told."))
            return redirect("evaluation_defence", defence_id=defence.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "evaluation/defence/schedule.html", {"cohort": cohort, "form": form}, status=status
    )
