from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.models import Cohort
from workchat.platforms import Platform


class PlatformChoice(models.TextChoices):
    WECOM = Platform.WECOM.value, _("WeCom (企业微信) group bot")
    DINGTALK = Platform.DINGTALK.value, _("DingTalk (钉钉) custom bot")
    FEISHU = Platform.FEISHU.value, _("Feishu (飞书) custom bot")


class GroupBot(models.Model):
    """A work-chat group bot that receives a cohort's daily digest.

    The webhook URL (its key or token is the credential) and the signing secret are stored encrypted
    (workchat.crypto); the hints are what the pages show.
    """

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="group_bots")
    platform = models.CharField(_("platform"), max_length=16, choices=PlatformChoice.choices)
    name = models.CharField(_("name"), max_length=60)
    webhook_encrypted = models.TextField()
    secret_encrypted = models.TextField(blank=True)
    webhook_hint = models.CharField(max_length=120)
    secret_hint = models.CharField(max_length=20, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("group bot")
        verbose_name_plural = _("group bots")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["cohort", "name"], name="groupbot_cohort_name_unique")]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.name} (cohort {self.cohort_id})"


class DeliveryKind(models.TextChoices):
    DIGEST = "digest", _("daily digest")
    TEST = "test", _("test message")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("queued")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class Delivery(models.Model):
    """One message to one bot, built once and sent by a task until the platform accepts or refuses it.

    ``key`` makes it idempotent: ``digest:YYYY-MM-DD`` per bot and day, ``test:<uuid>`` per button press.
    A digest covers certificates issued in ``[period_start, period_end)``.
    """

    bot = models.ForeignKey(GroupBot, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=8, choices=DeliveryKind.choices)
    key = models.CharField(max_length=60)
    digest_date = models.DateField(null=True, blank=True)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    title = models.CharField(max_length=200)
    lines = models.JSONField(default=list)
    status = models.CharField(max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["bot", "key"], name="delivery_bot_key_unique"),
            models.CheckConstraint(
                condition=~models.Q(kind="digest") | models.Q(digest_date__isnull=False),
                name="delivery_digest_has_date",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="delivery_status_created")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} to bot {self.bot_id}: {self.status}"
