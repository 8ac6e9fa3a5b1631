"""Reads for hiring managers: their cohorts, the recruit × module dashboard, one recruit, comparisons.

Every function takes the requesting manager and reaches only the cohorts that manager manages; any other
cohort, recruit or attempt is a 404, exactly like a missing one. Numbers come only from the persisted
aggregates (Enrolment, ModuleProgress, SkillProgress), so each page runs a fixed number of queries whatever
the cohort size. A cohort's recruits are its members (CohortMembership), each with their Enrolment on the
cohort's course.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from html import escape
from itertools import pairwise
from typing import Any

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import (
    Avg,
    CharField,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from accounts import policy
from accounts.models import User
from assessments.models import Attempt, AttemptStatus
from assessments.selectors import attempt_review_context
from certificates.models import Certificate
from courses.manager_forms import PAGE_SIZE, DashboardParams, dashboard_params_parse
from courses.models import (
    Cohort,
    CohortMembership,
    CourseModule,
    Enrolment,
    ExportJob,
    Invitation,
    ModuleProgress,
    SkillProgress,
)
from courses.schedule import due_date, is_overdue
from evaluation.models import RecruitChecklist
from trainingsite import charts

HISTOGRAM_EDGES = (0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100.0001)
TIMELINE_POINTS = 16


# ── scoping ────────────────────────────────────────────────────────────────────────────────────────────


def _require_manager(user: User) -> None:
    if not policy.is_manager(user):
        raise Http404("no such page")


def cohort_get(*, user: User, cohort_id: int, with_summary: bool = False) -> Cohort:
    """A cohort ``user`` manages, with its course (and its stored summary, if asked); anything else is a
    404."""
    _require_manager(user)
    related = ("course", "summary") if with_summary else ("course",)
    try:
        return Cohort.objects.select_related(*related).get(pk=cohort_id, managers=user)
    except Cohort.DoesNotExist:
        raise Http404("no such cohort") from None


def _member_ids(cohort: Cohort) -> QuerySet:
    return CohortMembership.objects.filter(cohort_id=cohort.pk).values("user_id")


def cohort_enrolments(*, cohort: Cohort) -> QuerySet[Enrolment]:
    """The enrolments of the cohort's members on the cohort's course (unordered)."""
    return Enrolment.objects.filter(course_id=cohort.course_id, user_id__in=_member_ids(cohort)).order_by()


def cohort_modules(*, cohort: Cohort) -> list[CourseModule]:
    return list(
        CourseModule.objects.filter(course_id=cohort.course_id)
        .select_related("module__current_version")
        .order_by("position")
    )


# ── cohorts list ───────────────────────────────────────────────────────────────────────────────────────


@dataclass
class CohortSummary:
    cohort: Cohort
    recruits: int
    completed: int
    overdue: int
    awaiting_review: int

    @property
    def completion(self) -> Decimal | None:
        if not self.recruits:
            return None
        return (Decimal(100) * self.completed / self.recruits).quantize(Decimal("0.1"))


def _count_subquery(queryset: QuerySet) -> Coalesce:
    counted = queryset.order_by().values("course_id").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted), 0)


def cohort_list(*, user: User) -> list[CohortSummary]:
    """The cohorts ``user`` manages with their headline numbers: one query, however many recruits."""
    _require_manager(user)
    today = timezone.localdate()
    members = CohortMembership.objects.filter(cohort_id=OuterRef(OuterRef("pk"))).values("user_id")
    enrolments = Enrolment.objects.filter(course_id=OuterRef("course_id"), user_id__in=members)
    cohorts = (
        Cohort.objects.filter(managers=user)
        .select_related("course")
        .annotate(
            n_recruits=Coalesce(
                Subquery(
                    CohortMembership.objects.filter(cohort_id=OuterRef("pk"))
                    .order_by()
                    .values("cohort_id")
                    .annotate(n=Count("pk"))
                    .values("n")[:1]
                ),
                0,
            ),
            n_completed=_count_subquery(enrolments.filter(completed_at__isnull=False)),
            n_overdue=_count_subquery(enrolments.filter(next_due_date__lt=today)),
            n_awaiting=Coalesce(
                Subquery(
                    enrolments.order_by()
                    .values("course_id")
                    .annotate(n=Sum("awaiting_review"))
                    .values("n")[:1]
                ),
                0,
            ),
        )
        .order_by("-start_date", "name", "pk")
    )
    return [CohortSummary(c, c.n_recruits, c.n_completed, c.n_overdue, c.n_awaiting) for c in cohorts]


BEHIND_SHOWN = 10


@dataclass
class BehindRow:
    """A recruit of one of the manager's cohorts who is overdue, or has not started yet."""

    cohort_id: int
    cohort_name: str
    recruit: User
    next_due_date: date | None
    started: bool

    @property
    def overdue(self) -> bool:
        return self.next_due_date is not None and self.next_due_date < timezone.localdate()


@dataclass
class ManagerHome:
    cohorts: list[CohortSummary]
    behind: list[BehindRow]


def manager_home(*, user: User) -> ManagerHome:
    """What a manager sees first: their cohorts with headline numbers, and who is behind in them (overdue
    first, longest overdue first, then those who have not started). Two queries, whatever the cohort sizes."""
    cohorts = cohort_list(user=user)
    today = timezone.localdate()
    theirs = CohortMembership.objects.filter(
        cohort__managers=user, cohort__course_id=OuterRef("course_id"), user_id=OuterRef("user_id")
    ).order_by("-cohort__start_date", "cohort_id")
    behind = (
        Enrolment.objects.filter(completed_at__isnull=True)
        .filter(Q(next_due_date__lt=today) | Q(last_activity_at__isnull=True))
        .annotate(
            home_cohort_id=Subquery(theirs.values("cohort_id")[:1]),
            home_cohort_name=Subquery(theirs.values("cohort__name")[:1]),
        )
        .filter(home_cohort_id__isnull=False)
        .select_related("user")
        .order_by(F("next_due_date").asc(nulls_last=True), "user__email", "pk")[:BEHIND_SHOWN]
    )
    rows = [
        BehindRow(
            e.home_cohort_id,
            e.home_cohort_name,
            e.user,
            e.next_due_date,
            started=e.last_activity_at is not None,
        )
        for e in behind
    ]
    return ManagerHome(cohorts, rows)


# ── the cohort overview ────────────────────────────────────────────────────────────────────────────────


def heat_class(score: Decimal | float | None) -> str:
    """The heat-map class of a score: five steps, the text always says the number as well."""
    if score is None:
        return "heat-none"
    value = float(score)
    if value < 40:
        return "heat-1"
    if value < 60:
        return "heat-2"
    if value < 80:
        return "heat-3"
    return "heat-4"


class CellWords:
    """The translated words of the cells, looked up once per page rather than once per cell."""

    def __init__(self) -> None:
        self.passed = "✓ " + _("passed")
        self.tested_out = "✓ " + _("tested out")
        self.tested_out_flag = _("tested out")
        self.overdue = _("overdue")
        self.awaiting_review = _("awaiting review")
        self.review = _("review")
        self._attempts: dict[int, str] = {}

    def attempts(self, n: int) -> str:
        if n not in self._attempts:
            self._attempts[n] = ngettext("%(n)s attempt", "%(n)s attempts", n) % {"n": n}
        return self._attempts[n]


@dataclass
class Cell:
    """One recruit × module: the persisted progress row (or None: not started) and the due date."""

    course_module: CourseModule
    progress: ModuleProgress | None
    due: date | None
    today: date
    words: CellWords

    @property
    def score(self) -> Decimal | None:
        return self.progress.score if self.progress else None

    @property
    def passed(self) -> bool:
        return bool(self.progress and self.progress.passed)

    @property
    def tested_out(self) -> bool:
        """Passed by a pre-test at or above the mark (test-out), not by the quiz."""
        return bool(self.progress and self.progress.passed and self.progress.tested_out)

    @property
    def attempts(self) -> int:
        return self.progress.attempts if self.progress else 0

    @property
    def awaiting_review(self) -> int:
        return self.progress.awaiting_review if self.progress else 0

    @property
    def overdue(self) -> bool:
        return is_overdue(due=self.due, today=self.today, passed=self.passed)

    @property
    def heat(self) -> str:
        return heat_class(self.score)

    @property
    def score_text(self) -> str:
        return f"{self.score:.0f}%" if self.score is not None else "—"

    @cached_property
    def text(self) -> str:
        """The cell in words: what the page shows, what a screen reader hears, what the export holds."""
        words = self.words
        parts = [self.score_text]
        if self.passed:
            parts.append(words.tested_out if self.tested_out else words.passed)
        if self.attempts:
            parts.append(words.attempts(self.attempts))
        if self.overdue:
            parts.append(words.overdue)
        if self.awaiting_review:
            parts.append(words.awaiting_review)
        return " · ".join(parts)

    @property
    def html(self) -> SafeString:
        """The table cell: colour class, score, ✓, attempts and flags, and the same in words for screen
        readers. Built here with plain escaping, not in the template: a page has hundreds of cells."""
        words = self.words
        flags = f"<span>{self.attempts}×</span>" if self.attempts else ""
        if self.tested_out:
            flags += f'<span class="flag-testout">{escape(words.tested_out_flag)}</span>'
        if self.overdue:
            flags += f'<span class="flag-due">! {escape(words.overdue)}</span>'
        if self.awaiting_review:
            flags += f'<span class="flag-review">◷ {escape(words.review)}</span>'
        text = escape(self.text)
        tick = ' <span class="flag-pass">✓</span>' if self.passed else ""
        overdue = " is-overdue" if self.overdue else ""
        return SafeString(
            f'<td class="cell {self.heat}{overdue}" title="{text}">'
            f'<span aria-hidden="true"><span class="cell-score">{self.score_text}</span>{tick}'
            f'<span class="cell-flags">{flags}</span></span><span class="visually-hidden">{text}</span></td>'
        )


@dataclass
class RecruitRow:
    enrolment: Enrolment
    cells: list[Cell]
    today: date

    @property
    def user(self) -> User:
        return self.enrolment.user

    @property
    def name(self) -> str:
        return str(self.enrolment.user)

    @property
    def overdue(self) -> bool:
        return is_overdue(due=self.enrolment.next_due_date, today=self.today)

    @property
    def percent_text(self) -> str:
        return f"{self.enrolment.percent:.0f}%"

    @property
    def checklist_stage(self) -> int | None:
        """The on-the-job checklist's stage (0, 30, 60, 90); None when no mentor has been named yet."""
        return getattr(self.enrolment, "checklist_stage", None)

    @property
    def checklist_text(self) -> str:
        """The stage in words, for the cell's tooltip and screen readers (the cell shows the number)."""
        stage = self.checklist_stage
        if stage is None:
            return _("no mentor named yet")
        return _("day %(stage)s") % {"stage": stage} if stage else _("started")

    @property
    def score_text(self) -> str:
        score = self.enrolment.average_score
        return f"{score:.1f}%" if score is not None else "—"

    @property
    def progress_status(self) -> str:
        if self.enrolment.completed_at:
            return _("Completed")
        if self.enrolment.last_activity_at:
            return pgettext("module status", "In progress")
        return _("Not started")

    @property
    def status_text(self) -> str:
        parts = [self.progress_status]
        if self.overdue:
            parts.append(_("overdue"))
        if self.enrolment.awaiting_review:
            parts.append(
                ngettext("%(n)s awaiting review", "%(n)s awaiting review", self.enrolment.awaiting_review)
                % {"n": self.enrolment.awaiting_review}
            )
        return " · ".join(parts)

    def export_values(self) -> list[Any]:
        """The row as the export writes it: numbers as numbers, dates as dates, and for each module its
        score, attempts, passed, tested out and overdue in separate number cells (1 = yes), which a
        spreadsheet sorts."""
        e = self.enrolment
        modules: list[Any] = []
        for cell in self.cells:
            score = float(cell.score) if cell.score is not None else None
            modules += [score, cell.attempts, int(cell.passed), int(cell.tested_out), int(cell.overdue)]
        return [
            self.name,
            self.user.email,
            self.status_text,
            float(e.percent),
            float(e.average_score) if e.average_score is not None else None,
            e.next_due_date,
            self.checklist_stage,
            *modules,
        ]


@dataclass
class Column:
    label: str
    sort: str | None = None  # the sort key, when the column sorts
    course_module: CourseModule | None = None
    numeric: bool = False
    href: str = ""  # the header's sort link
    aria_sort: str = ""  # ascending / descending on the current sort column
    vertical: bool = False  # a narrow column whose header is set vertically, like the modules'


@dataclass
class ModuleSummary:
    course_module: CourseModule
    average: Decimal | None
    passed: int
    share_passed: Decimal | None


@dataclass
class SkillSummary:
    skill_area: str
    label: str
    average: Decimal | None
    readiness: Decimal | None
    # Confidence-based marking: answers given at high confidence in this area, and how many were wrong.
    confident: int = 0
    confidently_wrong: int = 0
    misled_recruits: int = 0

    @property
    def confidently_wrong_share(self) -> Decimal | None:
        return _share(self.confidently_wrong, self.confident)


@dataclass
class Dashboard:
    cohort: Cohort
    params: DashboardParams
    modules: list[CourseModule]
    shown: list[CourseModule]
    skill_areas: list[tuple[str, str]]
    columns: list[Column]
    rows: list[RecruitRow]
    total: int
    completed: int
    overdue: int
    awaiting: int
    average_percent: Decimal | None
    average_score: Decimal | None
    module_summaries: list[ModuleSummary]
    skill_summaries: list[SkillSummary]
    page: int
    last_page: int
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    charts: dict[str, SafeString] = field(default_factory=dict)
    summary_as_of: datetime | None = None  # when the summaries were computed
    summary_stored: bool = False  # read from the stored summary, not computed for this request

    @property
    def completion(self) -> Decimal | None:
        return _share(self.completed, self.total)

    @property
    def has_misconceptions(self) -> bool:
        """Any answer given at high confidence in this cohort: the confidently wrong table is shown."""
        return any(s.confident for s in self.skill_summaries)

    @property
    def first_index(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.page * PAGE_SIZE, self.total)

    @property
    def page_links(self) -> list[tuple[int | None, str]]:
        """(page, link) for the first, the last and two pages either side of the current; None is a gap."""
        wanted = {1, self.last_page, *range(self.page - 2, self.page + 3)}
        pages = sorted(p for p in wanted if 1 <= p <= self.last_page)
        links: list[tuple[int | None, str]] = []
        for p in pages:
            if links and p - (links[-1][0] or 0) > 1:
                links.append((None, ""))
            links.append((p, "?" + self.params.query(page=p)))
        return links

    @property
    def previous_link(self) -> str:
        return "?" + self.params.query(page=self.page - 1) if self.page > 1 else ""

    @property
    def next_link(self) -> str:
        return "?" + self.params.query(page=self.page + 1) if self.page < self.last_page else ""

    @property
    def sort_choices(self) -> list[tuple[str, str]]:
        return sort_choices(shown=self.modules)

    @property
    def export_fields(self) -> list[tuple[str, str]]:
        """The filters and sort as hidden form fields, so an export gets exactly this view."""
        p = self.params
        return [
            ("sort", p.sort),
            ("skill", p.skill),
            ("status", p.status),
            ("overdue", "1" if p.overdue else ""),
        ]


def _share(part: int, whole: int) -> Decimal | None:
    return (Decimal(100) * part / whole).quantize(Decimal("0.1")) if whole else None


def course_skill_areas(modules: list[CourseModule]) -> list[tuple[str, str]]:
    """(value, label) of the skill areas of a course's modules, in course order."""
    seen: dict[str, str] = {}
    for cm in modules:
        seen.setdefault(cm.module.skill_area, str(cm.module.get_skill_area_display()))
    return list(seen.items())


def dashboard_columns(*, shown: list[CourseModule], params: DashboardParams | None = None) -> list[Column]:
    """The table's columns, which are also the export's header; with ``params``, their sort links."""
    columns = [
        Column(_("Recruit"), "name"),
        Column(_("Email")),
        Column(_("Status")),
        Column(_("Overall (%)"), "percent", numeric=True),
        Column(_("Average score (%)"), "score", numeric=True),
        Column(_("Next due"), "due"),
        Column(_("Checklist stage"), numeric=True, vertical=True),
        *[Column(cm.module.display_title, f"module-{cm.module_id}", cm, numeric=True) for cm in shown],
    ]
    if params is not None:
        for column in columns:
            if column.sort:
                column.href = "?" + params.sort_query(column.sort)
                if params.sort_key == column.sort:
                    column.aria_sort = "descending" if params.descending else "ascending"
    return columns


def export_header(*, shown: list[CourseModule]) -> list[str]:
    """The export's header: the table's first columns, then five number columns per module."""
    header = [column.label for column in dashboard_columns(shown=[])]
    for cm in shown:
        title = cm.module.display_title
        header += [
            _("%(module)s: score (%%)") % {"module": title},
            _("%(module)s: attempts") % {"module": title},
            _("%(module)s: passed (1 = yes)") % {"module": title},
            _("%(module)s: tested out (1 = yes)") % {"module": title},
            _("%(module)s: overdue (1 = yes)") % {"module": title},
        ]
    header += [_("Defence: date"), _("Defence: result (%)"), _("Defence: passed (1 = yes)")]
    return header


def _defence_values(cohort_id: int, user_ids: list[int]) -> dict[int, list[Any]]:
    """The export's defence cells of the latest 转正答辩 per recruit (one query). The model is looked up by
    label, not imported: ``evaluation`` imports ``courses``, and this keeps that one-way."""
    defence_model = apps.get_model("evaluation", "Defence")
    rows = (
        defence_model.objects.filter(cohort_id=cohort_id, recruit_id__in=user_ids)
        .order_by("recruit_id", "-scheduled_at", "-pk")
        .distinct("recruit_id")
        .values_list("recruit_id", "scheduled_at", "percent", "passed")
    )
    return {
        uid: [
            timezone.localtime(at).date(),
            float(percent) if percent is not None else None,
            None if passed is None else int(passed),
        ]
        for uid, at, percent, passed in rows
    }


def sort_choices(*, shown: list[CourseModule]) -> list[tuple[str, str]]:
    """Every allowed sort as (value, label), for the sort menu."""
    choices = []
    for column in dashboard_columns(shown=shown):
        if column.sort:
            choices.append((column.sort, f"{column.label} ↑"))
            choices.append((f"-{column.sort}", f"{column.label} ↓"))
    return choices


def _filtered(cohort: Cohort, params: DashboardParams, today: date) -> QuerySet[Enrolment]:
    return _filtered_by(cohort, status=params.status, overdue=params.overdue, today=today)


def _filtered_by(cohort: Cohort, *, status: str, overdue: bool, today: date) -> QuerySet[Enrolment]:
    enrolments = cohort_enrolments(cohort=cohort)
    if status == "completed":
        enrolments = enrolments.filter(completed_at__isnull=False)
    elif status == "in_progress":
        enrolments = enrolments.filter(completed_at__isnull=True, last_activity_at__isnull=False)
    elif status == "not_started":
        enrolments = enrolments.filter(completed_at__isnull=True, last_activity_at__isnull=True)
    elif status == "awaiting_review":
        enrolments = enrolments.filter(awaiting_review__gt=0)
    if overdue:
        enrolments = enrolments.filter(next_due_date__lt=today)
    return enrolments


def _ordered(enrolments: QuerySet[Enrolment], params: DashboardParams) -> QuerySet[Enrolment]:
    key, descending = params.sort_key, params.descending
    enrolments = enrolments.annotate(
        sort_name=Coalesce(
            NullIf(F("user__display_name"), Value("")), F("user__email"), output_field=CharField()
        )
    )
    module_id = params.module_sort_id
    if module_id is not None:
        enrolments = enrolments.annotate(
            sort_module=Subquery(
                ModuleProgress.objects.filter(user_id=OuterRef("user_id"), module_id=module_id).values(
                    "score"
                )[:1]
            )
        )
        expression = F("sort_module")
    else:
        expression = F(
            {"name": "sort_name", "percent": "percent", "score": "average_score", "due": "next_due_date"}[key]
        )
    primary = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
    return enrolments.order_by(primary, "sort_name", "pk")


CELL_FIELDS = ("user_id", "module_id", "score", "passed", "passed_via", "attempts", "awaiting_review")


# What a row shows: a narrow select keeps the sort of a whole cohort for one page cheap.
ROW_FIELDS = (
    "user_id",
    "course_id",
    "start_date",
    "modules_total",
    "modules_passed",
    "percent",
    "average_score",
    "awaiting_review",
    "next_due_date",
    "completed_at",
    "last_activity_at",
    "user__email",
    "user__display_name",
)


def _page_rows(enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    # The on-the-job checklist's persisted stage rides along in the same query (no query per page).
    stage = (
        RecruitChecklist.objects.filter(user_id=OuterRef("user_id")).order_by("-pk").values("stage_reached")
    )
    return enrolments.select_related("user").only(*ROW_FIELDS).annotate(checklist_stage=Subquery(stage[:1]))


def _rows(enrolments: list[Enrolment], shown: list[CourseModule], today: date) -> list[RecruitRow]:
    """The recruits' rows with their module cells: one query for every cell of these recruits."""
    progress: dict[tuple[int, int], ModuleProgress] = {}
    if enrolments and shown:
        for p in ModuleProgress.objects.filter(
            user_id__in=[e.user_id for e in enrolments], module_id__in=[cm.module_id for cm in shown]
        ).only(*CELL_FIELDS):
            progress[(p.user_id, p.module_id)] = p
    rows = []
    words = CellWords()
    for e in enrolments:
        cells = [
            Cell(
                cm,
                progress.get((e.user_id, cm.module_id)),
                due_date(start=e.start_date, due_days=cm.due_days),
                today,
                words,
            )
            for cm in shown
        ]
        rows.append(RecruitRow(e, cells, today))
    return rows


@dataclass
class DashboardQuery:
    """A cohort, its modules and the dashboard parameters read from a query string (with the messages
    about values that were not understood)."""

    cohort: Cohort
    modules: list[CourseModule]
    params: DashboardParams
    errors: list[str]

    @property
    def shown(self) -> list[CourseModule]:
        skill = self.params.skill
        return [cm for cm in self.modules if not skill or cm.module.skill_area == skill]


def dashboard_query(
    *, user: User, cohort_id: int, data: Mapping[str, str], with_summary: bool = False
) -> DashboardQuery:
    """Two queries: the cohort (scoped to ``user``, with its stored summary if asked) and its modules,
    against which ``data`` is checked."""
    cohort = cohort_get(user=user, cohort_id=cohort_id, with_summary=with_summary)
    modules = cohort_modules(cohort=cohort)
    params, errors = dashboard_params_parse(
        data,
        module_ids={cm.module_id for cm in modules},
        skill_areas={cm.module.skill_area for cm in modules},
    )
    return DashboardQuery(cohort, modules, params, errors)


def dashboard_query_saved(*, user: User, cohort_id: int, params: DashboardParams) -> DashboardQuery:
    """The same, for parameters already checked (an export job's)."""
    cohort = cohort_get(user=user, cohort_id=cohort_id)
    return DashboardQuery(cohort, cohort_modules(cohort=cohort), params, [])


# ── the summaries over the whole filtered cohort ──────────────────────────────────────────────────────

SUMMARY_FORMAT = 2  # 2: with the confidently wrong answers per skill area (#17)
DECIMAL_KEYS = ("mean_percent", "mean_score", "score_sum")


@dataclass
class SummaryNumbers:
    """What the overview aggregates over the whole filtered cohort: the totals (counts, means, histogram
    bins), per module the scored count, score sum, passes and passes by each checkpoint day, and those
    days. Computed at ``as_of``."""

    totals: dict[str, Any]
    by_module: dict[int, dict[str, Any]]
    checkpoints: list[date]
    as_of: datetime
    stored: bool = False
    # Stored summaries only: cohort_misconceptions at ``as_of`` (the live path runs its one query instead).
    misconceptions: dict[str, dict[str, int]] | None = None


def summary_compute(
    *, cohort: Cohort, modules: list[CourseModule], status: str, overdue: bool, today: date
) -> SummaryNumbers:
    """The summaries of the cohort's recruits matching ``status`` and ``overdue`` on ``today``, from the
    persisted aggregates: one aggregate over the filtered enrolments (counts, averages, histogram bins) and
    one over their module rows (per module, with passes by each checkpoint day). Two queries."""
    as_of = timezone.now()
    filtered = _filtered_by(cohort, status=status, overdue=overdue, today=today)
    bins = {
        f"bin{i}": Count("pk", filter=Q(average_score__gte=low, average_score__lt=high))
        for i, (low, high) in enumerate(pairwise(HISTOGRAM_EDGES))
    }
    totals = filtered.aggregate(
        total=Count("pk"),
        completed=Count("pk", filter=Q(completed_at__isnull=False)),
        overdue=Count("pk", filter=Q(next_due_date__lt=today)),
        awaiting=Count("pk", filter=Q(awaiting_review__gt=0)),
        mean_percent=Avg("percent"),
        mean_score=Avg("average_score"),
        **bins,
    )
    # Without a status or overdue filter every member is shown: the membership alone scopes the rows.
    unfiltered = status == "all" and not overdue
    users = _member_ids(cohort) if unfiltered else filtered.values("user_id")
    # One pass over the recruits' module rows, grouped by module: the module and skill-area summaries, and
    # for the timeline the passes made by the end of each checkpoint day (filtered counts, no date maths
    # per row).
    required = [cm for cm in modules if cm.required]
    checkpoints = timeline_days(
        start=cohort.start_date,
        today=today,
        # The cohort's plan: due dates as they fall for the members who were there from its start.
        due=[due_date(start=cohort.start_date, due_days=cm.due_days) for cm in required if cm.due_days],
    )
    ends = [_day_end(day) for day in checkpoints]
    groups = (
        ModuleProgress.objects.filter(module_id__in=[cm.module_id for cm in modules], user_id__in=users)
        .order_by()
        .values("module_id")
        .annotate(
            scored=Count("score"),
            score_sum=Sum("score"),
            n_passed=Count("pk", filter=Q(passed=True)),
            **{f"by{i}": Count("pk", filter=Q(passed=True, passed_at__lt=end)) for i, end in enumerate(ends)},
        )
    )
    by_module = {g["module_id"]: {**g, "score_sum": g["score_sum"] or Decimal(0)} for g in groups}
    return SummaryNumbers(totals, by_module, checkpoints, as_of)


def summary_plan(*, cohort: Cohort, modules: list[CourseModule], today: date) -> dict[str, Any]:
    """What stored summaries depend on besides the recruits' rows: the day (overdue, the timeline), the
    cohort's start and its course's modules with their due days."""
    return {
        "day": today.isoformat(),
        "start_date": cohort.start_date.isoformat(),
        "modules": [[cm.module_id, cm.required, cm.due_days] for cm in modules],
    }


def summary_key(status: str, overdue: bool) -> str:
    return f"{status}:{int(overdue)}"


def summary_json(numbers: SummaryNumbers) -> dict[str, Any]:
    """The numbers as JSON: decimals as strings, module ids as keys."""

    def plain(values: dict[str, Any]) -> dict[str, Any]:
        return {k: str(v) if isinstance(v, Decimal) else v for k, v in values.items() if k != "module_id"}

    return {
        "totals": plain(numbers.totals),
        "modules": {str(module_id): plain(g) for module_id, g in numbers.by_module.items()},
        "checkpoints": [day.isoformat() for day in numbers.checkpoints],
    }


def _summary_from_json(entry: dict[str, Any], as_of: datetime) -> SummaryNumbers:
    def typed(values: dict[str, Any]) -> dict[str, Any]:
        return {k: Decimal(v) if k in DECIMAL_KEYS and v is not None else v for k, v in values.items()}

    return SummaryNumbers(
        totals=typed(entry["totals"]),
        by_module={int(m): typed(g) for m, g in entry["modules"].items()},
        checkpoints=[date.fromisoformat(day) for day in entry["checkpoints"]],
        as_of=as_of,
        stored=True,
    )


def summary_stored(
    *, cohort: Cohort, modules: list[CourseModule], params: DashboardParams, today: date
) -> SummaryNumbers | None:
    """The cohort's stored summaries for these filters (no query: the cohort was read with its summary),
    or None when there is none yet or it was computed on another day, for another start or other modules."""
    try:
        stored = cohort.summary
    except ObjectDoesNotExist:
        return None
    data = stored.data if isinstance(stored.data, dict) else {}
    as_of = parse_datetime(data["as_of"]) if isinstance(data.get("as_of"), str) else None
    entry = (data.get("filters") or {}).get(summary_key(params.status, params.overdue))
    if as_of is None or entry is None or data.get("format") != SUMMARY_FORMAT:
        return None
    if data.get("plan") != summary_plan(cohort=cohort, modules=modules, today=today):
        return None
    numbers = _summary_from_json(entry, as_of)
    numbers.misconceptions = data.get("misconceptions")
    return numbers


def dashboard(*, user: User, cohort_id: int, data: Mapping[str, str]) -> Dashboard:
    """The cohort overview: one page of recruits (live) and summaries over the whole filtered cohort.

    The summaries come from the cohort's stored summary (courses.cohort_summary, refreshed by a reports
    task after progress changes) when it was computed today for these modules: four queries whatever the
    cohort size (the cohort with its summary, its modules, the page's enrolments and their module rows).
    Without one, they are computed here, two queries more (``summary_compute``).
    """
    query = dashboard_query(user=user, cohort_id=cohort_id, data=data, with_summary=True)
    cohort, modules, params = query.cohort, query.modules, query.params
    today = timezone.localdate()
    areas = course_skill_areas(modules)
    shown = query.shown
    notices = list(query.errors)
    filtered = _filtered(cohort, params, today)
    numbers = summary_stored(cohort=cohort, modules=modules, params=params, today=today)
    if numbers is None:
        numbers = summary_compute(
            cohort=cohort, modules=modules, status=params.status, overdue=params.overdue, today=today
        )
    totals, checkpoints = numbers.totals, numbers.checkpoints
    total = totals["total"]
    required = [cm for cm in modules if cm.required]
    empty = {
        "scored": 0,
        "score_sum": Decimal(0),
        "n_passed": 0,
        **{f"by{i}": 0 for i in range(len(checkpoints))},
    }
    by_module: dict[int, dict[str, Any]] = defaultdict(lambda: dict(empty))
    by_module.update(numbers.by_module)
    progress = [
        (day, sum(by_module[cm.module_id][f"by{i}"] for cm in required)) for i, day in enumerate(checkpoints)
    ]
    module_summaries = [
        ModuleSummary(
            cm,
            _mean_of(by_module[cm.module_id]),
            by_module[cm.module_id]["n_passed"],
            _share(by_module[cm.module_id]["n_passed"], total),
        )
        for cm in shown
    ]
    misconceptions = numbers.misconceptions
    if misconceptions is None:
        misconceptions = cohort_misconceptions(cohort=cohort, modules=modules)
    skill_summaries = []
    for area, label in areas:
        in_area = [by_module[cm.module_id] for cm in modules if cm.module.skill_area == area]
        combined = {
            "scored": sum(m["scored"] for m in in_area),
            "score_sum": sum((m["score_sum"] for m in in_area), Decimal(0)),
        }
        passed = sum(m["n_passed"] for m in in_area)
        skill_summaries.append(
            SkillSummary(
                area,
                label,
                _mean_of(combined),
                _share(passed, total * len(in_area)),
                **misconceptions.get(area, {}),
            )
        )
    last_page = max(1, math.ceil(total / PAGE_SIZE))
    page = params.page
    if page > last_page:
        notices.append(
            _("There is no page %(page)s; showing the last page, %(last)s.")
            % {"page": page, "last": last_page}
        )
        page = last_page
    offset = (page - 1) * PAGE_SIZE
    enrolments = list(_page_rows(_ordered(filtered, params))[offset : offset + PAGE_SIZE])
    result = Dashboard(
        cohort=cohort,
        params=params,
        modules=modules,
        shown=shown,
        skill_areas=areas,
        columns=dashboard_columns(shown=shown, params=params),
        rows=_rows(enrolments, shown, today),
        total=total,
        completed=totals["completed"],
        overdue=totals["overdue"],
        awaiting=totals["awaiting"],
        average_percent=_round(totals["mean_percent"]),
        average_score=_round(totals["mean_score"]),
        module_summaries=module_summaries,
        skill_summaries=skill_summaries,
        page=page,
        last_page=last_page,
        errors=query.errors,
        notices=notices,
        summary_as_of=numbers.as_of,
        summary_stored=numbers.stored,
    )
    result.charts = _dashboard_charts(
        result,
        bins=[totals[f"bin{i}"] for i in range(len(HISTOGRAM_EDGES) - 1)],
        progress=progress,
        required=required,
        today=today,
    )
    return result


def cohort_misconceptions(*, cohort: Cohort, modules: list[CourseModule]) -> dict[str, dict[str, int]]:
    """Per skill area, over every graded attempt of the cohort's members at the course's quizzes that ask
    for confidence: answers given at high confidence, those that were wrong ("confidently wrong", a
    misconception rather than a gap) and how many recruits gave one. One query over the attempts' persisted
    counts (``Attempt.confident_answers``/``confidently_wrong``), never over their responses."""
    rows = (
        Attempt.objects.filter(
            user_id__in=_member_ids(cohort),
            module_id__in=[cm.module_id for cm in modules],
            status=AttemptStatus.GRADED,
            confident_answers__gt=0,
        )
        .order_by()
        .values("module__skill_area")
        .annotate(
            n_confident=Sum("confident_answers"),
            n_wrong=Sum("confidently_wrong"),
            n_recruits=Count("user_id", distinct=True, filter=Q(confidently_wrong__gt=0)),
        )
    )
    return {
        row["module__skill_area"]: {
            "confident": int(row["n_confident"] or 0),
            "confidently_wrong": int(row["n_wrong"] or 0),
            "misled_recruits": int(row["n_recruits"] or 0),
        }
        for row in rows
    }


def _mean_of(sums: dict[str, Any]) -> Decimal | None:
    return _round(sums["score_sum"] / sums["scored"]) if sums["scored"] else None


def _round(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.1"))


def _dashboard_charts(
    board: Dashboard,
    *,
    bins: list[int],
    progress: list[tuple[date, int]],
    required: list[CourseModule],
    today: date,
) -> dict[str, SafeString]:
    cohort = board.cohort
    histogram = charts.histogram(
        counts=bins,
        title=_("Average scores of the recruits"),
        empty_text=_("No recruit has a score yet."),
        bins=HISTOGRAM_EDGES,
        x_label=_("Average score (%)"),
        y_label=_("Recruits"),
    )
    possible = board.total * len(required)
    actual = [(day, 100 * done / possible) for day, done in progress] if possible else []
    dated = sorted({cm.due_days for cm in required if cm.due_days})
    target = [(cohort.start_date, 0.0)] + [
        (
            due_date(start=cohort.start_date, due_days=days),
            100 * sum(1 for cm in required if cm.due_days and cm.due_days <= days) / len(required),
        )
        for days in dated
    ]
    line = charts.line_chart(
        [(_("Required modules passed"), actual)],
        title=_("Progress over time against the due dates"),
        empty_text=_("No recruit or no required module yet."),
        target_series=(_("Planned by the due dates"), target) if dated and actual else None,
    )
    readiness = charts.bar_chart(
        [(s.label, s.readiness) for s in board.skill_summaries],
        title=_("Readiness by skill area (share of the area's modules passed)"),
        empty_text=_("No skill area has progress yet."),
    )
    return {"histogram": histogram, "timeline": line, "readiness": readiness}


def timeline_days(*, start: date, today: date, due: list[date], most: int = TIMELINE_POINTS) -> list[date]:
    """The days the progress line is measured at: the start, every week since, each due date, and today,
    never after today; at most ``most``, keeping the start, the due dates and today."""
    if start > today:
        return []
    weekly = [start + timedelta(days=7 * k) for k in range(1, (today - start).days // 7 + 1)]
    fixed = sorted({start, today, *[d for d in due if start <= d <= today]})
    room = max(most - len(fixed), 0)
    if len(weekly) > room:
        step = len(weekly) / room if room else 0
        weekly = [weekly[int(k * step)] for k in range(room)] if room else []
    return sorted({*fixed, *weekly})


def _day_end(day: date) -> datetime:
    """The first moment after ``day`` in the site's time zone."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def dashboard_export_rows(*, query: DashboardQuery, chunk: int = 500) -> Iterator[list[Any]]:
    """The header, then every row the dashboard shows for ``query`` (all pages, same order), read in
    chunks of ``chunk`` recruits: three queries per chunk (the third, the recruits' defences)."""
    today = timezone.localdate()
    shown = query.shown
    yield export_header(shown=shown)
    ordered = _page_rows(_ordered(_filtered(query.cohort, query.params, today), query.params))
    offset = 0
    while True:
        enrolments = list(ordered[offset : offset + chunk])
        defences = _defence_values(query.cohort.pk, [e.user_id for e in enrolments])
        for row in _rows(enrolments, shown, today):
            yield [*row.export_values(), *defences.get(row.user.pk, [None, None, None])]
        if len(enrolments) < chunk:
            return
        offset += chunk


def dashboard_count(*, query: DashboardQuery) -> int:
    return _filtered(query.cohort, query.params, timezone.localdate()).count()


# ── one recruit ────────────────────────────────────────────────────────────────────────────────────────


def recruit_enrolment_get(*, cohort: Cohort, recruit_id: int) -> Enrolment:
    """A member's enrolment on the cohort's course, with the user and the membership date; else 404."""
    joined = CohortMembership.objects.filter(cohort_id=cohort.pk, user_id=OuterRef("user_id")).values(
        "joined_at"
    )[:1]
    try:
        return (
            cohort_enrolments(cohort=cohort)
            .select_related("user")
            .annotate(joined_at=Subquery(joined))
            .get(user_id=recruit_id)
        )
    except Enrolment.DoesNotExist:
        raise Http404("no such recruit") from None


@dataclass
class SkillRow:
    skill_area: str
    label: str
    progress: SkillProgress | None


@dataclass
class RecruitDetail:
    cohort: Cohort
    enrolment: Enrolment
    row: RecruitRow
    skills: list[SkillRow]
    strengths: list[SkillRow]
    weaknesses: list[SkillRow]
    certificates: list[Certificate]
    attempts: list[Attempt]
    chart: SafeString

    @property
    def recruit(self) -> User:
        return self.enrolment.user


def _skill_rows(user_ids: list[int], areas: list[tuple[str, str]]) -> dict[int, dict[str, SkillProgress]]:
    rows: dict[int, dict[str, SkillProgress]] = {uid: {} for uid in user_ids}
    for s in SkillProgress.objects.filter(user_id__in=user_ids, skill_area__in=[a for a, _label in areas]):
        rows[s.user_id][s.skill_area] = s
    return rows


def recruit_detail(*, user: User, cohort_id: int, recruit_id: int) -> RecruitDetail:
    """A recruit of one of the manager's cohorts: progress, skill areas, certificates and every attempt
    (seven queries whatever the history)."""
    cohort = cohort_get(user=user, cohort_id=cohort_id)
    enrolment = recruit_enrolment_get(cohort=cohort, recruit_id=recruit_id)
    modules = cohort_modules(cohort=cohort)
    today = timezone.localdate()
    row = _rows([enrolment], modules, today)[0]
    areas = course_skill_areas(modules)
    by_area = _skill_rows([enrolment.user_id], areas)[enrolment.user_id]
    skills = [SkillRow(area, label, by_area.get(area)) for area, label in areas]
    scored = sorted(
        (s for s in skills if s.progress and s.progress.average_score is not None),
        key=lambda s: s.progress.average_score,
        reverse=True,
    )
    pass_mark = (cohort.course.certification or {}).get("pass_mark")
    strengths = [s for s in scored if pass_mark is None or s.progress.average_score >= pass_mark][:3]
    weaknesses = [s for s in reversed(scored) if s not in strengths][:3]
    certificates = list(
        Certificate.objects.filter(user_id=enrolment.user_id).select_related("course").order_by("-issued_at")
    )
    attempts = list(
        Attempt.objects.filter(user_id=enrolment.user_id)
        .select_related("quiz", "drill", "module", "review")
        .order_by("-started_at", "-pk")
    )
    chart = charts.bar_chart(
        [(s.label, s.progress.average_score) for s in scored],
        title=_("Average score by skill area"),
        empty_text=_("No graded work yet."),
        target=float(pass_mark) if pass_mark else None,
        target_label=_("Pass mark"),
    )
    return RecruitDetail(cohort, enrolment, row, skills, strengths, weaknesses, certificates, attempts, chart)


def attempt_for_manager(*, user: User, cohort_id: int, attempt_id: int) -> tuple[Cohort, Attempt]:
    """An attempt of a recruit of one of the manager's cohorts; anybody else's is a 404."""
    cohort = cohort_get(user=user, cohort_id=cohort_id)
    try:
        attempt = (
            Attempt.objects.select_related("user", "module", "quiz__version", "drill__version")
            .filter(user_id__in=cohort_enrolments(cohort=cohort).values("user_id"))
            .get(pk=attempt_id)
        )
    except Attempt.DoesNotExist:
        raise Http404("no such attempt") from None
    return cohort, attempt


def attempt_review(*, attempt: Attempt) -> dict[str, Any]:
    """What the attempt page renders: the review recruits and trainers see (assessments/_review.html),
    with the correct answers shown, as to staff: a manager reviews the recruit's work."""
    if attempt.status not in (AttemptStatus.GRADED, AttemptStatus.NEEDS_REVIEW):
        return {"reviewable": False}
    return {"reviewable": True, **attempt_review_context(attempt=attempt, reveal=True)}


# ── comparison ─────────────────────────────────────────────────────────────────────────────────────────


class CompareError(Exception):
    """The selection cannot be compared (too few or too many recruits); carries the cohort for the page."""

    def __init__(self, message: str, cohort: Cohort) -> None:
        self.cohort = cohort
        super().__init__(message)


COMPARE_MIN, COMPARE_MAX = 2, 5


@dataclass
class Comparison:
    cohort: Cohort
    rows: list[RecruitRow]
    areas: list[tuple[str, str]]
    table: list[tuple[str, list[tuple[SkillProgress | None, str]]]]  # (skill label, [(row, heat class)])
    chart: SafeString


def _skill_cell(skill: SkillProgress | None) -> tuple[SkillProgress | None, str]:
    return skill, heat_class(skill.average_score if skill else None)


def recruits_compare(*, user: User, cohort_id: int, recruit_ids: list[int]) -> Comparison:
    """Two to five recruits of one cohort side by side by skill area (four queries)."""
    cohort = cohort_get(user=user, cohort_id=cohort_id)
    if not COMPARE_MIN <= len(recruit_ids) <= COMPARE_MAX:
        raise CompareError(
            _("Choose between %(min)s and %(max)s recruits to compare; %(n)s were chosen.")
            % {"min": COMPARE_MIN, "max": COMPARE_MAX, "n": len(recruit_ids)},
            cohort,
        )
    enrolments = {
        e.user_id: e
        for e in cohort_enrolments(cohort=cohort).select_related("user").filter(user_id__in=recruit_ids)
    }
    if len(enrolments) != len(recruit_ids):
        raise Http404("no such recruit")
    modules = cohort_modules(cohort=cohort)
    areas = course_skill_areas(modules)
    ordered = [enrolments[i] for i in recruit_ids]
    skills = _skill_rows(recruit_ids, areas)
    today = timezone.localdate()
    rows = [RecruitRow(e, [], today) for e in ordered]
    table = [(label, [_skill_cell(skills[e.user_id].get(area)) for e in ordered]) for area, label in areas]
    chart = charts.grouped_bar_chart(
        [label for _area, label in areas],
        [
            (
                row.name,
                [
                    s.average_score if (s := skills[row.enrolment.user_id].get(area)) else None
                    for area, _label in areas
                ],
            )
            for row in rows
        ],
        title=_("Average score by skill area"),
        empty_text=_("None of these recruits has a graded result yet."),
    )
    return Comparison(cohort, rows, areas, table, chart)


# ── people, invitations, exports ───────────────────────────────────────────────────────────────────────


INVITATIONS_SHOWN = 50


@dataclass
class People:
    cohort: Cohort
    managers: list[User]
    invitations: list[Invitation]
    invitations_total: int
    pending: int
    members: int


def cohort_people(*, user: User, cohort_id: int) -> People:
    """The cohort's managers and its latest invitations (five queries)."""
    cohort = cohort_get(user=user, cohort_id=cohort_id)
    now = timezone.now()
    managers = list(cohort.managers.order_by("email"))
    invitations = list(cohort.invitations.select_related("invited_by", "accepted_by")[:INVITATIONS_SHOWN])
    counts = cohort.invitations.aggregate(
        total=Count("pk"),
        pending=Count("pk", filter=Q(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)),
    )
    members = CohortMembership.objects.filter(cohort_id=cohort.pk).count()
    return People(cohort, managers, invitations, counts["total"], counts["pending"], members)


def invitation_for_manager(*, user: User, cohort_id: int, invitation_id: int) -> Invitation:
    cohort = cohort_get(user=user, cohort_id=cohort_id)
    try:
        return cohort.invitations.get(pk=invitation_id)
    except Invitation.DoesNotExist:
        raise Http404("no such invitation") from None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invitation_find(*, token: str) -> Invitation | None:
    """The invitation whose token is ``token`` (only its digest is stored), or None."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("cohort__course", "invited_by")
        .filter(token_hash=token_digest(token))
        .first()
    )


def invitation_state(invitation: Invitation) -> str:
    """``accepted``, ``revoked``, ``expired`` or ``valid``."""
    if invitation.accepted_at:
        return "accepted"
    if invitation.revoked_at:
        return "revoked"
    if invitation.expires_at <= timezone.now():
        return "expired"
    return "valid"


def export_job_get(*, user: User, public_id: Any) -> ExportJob:
    """An export the user requested, of a cohort they still manage; anybody else's is a 404."""
    _require_manager(user)
    try:
        return ExportJob.objects.select_related("cohort").get(
            public_id=public_id, requested_by=user, cohort__managers=user
        )
    except (ExportJob.DoesNotExist, ValueError):
        raise Http404("no such export") from None
