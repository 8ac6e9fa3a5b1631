import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from courses.models import Module, ModuleVersion


class Quiz(models.Model):
    """A quiz of one module version: settings plus a pool of question versions."""

    version = models.ForeignKey(ModuleVersion, on_delete=models.CASCADE, related_name="quizzes")
    key = models.SlugField(max_length=80, help_text="The author's stable quiz id.")
    title = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    settings = models.JSONField(default=dict)
    questions = models.ManyToManyField("QuestionVersion", through="QuizQuestion", related_name="+")

    class Meta:
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="quiz_unique_key")]

    def __str__(self) -> str:
        return self.title or self.key

    @property
    def draw(self) -> int:
        return int(self.settings.get("draw") or 0)

    @property
    def time_limit_minutes(self) -> int:
        return int(self.settings.get("time_limit_minutes") or 0)

    @property
    def attempts_allowed(self) -> int:
        return int(self.settings.get("attempts_allowed") or 0)

    @property
    def asks_confidence(self) -> bool:
        """Confidence-based marking: the recruit rates each answer low, medium or high."""
        return bool(self.settings.get("confidence"))


class Question(models.Model):
    """A question's identity across versions: the module plus the author's id. Never deleted."""

    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="questions")
    key = models.CharField(max_length=80)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["module", "key"], name="question_unique_key")]

    def __str__(self) -> str:
        return f"{self.module.slug}/{self.key}"


class QuestionVersion(models.Model):
    """An immutable question text and answer key. ``data`` is what the graders read."""

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="versions")
    content_hash = models.CharField(max_length=64)
    data = models.JSONField()
    # Where the author wrote it (relative to the content folder), for reports; not part of the hash.
    source_path = models.CharField(max_length=300, blank=True)
    source_line = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "content_hash"], name="questionversion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.question} ({self.content_hash[:8]})"


class QuizQuestion(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="pool")
    question_version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["quiz", "position"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "question_version"], name="quizquestion_unique"),
        ]

    def __str__(self) -> str:
        return f"quiz {self.quiz_id} #{self.position}"


class DrillKind(models.TextChoices):
    SCENARIO = "scenario", _("Branching scenario")
    DATA = "data", _("Data exercise")
    WRITTEN = "written", _("Written response")


class Drill(models.Model):
    """A case-study drill of one module version. ``data`` holds what grading needs, answer key included;
    pages show only what ``assessments.drill_views`` takes from it for the recruit's current step."""

    version = models.ForeignKey(ModuleVersion, on_delete=models.CASCADE, related_name="drills")
    key = models.SlugField(max_length=80, help_text="The author's stable drill id.")
    kind = models.CharField(max_length=16, choices=DrillKind.choices)
    title = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    intro_html = models.TextField(blank=True)
    data = models.JSONField(default=dict)
    source_path = models.CharField(max_length=300, blank=True)
    source_line = models.PositiveIntegerField(default=0)
    # Data exercises ask numeric questions; they are question versions like a quiz's, keyed per attempt.
    questions = models.ManyToManyField("QuestionVersion", through="DrillQuestion", related_name="+")

    class Meta:
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="drill_unique_key")]

    def __str__(self) -> str:
        return self.title or self.key

    @property
    def attempts_allowed(self) -> int:
        return int(self.data.get("attempts") or 0)

    @property
    def settings(self) -> dict:
        """The attempts policy in the shape a quiz keeps it, so one rule serves both."""
        return {
            "attempts_allowed": self.attempts_allowed,
            "wait_minutes": int(self.data.get("wait_minutes") or 0),
            "counts": "highest",
            "show_answers": self.data.get("show_answers") or "after_grading",
            "certification": bool(self.data.get("certification")),
        }


class DrillQuestion(models.Model):
    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="pool")
    question_version = models.ForeignKey("QuestionVersion", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["drill", "position"]
        constraints = [
            models.UniqueConstraint(fields=["drill", "question_version"], name="drillquestion_unique"),
        ]

    def __str__(self) -> str:
        return f"drill {self.drill_id} #{self.position}"


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Grading")
    GRADED = "graded", _("Graded")
    NEEDS_REVIEW = "needs_review", _("Awaiting review")
    ERROR = "error", _("Grading failed")


class Attempt(models.Model):
    """One recruit's attempt at a quiz or a drill. It keeps exactly what was served, so it can be re-graded.

    Quizzes and drills share one lifecycle (in progress → submitted → graded, or error; written drills may
    wait in needs_review), so the sweeper, retries and fault handling cover both.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("recruit")
    )
    quiz = models.ForeignKey(
        Quiz, on_delete=models.PROTECT, null=True, blank=True, related_name="attempts", verbose_name=_("quiz")
    )
    drill = models.ForeignKey(
        Drill,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attempts",
        verbose_name=_("drill"),
    )
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="+", verbose_name=_("module"))
    number = models.PositiveIntegerField(_("attempt number"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AttemptStatus.choices,
        default=AttemptStatus.IN_PROGRESS,
        db_index=True,
    )
    seed = models.BigIntegerField(_("random seed"))
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(_("maximum score"), max_digits=8, decimal_places=2, null=True, blank=True)
    percent = models.DecimalField(_("percent"), max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    # Confidence-based marking only (quiz setting "confidence"): Moodle's average CBM mark per point (−6 … 3)
    # and CBM bonus in percentage points. Pass/fail stays on ``percent`` (accuracy).
    cbm_average = models.DecimalField(_("CBM average"), max_digits=5, decimal_places=2, null=True, blank=True)
    cbm_bonus = models.DecimalField(_("CBM bonus"), max_digits=6, decimal_places=2, null=True, blank=True)
    # Answers given at high confidence, and those of them that were wrong (misconceptions): the managers'
    # per-skill-area view sums these, so it never reads the responses.
    confident_answers = models.PositiveSmallIntegerField(_("confident answers"), default=0)
    confidently_wrong = models.PositiveSmallIntegerField(_("confidently wrong answers"), default=0)
    grading_tries = models.PositiveSmallIntegerField(_("grading tries"), default=0)
    error = models.TextField(_("error details"), blank=True)
    # Drills only. state: what the recruit has done so far (scenario path, current step and its deadline;
    # the attempt's own dataset; the written text). result: the grader's details for the review page.
    state = models.JSONField(_("drill state"), default=dict, blank=True)
    result = models.JSONField(_("grading details"), default=dict, blank=True)

    class Meta:
        ordering = ["-started_at"]
        # "attempts" alone already reads 作答次数 (a count) elsewhere on the site.
        verbose_name = pgettext_lazy("model", "attempt")
        verbose_name_plural = pgettext_lazy("model", "attempts")
        constraints = [
            models.UniqueConstraint(fields=["user", "quiz", "number"], name="attempt_unique_number"),
            models.UniqueConstraint(
                fields=["user", "drill", "number"],
                condition=models.Q(drill__isnull=False),
                name="attempt_unique_drill_number",
            ),
            models.CheckConstraint(
                condition=models.Q(quiz__isnull=False, drill__isnull=True)
                | models.Q(quiz__isnull=True, drill__isnull=False),
                name="attempt_quiz_xor_drill",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="attempt_status_submitted"),
            models.Index(fields=["user", "module", "-started_at"], name="attempt_user_module"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == AttemptStatus.IN_PROGRESS

    @property
    def is_finished(self) -> bool:
        """Graded: the score and the review can be shown."""
        return self.status == AttemptStatus.GRADED

    @property
    def is_awaiting_review(self) -> bool:
        return self.status == AttemptStatus.NEEDS_REVIEW

    @property
    def kind(self) -> str:
        """``quiz``, or the drill's kind."""
        return "quiz" if self.quiz_id else self.drill.kind

    @property
    def assessment(self):
        """The quiz or the drill this attempt is at."""
        return self.quiz if self.quiz_id else self.drill


class Confidence(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Response(models.Model):
    """One served question in an attempt: the order it was shown in, the answer, and its grade."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="responses")
    position = models.PositiveIntegerField()
    question_version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    choice_order = models.JSONField(default=list, blank=True)
    item_order = models.JSONField(default=list, blank=True)
    answer = models.JSONField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=8, decimal_places=2)
    correct = models.BooleanField(null=True, blank=True)
    feedback_html = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    # Set by a regrade: the version whose (corrected) key graded this answer; null means the served one.
    graded_with = models.ForeignKey(
        QuestionVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Set by a trainer's override; shown to the recruit with the score. The audit rows are ScoreChange.
    override_reason = models.TextField(blank=True)
    overridden_at = models.DateTimeField(null=True, blank=True)
    # Confidence-based marking: the recruit's confidence ("" when not asked or not given) and the CBM mark in
    # points (assessments.grading.confidence.cbm_mark), set by grading.
    confidence = models.CharField(max_length=8, choices=Confidence.choices, blank=True, default="")
    cbm_mark = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="response_unique_position"),
            models.UniqueConstraint(fields=["attempt", "question_version"], name="response_unique_question"),
            models.CheckConstraint(
                condition=models.Q(confidence__in=["", "low", "medium", "high"]),
                name="response_confidence_in_set",
            ),
        ]

    def __str__(self) -> str:
        return f"attempt {self.attempt_id} #{self.position}"


STALLED_AFTER = timedelta(minutes=1)


class RegradeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class RegradeJob(models.Model):
    """A trainer's request to regrade every graded answer to a question with its corrected key."""

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="regrade_jobs")
    to_version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    # Null: every older version whose answer options the corrected version keeps.
    from_version = models.ForeignKey(
        QuestionVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField()
    status = models.CharField(
        max_length=16, choices=RegradeStatus.choices, default=RegradeStatus.PENDING, db_index=True
    )
    total = models.PositiveIntegerField(default=0, help_text="Attempts to regrade.")
    done = models.PositiveIntegerField(default=0, help_text="Attempts regraded so far.")
    changed = models.PositiveIntegerField(default=0, help_text="Answers whose score changed.")
    # The job works through attempts in id order; this is how far it got (a re-delivery resumes here).
    last_attempt_id = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One job at a time per question: two would race over the same attempts.
            models.UniqueConstraint(
                fields=["question"],
                condition=models.Q(status__in=["pending", "running"]),
                name="regradejob_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"regrade {self.question} ({self.status} {self.done}/{self.total})"

    @property
    def is_active(self) -> bool:
        return self.status in (RegradeStatus.PENDING, RegradeStatus.RUNNING)

    def is_stalled(self, now=None) -> bool:
        """Active but not moved for a minute: its message was probably lost (the broker was down)."""
        now = now or timezone.now()
        return self.is_active and self.updated_at is not None and now - self.updated_at > STALLED_AFTER

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status == RegradeStatus.DONE else 0
        return min(100, round(100 * self.done / self.total))


class ScoreChangeKind(models.TextChoices):
    REGRADE = "regrade", _("Regrade")
    OVERRIDE = "override", _("Override")
    REVIEW = "review", _("Trainer review")


class ScoreChange(models.Model):
    """Audit row: a score changed by a regrade, a trainer's override or review, who, when and why.

    ``response`` is empty for a drill attempt's review, whose score belongs to the attempt as a whole.
    """

    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, null=True, blank=True, related_name="score_changes"
    )
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="score_changes")
    kind = models.CharField(max_length=16, choices=ScoreChangeKind.choices)
    old_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    new_score = models.DecimalField(max_digits=8, decimal_places=2)
    reason = models.TextField()
    job = models.ForeignKey(
        RegradeJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="score_changes"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.response_id}: {self.old_score} → {self.new_score}"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    DONE = "done", _("Reviewed")


class DrillReview(models.Model):
    """A written response in the trainers' review queue, with the automatic suggestion beside it.

    The trainer's decision is final; each decision is also a ``ScoreChange`` of kind review (the audit).
    """

    attempt = models.OneToOneField(Attempt, on_delete=models.CASCADE, related_name="review")
    status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING, db_index=True
    )
    reasons = models.JSONField(default=list, blank=True)  # why it was queued (rubric review_reasons)
    suggested_score = models.DecimalField(max_digits=8, decimal_places=2)
    max_score = models.DecimalField(max_digits=8, decimal_places=2)
    # The trainer's scores: criterion id -> {"score": "2.00", "comment": "..."}
    scores = models.JSONField(default=dict, blank=True)
    comment = models.TextField(blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Double marking: two trainers mark independently; the second never sees the first's marks.
    double_marked = models.BooleanField(default=False)
    first_scores = models.JSONField(default=dict, blank=True)
    first_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    second_scores = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"review of attempt {self.attempt_id} ({self.status})"

    @property
    def suggested_percent(self) -> Decimal | None:
        """The automatic (rubric) score as a percentage, shown beside the trainer's final one."""
        if not self.max_score:
            return None
        return (100 * self.suggested_score / self.max_score).quantize(Decimal("0.01"))


class AssessmentStatistics(models.Model):
    """Item analysis of one quiz or drill of a module, across its versions; computed by a reports task.

    Gradings set ``requested_at``; the task recomputes when it is newer than ``computed_at``.
    """

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=80, help_text="The quiz or drill key.")
    kind = models.CharField(max_length=16, default="quiz")
    data = models.JSONField(default=dict, blank=True)
    attempts_count = models.PositiveIntegerField(default=0)
    responses_count = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["module", "key"]
        constraints = [
            models.UniqueConstraint(fields=["module", "key"], name="assessmentstatistics_unique"),
        ]
        verbose_name_plural = "assessment statistics"

    def __str__(self) -> str:
        return f"statistics {self.module_id}/{self.key}"

    @property
    def is_stale(self) -> bool:
        return self.requested_at is not None and (
            self.computed_at is None or self.requested_at > self.computed_at
        )
