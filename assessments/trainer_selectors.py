"""Reads for the trainer's regrade and override pages. Trainers and staff only: anybody else gets a 404."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db.models import Count, IntegerField, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.models import User
from assessments.agreement import KAPPA_FLAG_BELOW, weighted_kappa
from assessments.grading.rubric import level_of
from assessments.grading.translate import compatibility_problem
from assessments.models import (
    AssessmentStatistics,
    Attempt,
    AttemptStatus,
    DrillQuestion,
    DrillReview,
    Question,
    QuestionVersion,
    QuizQuestion,
    RegradeJob,
    RegradeStatus,
    Response,
    ReviewStatus,
    ScoreChange,
)
from courses.models import Module, ModuleVersion

ATTEMPTS_PAGE = 50
PROBLEM_TEXT = {
    "type": _("the question type changed"),
    "duplicate": _("two options have the same text"),
    "options": _("an option was removed or reworded"),
    "items": _("the items to order or match changed"),
    "rights": _("an answer to match was removed or reworded"),
}


def _trainer_only(user: User) -> None:
    if not policy.is_trainer(user):
        raise Http404("no such page")


def question_key_version(*, question: Question) -> QuestionVersion | None:
    """The version of ``question`` in its module's current version (in a quiz or a data exercise): the key
    a regrade grades with."""
    current = question.module.current_version_id
    qq = (
        QuizQuestion.objects.filter(quiz__version_id=current, question_version__question=question)
        .select_related("question_version")
        .first()
    ) or (
        DrillQuestion.objects.filter(drill__version_id=current, question_version__question=question)
        .select_related("question_version")
        .first()
    )
    return qq.question_version if qq else None


def responses_to_regrade(*, to_version: QuestionVersion, from_version_ids: list[int]) -> QuerySet[Response]:
    """Graded answers served one of ``from_version_ids`` and not yet graded with ``to_version``.

    A trainer's override stands: overridden answers are left alone.
    """
    return Response.objects.filter(
        question_version_id__in=from_version_ids,
        attempt__status=AttemptStatus.GRADED,
        overridden_at__isnull=True,
    ).exclude(graded_with=to_version)


@dataclass
class VersionRow:
    version: QuestionVersion
    attempts: int  # graded attempts that still need this regrade
    problem: str | None  # why its answers cannot be regraded automatically: a translate.PROBLEMS code
    number: int = 0  # 1 for the question's first published version, by publication order

    @property
    def problem_text(self) -> str:
        return str(PROBLEM_TEXT.get(self.problem or "", self.problem or ""))


@dataclass
class RegradePlan:
    question: Question
    to_version: QuestionVersion | None
    rows: list[VersionRow] = field(default_factory=list)
    active_job: RegradeJob | None = None
    jobs: list[RegradeJob] = field(default_factory=list)
    unfinished: int = 0  # open or still grading attempts served an older version: regrade again later
    to_number: int = 0  # the current version's number, counted like ``VersionRow.number``

    @property
    def from_version_ids(self) -> list[int]:
        return [row.version.pk for row in self.rows if not row.problem]

    @property
    def attempts(self) -> int:
        return sum(row.attempts for row in self.rows if not row.problem)


def regrade_plan(*, question: Question, from_version: QuestionVersion | None = None) -> RegradePlan:
    """The older versions of ``question`` that its current key can regrade, with how many attempts each."""
    to_version = question_key_version(question=question)
    plan = RegradePlan(question=question, to_version=to_version)
    plan.jobs = list(RegradeJob.objects.filter(question=question).select_related("created_by")[:10])
    plan.active_job = next((job for job in plan.jobs if job.is_active), None)
    if to_version is None:
        return plan
    # Trainers tell versions apart by number and date; the numbers need every version, so all are read.
    every = list(QuestionVersion.objects.filter(question=question).order_by("pk"))
    numbers = {v.pk: n for n, v in enumerate(every, start=1)}
    plan.to_number = numbers[to_version.pk]
    versions = [
        v for v in every if v.pk != to_version.pk and (from_version is None or v.pk == from_version.pk)
    ]
    counts = dict(
        responses_to_regrade(to_version=to_version, from_version_ids=[v.pk for v in versions])
        .values("question_version_id")
        .annotate(n=Count("attempt_id", distinct=True))
        .values_list("question_version_id", "n")
    )
    plan.rows = [
        VersionRow(v, counts.get(v.pk, 0), compatibility_problem(v.data, to_version.data), numbers[v.pk])
        for v in versions
    ]
    plan.unfinished = (
        Attempt.objects.filter(
            status__in=[AttemptStatus.IN_PROGRESS, AttemptStatus.SUBMITTED],
            responses__question_version_id__in=plan.from_version_ids,
        )
        .distinct()
        .count()
    )
    return plan


def question_get(*, user: User, question_id: int) -> Question:
    _trainer_only(user)
    try:
        return Question.objects.select_related("module__current_version").get(pk=question_id)
    except Question.DoesNotExist:
        raise Http404("no such question") from None


def questions_with_versions(*, user: User) -> list[Question]:
    """Questions that have been corrected at least once (more than one version): the regrade candidates."""
    _trainer_only(user)
    return list(
        Question.objects.filter(retired_at__isnull=True)
        .annotate(
            n_versions=Count("versions", distinct=True),
            n_active=Count(
                "regrade_jobs",
                filter=Q(regrade_jobs__status__in=[RegradeStatus.PENDING, RegradeStatus.RUNNING]),
                distinct=True,
            ),
        )
        .filter(n_versions__gt=1)
        .select_related("module")
        .order_by("module__position", "module__slug", "key")
    )


def regrade_job_get(*, user: User, job_id: int) -> RegradeJob:
    _trainer_only(user)
    try:
        return RegradeJob.objects.select_related("question__module", "created_by").get(pk=job_id)
    except RegradeJob.DoesNotExist:
        raise Http404("no such regrade") from None


def attempts_recent(*, user: User, email: str = "") -> list[Attempt]:
    """The latest finished attempts, optionally of recruits whose email contains ``email``."""
    _trainer_only(user)
    attempts = Attempt.objects.filter(status__in=[AttemptStatus.GRADED, AttemptStatus.NEEDS_REVIEW])
    if email:
        attempts = attempts.filter(user__email__icontains=email)
    return list(
        attempts.select_related("user", "module", "quiz__version__module", "drill__version__module").order_by(
            "-graded_at", "-pk"
        )[:ATTEMPTS_PAGE]
    )


def attempt_get(*, user: User, attempt_id: int) -> Attempt:
    """Any recruit's finished attempt, for a trainer."""
    _trainer_only(user)
    try:
        return Attempt.objects.select_related(
            "user", "module", "quiz__version__module", "drill__version__module"
        ).get(pk=attempt_id)
    except Attempt.DoesNotExist:
        raise Http404("no such attempt") from None


def recruit_label(user: User) -> str:
    """How a trainer sees a recruit: name and email, or a stable pseudonym when results are anonymised
    (settings.TRAINER_SEES_NAMES off), the same on every page and never reversible without the key."""
    if settings.TRAINER_SEES_NAMES:
        return f"{user} <{user.email}>" if str(user) != user.email else user.email
    digest = hmac.new(settings.SECRET_KEY.encode(), f"recruit:{user.pk}".encode(), hashlib.sha256).hexdigest()
    return str(_("Recruit %(code)s") % {"code": digest[:6].upper()})


def reviews_pending(*, user: User) -> list[DrillReview]:
    """Written responses waiting for a trainer, oldest first (first come, first reviewed)."""
    _trainer_only(user)
    return list(
        DrillReview.objects.filter(status=ReviewStatus.PENDING)
        .select_related("attempt__user", "attempt__module", "attempt__drill")
        .order_by("created_at", "pk")[:ATTEMPTS_PAGE]
    )


def reviews_done(*, user: User) -> list[DrillReview]:
    _trainer_only(user)
    return list(
        DrillReview.objects.filter(status=ReviewStatus.DONE)
        .select_related("attempt__user", "attempt__module", "attempt__drill", "reviewer")
        .order_by("-decided_at", "-pk")[:20]
    )


def review_get(*, user: User, review_id: int) -> DrillReview:
    _trainer_only(user)
    try:
        return DrillReview.objects.select_related(
            "attempt__user", "attempt__module", "attempt__drill__version__module", "reviewer"
        ).get(pk=review_id)
    except DrillReview.DoesNotExist:
        raise Http404("no such review") from None


def attempt_score_changes(*, user: User, attempt: Attempt) -> list[ScoreChange]:
    _trainer_only(user)
    return list(attempt.score_changes.select_related("changed_by", "response"))


def response_get(*, user: User, attempt: Attempt, response_id: int) -> Response:
    _trainer_only(user)
    try:
        return attempt.responses.get(pk=response_id)
    except Response.DoesNotExist:
        raise Http404("no such answer") from None


@dataclass
class DrillAgreement:
    """How well two trainers agree on one drill's double-marked responses (quadratic-weighted kappa)."""

    module: str
    drill: str
    responses: int
    kappa: float | None
    flagged: bool


def _mark_level(mark: dict, criterion: dict) -> int:
    if isinstance(mark.get("level"), int):
        return mark["level"]
    points = Decimal(criterion["points"])
    return level_of(Fraction(Decimal(mark["score"]) / points)) if points else 1


def review_agreement(*, user: User) -> list[DrillAgreement]:
    """Per drill, the agreement of the two trainers over every criterion of its double-marked responses;
    flagged below ``KAPPA_FLAG_BELOW``. One query, whatever the number of responses."""
    _trainer_only(user)
    reviews = (
        DrillReview.objects.filter(double_marked=True, status=ReviewStatus.DONE)
        .exclude(second_scores={})
        .select_related("attempt__module", "attempt__drill")
        .order_by("pk")
    )
    groups: dict[int, tuple[str, str, list[tuple[int, int]], set[int]]] = {}
    for review in reviews:
        drill = review.attempt.drill
        label = (str(review.attempt.module.display_title), drill.title or drill.key)
        entry = groups.setdefault(drill.pk, (*label, [], set()))
        entry[3].add(review.pk)
        for criterion in drill.data.get("criteria", []):
            first = review.first_scores.get(criterion["id"])
            second = review.second_scores.get(criterion["id"])
            if first and second:
                entry[2].append((_mark_level(first, criterion), _mark_level(second, criterion)))
    rows = []
    for module, drill, pairs, ids in groups.values():
        kappa = weighted_kappa(pairs)
        rows.append(
            DrillAgreement(module, drill, len(ids), kappa, kappa is not None and kappa < KAPPA_FLAG_BELOW)
        )
    return rows


# ── the trainer's home ────────────────────────────────────────────────────────────────────────────────────

HOME_ITEMS = 5


def reviews_pending_count(*, user: User) -> int:
    """How many written responses wait for a trainer: the header badge, one COUNT on the status index."""
    _trainer_only(user)
    return DrillReview.objects.filter(status=ReviewStatus.PENDING).count()


@dataclass
class FlaggedAssessment:
    module: Module
    key: str
    title: str
    flagged: int


@dataclass
class TrainerHome:
    pending_count: int
    oldest_pending: list[DrillReview]
    flagged: list[FlaggedAssessment]
    recent_versions: list[ModuleVersion]


def trainer_home(*, user: User, pending_count: int | None = None) -> TrainerHome:
    """What a trainer sees first: the review queue (count and oldest), the quizzes and drills whose item
    statistics flag questions, and the module versions published last. Four queries, whatever the data;
    three when the caller already holds the pending count (the header's badge)."""
    _trainer_only(user)
    if pending_count is None:
        pending_count = reviews_pending_count(user=user)
    oldest = list(
        DrillReview.objects.filter(status=ReviewStatus.PENDING)
        .select_related("attempt__user", "attempt__module", "attempt__drill")
        .order_by("created_at", "pk")[:HOME_ITEMS]
    )
    for review in oldest:
        review.recruit = recruit_label(review.attempt.user)
    flagged_rows = (
        AssessmentStatistics.objects.filter(module__is_active=True)
        .annotate(n_flagged=Cast(KT("data__flagged"), IntegerField()), stored_title=KT("data__title"))
        .filter(n_flagged__gt=0)
        .select_related("module")
        .order_by("-n_flagged", "module__position", "key")[:HOME_ITEMS]
    )
    flagged = [FlaggedAssessment(s.module, s.key, s.stored_title or s.key, s.n_flagged) for s in flagged_rows]
    versions = list(
        ModuleVersion.objects.select_related("module", "published_by").order_by("-published_at", "-pk")[
            :HOME_ITEMS
        ]
    )
    return TrainerHome(pending_count, oldest, flagged, versions)
