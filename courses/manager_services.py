"""Writes for hiring managers: cohorts, co-managers, invitations, joining a cohort, exports.

Each service is one transaction; emails and tasks are sent on commit. An invitation's token exists only in
the email: the table keeps its SHA-256 digest.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import User
from courses import exports
from courses.manager_forms import DashboardParams
from courses.manager_selectors import (
    dashboard_export_rows,
    dashboard_query_saved,
    invitation_state,
    token_digest,
)
from courses.models import (
    Cohort,
    CohortMembership,
    Course,
    ExportJob,
    ExportStatus,
    Invitation,
)
from courses.schedule import recruit_start
from courses.services import enrolment_start
from trainingsite.text import has_nul, nul_message, one_line, validate_single_line

logger = logging.getLogger(__name__)

INVITATION_DAYS = 14
EXPORT_INLINE_MAX = 500  # rows; a larger export runs as a reports task
EXPORT_CHUNK = 500


class CohortError(Exception):
    """A manager's request that cannot be done; the message says why, nothing was changed."""


class InvitationError(Exception):
    """An invitation that cannot be accepted. ``reason``: invalid, accepted, revoked, expired, wrong_account,
    not_recruit."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


def cohort_create(
    *, acting_user: User, name: str, course: Course, start_date: date, description: str = ""
) -> Cohort:
    """A new cohort managed by ``acting_user``."""
    if not policy.is_manager(acting_user):
        raise CohortError(_("Only hiring managers can create cohorts."))
    try:
        validate_single_line(name)
    except ValidationError as exc:
        raise CohortError(exc.messages[0]) from None
    if has_nul(description):
        raise CohortError(nul_message())
    with transaction.atomic():
        cohort = Cohort.objects.create(
            name=name.strip(),
            course=course,
            start_date=start_date,
            description=description.strip(),
            created_by=acting_user,
        )
        cohort.managers.add(acting_user)
    return cohort


def cohort_manager_add(*, cohort: Cohort, email: str, acting_user: User) -> User:
    """Share the cohort with another hiring manager, found by email."""
    with transaction.atomic():
        cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
        if not cohort.managers.filter(pk=acting_user.pk).exists():
            raise CohortError(_("Only a manager of this cohort can add managers."))
        manager = User.objects.filter(email__iexact=email.strip()).first()
        if manager is None or not policy.is_manager(manager):
            raise CohortError(
                _("%(email)s is not a hiring manager's account; only hiring managers can share a cohort.")
                % {"email": email.strip()}
            )
        if cohort.managers.filter(pk=manager.pk).exists():
            raise CohortError(_("%(email)s already manages this cohort.") % {"email": manager.email})
        cohort.managers.add(manager)
    return manager


def _invitation_email(*, cohort: Cohort, email: str, token: str, inviter: User, expires: Any) -> dict:
    link = f"{settings.SITE_ROOT.rstrip('/')}/invite/{token}/"
    # Email subjects are one line: a line break there makes the mail library refuse the message.
    subject = one_line(
        _("You are invited to the cohort “%(cohort)s” on %(site)s")
        % {"cohort": cohort.name, "site": settings.SITE_NAME}
    )
    body = _(
        "Hello,\n\n%(inviter)s invites you to the cohort “%(cohort)s” (course: %(course)s, starting "
        "%(start)s).\n\nOpen this link to create your account, or to sign in, and join the cohort:\n\n"
        "%(link)s\n\nThe link works once and until %(expires)s. If you did not expect this email, ignore it."
    ) % {
        "inviter": str(inviter),
        "cohort": cohort.name,
        "course": cohort.course.display_title,
        "start": cohort.start_date.isoformat(),
        "link": link,
        "expires": timezone.localtime(expires).strftime("%Y-%m-%d %H:%M"),
    }
    return {"subject": subject, "message": body, "from_email": None, "recipient_list": [email]}


@dataclass
class InvitationBatch:
    """The invitations created, and after the commit which addresses the emails went to and which failed."""

    invitations: list[Invitation]
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def invitation_create(*, cohort: Cohort, emails: list[str], acting_user: User) -> InvitationBatch:
    """Invite each address to the cohort: a new random token per address, a pending invitation of the same
    address to the same cohort revoked, the emails sent after the commit (``sent`` and ``failed`` are filled
    then: at once when no outer transaction is open).

    Addresses of existing members are refused (nothing is sent to anyone then). Any other address is invited
    the same way, whoever owns it, so the answer never tells which addresses are trainers', managers' or
    staff accounts; such an account is refused when it opens the link (``invitation_accept``).
    """
    emails = [e.strip() for e in emails if e.strip()]
    if not emails:
        raise CohortError(_("Enter at least one email address."))
    now = timezone.now()
    expires = now + timedelta(days=INVITATION_DAYS)
    with transaction.atomic():
        cohort = Cohort.objects.select_for_update().select_related("course").get(pk=cohort.pk)
        if not cohort.managers.filter(pk=acting_user.pk).exists():
            raise CohortError(_("Only a manager of this cohort can invite recruits."))
        lowered = [e.lower() for e in emails]
        any_of = Q()
        for email in lowered:
            any_of |= Q(email__iexact=email)
        existing = {u.email.lower(): u for u in User.objects.filter(any_of)}
        members = set(
            CohortMembership.objects.filter(cohort=cohort, user__in=existing.values()).values_list(
                "user__email", flat=True
            )
        )
        members = {m.lower() for m in members}
        refused = [e for e in emails if e.lower() in members]
        if refused:
            raise CohortError(_("Already in this cohort: %(list)s") % {"list": ", ".join(refused[:10])})
        Invitation.objects.filter(
            cohort=cohort, email__in=lowered, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        messages = []
        invitations = []
        for email in emails:
            token = secrets.token_urlsafe(32)
            invitations.append(
                Invitation(
                    cohort=cohort,
                    email=email.lower(),
                    token_hash=token_digest(token),
                    invited_by=acting_user,
                    expires_at=expires,
                )
            )
            messages.append(
                _invitation_email(
                    cohort=cohort, email=email, token=token, inviter=acting_user, expires=expires
                )
            )
        batch = InvitationBatch(invitations=Invitation.objects.bulk_create(invitations))
        transaction.on_commit(lambda: _send_all(messages, batch))
    return batch


def _send_all(messages: list[dict], batch: InvitationBatch) -> None:
    for message in messages:
        (email,) = message["recipient_list"]
        try:
            send_mail(**message)
        except Exception:  # one failed address must not stop the others; the manager can invite again
            logger.exception("invitation email to %s failed", email)
            batch.failed.append(email)
        else:
            batch.sent.append(email)


def invitation_revoke(*, invitation: Invitation, acting_user: User) -> Invitation:
    """Withdraw a pending invitation; its link stops working."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.cohort.managers.filter(pk=acting_user.pk).exists():
            raise CohortError(_("Only a manager of this cohort can withdraw its invitations."))
        if invitation_state(invitation) != "valid":
            raise CohortError(_("This invitation is no longer pending."))
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


INVITATION_MESSAGES = {
    "invalid": lambda: _("This invitation link is not valid."),
    "accepted": lambda: _("This invitation link has already been used."),
    "revoked": lambda: _("This invitation was withdrawn by the cohort's manager."),
    "expired": lambda: _("This invitation link has expired."),
    "wrong_account": lambda: _("This invitation was sent to another email address."),
    "not_recruit": lambda: _("Only recruits' accounts can join a cohort."),
}


def _refuse(reason: str) -> InvitationError:
    return InvitationError(reason, str(INVITATION_MESSAGES[reason]()))


def invitation_accept(*, token: str, user: User) -> Cohort:
    """Accept an invitation for ``user`` (who must have the invited email): join the cohort, enrol on its
    course from the cohort's start date, mark the invitation used.

    Raises InvitationError, changing nothing, when the link is not valid, used, withdrawn or expired.
    """
    if not token or len(token) > 100:
        raise _refuse("invalid")
    with transaction.atomic():
        # Locked: two tabs accepting the same link at once join once and use it once.
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("cohort__course")
            .filter(token_hash=token_digest(token))
            .first()
        )
        if invitation is None:
            raise _refuse("invalid")
        state = invitation_state(invitation)
        if state != "valid":
            raise _refuse(state)
        if (user.email or "").lower() != invitation.email.lower():
            raise _refuse("wrong_account")
        if not policy.is_recruit(user):
            raise _refuse("not_recruit")
        cohort_join(cohort=invitation.cohort, user=user)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return invitation.cohort


def cohort_join(*, cohort: Cohort, user: User) -> CohortMembership:
    """Make ``user`` a member and put them on the cohort's course (idempotent). Their due dates count from
    the cohort's start, or from the day they joined when that is later."""
    with transaction.atomic():
        membership, _created = CohortMembership.objects.get_or_create(cohort=cohort, user=user)
        joined_on = timezone.localdate(membership.joined_at)
        start = recruit_start(cohort_start=cohort.start_date, joined_on=joined_on)
        enrolment_start(user=user, course=cohort.course, cohort=cohort, start_date=start)
    return membership


# ── exports ────────────────────────────────────────────────────────────────────────────────────────────


def export_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "exports"


def export_job_create(
    *, cohort: Cohort, acting_user: User, file_format: str, params: DashboardParams, total: int
) -> ExportJob:
    """Queue a large export on the reports queue; the task runs after the commit."""
    from courses.tasks import run_export

    with transaction.atomic():
        if not cohort.managers.filter(pk=acting_user.pk).exists():
            raise CohortError(_("Only a manager of this cohort can export it."))
        job = ExportJob.objects.create(
            requested_by=acting_user,
            cohort=cohort,
            format=file_format,
            # The worker writes the header in the language the manager was reading the dashboard in.
            params={**params.as_dict(), "language": translation.get_language() or settings.LANGUAGE_CODE},
            total=total,
        )
        job_id = job.pk
        transaction.on_commit(lambda: run_export.apply_async(args=[job_id], queue="reports"))
    return job


def export_job_run(*, job_id: int) -> ExportJob:
    """Write the export file (MEDIA_ROOT/exports/<public id>.<format>), recording progress every chunk.

    Safe to deliver twice: a finished or failed job is left alone; a re-delivered running one starts over
    into a fresh temporary file, and only a complete file is moved into place.
    """
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().select_related("requested_by").get(pk=job_id)
        if job.status in (ExportStatus.DONE, ExportStatus.FAILED):
            return job
        job.status = ExportStatus.RUNNING
        job.done = 0
        job.save(update_fields=["status", "done"])
    params = DashboardParams.from_dict(job.params)
    folder = export_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{job.public_id}.{job.format}"
    partial = folder / f".{name}.{secrets.token_hex(4)}.part"
    query = dashboard_query_saved(user=job.requested_by, cohort_id=job.cohort_id, params=params)
    rows = dashboard_export_rows(query=query, chunk=EXPORT_CHUNK)

    def counted():
        for index, row in enumerate(rows):
            if index and index % EXPORT_CHUNK == 0:
                ExportJob.objects.filter(pk=job.pk).update(done=index)
            yield row

    language = job.params.get("language") or job.requested_by.language or settings.LANGUAGE_CODE
    try:
        with translation.override(language), partial.open("wb") as out:
            written = exports.write(job.format, counted(), out, title=query.cohort.name)
        partial.replace(folder / name)
    finally:
        partial.unlink(missing_ok=True)
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().get(pk=job_id)
        job.status = ExportStatus.DONE
        job.done = job.total = written
        job.file_name = f"exports/{name}"
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "done", "total", "file_name", "finished_at"])
    return job


def export_job_fail(*, job_id: int, reason: str) -> None:
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().get(pk=job_id)
        if job.status == ExportStatus.DONE:
            return
        job.status = ExportStatus.FAILED
        job.error = reason[:2000]
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
