"""Hiring managers' pages (/manager/…) and the invitation link (/invite/<token>/).

Only managers reach the manager pages; to anybody else they are a 404, as if they did not exist. Every
lookup goes through courses.manager_selectors, scoped to the cohorts the manager manages.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import policy
from accounts.adapter import INVITATION_SESSION_KEY
from accounts.models import User
from courses import exports
from courses import manager_selectors as selectors
from courses import manager_services as services
from courses.manager_forms import (
    STATUSES,
    CohortForm,
    ExportForm,
    InviteForm,
    ManagerAddForm,
    compare_ids_parse,
    status_label,
)
from courses.models import ExportStatus


def manager_required(view):
    """Signed in (else the login page) and a hiring manager (else a 404)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not policy.is_manager(request.user):
            raise Http404("no such page")
        return view(request, *args, **kwargs)

    return wrapped


@manager_required
@require_GET
def cohort_list(request: HttpRequest) -> HttpResponse:
    cohorts = selectors.cohort_list(user=request.user)
    return render(request, "courses/manager/cohort_list.html", {"cohorts": cohorts})


@manager_required
@require_http_methods(["GET", "POST"])
def cohort_create(request: HttpRequest) -> HttpResponse:
    form = CohortForm(request.POST or None, initial={"start_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        cohort = services.cohort_create(acting_user=request.user, **form.cleaned_data)
        messages.success(request, _("Cohort created. Invite its recruits by email."))
        return redirect("manager_people", cohort_id=cohort.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "courses/manager/cohort_form.html", {"form": form}, status=status)


@manager_required
@require_GET
def cohort_overview(request: HttpRequest, cohort_id: int) -> HttpResponse:
    board = selectors.dashboard(user=request.user, cohort_id=cohort_id, data=request.GET)
    ctx = {
        "board": board,
        "statuses": [(s, status_label(s)) for s in STATUSES],
        "export_inline_max": services.EXPORT_INLINE_MAX,
    }
    status = 400 if board.errors else 200
    return render(request, "courses/manager/cohort_overview.html", ctx, status=status)


@manager_required
@require_GET
def recruit_detail(request: HttpRequest, cohort_id: int, user_id: int) -> HttpResponse:
    detail = selectors.recruit_detail(user=request.user, cohort_id=cohort_id, recruit_id=user_id)
    return render(request, "courses/manager/recruit_detail.html", {"detail": detail})


@manager_required
@require_GET
def attempt_detail(request: HttpRequest, cohort_id: int, attempt_id: int) -> HttpResponse:
    cohort, attempt = selectors.attempt_for_manager(
        user=request.user, cohort_id=cohort_id, attempt_id=attempt_id
    )
    ctx = {"cohort": cohort, "attempt": attempt, **selectors.attempt_review(attempt=attempt)}
    return render(request, "courses/manager/attempt_detail.html", ctx)


@manager_required
@require_GET
def recruits_compare(request: HttpRequest, cohort_id: int) -> HttpResponse:
    ids = compare_ids_parse(request.GET.getlist("recruit"))
    if ids is None:
        raise Http404("no such recruit")
    try:
        comparison = selectors.recruits_compare(user=request.user, cohort_id=cohort_id, recruit_ids=ids)
    except selectors.CompareError as exc:
        ctx = {"cohort": exc.cohort, "error": str(exc)}
        return render(request, "courses/manager/compare.html", ctx, status=400)
    ctx = {"cohort": comparison.cohort, "comparison": comparison}
    return render(request, "courses/manager/compare.html", ctx)


@manager_required
@require_GET
def cohort_people(request: HttpRequest, cohort_id: int) -> HttpResponse:
    people = selectors.cohort_people(user=request.user, cohort_id=cohort_id)
    return _people_page(request, people)


def _people_page(request, people, *, invite_form=None, manager_form=None, status: int = 200) -> HttpResponse:
    ctx = {
        "people": people,
        "cohort": people.cohort,
        "invite_form": invite_form or InviteForm(),
        "manager_form": manager_form or ManagerAddForm(),
        "expired_ids": {i.pk for i in people.invitations if selectors.invitation_state(i) == "expired"},
    }
    return render(request, "courses/manager/people.html", ctx, status=status)


@manager_required
@require_POST
def invitation_send(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = selectors.cohort_get(user=request.user, cohort_id=cohort_id)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            batch = services.invitation_create(
                cohort=cohort, emails=form.cleaned_data["emails"], acting_user=request.user
            )
        except services.CohortError as exc:
            form.add_error("emails", str(exc))
        else:
            if batch.sent:
                messages.success(
                    request,
                    _("%(n)s invitation(s) sent. Each link works once, for 14 days.")
                    % {"n": len(batch.sent)},
                )
            pending = len(batch.invitations) - len(batch.sent) - len(batch.failed)
            if pending:  # only inside an outer transaction: the emails go when it commits
                messages.info(request, _("%(n)s invitation email(s) will be sent.") % {"n": pending})
            if batch.failed:
                messages.error(
                    request,
                    _("%(n)s invitation email(s) could not be sent: %(list)s. Try again later.")
                    % {"n": len(batch.failed), "list": ", ".join(batch.failed)},
                )
            return redirect("manager_people", cohort_id=cohort.pk)
    people = selectors.cohort_people(user=request.user, cohort_id=cohort.pk)
    return _people_page(request, people, invite_form=form, status=400)


@manager_required
@require_POST
def invitation_revoke(request: HttpRequest, cohort_id: int, invitation_id: int) -> HttpResponse:
    invitation = selectors.invitation_for_manager(
        user=request.user, cohort_id=cohort_id, invitation_id=invitation_id
    )
    try:
        services.invitation_revoke(invitation=invitation, acting_user=request.user)
    except services.CohortError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Invitation to %(email)s withdrawn.") % {"email": invitation.email})
    return redirect("manager_people", cohort_id=cohort_id)


@manager_required
@require_POST
def manager_add(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = selectors.cohort_get(user=request.user, cohort_id=cohort_id)
    form = ManagerAddForm(request.POST)
    if form.is_valid():
        try:
            added = services.cohort_manager_add(
                cohort=cohort, email=form.cleaned_data["email"], acting_user=request.user
            )
        except services.CohortError as exc:
            form.add_error("email", str(exc))
        else:
            messages.success(request, _("%(email)s now manages this cohort too.") % {"email": added.email})
            return redirect("manager_people", cohort_id=cohort.pk)
    people = selectors.cohort_people(user=request.user, cohort_id=cohort.pk)
    return _people_page(request, people, manager_form=form, status=400)


@manager_required
@require_POST
def cohort_export(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """Export what the dashboard shows: small exports at once, larger ones as a background job."""
    query = selectors.dashboard_query(user=request.user, cohort_id=cohort_id, data=request.POST)
    form = ExportForm(request.POST)
    if query.errors or not form.is_valid():
        messages.error(request, " ".join(query.errors) or _("Choose CSV or XLSX."))
        return redirect(f"{reverse('manager_cohort', args=[cohort_id])}?{query.params.query()}")
    file_format = form.cleaned_data["format"]
    total = selectors.dashboard_count(query=query)
    if total > services.EXPORT_INLINE_MAX:
        job = services.export_job_create(
            cohort=query.cohort,
            acting_user=request.user,
            file_format=file_format,
            params=query.params,
            total=total,
        )
        return redirect("manager_export_job", public_id=job.public_id)
    rows = selectors.dashboard_export_rows(query=query)
    name = f"cohort-{cohort_id}-{timezone.localdate():%Y%m%d}.{file_format}"
    if file_format == "csv":
        response = StreamingHttpResponse(exports.csv_chunks(rows), content_type=exports.CONTENT_TYPES["csv"])
    else:
        response = HttpResponse(exports.xlsx_bytes(rows), content_type=exports.CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@manager_required
@require_GET
def export_job(request: HttpRequest, public_id) -> HttpResponse:
    job = selectors.export_job_get(user=request.user, public_id=public_id)
    return render(request, "courses/manager/export_job.html", {"job": job})


@manager_required
@require_GET
def export_job_progress(request: HttpRequest, public_id) -> HttpResponse:
    """The htmx poll: the progress bar until the file is ready."""
    job = selectors.export_job_get(user=request.user, public_id=public_id)
    return render(request, "courses/manager/_export_progress.html", {"job": job})


@manager_required
@require_GET
def export_job_download(request: HttpRequest, public_id) -> HttpResponse:
    job = selectors.export_job_get(user=request.user, public_id=public_id)
    path = services.export_dir().parent / job.file_name if job.file_name else None
    if job.status != ExportStatus.DONE or path is None or not path.is_file():
        raise Http404("the export is not ready")
    name = f"cohort-{job.cohort_id}-{timezone.localtime(job.created_at):%Y%m%d}.{job.format}"
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=name, content_type=exports.CONTENT_TYPES[job.format]
    )


# ── the invitation link ───────────────────────────────────────────────────────────────────────────────


@require_GET
def invitation_open(request: HttpRequest, token: str) -> HttpResponse:
    """A valid link joins a signed-in invitee at once, or sends a visitor to sign up (or in) first."""
    invitation = selectors.invitation_find(token=token)
    if invitation is None:
        return render(request, "courses/invite/invalid.html", status=404)
    state = selectors.invitation_state(invitation)
    user = request.user
    if state == "accepted" and user.is_authenticated and invitation.accepted_by_id == user.pk:
        messages.info(
            request, _("You are already in the cohort “%(cohort)s”.") % {"cohort": invitation.cohort}
        )
        return redirect("home")
    if state != "valid":
        ctx = {"state": state, "message": services.INVITATION_MESSAGES[state]()}
        return render(request, "courses/invite/unavailable.html", ctx, status=410)
    if user.is_authenticated:
        try:
            cohort = services.invitation_accept(token=token, user=user)
        except services.InvitationError as exc:
            ctx = {"invitation": invitation, "message": str(exc), "state": exc.reason}
            return render(request, "courses/invite/unavailable.html", ctx, status=403)
        messages.success(
            request,
            _("You joined the cohort “%(cohort)s”. Your course: %(course)s.")
            % {"cohort": cohort.name, "course": cohort.course.display_title},
        )
        return redirect("home")
    request.session[INVITATION_SESSION_KEY] = token
    if User.objects.filter(email__iexact=invitation.email).exists():
        messages.info(
            request,
            _("Log in as %(email)s to join the cohort “%(cohort)s”.")
            % {"email": invitation.email, "cohort": invitation.cohort.name},
        )
        return redirect(reverse("account_login"))
    messages.info(
        request,
        _("Create your account with %(email)s to join the cohort “%(cohort)s”.")
        % {"email": invitation.email, "cohort": invitation.cohort.name},
    )
    return redirect(f"{reverse('account_signup')}?{urlencode({'email': invitation.email})}")


@manager_required
@require_GET
def manager_home(request: HttpRequest) -> HttpResponse:
    return redirect("manager_cohorts")
