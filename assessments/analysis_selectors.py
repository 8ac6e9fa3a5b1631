"""Reads for the item analysis pages: the stored statistics, shaped for templates. Trainers and staff only;
anybody else gets a 404, as if the pages did not exist. Every page reads a fixed number of queries.

Item analysis is aggregate: nothing here reads who answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import F, Q
from django.db.models.fields.json import KT
from django.http import Http404
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.models import User
from assessments import statistics as st
from assessments.analysis import data_as_of, is_current
from assessments.models import AssessmentStatistics, Confidence, Drill, DrillKind, Quiz
from courses.models import Module

MISSING, UPDATING, CURRENT = "missing", "updating", "current"
FLAG_TEXT = {
    st.FLAG_EASY: _("Too easy"),
    st.FLAG_HARD: _("Too hard"),
    st.FLAG_NEGATIVE: _("Negative discrimination"),
}
KIND_TEXT = {
    "quiz": _("Quiz"),
    DrillKind.SCENARIO: DrillKind.SCENARIO.label,
    DrillKind.DATA: DrillKind.DATA.label,
    DrillKind.WRITTEN: DrillKind.WRITTEN.label,
}


def _trainer_only(user: User) -> None:
    if not policy.is_trainer(user):
        raise Http404("no such page")


def _state(*, requested_at, computed_at, as_of) -> str:
    if computed_at is None and requested_at is None:
        return MISSING
    return (
        CURRENT if is_current(requested_at=requested_at, computed_at=computed_at, as_of=as_of) else UPDATING
    )


def _float(raw: Any) -> float | None:
    try:
        return None if raw is None or raw == "null" else float(raw)
    except (TypeError, ValueError):
        return None


def _date(raw: Any) -> datetime | None:
    return parse_datetime(raw) if isinstance(raw, str) else None


def source_text(source_path: str, line: int) -> str:
    """Where a question is written: ``modules/x/quiz.md:12``. Versions imported before the file was
    recorded know only their module: a folder module's then reads ``modules/x/*.md:12``."""
    if not source_path:
        return gettext("line %(line)s") % {"line": line} if line else ""
    if source_path.endswith("/module.md"):
        source_path = source_path.removesuffix("module.md") + "*.md"
    return f"{source_path}:{line}" if line else source_path


# Index -----------------------------------------------------------------------------------------------------


@dataclass
class IndexRow:
    module: Module
    key: str
    title: str
    kind: str
    state: str = MISSING
    attempts: int | None = None
    alpha: float | None = None
    flagged: int | None = None
    computed_at: datetime | None = None

    @property
    def kind_text(self) -> str:
        return str(KIND_TEXT.get(self.kind, self.kind))


@dataclass
class IndexModule:
    module: Module
    rows: list[IndexRow] = field(default_factory=list)


def analysis_index(*, user: User) -> list[IndexModule]:
    """Every quiz and drill of every active module's current version, with its stored statistics."""
    _trainer_only(user)
    current = Q(version__module__is_active=True, version_id=F("version__module__current_version_id"))
    modules: dict[int, IndexModule] = {}
    entries: list[tuple[int, int, IndexRow]] = []
    for model in (Quiz, Drill):
        for item in model.objects.filter(current).select_related("version__module").order_by("position"):
            module = item.version.module
            modules.setdefault(module.pk, IndexModule(module))
            kind = "quiz" if model is Quiz else item.kind
            entries.append(
                (
                    0 if model is Quiz else 1,
                    item.position,
                    IndexRow(module, item.key, item.title or item.key, kind),
                )
            )
    stats = {
        (row["module_id"], row["key"]): row
        for row in AssessmentStatistics.objects.filter(module__is_active=True).values(
            "module_id",
            "key",
            "attempts_count",
            "computed_at",
            "requested_at",
            alpha=KT("data__alpha"),
            flagged=KT("data__flagged"),
            as_of=KT("data__as_of"),
        )
    }
    for *_order, row in sorted(entries, key=lambda e: (e[0], e[1])):
        found = stats.get((row.module.pk, row.key))
        if found:
            row.state = _state(
                requested_at=found["requested_at"],
                computed_at=found["computed_at"],
                as_of=_date(found["as_of"]),
            )
            row.attempts = found["attempts_count"] if found["as_of"] else None
            row.alpha, row.computed_at = _float(found["alpha"]), found["computed_at"]
            flagged = _float(found["flagged"])
            row.flagged = int(flagged) if flagged is not None else None
        modules[row.module.pk].rows.append(row)
    return sorted(modules.values(), key=lambda m: (m.module.position, m.module.slug))


# One quiz or drill -----------------------------------------------------------------------------------------


@dataclass
class ChoiceRow:
    text: str
    correct: bool
    count: int
    share: float | None  # percent of the version's responses


@dataclass
class VersionRow:
    id: int
    hash: str
    created_at: datetime | None
    source_line: int
    n: int
    facility: float | None
    point_biserial: float | None
    upper_lower: float | None
    flags: list[tuple[str, str]]
    choices: list[ChoiceRow]
    blank: int | None
    wrong_answers: list[tuple[str, int]]
    has_choices: bool
    has_answers: bool

    @property
    def facility_percent(self) -> float | None:
        return None if self.facility is None else 100 * self.facility


@dataclass
class ConfidenceRow:
    """Confidence-based marking: the answers given at one confidence level and how many were wrong."""

    level: str
    label: str
    n: int
    wrong: int

    @property
    def wrong_percent(self) -> float | None:
        return 100 * self.wrong / self.n if self.n else None


def _confidence_rows(raw: Any) -> list[ConfidenceRow]:
    if not isinstance(raw, dict):
        return []
    rows = []
    for level, label in Confidence.choices:
        entry = raw.get(level)
        if isinstance(entry, dict):
            rows.append(
                ConfidenceRow(level, str(label), int(entry.get("n") or 0), int(entry.get("wrong") or 0))
            )
    return rows


@dataclass
class QuestionRow:
    id: int
    key: str
    type: str
    stem_text: str
    stem_html: str
    source: str
    n: int
    facility: float | None
    point_biserial: float | None
    upper_lower: float | None
    flags: list[tuple[str, str]]
    versions: list[VersionRow]
    position: int
    confidence: list[ConfidenceRow] = field(default_factory=list)

    @property
    def facility_percent(self) -> float | None:
        return None if self.facility is None else 100 * self.facility

    @property
    def confidently_wrong(self) -> int:
        return next((c.wrong for c in self.confidence if c.level == "high"), 0)

    @property
    def few_responses(self) -> bool:
        return self.n < st.MIN_RESPONSES


def _flags(codes: list[str]) -> list[tuple[str, str]]:
    return [(code, str(FLAG_TEXT.get(code, code))) for code in codes]


def _version_row(raw: dict[str, Any]) -> VersionRow:
    n = int(raw.get("n") or 0)
    choices = [
        ChoiceRow(
            text=c.get("text", ""),
            correct=bool(c.get("correct")),
            count=int(c.get("count") or 0),
            share=100 * c["count"] / n if n else None,
        )
        for c in raw.get("choices") or []
    ]
    return VersionRow(
        id=raw["id"],
        hash=raw.get("hash", ""),
        created_at=_date(raw.get("created_at")),
        source_line=int(raw.get("source_line") or 0),
        n=n,
        facility=raw.get("facility"),
        point_biserial=raw.get("point_biserial"),
        upper_lower=raw.get("upper_lower"),
        flags=_flags(raw.get("flags") or []),
        choices=choices,
        blank=raw.get("blank"),
        wrong_answers=[(text, count) for text, count in raw.get("wrong_answers") or []],
        has_choices="choices" in raw,
        has_answers="wrong_answers" in raw,
    )


def _question_row(raw: dict[str, Any], position: int, source_path: str) -> QuestionRow:
    return QuestionRow(
        id=raw["id"],
        key=raw.get("key", ""),
        type=raw.get("type", ""),
        stem_text=raw.get("stem_text", ""),
        stem_html=raw.get("stem_html", ""),
        source=source_text(raw.get("source_path") or source_path, int(raw.get("source_line") or 0)),
        n=int(raw.get("n") or 0),
        facility=raw.get("facility"),
        point_biserial=raw.get("point_biserial"),
        upper_lower=raw.get("upper_lower"),
        flags=_flags(raw.get("flags") or []),
        versions=[_version_row(v) for v in raw.get("versions") or []],
        position=position,
        confidence=_confidence_rows(raw.get("confidence")),
    )


@dataclass
class FlowChoice:
    text: str
    count: int
    share: float | None
    late: int
    best: bool
    older: bool
    points: str | None


@dataclass
class FlowStep:
    id: str
    text: str
    visits: int
    choices: list[FlowChoice]


@dataclass
class FlowEnding:
    id: str
    text: str
    outcome: str
    count: int
    share: float | None


@dataclass
class StatisticsPage:
    module: Module
    key: str
    state: str
    data: dict[str, Any]
    computed_at: datetime | None = None
    requested_at: datetime | None = None

    @property
    def title(self) -> str:
        return self.data.get("title") or self.key

    @property
    def kind(self) -> str:
        return self.data.get("kind") or "quiz"

    @property
    def kind_text(self) -> str:
        return str(KIND_TEXT.get(self.kind, self.kind))

    @property
    def as_of(self) -> str:
        return self.data.get("as_of") or ""

    @property
    def has_numbers(self) -> bool:
        return bool(self.data.get("as_of"))

    @property
    def attempts(self) -> int:
        return int(self.data.get("attempts") or 0)

    @property
    def responses(self) -> int:
        return int(self.data.get("responses") or 0)

    @property
    def pass_mark(self) -> int:
        return int(self.data.get("pass_mark") or 0)

    @property
    def guessing(self) -> list[dict[str, Any]]:
        """The guesser simulation's rows: strategy, expected percent, passes."""
        return [row for row in self.data.get("guessing") or [] if isinstance(row, dict)]

    @property
    def guessed_by(self) -> list[str]:
        return [str(row.get("strategy")) for row in self.guessing if row.get("passes")]

    @property
    def mean_percent(self) -> float | None:
        return self.data.get("mean_percent")

    @property
    def sd_percent(self) -> float | None:
        return self.data.get("sd_percent")

    @property
    def pass_rate_percent(self) -> float | None:
        rate = self.data.get("pass_rate")
        return None if rate is None else 100 * rate

    @property
    def alpha(self) -> float | None:
        return self.data.get("alpha")

    @property
    def items_per_attempt(self) -> float | None:
        return self.data.get("items_per_attempt")

    @property
    def drawn(self) -> bool:
        """Attempts answered fewer questions than the pool holds: alpha is an approximation."""
        k = self.items_per_attempt
        return k is not None and k < len(self.data.get("questions") or []) - 1e-9

    @property
    def flagged(self) -> int:
        return int(self.data.get("flagged") or 0)

    @property
    def histogram(self) -> tuple[list[float], list[int]]:
        raw = self.data.get("histogram") or {}
        return list(raw.get("edges") or st.HISTOGRAM_EDGES), list(raw.get("counts") or [])

    @property
    def questions(self) -> list[QuestionRow]:
        source_path = self.data.get("source_path", "")
        return [
            _question_row(q, position, source_path)
            for position, q in enumerate(self.data.get("questions") or [], start=1)
        ]

    @property
    def min_responses(self) -> int:
        return int((self.data.get("thresholds") or {}).get("min_responses") or st.MIN_RESPONSES)

    @property
    def flow(self) -> tuple[list[FlowStep], list[FlowEnding]]:
        raw = self.data.get("flow") or {}
        steps = []
        for step in raw.get("steps") or []:
            visits = int(step.get("visits") or 0)
            steps.append(
                FlowStep(
                    id=step.get("id", ""),
                    text=step.get("text", ""),
                    visits=visits,
                    choices=[
                        FlowChoice(
                            text=c.get("text", ""),
                            count=int(c.get("count") or 0),
                            share=100 * c["count"] / visits if visits else None,
                            late=int(c.get("late") or 0),
                            best=bool(c.get("best")),
                            older=bool(c.get("older")),
                            points=c.get("points"),
                        )
                        for c in step.get("choices") or []
                    ],
                )
            )
        endings_raw = raw.get("endings") or []
        total = sum(int(e.get("count") or 0) for e in endings_raw)
        endings = [
            FlowEnding(
                id=e.get("id", ""),
                text=e.get("text", ""),
                outcome=e.get("outcome", ""),
                count=int(e.get("count") or 0),
                share=100 * e["count"] / total if total else None,
            )
            for e in endings_raw
        ]
        return steps, endings


def _target_exists(*, module: Module, key: str) -> bool:
    return (
        Quiz.objects.filter(version__module=module, key=key).exists()
        or Drill.objects.filter(version__module=module, key=key).exists()
    )


def statistics_page(*, user: User, slug: str, key: str) -> StatisticsPage:
    """One quiz's or drill's stored statistics (across its versions); 404 if the module has no such key."""
    _trainer_only(user)
    row = AssessmentStatistics.objects.select_related("module").filter(module__slug=slug, key=key).first()
    if row is None:
        module = Module.objects.filter(slug=slug).first()
        if module is None or not _target_exists(module=module, key=key):
            raise Http404("no such quiz or drill")
        return StatisticsPage(module=module, key=key, state=MISSING, data={})
    data = row.data if isinstance(row.data, dict) else {}
    state = _state(requested_at=row.requested_at, computed_at=row.computed_at, as_of=data_as_of(data))
    return StatisticsPage(
        module=row.module,
        key=key,
        state=state,
        data=data,
        computed_at=row.computed_at,
        requested_at=row.requested_at,
    )


def question_page(*, user: User, slug: str, key: str, question_id: int) -> tuple[StatisticsPage, QuestionRow]:
    page = statistics_page(user=user, slug=slug, key=key)
    for question in page.questions:
        if question.id == question_id:
            return page, question
    raise Http404("no such question in these statistics")


@dataclass
class StatisticsStatus:
    state: str
    as_of: str
    computed_at: datetime | None


def statistics_status(*, user: User, slug: str, key: str) -> StatisticsStatus:
    """For the htmx poll: only the freshness of the stored row, not its numbers."""
    _trainer_only(user)
    row = (
        AssessmentStatistics.objects.filter(module__slug=slug, key=key)
        .values("requested_at", "computed_at", as_of=KT("data__as_of"))
        .first()
    )
    if row is None:
        return StatisticsStatus(MISSING, "", None)
    state = _state(
        requested_at=row["requested_at"],
        computed_at=row["computed_at"],
        as_of=_date(row["as_of"]),
    )
    return StatisticsStatus(state, row["as_of"] or "", row["computed_at"])


def statistics_target(*, user: User, slug: str, key: str) -> Module:
    """The module of a quiz or drill a trainer asks to recompute; 404 if there is none."""
    _trainer_only(user)
    module = Module.objects.filter(slug=slug).first()
    if module is None or not _target_exists(module=module, key=key):
        raise Http404("no such quiz or drill")
    return module
