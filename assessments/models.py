import uuid

from django.conf import settings
from django.db import models
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

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="response_unique_position"),
            models.UniqueConstraint(fields=["attempt", "question_version"], name="response_unique_question"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.attempt_id} #{self.position}"
