"""Spaced retrieval practice: review cards per recruit and question, scheduled by FSRS (docs/retention.md)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessments.models import Question, QuestionVersion
from courses.models import Cohort, Module, SkillArea


class CardState(models.IntegerChoices):
    """FSRS's card states (``fsrs.State``), stored by value."""

    LEARNING = 1, _("Learning")
    REVIEW = 2, _("Review")
    RELEARNING = 3, _("Relearning")


class ReviewCard(models.Model):
    """A question a recruit passed, to be recalled again: FSRS's card state lives in these columns.

    One card per recruit and question (a duplicate "module passed" creates nothing). The card follows the
    question's current version; a retired question's card is dropped."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_cards")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    question_version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="+")
    skill_area = models.CharField(_("skill area"), max_length=20, choices=SkillArea.choices)
    state = models.PositiveSmallIntegerField(choices=CardState.choices, default=CardState.LEARNING)
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due = models.DateTimeField(_("due"))
    last_review = models.DateTimeField(null=True, blank=True)
    reviews = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "question"], name="review_card_unique_user_question"),
            models.CheckConstraint(
                condition=Q(stability__isnull=True) | Q(stability__gt=0),
                name="review_card_stability_positive",
            ),
            models.CheckConstraint(
                condition=Q(difficulty__isnull=True) | Q(difficulty__gte=1, difficulty__lte=10),
                name="review_card_difficulty_range",
            ),
        ]
        indexes = [models.Index(fields=["user", "due"], name="review_card_user_due")]

    def __str__(self) -> str:
        return f"card {self.pk}: user {self.user_id}, question {self.question_id}"


class AnswerStatus(models.TextChoices):
    SERVED = "served", _("Served")
    SUBMITTED = "submitted", _("Submitted")
    GRADED = "graded", _("Graded")


class ReviewAnswer(models.Model):
    """One card served to its recruit and answered once: the answer is graded in the worker and schedules the
    card. Duck-types the ``Response`` fields that ``assessments.masking`` and ``assessments.forms`` read."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    card = models.ForeignKey(ReviewCard, on_delete=models.CASCADE, related_name="answers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    question_version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    choice_order = models.JSONField(default=list, blank=True)
    item_order = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=AnswerStatus.choices, default=AnswerStatus.SERVED)
    answer = models.JSONField(null=True, blank=True)
    served_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    correct = models.BooleanField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    feedback_html = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    next_due = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One open answer per card: a double click on "next card" serves the same one.
            models.UniqueConstraint(
                fields=["card"],
                condition=Q(status__in=["served", "submitted"]),
                name="review_answer_one_open_per_card",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=4),
                name="review_answer_rating_range",
            ),
        ]
        indexes = [models.Index(fields=["user", "graded_at"], name="review_answer_user_graded")]

    def __str__(self) -> str:
        return f"review answer {self.public_id} ({self.status})"

    # The masking tokens are keyed by (attempt_id, position): a review answer is its own one-question attempt.
    position = 1

    @property
    def attempt_id(self) -> str:
        return f"review:{self.public_id}"


class ReviewDay(models.Model):
    """A day on which the recruit answered at least one review: the streak is read from these rows."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="review_day_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} reviewed on {self.day}"


class RecallSummary(models.Model):
    """Persisted aggregate: one recruit's mean predicted recall (FSRS retrievability) in one skill area, as of
    ``computed_at``; refreshed after each graded review and daily for everyone."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    skill_area = models.CharField(max_length=20, choices=SkillArea.choices)
    cards = models.PositiveIntegerField(default=0)
    due = models.PositiveIntegerField(default=0)
    recall = models.FloatField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "skill_area"], name="recall_summary_unique"),
            models.CheckConstraint(
                condition=Q(recall__gte=0, recall__lte=1), name="recall_summary_recall_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.skill_area}: {self.recall:.2f}"


class CohortRecall(models.Model):
    """Persisted aggregate: a cohort's mean predicted recall per skill area (``data``: skill -> {recall,
    recruits, cards}), refreshed daily with the recruits' rows, so the manager page never scans cards."""

    cohort = models.OneToOneField(Cohort, on_delete=models.CASCADE, primary_key=True, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"recall of cohort {self.cohort_id}"
