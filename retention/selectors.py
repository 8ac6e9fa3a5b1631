"""Reads of the spaced review, scoped to the requesting user; fixed query counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Min, Q
from django.utils import timezone

from accounts.models import User
from assessments.masking import mask_question
from courses.authoring.serialize import public_question
from courses.manager_selectors import cohort_get
from courses.models import Cohort, CohortMembership, Enrolment, SkillArea
from retention import scheduling
from retention.models import AnswerStatus, CohortRecall, RecallSummary, ReviewAnswer, ReviewCard, ReviewDay
from retention.services import answered_today

DEFAULT_SESSION = 5
STREAK_WINDOW_DAYS = 366
RECRUITS_PER_PAGE = 50


@dataclass(frozen=True)
class ReviewPlan:
    """What the recruit's review looks like now: today's size and progress, what is due, the streak."""

    limit: int
    done_today: int
    due: int
    cards: int
    streak: int
    open_answer: ReviewAnswer | None
    next_due: Any  # datetime of the next card due, when none is due now

    @property
    def remaining(self) -> int:
        return max(0, min(self.limit - self.done_today, self.due))

    @property
    def finished_today(self) -> bool:
        return self.done_today >= self.limit


def session_limit(*, user: User) -> int:
    """Cards a day: the largest ``review_cards`` among the recruit's tracks, else 5 (1 query)."""
    counts = list(Enrolment.objects.filter(user=user).values_list("course__review_cards", flat=True))
    return scheduling.session_size(track_counts=counts, default=DEFAULT_SESSION)


def review_plan(*, user: User) -> ReviewPlan:
    """The recruit's review summary for the home and review pages (5 queries, whatever the card count)."""
    now = timezone.now()
    today = timezone.localdate()
    counts = ReviewCard.objects.filter(user=user, question__retired_at__isnull=True).aggregate(
        total=Count("pk"), due_now=Count("pk", filter=Q(due__lte=now)), next_due=Min("due")
    )
    days = list(
        ReviewDay.objects.filter(user=user, day__gte=today - timedelta(days=STREAK_WINDOW_DAYS)).values_list(
            "day", flat=True
        )
    )
    open_answer = (
        ReviewAnswer.objects.filter(user=user, status__in=[AnswerStatus.SERVED, AnswerStatus.SUBMITTED])
        .order_by("served_at")
        .first()
    )
    return ReviewPlan(
        limit=session_limit(user=user),
        done_today=answered_today(user_id=user.pk, today=today),
        due=counts["due_now"],
        cards=counts["total"],
        streak=scheduling.streak(days, today=today),
        open_answer=open_answer,
        next_due=None if counts["due_now"] else counts["next_due"],
    )


def review_answer_get(*, user: User, public_id) -> ReviewAnswer:
    """One of the user's review answers; anyone else's is ``ReviewAnswer.DoesNotExist`` (a 404)."""
    return ReviewAnswer.objects.select_related("question_version", "card__module").get(
        user=user, public_id=public_id
    )


def served_question(*, answer: ReviewAnswer) -> dict[str, Any]:
    """The public, masked form of a served card: no key, opaque value tokens (``assessments.masking``)."""

    data = answer.question_version.data
    question = public_question(
        data,
        choice_order=answer.choice_order or None,
        item_order=answer.item_order if data["type"] == "ordering" else None,
        right_order=answer.item_order if data["type"] == "matching" else None,
    )
    return mask_question(question, answer, None)


def graded_question(*, answer: ReviewAnswer) -> dict[str, Any]:
    """What a graded card shows: stem, explanation and, for choice questions, the choices in served order
    with the key and the recruit's picks (the key is shown only once the answer is graded)."""
    data = answer.question_version.data
    picked = answer.answer if isinstance(answer.answer, list) else [answer.answer]
    by_id = {c["id"]: c for c in data.get("choices") or []}
    order = [i for i in answer.choice_order if i in by_id] or list(by_id)
    return {
        "stem_html": data.get("stem_html", ""),
        "explanation_html": data.get("explanation_html", ""),
        "choices": [
            {"html": by_id[i]["html"], "correct": bool(by_id[i].get("correct")), "selected": i in picked}
            for i in order
        ],
    }


@dataclass(frozen=True)
class RecallRow:
    user: User
    cells: list[tuple[str, int] | None]  # per skill area shown: (recall as a percentage, cards), or None


def _percent(value: float) -> str:
    return f"{round(value * 100)}%"


@dataclass(frozen=True)
class CohortRecallView:
    cohort: Cohort
    skills: list[tuple[str, str]]  # (value, label) of the skill areas shown
    cohort_rows: dict[str, dict]  # skill -> {recall, recruits, cards}
    computed_at: Any
    page: Page
    rows: list[RecallRow]


def cohort_recall(*, user: User, cohort_id: int, page: int | str = 1) -> CohortRecallView:
    """A manager's view of predicted recall by skill area: the cohort's stored row and one page of recruits
    (5 queries at any cohort size; someone else's cohort is a 404)."""
    cohort = cohort_get(user=user, cohort_id=cohort_id)
    stored = CohortRecall.objects.filter(cohort=cohort).first()
    members = (
        User.objects.filter(pk__in=CohortMembership.objects.filter(cohort=cohort).values("user_id"))
        .only("pk", "username", "first_name", "last_name", "email")
        .order_by("username", "pk")
    )
    paginator = Paginator(members, RECRUITS_PER_PAGE)
    current = paginator.get_page(page)
    people = list(current.object_list)
    skills = list(SkillArea.choices)
    summaries: dict[int, dict[str, RecallSummary]] = {}
    for row in RecallSummary.objects.filter(user_id__in=[p.pk for p in people]):
        summaries.setdefault(row.user_id, {})[row.skill_area] = row
    return CohortRecallView(
        cohort=cohort,
        skills=skills,
        cohort_rows=stored.data if stored else {},
        computed_at=stored.computed_at if stored else None,
        page=current,
        rows=[
            RecallRow(
                user=p,
                cells=[
                    (_percent(row.recall), row.cards) if (row := summaries.get(p.pk, {}).get(value)) else None
                    for value, _label in skills
                ],
            )
            for p in people
        ],
    )
