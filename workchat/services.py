"""Group bots for cohorts: attach and remove them, build the daily digests, send each message once.

A message is a ``Delivery`` row first (unique per bot and key), then a task (``workchat.tasks``) that sends
it under a per-bot rate limit and records what the platform answered.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import random
import time
import uuid
from datetime import date, datetime, timedelta

import requests
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from certificates.models import Certificate, CertificateStatus
from courses.models import Cohort, CohortMembership, Enrolment, Level
from workchat import crypto
from workchat.digest import Digest, Person, digest_message
from workchat.models import Delivery, DeliveryKind, DeliveryStatus, GroupBot
from workchat.platforms import (
    Answer,
    Outcome,
    Platform,
    WebhookError,
    answer_read,
    mask,
    message_body,
    request_build,
    secret_check,
    webhook_parse,
)

logger = logging.getLogger(__name__)

BOTS_PER_COHORT_MAX = 5
MAX_ATTEMPTS = 6  # HTTP tries per message before it is recorded as failed
RETRY_PENDING_AFTER = timedelta(minutes=15)  # a pending message older than this lost its task message
DIGEST_LANGUAGE = "zh-hans"


class WorkchatError(Exception):
    """A request the user can correct; the message says how."""


class SendLater(Exception):
    """Not sent now (rate limit or a transient fault): send again after ``countdown`` seconds."""

    def __init__(self, countdown: int) -> None:
        super().__init__(countdown)
        self.countdown = countdown


# ── bots ──────────────────────────────────────────────────────────────────────────────────────────────


def bot_create(
    *, cohort: Cohort, acting_user: User, platform: str, name: str, webhook_url: str, secret: str = ""
) -> GroupBot:
    """Attach a group bot to ``cohort`` (which the caller has checked ``acting_user`` manages)."""
    try:
        webhook = webhook_parse(platform, webhook_url, allow_loopback=settings.WORKCHAT_ALLOW_LOOPBACK)
        secret = secret_check(platform, secret)
    except WebhookError as exc:
        reason = {"reason": exc}
        raise WorkchatError(
            _("This is not a bot address the platform issues: %(reason)s.") % reason
        ) from None
    try:
        webhook_encrypted, secret_encrypted = crypto.encrypt(webhook.url), crypto.encrypt(secret)
    except crypto.KeysMissing:
        logger.error("workchat: WORKCHAT_FERNET_KEYS is missing or invalid; no bot can be attached")
        raise WorkchatError(
            _("Work-chat bots are not set up on this site yet: ask the administrator.")
        ) from None
    with transaction.atomic():
        # Serialise attaching per cohort, so the limit below holds under double submits.
        Cohort.objects.select_for_update().filter(pk=cohort.pk).first()
        if GroupBot.objects.filter(cohort=cohort).count() >= BOTS_PER_COHORT_MAX:
            raise WorkchatError(_("A cohort can have at most %(n)d bots.") % {"n": BOTS_PER_COHORT_MAX})
        if GroupBot.objects.filter(cohort=cohort, name=name).exists():
            raise WorkchatError(_("This cohort already has a bot with this name."))
        return GroupBot.objects.create(
            cohort=cohort,
            platform=webhook.platform.value,
            name=name,
            webhook_encrypted=webhook_encrypted,
            secret_encrypted=secret_encrypted,
            webhook_hint=f"{webhook.url.split('//', 1)[1].split('/', 1)[0]} · {mask(webhook.token)}",
            secret_hint=f"…{secret[-4:]}" if secret else "",  # the SEC prefix would say nothing
            created_by=acting_user,
        )


def bot_delete(*, bot: GroupBot) -> None:
    """Remove a bot and its delivery records; a message still queued for it finds nothing to send."""
    bot.delete()


def bot_test_queue(*, bot: GroupBot, nonce: str) -> tuple[Delivery, bool]:
    """Queue a test message for ``bot``; the form's nonce makes a double submit or a replay queue nothing new.
    Returns the delivery and whether it is new."""
    try:
        nonce = str(uuid.UUID(nonce))
    except (TypeError, ValueError):
        raise WorkchatError(_("The form has expired: reload the page and try again.")) from None
    with translation.override(DIGEST_LANGUAGE):
        title = _("Test message")
        lines = [_("This bot is connected to the cohort %(cohort)s.") % {"cohort": bot.cohort.name}]
    delivery, created = Delivery.objects.get_or_create(
        bot=bot, key=f"test:{nonce}", defaults={"kind": DeliveryKind.TEST, "title": title, "lines": lines}
    )
    if created:
        _send_on_commit(delivery.pk)
    return delivery, created


def _send_on_commit(delivery_id: int) -> None:
    from workchat.tasks import send_group_message  # the tasks module imports this one

    transaction.on_commit(lambda: send_group_message.delay(delivery_id))


# ── digests ──────────────────────────────────────────────────────────────────────────────────────────


def _person(row: dict, detail: str = "") -> Person:
    return Person(name=row["user__display_name"] or row["user__email"], detail=detail)


def digest_data(*, cohort: Cohort, since: datetime, until: datetime, today: date) -> Digest:
    """Who is overdue, who waits for review and who was certified in ``[since, until)``, from the persisted
    enrolment aggregates and certificates: two queries whatever the cohort's size."""
    members = CohortMembership.objects.filter(cohort_id=cohort.pk).values("user_id")
    rows = list(
        Enrolment.objects.filter(course_id=cohort.course_id, user_id__in=members, user__is_active=True)
        .filter(Q(next_due_date__lt=today, completed_at__isnull=True) | Q(awaiting_review__gt=0))
        .order_by("next_due_date", "user__email")
        .values("user__email", "user__display_name", "next_due_date", "completed_at", "awaiting_review")
    )
    certified = (
        Certificate.objects.filter(
            course_id=cohort.course_id, user_id__in=members, issued_at__gte=since, issued_at__lt=until
        )
        .exclude(status=CertificateStatus.REVOKED)
        .order_by("issued_at", "id")
        .values("user__email", "user__display_name", "level")
    )
    digest = Digest(cohort=cohort.name, day=today)
    for row in rows:
        due = row["next_due_date"]
        if due is not None and due < today and row["completed_at"] is None:
            late = (today - due).days
            digest.overdue.append(
                _person(row, _("due %(date)s, %(days)d days late") % {"date": due, "days": late})
            )
        if row["awaiting_review"]:
            digest.waiting.append(_person(row, _("%(n)d answers") % {"n": row["awaiting_review"]}))
    digest.certified = [_person(row, str(Level(row["level"]).label)) for row in certified]
    return digest


def digests_create(*, today: date | None = None, now: datetime | None = None) -> list[int]:
    """Build today's digest of every bot once (key ``digest:<date>``) and return the ids of the messages to
    send: the new ones and any still pending whose task message was lost."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    key = f"digest:{today.isoformat()}"
    bots = list(GroupBot.objects.select_related("cohort").exclude(deliveries__key=key).order_by("pk"))
    last_ends = dict(
        Delivery.objects.filter(bot__in=[b.pk for b in bots], kind=DeliveryKind.DIGEST)
        .values("bot_id")
        .annotate(end=Max("period_end"))
        .values_list("bot_id", "end")
    )
    built: dict[tuple[int, datetime], tuple[str, list[str]]] = {}
    with translation.override(DIGEST_LANGUAGE):
        for bot in bots:
            since = last_ends.get(bot.pk) or now - timedelta(days=1)
            if (bot.cohort_id, since) not in built:
                digest = digest_data(cohort=bot.cohort, since=since, until=now, today=today)
                built[(bot.cohort_id, since)] = digest_message(digest)
            title, lines = built[(bot.cohort_id, since)]
            try:
                with transaction.atomic():
                    Delivery.objects.create(
                        bot=bot,
                        kind=DeliveryKind.DIGEST,
                        key=key,
                        digest_date=today,
                        period_start=since,
                        period_end=now,
                        title=title,
                        lines=lines,
                    )
            except IntegrityError:
                continue  # a concurrent run made it: sent once all the same
    return deliveries_to_send(now=now)


def deliveries_to_send(*, now: datetime) -> list[int]:
    """Pending messages: today's new ones, and older ones (up to two days) whose task message was lost."""
    return list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, created_at__gte=now - timedelta(days=2))
        .filter(Q(kind=DeliveryKind.DIGEST, period_end=now) | Q(created_at__lt=now - RETRY_PENDING_AFTER))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# ── sending ──────────────────────────────────────────────────────────────────────────────────────────


# A sliding log per bot in Redis, checked and taken in one step (a script runs atomically), so any number of
# workers together keep under the platform's limit, window boundaries included.
_RATE_SCRIPT = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('EXPIRE', key, math.ceil(window) + 1)
  return '0'
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - now)
"""


@functools.cache
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def rate_wait(*, bot_id: int, now: float) -> int:
    """Take a slot in the bot's sliding window (``WORKCHAT_RATE_LIMIT`` messages per ``WORKCHAT_RATE_WINDOW``
    seconds, kept in Redis); 0 when granted, else the seconds until a slot frees or a platform's throttle
    ends. Without Redis (the in-process demo) every message is granted."""
    paused_until = cache.get(f"workchat:pause:{bot_id}")
    if paused_until and paused_until > now:
        return math.ceil(paused_until - now)
    if not settings.REDIS_URL:
        return 0
    client = _redis(settings.REDIS_URL)
    wait = client.eval(
        _RATE_SCRIPT,
        1,
        f"workchat:rate:{bot_id}",
        repr(now),
        settings.WORKCHAT_RATE_WINDOW,
        settings.WORKCHAT_RATE_LIMIT,
        uuid.uuid4().hex,
    )
    return math.ceil(float(wait))


def _post(delivery: Delivery) -> Answer:
    bot = delivery.bot
    try:
        webhook = webhook_parse(
            bot.platform,
            crypto.decrypt(bot.webhook_encrypted),
            allow_loopback=settings.WORKCHAT_ALLOW_LOOPBACK,
        )
        secret = crypto.decrypt(bot.secret_encrypted)
    except (crypto.InvalidToken, crypto.KeysMissing):
        return Answer(
            Outcome.FAILED, "key", "the stored webhook cannot be decrypted with WORKCHAT_FERNET_KEYS"
        )
    except WebhookError as exc:
        return Answer(Outcome.FAILED, "address", str(exc))
    body = message_body(Platform(bot.platform), title=delivery.title, lines=list(delivery.lines))
    request = request_build(webhook, secret, body, now=time.time())
    try:
        response = requests.post(
            request.url,
            data=json.dumps(request.body, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
            timeout=settings.WORKCHAT_TIMEOUT,
            allow_redirects=False,
        )
    except requests.Timeout:
        return Answer(Outcome.RETRY, "timeout", f"no answer within {settings.WORKCHAT_TIMEOUT}s")
    except requests.RequestException as exc:
        return Answer(Outcome.RETRY, "connection", type(exc).__name__)
    return answer_read(Platform(bot.platform), response.status_code, response.text[:10_000])


def delivery_send(*, delivery_id: int) -> str:
    """Send one message if it is still pending and the bot has a free slot; record the platform's answer.

    The row stays locked while the request runs (at most ``WORKCHAT_TIMEOUT`` seconds), so a duplicate task
    waits and then finds it sent. Raises ``SendLater`` for a rate limit or a transient fault."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().select_related("bot").filter(pk=delivery_id).first()
        if delivery is None:
            return "missing"  # its bot was removed
        if delivery.status != DeliveryStatus.PENDING:
            return delivery.status
        wait = rate_wait(bot_id=delivery.bot_id, now=time.time())
        if wait:
            later = wait
        else:
            answer = _post(delivery)
            delivery.attempts += 1
            delivery.error_code, delivery.error_message = answer.code if answer.code != "0" else "", ""
            later = 0
            if answer.outcome is Outcome.SENT:
                delivery.status, delivery.sent_at = DeliveryStatus.SENT, timezone.now()
            else:
                delivery.error_message = answer.message
                if answer.outcome is Outcome.FAILED or delivery.attempts >= MAX_ATTEMPTS:
                    delivery.status = DeliveryStatus.FAILED
                else:
                    base = settings.WORKCHAT_RETRY_BACKOFF
                    backoff = min(base * 2 ** (delivery.attempts - 1), 600)
                    later = max(answer.pause, backoff + random.randint(0, max(1, base // 3)))  # noqa: S311
                if answer.pause:
                    cache.set(f"workchat:pause:{delivery.bot_id}", time.time() + answer.pause, answer.pause)
            delivery.save(
                update_fields=["attempts", "status", "sent_at", "error_code", "error_message", "updated_at"]
            )
            if delivery.status == DeliveryStatus.FAILED:
                logger.warning(
                    "workchat: delivery %s failed: %s %s", delivery.pk, delivery.error_code, answer.message
                )
    if later:
        raise SendLater(later)
    return delivery.status
