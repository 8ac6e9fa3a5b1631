"""Reads of the evaluation app, scoped to the requesting user; each runs a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Exists, OuterRef
from django.http import Http404
from django.utils import timezone

from accounts import policy
from accounts.models import User
from courses.models import Module, ModuleProgress, ModuleVersion
from evaluation import aggregation
from evaluation.models import ModuleFeedback
from evaluation.services import editable_until, feedback_refusal


def _trainer_only(user: User) -> None:
    if not policy.is_trainer(user):
        raise Http404("no such page")


@dataclass
class RecruitFeedback:
    """What the rating form needs: the version it rates, the recruit's answer, and whether it can change."""

    module: Module
    version_id: int | None
    feedback: ModuleFeedback | None
    refusal: str
    now: datetime = field(default_factory=timezone.now)

    @property
    def editable_until(self) -> datetime | None:
        return editable_until(self.feedback) if self.feedback else None

    @property
    def editable(self) -> bool:
        return not self.refusal and (self.feedback is None or self.now <= editable_until(self.feedback))


def recruit_feedback(
    *, user: User, module: Module, progress: ModuleProgress | None, now: datetime | None = None
) -> RecruitFeedback:
    """The recruit's rating of the module's current version (one query; none when they may not rate)."""
    refusal = feedback_refusal(user=user, progress=progress)
    feedback = None
    if not refusal:
        feedback = ModuleFeedback.objects.filter(
            user_id=user.pk, version_id=module.current_version_id
        ).first()
    return RecruitFeedback(
        module=module,
        version_id=module.current_version_id,
        feedback=feedback,
        refusal=refusal,
        now=now or timezone.now(),
    )


def module_progress(*, user: User, module: Module) -> ModuleProgress | None:
    return ModuleProgress.objects.filter(user_id=user.pk, module_id=module.pk).first()


def result_prompt(*, user: User, module_id: int) -> ModuleProgress | None:
    """For a result page: the recruit's passed progress row of the module, with ``module`` loaded and
    ``rated`` saying whether they rated its current version; None when there is nothing to ask."""
    if not policy.is_recruit(user):
        return None
    rated = ModuleFeedback.objects.filter(user_id=user.pk, version_id=OuterRef("module__current_version_id"))
    return (
        ModuleProgress.objects.filter(user_id=user.pk, module_id=module_id, passed=True)
        .select_related("module")
        .annotate(rated=Exists(rated))
        .first()
    )


@dataclass
class ModuleRow:
    module: Module
    answers: int
    versions_rated: int


def feedback_modules(*, user: User) -> list[ModuleRow]:
    """Every module with how many ratings it has (trainers only; two queries)."""
    _trainer_only(user)
    counts = {
        row["module_id"]: row
        for row in ModuleFeedback.objects.values("module_id").annotate(
            n=Count("id"), versions=Count("version_id", distinct=True)
        )
    }
    modules = Module.objects.filter(is_active=True).select_related("current_version")
    return [
        ModuleRow(
            module=m,
            answers=counts.get(m.pk, {}).get("n", 0),
            versions_rated=counts.get(m.pk, {}).get("versions", 0),
        )
        for m in modules
    ]


@dataclass
class Comment:
    text: str
    name: str  # empty: anonymous


@dataclass
class VersionReport:
    version: ModuleVersion
    summary: aggregation.VersionSummary
    comments: list[Comment]

    @property
    def ratings(self) -> list[tuple[str, aggregation.Distribution]]:
        """Nothing for a version with too few answers, whatever the template does."""
        if not self.summary.shown:
            return []
        return [(name, self.summary.ratings[name]) for name in aggregation.RATINGS]


@dataclass
class ModuleReport:
    module: Module
    versions: list[VersionReport]  # newest first
    trend: list[tuple[int, dict]]
    min_answers: int = aggregation.MIN_ANSWERS


def module_report(*, user: User, slug: str) -> ModuleReport:
    """Per version of a module: rating distributions, averages and comments, only for versions with
    enough answers; names only where the recruit allowed it (trainers only; three queries)."""
    _trainer_only(user)
    module = Module.objects.filter(slug=slug).first()
    if module is None:
        raise Http404("no such module")
    versions = list(
        ModuleVersion.objects.filter(module=module).only("id", "number", "module_id", "published_at")
    )
    # Sorted by the text, not by time: the order must not tell a trainer who answered when.
    rows = list(
        ModuleFeedback.objects.filter(module=module)
        .select_related("user")
        .order_by("version_id", "comment", "pk")
    )
    by_version: dict[int, list[ModuleFeedback]] = {}
    for row in rows:
        by_version.setdefault(row.version_id, []).append(row)
    reports = []
    for version in versions:
        mine = by_version.get(version.pk, [])
        summary = aggregation.version_summary(
            number=version.number,
            answers=[{name: getattr(r, name) for name in aggregation.RATINGS} for r in mine],
        )
        comments = []
        if summary.shown:
            comments = [
                Comment(
                    text=r.comment, name=str(r.user) if r.show_name and settings.TRAINER_SEES_NAMES else ""
                )
                for r in mine
                if r.comment
            ]
        reports.append(VersionReport(version=version, summary=summary, comments=comments))
    reports.sort(key=lambda r: -r.version.number)
    return ModuleReport(
        module=module, versions=reports, trend=aggregation.trend([r.summary for r in reports])
    )
