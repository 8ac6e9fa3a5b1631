"""Writes of the 带教 loop: publishing checklists, assigning mentors, evidence, sign-off, overdue reminders.

Every transition of an item writes an ``ItemEvent`` in the same transaction as the change it records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from certificates.tasks import evaluate_for_user_on_commit
from courses.authoring.checklist import Checklist as ChecklistSpec
from courses.authoring.render import render_markdown
from courses.models import Cohort, CohortMembership
from courses.schedule import recruit_start
from evaluation.checklist_rules import item_due, stage_reached
from evaluation.models import (
    EVIDENCE_LINK_MAX,
    EVIDENCE_NOTE_MAX,
    REVIEW_COMMENT_MAX,
    Checklist,
    ChecklistItem,
    ChecklistVersion,
    ItemEvent,
    ItemProgress,
    ItemStatus,
    Mentorship,
    RecruitChecklist,
)
from notifications.models import Kind
from notifications.services import NotificationSpec, notification_create, notifications_create
from trainingsite.text import has_nul, nul_message


class ChecklistError(Exception):
    """Bad input or a transition that is not allowed now: the message says why; nothing was changed."""


# ---------------------------------------------------------------- publishing


@dataclass
class ChecklistImportReport:
    published: list[str] = field(default_factory=list)  # "slug vN"
    unchanged: list[str] = field(default_factory=list)


def checklists_publish(
    *, specs: Iterable[ChecklistSpec], now: datetime | None = None
) -> ChecklistImportReport:
    """Publish each changed checklist as a new immutable version; an unchanged one writes nothing.
    Recruits keep the version they started."""
    now = now or timezone.now()
    report = ChecklistImportReport()
    with transaction.atomic():
        existing = {c.slug: c for c in Checklist.objects.select_related("current_version")}
        for spec in specs:
            checklist = existing.get(spec.slug)
            current = checklist.current_version if checklist else None
            if current is not None and current.source_hash == spec.source_hash:
                report.unchanged.append(spec.slug)
                continue
            if checklist is None:
                checklist = Checklist.objects.create(slug=spec.slug, level=spec.level)
            number = (checklist.versions.aggregate(n=Max("number"))["n"] or 0) + 1
            version = ChecklistVersion.objects.create(
                checklist=checklist,
                number=number,
                source_hash=spec.source_hash,
                title=spec.title,
                title_en=spec.title_en,
                intro_html=render_markdown(spec.intro) if spec.intro.strip() else "",
                published_at=now,
            )
            ChecklistItem.objects.bulk_create(
                ChecklistItem(
                    version=version,
                    key=item.id,
                    stage=item.stage,
                    position=position,
                    title=item.title,
                    evidence=item.evidence,
                    description_html=render_markdown(item.description) if item.description.strip() else "",
                    source_line=item.line,
                )
                for position, item in enumerate(spec.items)
            )
            checklist.level = spec.level
            checklist.current_version = version
            checklist.save(update_fields=["level", "current_version"])
            report.published.append(f"{spec.slug} v{number}")
    return report


# ---------------------------------------------------------------- mentors


def _user_named(name: str) -> User | None:
    name = name.strip()
    if not name or has_nul(name) or len(name) > 254:
        return None
    return User.objects.filter(Q(username__iexact=name) | Q(email__iexact=name), is_active=True).first()


def mentor_assign(
    *, cohort: Cohort, recruit_id: int, mentor_name: str, acting_user: User, now: datetime | None = None
) -> Mentorship:
    """Make the active user named ``mentor_name`` (username or email) the mentor of a member of ``cohort``
    (a cohort ``acting_user`` manages: the caller looked it up scoped). The recruit's checklist for the
    cohort's level starts with the first assignment; a later one only changes the mentor."""
    now = now or timezone.now()
    membership = (
        CohortMembership.objects.select_related("user")
        .filter(cohort_id=cohort.pk, user_id=recruit_id)
        .first()
    )
    if membership is None:
        raise Http404("not a member of this cohort")
    mentor = _user_named(mentor_name)
    if mentor is None:
        raise ChecklistError(_("No active user has that username or email address."))
    if mentor.pk == membership.user_id:
        raise ChecklistError(_("A recruit cannot be their own mentor."))
    checklist = (
        Checklist.objects.select_related("current_version")
        .filter(level=cohort.course.level, current_version__isnull=False)
        .order_by("slug")
        .first()
    )
    if checklist is None:
        raise ChecklistError(_("There is no on-the-job checklist for this cohort's level yet."))
    with transaction.atomic():
        mentorship = (
            Mentorship.objects.select_for_update().filter(cohort=cohort, recruit_id=recruit_id).first()
        )
        if mentorship is None:
            mentorship = Mentorship.objects.create(
                cohort=cohort, recruit_id=recruit_id, mentor=mentor, assigned_by=acting_user, assigned_at=now
            )
        elif mentorship.mentor_id != mentor.pk:
            mentorship.mentor, mentorship.assigned_by, mentorship.assigned_at = mentor, acting_user, now
            mentorship.save(update_fields=["mentor", "assigned_by", "assigned_at"])
        _run_start(
            mentorship=mentorship,
            checklist=checklist,
            start=recruit_start(
                cohort_start=cohort.start_date, joined_on=timezone.localdate(membership.joined_at)
            ),
            now=now,
        )
    return mentorship


def _run_start(
    *, mentorship: Mentorship, checklist: Checklist, start: date, now: datetime
) -> RecruitChecklist:
    run = RecruitChecklist.objects.filter(user_id=mentorship.recruit_id, checklist=checklist).first()
    if run is not None:
        if run.mentorship_id != mentorship.pk:
            # The recruit's checklist follows the cohort whose manager last named a mentor for it.
            run.mentorship = mentorship
            run.save(update_fields=["mentorship"])
        return run
    items = list(checklist.current_version.items.all())
    run = RecruitChecklist.objects.create(
        user_id=mentorship.recruit_id,
        mentorship=mentorship,
        checklist=checklist,
        version=checklist.current_version,
        start_date=start,
        items_total=len(items),
        updated_at=now,
    )
    ItemProgress.objects.bulk_create(
        ItemProgress(run=run, item=item, due_date=item_due(start=start, stage=item.stage)) for item in items
    )
    return run


# ---------------------------------------------------------------- the recruit's evidence


def _evidence_check(note: str, link: str) -> None:
    if has_nul(note) or has_nul(link):
        raise ChecklistError(nul_message())
    if not note.strip() and not link.strip():
        raise ChecklistError(_("Write a note or give a link as evidence."))
    if len(note) > EVIDENCE_NOTE_MAX:
        raise ChecklistError(
            _("The note is too long: %(max)d characters at most.") % {"max": EVIDENCE_NOTE_MAX}
        )
    if len(link) > EVIDENCE_LINK_MAX:
        raise ChecklistError(
            _("The link is too long: %(max)d characters at most.") % {"max": EVIDENCE_LINK_MAX}
        )
    if link.strip():
        try:
            URLValidator(schemes=["http", "https"])(link.strip())
        except ValidationError:
            raise ChecklistError(
                _("The link must be a web address starting with http:// or https://.")
            ) from None


def _event(progress: ItemProgress, *, actor: User, now: datetime, to: str, comment: str = "") -> None:
    ItemEvent.objects.create(
        progress=progress, actor=actor, at=now, from_status=progress.status, to_status=to, comment=comment
    )
    progress.status = to


def item_submit(
    *, user: User, progress_id: int, note: str, link: str, now: datetime | None = None
) -> ItemProgress:
    """The recruit marks one of their own items done with evidence (a note and/or a link)."""
    now = now or timezone.now()
    _evidence_check(note, link)
    with transaction.atomic():
        # Locked: a double submit runs after the first and finds the item already waiting.
        progress = (
            ItemProgress.objects.select_for_update()
            .select_related("item")
            .filter(pk=progress_id, run__user=user)
            .first()
        )
        if progress is None:
            raise Http404("no such checklist item")
        if progress.status == ItemStatus.SUBMITTED:
            raise ChecklistError(_("This item is already waiting for your mentor's sign-off."))
        if progress.status == ItemStatus.SIGNED_OFF:
            raise ChecklistError(_("This item is already signed off."))
        _event(progress, actor=user, now=now, to=ItemStatus.SUBMITTED, comment=note.strip())
        progress.note, progress.link, progress.submitted_at = note.strip(), link.strip(), now
        progress.save(update_fields=["status", "note", "link", "submitted_at"])
    return progress


# ---------------------------------------------------------------- the mentor's review

SIGN_OFF = "sign_off"
SEND_BACK = "send_back"


def item_review(
    *, mentor: User, progress_id: int, decision: str, comment: str, now: datetime | None = None
) -> ItemProgress:
    """The mentor signs a submitted item off or sends it back with a comment (required to send back)."""
    now = now or timezone.now()
    comment = comment.strip()
    if decision not in (SIGN_OFF, SEND_BACK):
        raise ChecklistError(_("Choose to sign the item off or to send it back."))
    if has_nul(comment):
        raise ChecklistError(nul_message())
    if len(comment) > REVIEW_COMMENT_MAX:
        raise ChecklistError(
            _("The comment is too long: %(max)d characters at most.") % {"max": REVIEW_COMMENT_MAX}
        )
    if decision == SEND_BACK and not comment:
        raise ChecklistError(_("Say what to change: a comment is needed to send an item back."))
    with transaction.atomic():
        progress = (
            ItemProgress.objects.select_for_update(of=("self",))
            .select_related("item", "run")
            .filter(pk=progress_id, run__mentorship__mentor=mentor)
            .first()
        )
        if progress is None:
            raise Http404("no such checklist item")
        if progress.run.user_id == mentor.pk:
            raise ChecklistError(_("You cannot sign off your own checklist."))
        if progress.status == ItemStatus.SIGNED_OFF:
            raise ChecklistError(_("This item is already signed off."))
        if progress.status != ItemStatus.SUBMITTED:
            raise ChecklistError(
                _("This item is not waiting for sign-off: the recruit has not submitted it.")
            )
        if decision == SIGN_OFF:
            _event(progress, actor=mentor, now=now, to=ItemStatus.SIGNED_OFF, comment=comment)
            progress.signed_off_at, progress.comment = now, comment
            progress.save(update_fields=["status", "signed_off_at", "comment"])
            run_refresh(run_id=progress.run_id, now=now)
            evaluate_for_user_on_commit(user_id=progress.run.user_id)
        else:
            _event(progress, actor=mentor, now=now, to=ItemStatus.SENT_BACK, comment=comment)
            progress.comment = comment
            progress.save(update_fields=["status", "comment"])
            notification_create(
                user_id=progress.run.user_id,
                kind=Kind.CHECKLIST_SENT_BACK,
                key=f"checklist-item:{progress.pk}:{ItemEvent.objects.filter(progress=progress).count()}",
                params={"item": progress.item.title, "mentor": str(mentor), "comment": comment[:200]},
                url=reverse("evaluation_checklist"),
            )
    return progress


def run_refresh(*, run_id: int, now: datetime | None = None) -> RecruitChecklist:
    """Recompute a recruit's persisted checklist stage and counts from its items."""
    run = RecruitChecklist.objects.select_for_update().get(pk=run_id)
    rows = list(ItemProgress.objects.filter(run_id=run_id).values_list("item__stage", "status"))
    run.stage_reached = stage_reached((stage, status == ItemStatus.SIGNED_OFF) for stage, status in rows)
    run.items_total = len(rows)
    run.items_signed = sum(1 for _stage, status in rows if status == ItemStatus.SIGNED_OFF)
    run.updated_at = now or timezone.now()
    run.save(update_fields=["stage_reached", "items_total", "items_signed", "updated_at"])
    return run


# ---------------------------------------------------------------- overdue reminders


def checklist_overdue_reminders_send(*, today: date | None = None) -> int:
    """Tell the recruit and the mentor about each item past its day and not signed off, once per item and
    person (notifications are unique per user, kind and key). Returns how many were created."""
    today = today or timezone.localdate()
    rows = (
        ItemProgress.objects.filter(due_date__lt=today)
        .exclude(status=ItemStatus.SIGNED_OFF)
        .values_list(
            "pk",
            "due_date",
            "item__title",
            "run__user_id",
            "run__user__display_name",
            "run__user__email",
            "run__mentorship__mentor_id",
        )
    )
    specs = []
    recruit_url, mentor_url = reverse("evaluation_checklist"), reverse("evaluation_mentees")
    for pk, due, title, recruit_id, display_name, email, mentor_id in rows.iterator(chunk_size=500):
        params = {"item": title, "recruit": display_name or email, "due": due.isoformat()}
        for user_id, url in ((recruit_id, recruit_url), (mentor_id, mentor_url)):
            specs.append(
                NotificationSpec(
                    user_id=user_id,
                    kind=Kind.CHECKLIST_OVERDUE,
                    key=f"checklist-item:{pk}",
                    params=params,
                    url=url,
                )
            )
    created = 0
    for start in range(0, len(specs), 1000):
        with transaction.atomic():
            created += len(notifications_create(items=specs[start : start + 1000]))
    return created
