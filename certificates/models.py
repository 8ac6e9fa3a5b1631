"""Certificates issued when a recruit meets a course's certification rule, and their audit trail."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import Course, Level


def new_code() -> str:
    """An unguessable verification code: 16 random bytes, 22 URL-safe characters."""
    return secrets.token_urlsafe(16)


def new_salt() -> str:
    return secrets.token_hex(8)


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")


class CertificateState(models.TextChoices):
    """What a verifier sees: the stored status combined with the expiry date."""

    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class Certificate(models.Model):
    """One certificate per recruit × course × issue cycle.

    Cycles form a chain: the first certificate of a recruit for a course has ``replaces`` empty, and a
    renewal after expiry replaces exactly the one before it. Two constraints make issuance exactly-once
    under any race, without depending on status or the clock: at most one first certificate per
    user × course (a partial unique index), and each certificate replaced at most once (``replaces`` is
    one-to-one). A partial unique index on ``status='valid'`` would not do: an expired certificate keeps
    its status, so renewal would need a sweeper to flip it first, and a revoked one would let the next
    grading silently issue a new certificate over the admin's decision.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="certificates",
        verbose_name=_("holder"),
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("course")
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    code = models.CharField(
        _("verification code"), max_length=32, unique=True, default=new_code, editable=False
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    revoked_reason = models.TextField(_("revocation reason"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("renews certificate"),
    )
    scores = models.JSONField(_("scores at issue"), default=dict, blank=True)
    # Set when a later regrade drops a required score below the pass mark: the certificate is kept and
    # flagged for an admin to review (docs in certificates/README.md); cleared if the score recovers.
    flagged_at = models.DateTimeField(_("flagged at"), null=True, blank=True)
    # Open Badges recipient, hashed at issue so the assertion never carries the email and stays stable.
    recipient_salt = models.CharField(_("recipient salt"), max_length=32, default=new_salt, editable=False)
    recipient_identity = models.CharField(_("recipient identity"), max_length=80, blank=True, editable=False)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course"],
                condition=Q(replaces__isnull=True),
                name="certificate_one_first_per_user_course",
            ),
        ]
        indexes = [models.Index(fields=["user", "course", "-issued_at"], name="certificate_user_course")]

    def __str__(self) -> str:
        return f"{self.course_id} for user {self.user_id} ({self.code[:6]}…)"

    def state(self, now: datetime | None = None) -> str:
        if self.status == CertificateStatus.REVOKED:
            return CertificateState.REVOKED
        if self.expires_at and self.expires_at <= (now or timezone.now()):
            return CertificateState.EXPIRED
        return CertificateState.VALID

    @property
    def current_state(self) -> str:
        return self.state()

    @property
    def state_label(self) -> str:
        return CertificateState(self.state()).label

    @property
    def holder_name(self) -> str:
        """The name printed on the certificate: never the email address."""
        return holder_name(self.user)


def holder_name(user) -> str:
    return user.display_name or user.get_full_name() or str(_("Certificate holder"))


class EventKind(models.TextChoices):
    ISSUED = "issued", _("Issued")
    REVOKED = "revoked", _("Revoked")
    FLAGGED = "flagged", _("Flagged: a required score fell below the pass mark")
    CLEARED = "cleared", _("Flag cleared: the rule is met again")


class CertificateEvent(models.Model):
    """Audit row, written in the same transaction as the change it records."""

    certificate = models.ForeignKey(
        Certificate, on_delete=models.CASCADE, related_name="events", verbose_name=_("certificate")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=EventKind.choices)
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acting user"),
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("certificate event")
        verbose_name_plural = _("certificate events")

    def __str__(self) -> str:
        return f"{self.kind} certificate {self.certificate_id}"
