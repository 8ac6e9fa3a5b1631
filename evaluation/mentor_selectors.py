"""Reads of the 带教 loop, each scoped to the requesting user: a recruit sees their own checklist, a mentor
only their mentees, a manager only the recruits of cohorts they manage (the caller passes a scoped cohort)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from courses.models import Cohort
from evaluation.checklist_rules import STAGES, is_item_overdue
from evaluation.models import ItemEvent, ItemProgress, ItemStatus, Mentorship, RecruitChecklist


@dataclass
class StageRows:
    stage: int
    due: date | None
    items: list[ItemProgress] = field(default_factory=list)

    @property
    def signed(self) -> int:
        return sum(1 for p in self.items if p.status == ItemStatus.SIGNED_OFF)


@dataclass
class ChecklistView:
    run: RecruitChecklist
    stages: list[StageRows]
    today: date


def _stages(run: RecruitChecklist, items: list[ItemProgress], today: date) -> ChecklistView:
    by_stage: dict[int, list[ItemProgress]] = defaultdict(list)
    for progress in items:
        progress.overdue = is_item_overdue(
            due=progress.due_date, today=today, signed_off=progress.status == ItemStatus.SIGNED_OFF
        )
        by_stage[progress.item.stage].append(progress)
    stages = [
        StageRows(stage=s, due=by_stage[s][0].due_date, items=by_stage[s]) for s in STAGES if by_stage.get(s)
    ]
    return ChecklistView(run=run, stages=stages, today=today)


def _items() -> Prefetch:
    return Prefetch("items", queryset=ItemProgress.objects.select_related("item").order_by("item__position"))


_RUN_RELATED = ("version", "mentorship__mentor", "mentorship__cohort", "user")


def recruit_checklists(*, user: User) -> list[ChecklistView]:
    """The requesting recruit's checklists with their items by stage: 2 queries."""
    today = timezone.localdate()
    runs = (
        RecruitChecklist.objects.filter(user=user)
        .select_related(*_RUN_RELATED)
        .prefetch_related(_items())
        .order_by("pk")
    )
    return [_stages(run, list(run.items.all()), today) for run in runs]


def mentees(*, mentor: User) -> list[RecruitChecklist]:
    """The checklists of ``mentor``'s mentees, each with how many items wait for sign-off: 1 query."""
    return list(
        RecruitChecklist.objects.filter(mentorship__mentor=mentor)
        .select_related(*_RUN_RELATED)
        .annotate(waiting=Count("items", filter=Q(items__status=ItemStatus.SUBMITTED)))
        .order_by("start_date", "pk")
    )


def mentee_checklist(*, mentor: User, run_id: int) -> tuple[ChecklistView, list[ItemEvent]]:
    """One mentee's checklist, with its audit trail, if ``mentor`` is their mentor; anything else: 404."""
    run = (
        RecruitChecklist.objects.filter(pk=run_id, mentorship__mentor=mentor)
        .select_related(*_RUN_RELATED)
        .prefetch_related(_items())
        .first()
    )
    if run is None:
        raise Http404("no such mentee")
    events = list(
        ItemEvent.objects.filter(progress__run=run)
        .select_related("actor", "progress__item")
        .order_by("-at", "-pk")
    )
    return _stages(run, list(run.items.all()), timezone.localdate()), events


def is_mentor(*, user: User) -> bool:
    return Mentorship.objects.filter(mentor=user).exists()


@dataclass(frozen=True)
class MentorRow:
    mentor: User | None
    stage: int | None  # None: no checklist started
    signed: int
    total: int


def cohort_mentors(*, cohort: Cohort) -> dict[int, MentorRow]:
    """recruit id → mentor and checklist stage in ``cohort`` (already scoped to its manager): 1 query."""
    rows = Mentorship.objects.filter(cohort=cohort).select_related("mentor", "run")
    out = {}
    for m in rows:
        run = getattr(m, "run", None)
        out[m.recruit_id] = MentorRow(
            mentor=m.mentor,
            stage=run.stage_reached if run else None,
            signed=run.items_signed if run else 0,
            total=run.items_total if run else 0,
        )
    return out
