"""Writes of the spaced review: cards from a passed module, serving and answering one, grading it in the
worker, the persisted recall aggregates and the daily notification (docs/retention.md)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, F, FloatField, Max, OuterRef, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from assessments.grading import InvalidAnswer
from assessments.grading.questions import QUESTION_GRADERS, check_answer, grade_question
from assessments.models import QuestionVersion, QuizQuestion
from certificates import selectors as certificate_selectors
from certificates.tasks import evaluate_for_user_on_commit
from courses.models import Cohort, CohortMembership, Module, ModuleProgress
from notifications.models import Kind
from notifications.services import NotificationSpec, notifications_create
from retention import scheduling
from retention.models import AnswerStatus, CohortRecall, RecallSummary, ReviewAnswer, ReviewCard, ReviewDay
from trainingsite.text import has_nul, nul_message

# Question types the pure graders score without a trainer: only these become cards.
OBJECTIVE_TYPES = tuple(QUESTION_GRADERS)
SHUFFLED_CHOICES = ("single", "multiple")
# Longer than this between serving and answering counts as this long (the card was left open).
MAX_RESPONSE_MS = 3_600_000


class ReviewError(Exception):
    """Bad input to a review (not due, answered already, retired): a message for the recruit; no change."""


def cards_create(*, user_id: int, module_id: int) -> int:
    """Turn the objective questions of a module's current quizzes into the recruit's review cards, once:
    only for a module the recruit has passed; a second run creates nothing. Returns the cards created."""
    if not ModuleProgress.objects.filter(user_id=user_id, module_id=module_id, passed=True).exists():
        return 0  # a certification quiz's questions become cards only after the module is passed
    module = Module.objects.get(pk=module_id)
    versions = list(
        QuestionVersion.objects.filter(
            pk__in=QuizQuestion.objects.filter(quiz__version_id=module.current_version_id).values(
                "question_version_id"
            ),
            question__retired_at__isnull=True,
        ).only("pk", "question_id", "data")
    )
    now = timezone.now()
    first = scheduling.new_card(now=now)
    cards = [
        ReviewCard(
            user_id=user_id,
            question_id=v.question_id,
            question_version_id=v.pk,
            module_id=module_id,
            skill_area=module.skill_area,
            state=first.state,
            step=first.step,
            stability=first.stability,
            difficulty=first.difficulty,
            due=first.due,
            last_review=first.last_review,
        )
        for v in {v.question_id: v for v in versions if v.data.get("type") in OBJECTIVE_TYPES}.values()
    ]
    before = ReviewCard.objects.filter(user_id=user_id, module_id=module_id).count()
    ReviewCard.objects.bulk_create(cards, ignore_conflicts=True)  # unique (user, question)
    return ReviewCard.objects.filter(user_id=user_id, module_id=module_id).count() - before


def answered_today(*, user_id: int, today: date | None = None) -> int:
    start = _day_start(today or timezone.localdate())
    return (
        ReviewAnswer.objects.filter(user_id=user_id, served_at__gte=start)
        .exclude(status=AnswerStatus.SERVED)
        .count()
    )


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


@transaction.atomic
def review_next(*, user: User, limit: int) -> ReviewAnswer:
    """Serve the recruit's next due card (or return the one already open). Raises ReviewError when today's
    review is done or nothing is due."""
    User.objects.select_for_update().filter(
        pk=user.pk
    ).first()  # one serve at a time per recruit (double click)
    now = timezone.now()
    open_answer = (
        ReviewAnswer.objects.filter(user=user, status__in=[AnswerStatus.SERVED, AnswerStatus.SUBMITTED])
        .select_related("card__question")
        .order_by("served_at")
        .first()
    )
    if open_answer is not None:
        card = open_answer.card
        if open_answer.status == AnswerStatus.SUBMITTED or (
            card.question.retired_at is None and card.due <= now
        ):
            return open_answer
        if card.question.retired_at is not None:
            card.delete()  # the question left its module: the card is dropped, its unanswered serving too
        else:
            open_answer.delete()  # no longer due (answered elsewhere): that serving lapses unanswered
    if answered_today(user_id=user.pk) >= limit:
        raise ReviewError(_("Today's review is done. Come back tomorrow."))
    for card in (
        ReviewCard.objects.filter(user=user, due__lte=now)
        .select_related("question", "module")
        .order_by("due", "pk")[:limit]
    ):
        if card_follow(card=card):
            return _serve(card=card, now=now)
    raise ReviewError(_("No card is due for review now."))


def card_follow(*, card: ReviewCard) -> bool:
    """Point the card at its question's current version; drop it when the question is retired. False when
    dropped."""
    if card.question.retired_at is not None:
        card.delete()
        return False
    current = (
        QuizQuestion.objects.filter(
            quiz__version_id=card.module.current_version_id, question_version__question_id=card.question_id
        )
        .values_list("question_version_id", flat=True)
        .first()
    ) or QuestionVersion.objects.filter(question_id=card.question_id).aggregate(m=Max("pk"))["m"]
    if current != card.question_version_id:
        card.question_version_id = current
        card.save(update_fields=["question_version"])
    return True


def _serve(*, card: ReviewCard, now: datetime) -> ReviewAnswer:
    data = QuestionVersion.objects.only("data").get(pk=card.question_version_id).data
    rng = random.Random()  # noqa: S311 - presentation order, not a secret
    choice_order = [c["id"] for c in data.get("choices", [])]
    item_order = [i["id"] for i in data.get("items", [])] or [p["right_id"] for p in data.get("pairs", [])]
    if data["type"] in SHUFFLED_CHOICES:
        rng.shuffle(choice_order)
    rng.shuffle(item_order)  # ordering items and matching answers: served order must not be the key
    return ReviewAnswer.objects.create(
        card=card,
        user_id=card.user_id,
        question_version_id=card.question_version_id,
        choice_order=choice_order,
        item_order=item_order,
        served_at=now,
    )


def review_answer_submit(*, user: User, public_id, answer: Any) -> ReviewAnswer:
    """Record the answer to a served card and queue its grading (grading queue) on commit.

    Someone else's answer is a 404 (``ReviewAnswer.DoesNotExist``); a replay, a card no longer due or a
    retired question raise ReviewError and change nothing."""
    if has_nul(answer):
        raise ReviewError(nul_message())
    with transaction.atomic():
        row = (
            ReviewAnswer.objects.select_for_update(of=("self",))
            .select_related("card__question", "question_version")
            .get(user=user, public_id=public_id)
        )
        if row.status != AnswerStatus.SERVED:
            raise ReviewError(_("This card was answered already; the first answer counts."))
        now = timezone.now()
        if row.card.question.retired_at is not None:
            raise ReviewError(_("This question was retired from its module, so it is no longer reviewed."))
        if row.card.due > now:
            raise ReviewError(_("This card is not due for review yet."))
        try:
            check_answer(row.question_version.data, answer)
        except InvalidAnswer as exc:
            raise ReviewError(str(exc)) from None
        row.answer = answer
        row.submitted_at = now
        row.response_ms = min(int((now - row.served_at).total_seconds() * 1000), MAX_RESPONSE_MS)
        row.status = AnswerStatus.SUBMITTED
        row.save(update_fields=["answer", "submitted_at", "response_ms", "status"])
        from retention.tasks import grade_review_answer

        transaction.on_commit(lambda: grade_review_answer.delay(row.pk))
    return row


def review_answer_grade(*, answer_id: int) -> ReviewAnswer | None:
    """Grade one submitted review answer with the pure grader and schedule its card with FSRS; a replay (the
    answer no longer ``submitted``) changes nothing."""
    with transaction.atomic():
        row = (
            ReviewAnswer.objects.select_for_update()
            .select_related("question_version")
            .filter(pk=answer_id)
            .first()
        )
        if row is None or row.status != AnswerStatus.SUBMITTED:
            return None
        card = ReviewCard.objects.select_for_update().get(pk=row.card_id)
        result = grade_question(row.question_version.data, row.answer)
        rating = scheduling.rating_for(correct=result.correct, response_ms=row.response_ms)
        before = _fields(card)
        after = scheduling.schedule(before, rating=rating, at=row.submitted_at)
        card.state, card.step, card.stability, card.difficulty = (
            after.state,
            after.step,
            after.stability,
            after.difficulty,
        )
        card.due, card.last_review = after.due, after.last_review
        card.reviews += 1
        card.lapses += int(rating == scheduling.Rating.Again and before.last_review is not None)
        card.save(
            update_fields=[
                "state",
                "step",
                "stability",
                "difficulty",
                "due",
                "last_review",
                "reviews",
                "lapses",
            ]
        )
        row.status = AnswerStatus.GRADED
        row.graded_at = timezone.now()
        row.correct = result.correct
        row.rating = int(rating)
        row.feedback_html = result.feedback
        row.details = result.details
        row.next_due = card.due
        row.save(
            update_fields=["status", "graded_at", "correct", "rating", "feedback_html", "details", "next_due"]
        )
        ReviewDay.objects.get_or_create(user_id=row.user_id, day=timezone.localdate(row.submitted_at))
        recall_refresh(user_ids=[row.user_id])
        if certificate_selectors.renewal_open(user_id=row.user_id):
            # A track may renew on recall (``renewal_recall``): evaluate after this answer counts.
            evaluate_for_user_on_commit(user_id=row.user_id)
    return row


def _fields(card: ReviewCard) -> scheduling.CardFields:
    return scheduling.CardFields(
        state=card.state,
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
    )


# The forgetting curve of ``retention.scheduling.retrievability`` in SQL, per card: whole days since the
# last review, 0 for a card never reviewed.
_RECALL_SQL = """
    SELECT user_id, skill_area, count(*) AS cards,
           count(*) FILTER (WHERE due <= %(now)s) AS due,
           coalesce(avg(CASE WHEN last_review IS NULL OR stability IS NULL THEN 0
                    ELSE power(1 + %(factor)s
                               * floor(greatest(0, extract(epoch FROM %(now)s - last_review)) / 86400)
                               / stability, %(decay)s) END), 0) AS recall
    FROM retention_reviewcard
    {where}
    GROUP BY user_id, skill_area
"""


def recall_refresh(*, user_ids: list[int] | None = None, now: datetime | None = None) -> int:
    """Recompute the recruits' ``RecallSummary`` rows (all recruits when ``user_ids`` is None) from their
    cards in one statement; rows of skill areas left without cards are removed. Returns rows written."""
    now = now or timezone.now()
    params: dict[str, Any] = {"now": now, "factor": scheduling.FACTOR, "decay": scheduling.DECAY}
    where = ""
    if user_ids is not None:
        where = "WHERE user_id = ANY(%(users)s)"
        params["users"] = list(user_ids)
    sql = f"""
        INSERT INTO retention_recallsummary (user_id, skill_area, cards, due, recall, computed_at)
        SELECT user_id, skill_area, cards, due, least(1, greatest(0, recall)), %(now)s
        FROM ({_RECALL_SQL.format(where=where)}) AS per_skill
        ON CONFLICT (user_id, skill_area) DO UPDATE
        SET cards = EXCLUDED.cards, due = EXCLUDED.due, recall = EXCLUDED.recall,
            computed_at = EXCLUDED.computed_at
    """  # noqa: S608 - ``where`` is one of two constants; values are parameters
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        written = cursor.rowcount
        stale = RecallSummary.objects.filter(computed_at__lt=now)
        if user_ids is not None:
            stale = stale.filter(user_id__in=user_ids)
        stale.delete()
    return written


def cohort_recall_refresh(*, cohort_id: int, now: datetime | None = None) -> CohortRecall:
    """Store a cohort's mean predicted recall per skill area from its recruits' ``RecallSummary`` rows."""
    now = now or timezone.now()
    rows = (
        RecallSummary.objects.filter(
            user_id__in=CohortMembership.objects.filter(cohort_id=cohort_id).values("user_id")
        )
        .values("skill_area")
        .annotate(recruits=Count("user_id"), card_total=Sum("cards"), weighted=_sum_recall())
        .order_by("skill_area")
    )
    data = {
        r["skill_area"]: {
            "recruits": r["recruits"],
            "cards": r["card_total"],
            "recall": round(r["weighted"] / r["card_total"], 4) if r["card_total"] else 0,
        }
        for r in rows
    }
    recall, _ = CohortRecall.objects.update_or_create(
        cohort_id=cohort_id, defaults={"data": data, "computed_at": now}
    )
    return recall


def _sum_recall() -> Sum:
    return Sum(F("recall") * F("cards"), output_field=FloatField())


def recall_refresh_all(*, now: datetime | None = None) -> int:
    """The daily run: every recruit's rows, then every cohort's; retrievability moves with the date."""
    now = now or timezone.now()
    recall_refresh(now=now)
    cohorts = list(Cohort.objects.values_list("pk", flat=True))
    for cohort_id in cohorts:
        cohort_recall_refresh(cohort_id=cohort_id, now=now)
    return len(cohorts)


def reviews_notify_due(*, today: date | None = None, now: datetime | None = None) -> int:
    """Tell each recruit with cards due that today's review waits, once a day (unique user, kind, day)."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    due = (
        ReviewCard.objects.filter(due__lte=now, question__retired_at__isnull=True)
        .values("user_id")
        .annotate(n=Count("pk"))
        .order_by("user_id")
    )
    url = reverse("review_home")
    specs = [
        NotificationSpec(
            user_id=r["user_id"],
            kind=Kind.REVIEW_DUE,
            key=f"review:{today.isoformat()}",
            params={"due": r["n"]},
            url=url,
        )
        for r in due
    ]
    created = 0
    for start in range(0, len(specs), 1000):
        created += len(notifications_create(items=specs[start : start + 1000]))
    return created


def cards_backfill() -> int:
    """Create the cards of every passed module that has none for its recruit: a lost "module passed"
    message, or modules passed before spaced review existed. Returns the cards created."""
    missing = (
        ModuleProgress.objects.filter(passed=True)
        .exclude(
            Exists(ReviewCard.objects.filter(user_id=OuterRef("user_id"), module_id=OuterRef("module_id")))
        )
        .values_list("user_id", "module_id")
    )
    return sum(cards_create(user_id=u, module_id=m) for u, m in missing)


def review_answers_sweep(*, older_than: timedelta = timedelta(minutes=2)) -> list[int]:
    """Ids of answers committed ``submitted`` whose grading message Redis lost; the task sends them again."""
    return list(
        ReviewAnswer.objects.filter(
            status=AnswerStatus.SUBMITTED, submitted_at__lt=timezone.now() - older_than
        ).values_list("pk", flat=True)[:1000]
    )
