"""In-app notifications, emailed once each, and each user's choice of which kinds reach their inbox."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    GRADED = "graded", _("A result is ready")
    REVIEW_NEEDED = "review_needed", _("A written response needs review")
    CERTIFICATE_ISSUED = "certificate_issued", _("Certificate issued")
    DUE_SOON = "due_soon", _("A module is due soon")
    OVERDUE = "overdue", _("A module is overdue")
    CERTIFICATE_EXPIRING = "certificate_expiring", _("A certificate is expiring")
    REVIEW_DUE = "review_due", _("Today's review is ready")
    CHECKLIST_SENT_BACK = "checklist_sent_back", _("A checklist item was sent back")
    CHECKLIST_OVERDUE = "checklist_overdue", _("A checklist item is overdue")
    DEFENCE_SCHEDULED = "defence_scheduled", _("You are on a defence panel")
    DEFENCE_RESULT = "defence_result", _("A defence result is final")


class Notification(models.Model):
    """One thing a user is told about, once: (user, kind, key) is unique, so a duplicate task, a second
    reminder run or a regrade never tells them twice. Text is rendered from ``params`` in the reader's
    language when shown or emailed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    key = models.CharField(_("key"), max_length=120, help_text=_("What it is about, e.g. attempt:42."))
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="notification_once"),
        ]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} for user {self.user_id}"


class NotificationPreference(models.Model):
    """A user's choice for one kind; without a row, email is on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    email = models.BooleanField(_("send email"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notificationpreference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} email={'on' if self.email else 'off'} for user {self.user_id}"
