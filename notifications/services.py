"""Writes for notifications: create once, email once, mark read, preferences, and the daily reminder scans.

Exactly once comes from the database: (user, kind, key) is unique and rows are inserted with
``ON CONFLICT DO NOTHING``, so a duplicate task, a second reminder run or a concurrent caller never tells
anyone twice; the email is sent under a row lock and stamped with ``emailed_at``.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Case, Exists, F, OuterRef, PositiveIntegerField, Value, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.models import Kind, Notification, NotificationPreference
from notifications.texts import notification_text

__all__ = [
    "NotificationSpec",
    "due_date_reminders_send",
    "expiring_certificate_reminders_send",
    "notification_create",
    "notification_email_render",
    "notification_email_send",
    "notification_emails_pending",
    "notification_text",
    "notifications_create",
    "notifications_mark_read",
    "preference_set",
    "preferences_save",
    "user_language_set",
]

logger = logging.getLogger(__name__)

DUE_SOON_DAYS = 3
EXPIRING_DAYS = 30
SCAN_BATCH = 500
INSERT_CHUNK = 1000


@dataclass(frozen=True)
class NotificationSpec:
    user_id: int
    kind: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    url: str = ""


def notification_create(
    *, user_id: int, kind: str, key: str, params: dict, url: str = ""
) -> Notification | None:
    """Record one notification for a user, once; None when (user, kind, key) already exists.

    Meant to be called inside the caller's transaction (at most 3 queries, no savepoint): the row, the
    user's unread counter and the email preference. The email is queued only after commit, and a broker
    outage is logged, never raised into the caller.
    """
    spec = NotificationSpec(user_id=user_id, kind=kind, key=key, params=params or {}, url=url or "")
    created = notifications_create(items=[spec])
    return created[0] if created else None


def notifications_create(*, items: Sequence[NotificationSpec]) -> list[Notification]:
    """Record many notifications, skipping those that already exist: 3 queries up to 1,000 of them."""
    specs = list({(s.user_id, s.kind, s.key): s for s in items}.values())
    for spec in specs:
        if spec.kind not in Kind.values:
            raise ValueError(f"unknown notification kind {spec.kind!r}")
        if not spec.key or len(spec.key) > Notification._meta.get_field("key").max_length:
            raise ValueError(f"notification key must be 1 to 120 characters, not {spec.key!r}")
    if not specs:
        return []
    # savepoint=False: inside the caller's transaction this adds no SAVEPOINT/RELEASE round trips; an error
    # here fails the caller's transaction, as it should.
    with transaction.atomic(savepoint=False):
        created = _insert_new(specs)
        if not created:
            return []
        _unread_raise(Counter(n.user_id for n in created))
        muted = set(
            NotificationPreference.objects.filter(
                user_id__in={n.user_id for n in created}, kind__in={n.kind for n in created}, email=False
            ).values_list("user_id", "kind")
        )
        for notification in created:
            if (notification.user_id, notification.kind) not in muted:
                transaction.on_commit(_email_sender(notification.pk), robust=True)
    return created


def _insert_new(specs: list[NotificationSpec]) -> list[Notification]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: the rows this call created, whoever else is inserting.

    A concurrent transaction inserting the same (user, kind, key) makes this one wait on the unique index
    and then skip the row, so exactly one of them creates it. The ORM cannot say which rows an
    ``ignore_conflicts`` bulk insert created, hence the SQL (valid on PostgreSQL and SQLite ≥ 3.35).
    """
    meta = Notification._meta
    names = ("user", "kind", "key", "params", "url", "created_at")
    fields = [meta.get_field(name) for name in names]
    q = connection.ops.quote_name
    unique = ", ".join(q(meta.get_field(n).column) for n in ("user", "kind", "key"))
    returning = ", ".join(q(meta.get_field(n).column) for n in ("id", "user", "kind", "key"))
    now = timezone.now()
    rows = []
    for start in range(0, len(specs), INSERT_CHUNK):  # stay far below the databases' parameter limits
        chunk = specs[start : start + INSERT_CHUNK]
        values: list[Any] = []
        for spec in chunk:
            row = (spec.user_id, spec.kind, spec.key, spec.params, spec.url, now)
            values += [f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)]
        placeholders = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(chunk))
        sql = (
            f"INSERT INTO {q(meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "  # noqa: S608
            f"VALUES {placeholders} ON CONFLICT ({unique}) DO NOTHING RETURNING {returning}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            rows += cursor.fetchall()
    by_key = {(s.user_id, s.kind, s.key): s for s in specs}
    created = []
    for pk, user_id, kind, key in rows:
        spec = by_key[(user_id, kind, key)]
        notification = Notification(
            pk=pk, user_id=user_id, kind=kind, key=key, params=spec.params, url=spec.url, created_at=now
        )
        notification._state.adding, notification._state.db = False, connection.alias
        created.append(notification)
    created.sort(key=lambda n: n.pk)
    return created


def _unread_raise(counts: Mapping[int, int]) -> None:
    if len(set(counts.values())) == 1:
        step: Any = Value(next(iter(counts.values())))
    else:
        step = Case(
            *(When(pk=user_id, then=Value(n)) for user_id, n in counts.items()),
            default=Value(0),
            output_field=PositiveIntegerField(),
        )
    User.objects.filter(pk__in=list(counts)).update(unread_notifications=F("unread_notifications") + step)


def _email_sender(notification_id: int):
    """The on_commit callback that queues one email; its name is what a failed send logs."""

    def send() -> None:
        from notifications.tasks import send_notification_email

        send_notification_email.delay(notification_id)

    send.__qualname__ = f"send_notification_email({notification_id})"
    return send


def email_wanted(*, user_id: int, kind: str) -> bool:
    """Email is on for a kind unless the user switched it off."""
    off = NotificationPreference.objects.filter(user_id=user_id, kind=kind, email=False).exists()
    return not off


def _language(user: User) -> str:
    try:
        return translation.get_supported_language_variant(user.language or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


def notification_email_render(notification: Notification) -> tuple[str, str]:
    """(subject, body) of the email, in the recipient's language (User.language)."""
    with translation.override(_language(notification.user)):
        title, body = notification_text(notification)
        lines = [body, ""]
        if notification.url:
            lines += [_("Open it: %(url)s") % {"url": settings.SITE_ROOT + notification.url}, ""]
        lines += [
            "-- ",
            _("You get this email because email is on for “%(kind)s”. Choose which emails you get: %(url)s")
            % {
                "kind": Kind(notification.kind).label,
                "url": settings.SITE_ROOT + reverse("notification_preferences"),
            },
        ]
    return title, "\n".join(lines) + "\n"


def notification_email_send(*, notification_id: int) -> bool:
    """Email one notification, at most once; False when already sent, switched off or not deliverable.

    The row is locked while sending: a duplicate delivery of the task waits, then finds ``emailed_at`` set.
    An SMTP error rolls back and leaves it unsent for the task's retry.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.emailed_at is not None:
            return False
        user = notification.user
        if not (user.is_active and user.email):
            return False
        if not email_wanted(user_id=user.pk, kind=notification.kind):  # switched off since it was queued
            return False
        subject, body = notification_email_render(notification)
        send_mail(" ".join(subject.split()), body, None, [user.email])
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True


def notification_emails_pending(
    *,
    now: datetime | None = None,
    settle: timedelta = timedelta(minutes=10),
    within: timedelta = timedelta(days=2),
) -> list[int]:
    """Notifications whose email should have gone but has not (its message lost with Redis, or retries
    exhausted), created between ``within`` and ``settle`` ago; at most 1,000, oldest first."""
    now = now or timezone.now()
    muted = NotificationPreference.objects.filter(
        user_id=OuterRef("user_id"), kind=OuterRef("kind"), email=False
    )
    return list(
        Notification.objects.filter(
            emailed_at__isnull=True,
            created_at__gte=now - within,
            created_at__lte=now - settle,
            user__is_active=True,
        )
        .exclude(Exists(muted))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:1000]
    )


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all when ``ids`` is None); returns how many changed.

    The unread counter is recounted from the table, so any drift is repaired here.
    """
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        # Lock the user row first: a notification_create still in flight raises the same row, so we wait
        # for it to commit and the recount below includes its notification (else the counter drifts).
        list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
        unread = Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
        target = unread if ids is None else unread.filter(pk__in=[int(i) for i in ids])
        changed = target.update(read_at=now)
        remaining = unread.count()
        User.objects.filter(pk=user.pk).update(unread_notifications=remaining)
    user.unread_notifications = remaining
    return changed


def preferences_save(*, user: User, emails: Mapping[str, bool]) -> None:
    """Store the user's email choice for each given kind, in one upsert."""
    unknown = set(emails) - set(Kind.values)
    if unknown:
        raise ValueError(f"unknown notification kinds {sorted(unknown)}")
    if not emails:
        return
    NotificationPreference.objects.bulk_create(
        [NotificationPreference(user_id=user.pk, kind=kind, email=bool(on)) for kind, on in emails.items()],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["email"],
    )


def preference_set(*, user: User, kind: str, email: bool) -> None:
    """Switch email on or off for one kind of notification."""
    preferences_save(user=user, emails={kind: email})


def user_language_set(*, user: User, language: str) -> None:
    """Remember the interface language the user chose: their emails and notifications are written in it."""
    try:
        language = translation.get_supported_language_variant(language)
    except LookupError:
        return
    if user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language


# --- daily reminders (beat) ---------------------------------------------------------------------------------


def _batches(queryset, size: int):
    """Keyset pagination by pk: each batch one query, whatever the table size."""
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last).order_by("pk")[:size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def due_date_reminders_send(*, today: date | None = None, batch_size: int = SCAN_BATCH) -> int:
    """Tell recruits about required modules due within 3 days (due_soon) or past due (overdue), once each.

    Only enrolments whose persisted ``next_due_date`` (the earliest due date of a required module not yet
    passed) is within the horizon are read; six queries per batch of enrolments. Returns how many were new.
    """
    from courses.models import CourseModule, Enrolment, ModuleProgress
    from courses.schedule import due_date, is_overdue

    today = today or timezone.localdate()
    horizon = today + timedelta(days=DUE_SOON_DAYS)
    enrolments = (
        Enrolment.objects.filter(
            next_due_date__isnull=False,
            next_due_date__lte=horizon,
            completed_at__isnull=True,
            user__is_active=True,
        )
        .select_related("course")
        .only("pk", "user_id", "course_id", "start_date", "course__title", "course__title_en")
    )
    created = 0
    for batch in _batches(enrolments, batch_size):
        required = defaultdict(list)
        for cm in (
            CourseModule.objects.filter(
                course_id__in={e.course_id for e in batch}, required=True, due_days__gt=0
            )
            .select_related("module")
            .only("course_id", "module_id", "due_days", "module__slug", "module__title", "module__title_en")
            .order_by("course_id", "position")
        ):
            required[cm.course_id].append(cm)
        passed = set(
            ModuleProgress.objects.filter(
                user_id__in={e.user_id for e in batch},
                module_id__in={cm.module_id for cms in required.values() for cm in cms},
                passed=True,
            ).values_list("user_id", "module_id")
        )
        specs = []
        for enrolment in batch:
            for cm in required[enrolment.course_id]:
                if (enrolment.user_id, cm.module_id) in passed:
                    continue
                due = due_date(start=enrolment.start_date, due_days=cm.due_days)
                if is_overdue(due=due, today=today):
                    kind = Kind.OVERDUE
                elif due <= horizon:
                    kind = Kind.DUE_SOON
                else:
                    continue
                specs.append(
                    NotificationSpec(
                        user_id=enrolment.user_id,
                        kind=kind,
                        key=f"enrolment:{enrolment.pk}:module:{cm.module_id}:{due.isoformat()}",
                        params={
                            "module": cm.module.title,
                            "module_en": cm.module.title_en,
                            "course": enrolment.course.title,
                            "course_en": enrolment.course.title_en,
                            "due": due.isoformat(),
                        },
                        url=reverse("module_detail", args=[cm.module.slug]),
                    )
                )
        created += len(notifications_create(items=specs))
    return created


def expiring_certificate_reminders_send(*, now: datetime | None = None, batch_size: int = SCAN_BATCH) -> int:
    """Tell holders once that a valid certificate expires within 30 days (unless a renewal replaced it).

    Four queries per batch of certificates. Returns how many were new.
    """
    from certificates.models import Certificate, CertificateStatus

    now = now or timezone.now()
    certificates = (
        Certificate.objects.filter(
            status=CertificateStatus.VALID,
            expires_at__gt=now,
            expires_at__lte=now + timedelta(days=EXPIRING_DAYS),
            replaced_by__isnull=True,
            user__is_active=True,
        )
        .select_related("course")
        .only("pk", "user_id", "code", "expires_at", "course__title", "course__title_en")
    )
    created = 0
    for batch in _batches(certificates, batch_size):
        specs = [
            NotificationSpec(
                user_id=c.user_id,
                kind=Kind.CERTIFICATE_EXPIRING,
                key=f"certificate:{c.pk}:expiring",
                params={
                    "title": c.course.title,
                    "title_en": c.course.title_en,
                    "expires": timezone.localdate(c.expires_at).isoformat(),
                },
                url=reverse("certificate_detail", args=[c.code]),
            )
            for c in batch
        ]
        created += len(notifications_create(items=specs))
    return created
