"""The 转正答辩 (probation defence): rubric versions from content, the defence, its panel, scores and changes.

Imported by ``evaluation/models.py``. Scores are written only by ``evaluation/defence_services.py``; the
result columns on ``Defence`` are the persisted aggregate that pages and the certificate rule read.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.models import Cohort

LEVEL_MIN = 1
LEVEL_MAX = 4
COMMENT_MAX = 2000
REASON_MAX = 1000
PANEL_MIN = 2
PANEL_MAX = 4


class DefenceRubric(models.Model):
    """A rubric's identity (its slug in content); its text lives in immutable versions."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    current_version = models.ForeignKey(
        "DefenceRubricVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current version"),
    )

    class Meta:
        verbose_name = _("defence rubric")
        verbose_name_plural = _("defence rubrics")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class DefenceRubricVersion(models.Model):
    """One published text of a rubric; a defence keeps the version it was scheduled with."""

    rubric = models.ForeignKey(DefenceRubric, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    source_hash = models.CharField(max_length=64)
    title = models.CharField(_("title"), max_length=120)
    title_en = models.CharField(_("English title"), max_length=120, blank=True)
    pass_percent = models.PositiveSmallIntegerField(_("pass mark (%)"))
    criteria = models.JSONField(_("criteria"), default=list)  # [{id, title, title_en, levels: [4 texts]}]
    created_at = models.DateTimeField(_("published at"), auto_now_add=True)

    class Meta:
        verbose_name = _("defence rubric version")
        verbose_name_plural = _("defence rubric versions")
        ordering = ["rubric_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "number"], name="defencerubricversion_unique_number"),
            models.CheckConstraint(
                condition=models.Q(pass_percent__gte=1, pass_percent__lte=100),
                name="defencerubricversion_pass_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"

    @property
    def criterion_ids(self) -> list[str]:
        return [c["id"] for c in self.criteria]


class DefenceStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    FINAL = "final", _("Result final")


class Defence(models.Model):
    """A recruit's 转正答辩 before a panel. ``percent``, ``passed``, ``flagged`` and ``result`` are the
    stored result, written when the last panel member submits and again after every audited change."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="+", verbose_name=_("cohort"))
    recruit = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("recruit")
    )
    rubric_version = models.ForeignKey(
        DefenceRubricVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("rubric")
    )
    scheduled_at = models.DateTimeField(_("date and time"))
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=16, choices=DefenceStatus.choices, default=DefenceStatus.SCHEDULED
    )
    percent = models.DecimalField(_("result (%)"), max_digits=4, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    flagged = models.BooleanField(_("panel disagrees"), default=False)
    result = models.JSONField(default=dict, blank=True)  # per criterion: mean, percent, low, high
    finalized_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("defence")
        verbose_name_plural = _("defences")
        ordering = ["-scheduled_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recruit", "scheduled_at"], name="defence_unique_recruit_time"),
            models.CheckConstraint(
                condition=models.Q(status="scheduled", percent__isnull=True)
                | models.Q(status="final", percent__isnull=False, passed__isnull=False),
                name="defence_result_only_when_final",
            ),
        ]
        indexes = [models.Index(fields=["recruit", "-scheduled_at"], name="defence_recruit_time")]

    def __str__(self) -> str:
        return f"defence {self.pk} of user {self.recruit_id}"


class PanelMember(models.Model):
    """One judge of a defence; ``submitted_at`` is set once, with their score sheet."""

    defence = models.ForeignKey(Defence, on_delete=models.CASCADE, related_name="panel")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("panel member")
    )
    comment = models.TextField(_("comment"), max_length=COMMENT_MAX, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["defence_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["defence", "user"], name="panelmember_unique_user"),
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} on defence {self.defence_id}"


class DefenceScore(models.Model):
    member = models.ForeignKey(PanelMember, on_delete=models.CASCADE, related_name="scores")
    criterion = models.CharField(max_length=60)
    level = models.PositiveSmallIntegerField(_("level"))

    class Meta:
        ordering = ["member_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["member", "criterion"], name="defencescore_unique_criterion"),
            models.CheckConstraint(
                condition=models.Q(level__gte=LEVEL_MIN, level__lte=LEVEL_MAX),
                name="defencescore_level_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}={self.level}"


class DefenceScoreChange(models.Model):
    """The audit of a score changed after its sheet was submitted: who, when, old → new, why."""

    score = models.ForeignKey(DefenceScore, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()
    old_level = models.PositiveSmallIntegerField()
    new_level = models.PositiveSmallIntegerField()
    reason = models.TextField(max_length=REASON_MAX)

    class Meta:
        ordering = ["changed_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="defencescorechange_reason_required"),
        ]

    def __str__(self) -> str:
        return f"score {self.score_id}: {self.old_level} -> {self.new_level}"
