"""Writes for certificates: evaluate the rule and issue exactly once, flag after a regrade, revoke."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from certificates import selectors
from certificates.models import Certificate, CertificateEvent, CertificateState, CertificateStatus, EventKind
from certificates.rules import (
    RuleOutcome,
    certification_rule_check,
    recall_renewal_check,
    rule_checklist,
    rule_requirements,
)
from courses.models import Course

logger = logging.getLogger(__name__)

MAX_REASON_CHARS = 1000


def recipient_identity(*, email: str, salt: str) -> str:
    """The Open Badges hashed identity: ``sha256$`` + hex digest of the normalised email and the salt."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def _rule_check(*, user_id: int, rule: dict, since: datetime | None) -> RuleOutcome:
    slugs, refs = rule_requirements(rule)
    evidence = selectors.module_evidence(user_id=user_id, slugs=slugs, since=since)
    drills = {ref: selectors.drill_passed(user_id=user_id, ref=ref, since=since) for ref in refs}
    checklist, _stage = rule_checklist(rule)
    reached = selectors.checklist_stage_reached(user_id=user_id, slug=checklist) if checklist else 0
    defence = selectors.defence_passed(user_id=user_id) if rule.get("defence") else False
    return certification_rule_check(rule, evidence, drills, checklist_reached=reached, defence_passed=defence)


def _recall_renewal(*, user_id: int, rule: dict, since: datetime) -> RuleOutcome | None:
    """A renewal earned by recall (``renewal_recall``): the rule still met by the recruit's standing passes,
    and their spaced-review answers since the renewal window opened right often enough in every skill area
    of the required modules (``rules.recall_renewal_check``). None when not offered or not met."""
    if not rule.get("renewal_recall"):
        return None
    standing = _rule_check(user_id=user_id, rule=rule, since=None)
    if not standing.met:
        return None
    areas = selectors.skill_areas(slugs=rule_requirements(rule)[0])
    reviews = selectors.reviews_since(user_id=user_id, areas=areas, since=since)
    met, snapshot, _missing = recall_renewal_check(rule, reviews, areas)
    if not met:
        return None
    return RuleOutcome(met=True, snapshot={**standing.snapshot, "renewed_by_recall": snapshot})


def certification_evaluate(
    *, user_id: int, course_id: int, now: datetime | None = None
) -> Certificate | None:
    """Issue the course's certificate when its rule is met: once per cycle, whatever the duplicates.

    Returns the user's current (valid, unexpired) certificate for the course, or None. A current
    certificate is re-checked against the rule it was issued under: a regrade that drops a required score
    below the pass mark keeps it and flags it (audited); a later recovery clears the flag. A revoked
    certificate is final: no new one is issued automatically. From ``RENEWAL_WINDOW`` before its expiry
    (and after it) a certificate can be renewed: the rule met again with passes graded since the window
    opened issues a new certificate that replaces it.
    """
    course = Course.objects.only("id", "level", "certification").get(pk=course_id)
    rule = course.certification or {}
    if not any(rule_requirements(rule)):
        return None
    now = now or timezone.now()
    with transaction.atomic():
        # Locks the latest certificate of the chain, so a flag and a revocation cannot interleave. When
        # there is none yet, two evaluations both insert and the unique constraint lets one win.
        latest = (
            Certificate.objects.select_for_update(of=("self",))
            .select_related("replaces")
            .filter(user_id=user_id, course_id=course_id)
            .order_by("-id")
            .first()
        )
        if latest is not None and latest.status == CertificateStatus.REVOKED:
            return None
        if latest is not None and latest.state(now) == CertificateState.VALID:
            issued_rule = latest.scores.get("rule", rule)
            since = selectors.renewal_opens(latest.replaces)
            _flag_sync(
                certificate=latest, outcome=_rule_check(user_id=user_id, rule=issued_rule, since=since)
            )
            opens = selectors.renewal_opens(latest)
            if opens is None or now < opens:
                return latest
            renewal = _rule_check(user_id=user_id, rule=rule, since=opens)
            if not renewal.met:
                renewal = _recall_renewal(user_id=user_id, rule=rule, since=opens)
            if renewal is None or not renewal.met:
                return latest
            return _certificate_issue(
                course=course, user_id=user_id, outcome=renewal, replaces=latest, now=now
            )
        since = selectors.renewal_opens(latest)
        outcome = _rule_check(user_id=user_id, rule=rule, since=since)
        if not outcome.met:
            return None
        return _certificate_issue(course=course, user_id=user_id, outcome=outcome, replaces=latest, now=now)


def _certificate_issue(
    *, course: Course, user_id: int, outcome: RuleOutcome, replaces: Certificate | None, now: datetime
) -> Certificate:
    months = (course.certification or {}).get("validity_months") or 0
    email = User.objects.only("email").get(pk=user_id).email
    certificate = Certificate(
        user_id=user_id,
        course=course,
        level=course.level,
        issued_at=now,
        expires_at=now + relativedelta(months=int(months)) if months else None,
        replaces=replaces,
        scores={**outcome.snapshot, "rule": course.certification},
    )
    certificate.recipient_identity = recipient_identity(email=email, salt=certificate.recipient_salt)
    try:
        with transaction.atomic():
            certificate.save()
            CertificateEvent.objects.create(
                certificate=certificate, kind=EventKind.ISSUED, details=outcome.snapshot
            )
    except IntegrityError:
        # A concurrent evaluation issued this cycle's certificate first (and committed): return that one.
        logger.info("certificate for user %s course %s already issued", user_id, course.pk)
        return Certificate.objects.get(user_id=user_id, course=course, replaces=replaces)
    from certificates.tasks import notify_certificate_issued

    pk = certificate.pk
    transaction.on_commit(lambda: notify_certificate_issued.delay(pk), robust=True)
    return certificate


def _flag_sync(*, certificate: Certificate, outcome: RuleOutcome) -> None:
    """Flag a kept certificate whose rule is no longer met; clear the flag once it is met again."""
    if not outcome.met and certificate.flagged_at is None:
        certificate.flagged_at = timezone.now()
        kind = EventKind.FLAGGED
        reason = "below the pass mark or not passed after a regrade: " + ", ".join(outcome.missing)
    elif outcome.met and certificate.flagged_at is not None:
        certificate.flagged_at = None
        kind = EventKind.CLEARED
        reason = "every requirement is met again"
    else:
        return
    certificate.save(update_fields=["flagged_at"])
    CertificateEvent.objects.create(
        certificate=certificate, kind=kind, reason=reason, details=outcome.snapshot
    )


def certifications_evaluate_for_user(*, user_id: int) -> list[Certificate]:
    """Evaluate every certification track for one user, each in its own transaction."""
    courses = [
        c.pk
        for c in Course.objects.only("id", "certification")
        if any(rule_requirements(c.certification or {}))
    ]
    current = []
    for course_id in courses:
        certificate = certification_evaluate(user_id=user_id, course_id=course_id)
        if certificate is not None:
            current.append(certificate)
    return current


def certificate_revoke(*, certificate: Certificate, reason: str, acting_user: User) -> Certificate:
    """Revoke a certificate with a reason; the audit row is written in the same transaction."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for the revocation."))
    if len(reason) > MAX_REASON_CHARS:
        raise ValidationError(
            _("The reason is too long (at most %(n)d characters).") % {"n": MAX_REASON_CHARS}
        )
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.status == CertificateStatus.REVOKED:
            raise ValidationError(_("This certificate is already revoked."))
        certificate.status = CertificateStatus.REVOKED
        certificate.revoked_reason = reason
        certificate.revoked_by = acting_user
        certificate.revoked_at = timezone.now()
        certificate.save(update_fields=["status", "revoked_reason", "revoked_by", "revoked_at"])
        CertificateEvent.objects.create(
            certificate=certificate, kind=EventKind.REVOKED, reason=reason, actor=acting_user
        )
    return certificate


def certificate_notify(*, certificate_id: int) -> bool:
    """Tell the holder once that their certificate was issued: in the site, and by email unless they switched
    that off (notification_create queues it after commit). False when already told or revoked."""
    from notifications.models import Kind
    from notifications.services import notification_create

    with transaction.atomic():
        # The lock and notified_at keep it once per certificate; the notification's unique key and its
        # emailed_at keep the email once even if notified_at were cleared.
        certificate = (
            Certificate.objects.select_for_update(of=("self",))
            .select_related("course")
            .get(pk=certificate_id)
        )
        if certificate.notified_at or certificate.status == CertificateStatus.REVOKED:
            return False
        notification_create(
            user_id=certificate.user_id,
            kind=Kind.CERTIFICATE_ISSUED,
            key=f"certificate:{certificate.pk}",
            params={
                "title": certificate.course.title,
                "title_en": certificate.course.title_en,
                "level": certificate.level,
            },
            url=reverse("certificate_detail", args=[certificate.code]),
        )
        certificate.notified_at = timezone.now()
        certificate.save(update_fields=["notified_at"])
    return True
