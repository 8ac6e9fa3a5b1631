"""Recruits' feedback on the training itself (the reaction level): one rating per recruit and version."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.models import Module, ModuleVersion

RATING_MIN = 1
RATING_MAX = 5
COMMENT_MAX = 1000
_RATING = [MinValueValidator(RATING_MIN), MaxValueValidator(RATING_MAX)]


class ModuleFeedback(models.Model):
    """A recruit's rating of one module version after passing the module, editable for a few days.

    ``module`` repeats ``version.module`` so a module's report reads one indexed table.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("recruit")
    )
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="+", verbose_name=_("module"))
    version = models.ForeignKey(
        ModuleVersion, on_delete=models.CASCADE, related_name="+", verbose_name=_("module version")
    )
    usefulness = models.PositiveSmallIntegerField(_("usefulness"), validators=_RATING)
    difficulty = models.PositiveSmallIntegerField(_("difficulty"), validators=_RATING)
    clarity = models.PositiveSmallIntegerField(_("clarity"), validators=_RATING)
    comment = models.TextField(_("comment"), max_length=COMMENT_MAX, blank=True)
    show_name = models.BooleanField(
        _("trainers may see my name"),
        default=False,
        help_text=_("Off: trainers see the comment without a name."),
    )
    created_at = models.DateTimeField(_("first given"))
    updated_at = models.DateTimeField(_("last changed"))

    class Meta:
        verbose_name = _("module feedback")
        verbose_name_plural = _("module feedback")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="modulefeedback_unique_user_version"),
            *[
                models.CheckConstraint(
                    condition=models.Q(**{f"{name}__gte": RATING_MIN, f"{name}__lte": RATING_MAX}),
                    name=f"modulefeedback_{name}_range",
                )
                for name in ("usefulness", "difficulty", "clarity")
            ],
        ]
        indexes = [models.Index(fields=["module", "version"], name="modulefeedback_module_version")]

    def __str__(self) -> str:
        return f"feedback of user {self.user_id} on version {self.version_id}"


# ---------------------------------------------------------------- 带教 mentors and on-the-job checklists

STAGES = (30, 60, 90)
EVIDENCE_NOTE_MAX = 2000
EVIDENCE_LINK_MAX = 500
REVIEW_COMMENT_MAX = 1000


class Checklist(models.Model):
    """An on-the-job checklist (content/checklists/<slug>.md); its text lives in immutable versions."""

    slug = models.SlugField(_("slug"), unique=True, max_length=80)
    level = models.CharField(_("level"), max_length=16)
    current_version = models.ForeignKey(
        "ChecklistVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class ChecklistVersion(models.Model):
    """One published text of a checklist; never changed. A recruit keeps the version they started."""

    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("number"))
    source_hash = models.CharField(max_length=64)
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    intro_html = models.TextField(blank=True)
    source = models.TextField(blank=True)
    published_at = models.DateTimeField(_("published at"))

    class Meta:
        verbose_name = _("checklist version")
        verbose_name_plural = _("checklist versions")
        constraints = [
            models.UniqueConstraint(fields=["checklist", "number"], name="checklistversion_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.checklist_id} v{self.number}"


class ChecklistItem(models.Model):
    version = models.ForeignKey(ChecklistVersion, on_delete=models.CASCADE, related_name="items")
    key = models.SlugField(max_length=60)
    stage = models.PositiveSmallIntegerField(_("stage (day)"))
    position = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)
    evidence = models.CharField(_("what counts as evidence"), max_length=500)
    description_html = models.TextField(blank=True)
    source_line = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="checklistitem_unique_key"),
            models.CheckConstraint(condition=models.Q(stage__in=STAGES), name="checklistitem_stage_valid"),
        ]

    def __str__(self) -> str:
        return self.key


class Mentorship(models.Model):
    """The 带教 mentor of one recruit in one cohort, assigned by a manager of the cohort."""

    cohort = models.ForeignKey("courses.Cohort", on_delete=models.CASCADE, related_name="+")
    recruit = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("recruit")
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("mentor")
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    assigned_at = models.DateTimeField()

    class Meta:
        verbose_name = _("mentorship")
        verbose_name_plural = _("mentorships")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "recruit"], name="mentorship_unique_recruit"),
            models.CheckConstraint(
                condition=~models.Q(mentor=models.F("recruit")), name="mentorship_not_self"
            ),
        ]
        indexes = [models.Index(fields=["mentor"], name="mentorship_mentor")]

    def __str__(self) -> str:
        return f"mentor {self.mentor_id} of {self.recruit_id} in cohort {self.cohort_id}"


class RecruitChecklist(models.Model):
    """A recruit's run through one checklist version, counted from ``start_date``.

    ``stage_reached`` (0, 30, 60 or 90: every item up to that day signed off) and ``items_signed`` are
    persisted by the services, so dashboards and the certification rule read them without counting."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    mentorship = models.OneToOneField(Mentorship, on_delete=models.CASCADE, related_name="run")
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(ChecklistVersion, on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField(_("start date"))
    stage_reached = models.PositiveSmallIntegerField(_("checklist stage"), default=0)
    items_total = models.PositiveSmallIntegerField(default=0)
    items_signed = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "checklist"], name="recruitchecklist_unique_user_checklist"
            ),
            models.CheckConstraint(
                condition=models.Q(stage_reached__in=(0, *STAGES)), name="recruitchecklist_stage_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"checklist {self.checklist_id} of user {self.user_id}"


class ItemStatus(models.TextChoices):
    OPEN = "open", _("to do")
    SUBMITTED = "submitted", _("waiting for sign-off")
    SENT_BACK = "sent_back", _("sent back")
    SIGNED_OFF = "signed_off", _("signed off")


class ItemProgress(models.Model):
    """Where one item of a recruit's checklist stands, with the evidence last submitted."""

    run = models.ForeignKey(RecruitChecklist, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    note = models.TextField(_("note"), max_length=EVIDENCE_NOTE_MAX, blank=True)
    link = models.URLField(_("link"), max_length=EVIDENCE_LINK_MAX, blank=True)
    comment = models.TextField(_("mentor's comment"), max_length=REVIEW_COMMENT_MAX, blank=True)
    due_date = models.DateField(_("due date"))
    submitted_at = models.DateTimeField(null=True, blank=True)
    signed_off_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "item__position"]
        constraints = [models.UniqueConstraint(fields=["run", "item"], name="itemprogress_unique_item")]
        indexes = [models.Index(fields=["status", "due_date"], name="itemprogress_status_due")]

    def __str__(self) -> str:
        return f"item {self.item_id} of run {self.run_id}: {self.status}"


class ItemEvent(models.Model):
    """The audit of one transition of an item: who, when, from → to, and the comment or evidence."""

    progress = models.ForeignKey(ItemProgress, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    from_status = models.CharField(max_length=12, choices=ItemStatus.choices)
    to_status = models.CharField(max_length=12, choices=ItemStatus.choices)
    comment = models.TextField(blank=True)

    class Meta:
        verbose_name = _("checklist item event")
        verbose_name_plural = _("checklist item events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status} by {self.actor_id}"


from evaluation.defence_models import (  # noqa: E402,F401  (the defence models, registered with this app)
    Defence,
    DefenceRubric,
    DefenceRubricVersion,
    DefenceScore,
    DefenceScoreChange,
    PanelMember,
)
