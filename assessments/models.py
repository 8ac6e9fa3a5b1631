import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Grading")
    GRADED = "graded", _("Graded")
    NEEDS_REVIEW = "needs_review", _("Awaiting review")
    ERROR = "error", _("Grading failed")


class Attempt(models.Model):
    """One recruit's attempt at a quiz. It keeps exactly what was served, so it can be re-graded."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts")
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS, db_index=True
    )
    seed = models.BigIntegerField()
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    started_at = models.DateTimeField(auto_now_add=True)
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    grading_tries = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "quiz", "number"], name="attempt_unique_number"),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"], name="attempt_status_submitted")]

    def __str__(self) -> str:
        return f"attempt {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == AttemptStatus.IN_PROGRESS

    @property
    def is_finished(self) -> bool:
        return self.status in (AttemptStatus.GRADED, AttemptStatus.NEEDS_REVIEW)


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

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="response_unique_position"),
            models.UniqueConstraint(fields=["attempt", "question_version"], name="response_unique_question"),
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


class ScoreChange(models.Model):
    """Audit row: one answer's score changed by a regrade or a trainer's override, who, when and why."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="score_changes")
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
