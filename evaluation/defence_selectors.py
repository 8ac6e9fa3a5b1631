"""Reads for the 转正答辩, scoped to the requesting user: a defence nobody let them see is a 404.

Who sees what (docs/evaluation.md): a panel member sees the rubric and their own sheet, and the other
members' sheets only after submitting their own; the cohort's managers see every sheet and the audit once
the result is final; the recruit sees the date, the panel and, once final, the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import F, Prefetch, Q
from django.http import Http404
from django.utils.translation import get_language

from accounts import policy
from accounts.models import User
from evaluation.defence_models import (
    Defence,
    DefenceRubricVersion,
    DefenceScore,
    DefenceScoreChange,
    DefenceStatus,
    PanelMember,
)


def _english() -> bool:
    return (get_language() or "").startswith("en")


def criteria_shown(version: DefenceRubricVersion) -> list[dict]:
    """The rubric's criteria with the title in the active language and numbered level descriptions."""
    english = _english()
    return [
        {
            "id": c["id"],
            "title": (c.get("title_en") if english and c.get("title_en") else c["title"]),
            "levels": list(enumerate(c["levels"], start=1)),
        }
        for c in version.criteria
    ]


def rubric_title(version: DefenceRubricVersion) -> str:
    return version.title_en if _english() and version.title_en else version.title


@dataclass
class Sheet:
    member: PanelMember
    levels: dict[str, int]
    ordered: list[int]  # the levels in the rubric's criterion order


@dataclass
class DefencePage:
    defence: Defence
    role: str  # "panel" | "manager" | "recruit"
    member: PanelMember | None
    panel: list[PanelMember]
    criteria: list[dict]
    sheets: list[Sheet] = field(default_factory=list)  # empty unless the user may see them
    changes: list[DefenceScoreChange] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)  # criterion title + stored result row, once final

    @property
    def final(self) -> bool:
        return self.defence.status == DefenceStatus.FINAL

    @property
    def submitted(self) -> int:
        return sum(1 for m in self.panel if m.submitted_at)


def defence_page(*, user: User, defence_id: int) -> DefencePage:
    """The defence as ``user`` may see it; 5 queries at most, whatever the panel size."""
    if not user.is_authenticated:
        raise Http404("no such defence")
    defence = (
        Defence.objects.select_related("rubric_version", "recruit", "cohort")
        .filter(
            Q(recruit=user) | Q(panel__user=user) | Q(cohort__managers=user),
            pk=defence_id,
        )
        .distinct()
        .first()
    )
    if defence is None:
        raise Http404("no such defence")
    panel = list(PanelMember.objects.filter(defence=defence).select_related("user").order_by("pk"))
    member = next((m for m in panel if m.user_id == user.pk), None)
    if member is not None:
        role = "panel"
    elif defence.recruit_id == user.pk:
        role = "recruit"
    else:
        role = "manager"
    if role == "manager" and not policy.is_manager(user):
        raise Http404("no such defence")
    page = DefencePage(
        defence=defence,
        role=role,
        member=member,
        panel=panel,
        criteria=criteria_shown(defence.rubric_version),
    )
    final = defence.status == DefenceStatus.FINAL
    may_see_sheets = (role == "panel" and member.submitted_at is not None) or (role == "manager" and final)
    if may_see_sheets:
        by_member: dict[int, dict[str, int]] = {}
        for member_id, criterion, level in DefenceScore.objects.filter(
            member__defence=defence, member__submitted_at__isnull=False
        ).values_list("member_id", "criterion", "level"):
            by_member.setdefault(member_id, {})[criterion] = level
        page.sheets = [
            Sheet(
                member=m,
                levels=by_member[m.pk],
                ordered=[by_member[m.pk].get(c["id"]) for c in page.criteria],
            )
            for m in panel
            if m.pk in by_member
        ]
        page.changes = list(
            DefenceScoreChange.objects.filter(score__member__defence=defence)
            .select_related("changed_by", "score")
            .order_by("changed_at", "pk")
        )
        titles = {c["id"]: c["title"] for c in page.criteria}
        for change in page.changes:
            change.criterion_title = titles.get(change.score.criterion, change.score.criterion)
    if final and role in ("panel", "manager", "recruit") and (role != "panel" or may_see_sheets):
        stored = {row["id"]: row for row in defence.result.get("criteria", [])}
        page.rows = [{"criterion": c, **stored.get(c["id"], {})} for c in page.criteria]
    return page


def panel_member_get(*, user: User, defence_id: int) -> PanelMember:
    """The user's own seat on a defence's panel; not on it → 404."""
    try:
        return PanelMember.objects.get(defence_id=defence_id, user=user)
    except PanelMember.DoesNotExist:
        raise Http404("no such defence") from None


def defences_for_user(*, user: User) -> tuple[list[PanelMember], list[Defence]]:
    """(the panels the user sits on, the user's own defences with their panels), newest first: 3 queries."""
    seats = list(
        PanelMember.objects.filter(user=user)
        .select_related("defence__recruit", "defence__rubric_version")
        .order_by("-defence__scheduled_at")[:50]
    )
    own = list(
        Defence.objects.filter(recruit=user)
        .select_related("rubric_version")
        .prefetch_related(Prefetch("panel", queryset=PanelMember.objects.select_related("user")))
        .order_by("-scheduled_at")[:10]
    )
    return seats, own


def rubric_versions_current() -> list[DefenceRubricVersion]:
    """The rubric versions a new defence can use: each rubric's current one."""
    return list(DefenceRubricVersion.objects.filter(rubric__current_version_id=F("pk")).order_by("title"))


def defence_latest_for_recruit(*, user: User) -> Defence | None:
    """The recruit's latest defence with its panel (2 queries; 1 when there is none)."""
    if not user.is_authenticated:
        return None
    return (
        Defence.objects.filter(recruit=user)
        .select_related("rubric_version")
        .prefetch_related(Prefetch("panel", queryset=PanelMember.objects.select_related("user")))
        .order_by("-scheduled_at", "-pk")
        .first()
    )


def cohort_defences(*, cohort_id: int) -> dict[int, Defence]:
    """The latest defence per recruit of one cohort (the caller already scoped the cohort): 1 query."""
    rows = (
        Defence.objects.filter(cohort_id=cohort_id)
        .order_by("recruit_id", "-scheduled_at", "-pk")
        .distinct("recruit_id")
        .only("id", "recruit_id", "scheduled_at", "status", "percent", "passed", "flagged")
    )
    return {d.recruit_id: d for d in rows}
