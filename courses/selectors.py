"""Reads on the learning side, always scoped to the requesting user."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, Prefetch, When
from django.http import Http404
from django.utils import timezone

from accounts import policy
from accounts.models import User
from courses.models import (
    Course,
    CourseModule,
    Enrolment,
    Lesson,
    LessonRead,
    Level,
    Module,
    ModuleProgress,
    ModuleVersion,
    SkillProgress,
)
from courses.schedule import due_date, is_overdue

if TYPE_CHECKING:
    from assessments.models import Attempt
    from courses.authoring.certification import CertificationRequirements


@dataclass
class ModuleCard:
    module: Module  # annotated with lessons_total, the current version's lesson count
    progress: ModuleProgress | None
    locked_by: list[Module] = field(default_factory=list)

    @property
    def lessons_read(self) -> int:
        return self.progress.lessons_read if self.progress else 0

    @property
    def lessons_total(self) -> int:
        return self.progress.lessons_total if self.progress else self.module.lessons_total


def level_rank() -> Case:
    """Sort key for levels in career order (初级 → 中级 → 高级 → 经理), not alphabetically."""
    ranks = [When(level=value, then=rank) for rank, value in enumerate(Level.values)]
    return Case(*ranks, default=len(ranks))


def module_catalogue(*, user: User) -> list[ModuleCard]:
    """Every published module by level, with the user's progress row and the prerequisites that still lock
    it: two queries whatever the catalogue size."""
    every = list(
        Module.objects.select_related("current_version")
        .defer("current_version__source", "current_version__intro_html")
        .annotate(level_rank=level_rank(), lessons_total=Count("current_version__lessons"))
        .order_by("level_rank", "position", "slug")
    )
    by_slug = {m.slug: m for m in every}
    progress = {}
    if user.is_authenticated:
        progress = {p.module_id: p for p in ModuleProgress.objects.filter(user=user)}
    exempt = policy.is_trainer(user) or policy.is_manager(user)
    cards = []
    for m in every:
        if not m.is_active or m.current_version is None:
            continue
        locked_by = []
        if not exempt:
            for slug in m.current_version.prerequisites or []:
                required = by_slug.get(slug)
                row = progress.get(required.pk) if required else None
                if required and not (row and row.passed):
                    locked_by.append(required)
        cards.append(ModuleCard(m, progress.get(m.pk), locked_by))
    return cards


def module_get(*, slug: str) -> Module:
    try:
        return Module.objects.select_related("current_version").get(
            slug=slug, is_active=True, current_version__isnull=False
        )
    except Module.DoesNotExist:
        raise Http404("no such module") from None


def module_lessons(*, module: Module) -> list[Lesson]:
    return list(module.current_version.lessons.only("key", "title", "position", "version_id"))


def lesson_get(*, module: Module, key: str) -> Lesson:
    try:
        return module.current_version.lessons.get(key=key)
    except Lesson.DoesNotExist:
        raise Http404("no such lesson") from None


def lessons_read(*, user: User, module: Module) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(LessonRead.objects.filter(user=user, module=module).values_list("lesson_key", flat=True))


def module_lock(*, user: User, module: Module) -> list[Module]:
    """The prerequisite modules ``user`` has not passed yet (empty: the module is open).

    Trainers, managers and staff are never locked out: they look at modules, they do not take them.
    """
    slugs = list(module.current_version.prerequisites or []) if module.current_version else []
    if not slugs or policy.is_trainer(user) or policy.is_manager(user):
        return []
    passed: set[int] = set()
    if user.is_authenticated:
        passed = set(
            ModuleProgress.objects.filter(user=user, passed=True, module__slug__in=slugs).values_list(
                "module_id", flat=True
            )
        )
    return [m for m in Module.objects.filter(slug__in=slugs) if m.pk not in passed]


def module_progress(*, user: User, module: Module) -> ModuleProgress | None:
    if not user.is_authenticated:
        return None
    return ModuleProgress.objects.filter(user=user, module=module).first()


def progress_overview(*, user: User) -> list[ModuleCard]:
    """The user's own progress across all modules (two queries)."""
    return module_catalogue(user=user)


# The recruit's home, learning paths and progress ---------------------------------------------------------


@dataclass
class DueItem:
    module: Module
    course: Course
    due: date
    overdue: bool
    progress: ModuleProgress | None


@dataclass
class PathStep:
    """One module of a course as the recruit sees it: required, due, locked, passed."""

    link: CourseModule
    progress: ModuleProgress | None
    due: date | None
    overdue: bool
    locked_by: list[Module]


@dataclass
class Home:
    resume: Attempt | None
    next_step: NextStep | None
    due: list[DueItem]
    recent: list[Attempt]
    enrolments: list[Enrolment]
    skills: list[SkillProgress]
    trend: list[tuple[datetime, Decimal]]
    certificates: list


DUE_SOON = timedelta(days=7)
RECENT = 5
TREND = 30


def _due_items(
    *, enrolments: list[Enrolment], progress: dict[int, ModuleProgress], today: date
) -> list[DueItem]:
    items = []
    for enrolment in enrolments:
        for link in enrolment.course.course_modules.all():
            row = progress.get(link.module_id)
            if not link.required or not link.due_days or (row and row.passed):
                continue
            due = due_date(start=enrolment.start_date, due_days=link.due_days)
            if due <= today + DUE_SOON:
                overdue = is_overdue(due=due, today=today)
                items.append(DueItem(link.module, enrolment.course, due, overdue, row))
    return sorted(items, key=lambda i: i.due)


def home_overview(*, user: User, today: date | None = None) -> Home:
    """What a recruit sees first: where to continue, what is due, recent results, progress by skill area and
    the score trend. A fixed number of queries, whatever the history."""
    from assessments.models import Attempt, AttemptStatus
    from certificates.models import Certificate

    today = today or timezone.localdate()
    enrolments = list(
        Enrolment.objects.filter(user=user)
        .select_related("course", "cohort")
        .prefetch_related(
            Prefetch("course__course_modules", queryset=CourseModule.objects.select_related("module"))
        )
    )
    progress = {p.module_id: p for p in ModuleProgress.objects.filter(user=user).select_related("module")}
    attempts = Attempt.objects.filter(user=user).select_related("module", "quiz", "drill")
    resume = attempts.filter(status=AttemptStatus.IN_PROGRESS).order_by("-started_at").first()
    recent = list(
        attempts.filter(
            status__in=[AttemptStatus.GRADED, AttemptStatus.NEEDS_REVIEW, AttemptStatus.SUBMITTED]
        ).order_by("-submitted_at")[:RECENT]
    )
    trend = list(
        attempts.filter(status=AttemptStatus.GRADED)
        .order_by("-graded_at")
        .values_list("graded_at", "percent")[:TREND]
    )[::-1]
    return Home(
        resume=resume,
        next_step=_next_step(user=user, enrolments=enrolments, progress=progress),
        due=_due_items(enrolments=enrolments, progress=progress, today=today),
        recent=recent,
        enrolments=enrolments,
        skills=list(SkillProgress.objects.filter(user=user)),
        trend=trend,
        certificates=list(Certificate.objects.filter(user=user).select_related("course")[:5]),
    )


@dataclass
class NextStep:
    """What the recruit should do next in a module: read a lesson, take the quiz, or do a drill."""

    kind: str  # lesson | quiz | drill
    module: Module
    item: Any  # the Lesson, Quiz or Drill


def _next_step(
    *, user: User, enrolments: list[Enrolment], progress: dict[int, ModuleProgress]
) -> NextStep | None:
    """The module worked on last if it is unfinished, then the courses' unfinished modules in order: the
    first unread lesson, else the quiz not passed, else a drill neither passed nor waiting for a review.
    Locked modules are skipped. Four queries, however many modules and lessons."""
    from assessments.models import Drill, Quiz

    active = sorted(
        (p for p in progress.values() if p.last_activity_at and not p.passed),
        key=lambda p: p.last_activity_at,
        reverse=True,
    )
    candidates: list[Module] = []
    for module in [p.module for p in active[:1]] + [
        link.module for e in enrolments for link in e.course.course_modules.all()
    ]:
        row = progress.get(module.pk)
        if module.current_version_id and not (row and row.passed) and module not in candidates:
            candidates.append(module)
    if not candidates:
        return None
    versions = [m.current_version_id for m in candidates]
    read = set(
        LessonRead.objects.filter(user=user, module__in=candidates).values_list("module_id", "lesson_key")
    )
    lessons: dict[int, list[Lesson]] = {}
    for lesson in (
        Lesson.objects.filter(version_id__in=versions)
        .only("key", "title", "position", "version_id")
        .order_by("position")
    ):
        lessons.setdefault(lesson.version_id, []).append(lesson)
    quizzes = {q.version_id: q for q in Quiz.objects.filter(version_id__in=versions).order_by("-position")}
    drills: dict[int, list] = {}
    for drill in Drill.objects.filter(version_id__in=versions).only(
        "key", "title", "kind", "version_id", "position"
    ):
        drills.setdefault(drill.version_id, []).append(drill)
    passed_slugs = {p.module.slug for p in progress.values() if p.passed}
    staff = policy.is_trainer(user) or policy.is_manager(user)
    prerequisites = (
        dict(ModuleVersion.objects.filter(pk__in=versions).values_list("pk", "prerequisites"))
        if not staff
        else {}
    )
    for module in candidates:
        version = module.current_version_id
        if any(slug not in passed_slugs for slug in prerequisites.get(version) or []):
            continue
        unread = next((x for x in lessons.get(version, []) if (module.pk, x.key) not in read), None)
        if unread:
            return NextStep("lesson", module, unread)
        row = progress.get(module.pk)
        if version in quizzes and not (row and row.quiz_passed):
            return NextStep("quiz", module, quizzes[version])
        results = row.drill_results if row else {}
        for drill in drills.get(version, []):
            result = results.get(drill.key) or {}
            if not result.get("passed") and not result.get("awaiting_review"):
                return NextStep("drill", module, drill)
    return None


def progress_page(*, user: User) -> tuple[list[Enrolment], list[SkillProgress]]:
    """The recruit's enrolments and skill areas for the progress page: two queries."""
    enrolments = list(Enrolment.objects.filter(user=user).select_related("course"))
    return enrolments, list(SkillProgress.objects.filter(user=user))


def course_list(*, user: User) -> list[tuple[Course, Enrolment | None]]:
    """Every course (certification track) with the user's enrolment in it: two queries."""
    mine = {e.course_id: e for e in Enrolment.objects.filter(user=user)} if user.is_authenticated else {}
    courses = Course.objects.annotate(n_modules=Count("course_modules"), level_rank=level_rank()).order_by(
        "level_rank", "position", "slug"
    )
    return [(c, mine.get(c.pk)) for c in courses]


def course_get(*, slug: str) -> Course:
    try:
        return Course.objects.get(slug=slug)
    except Course.DoesNotExist:
        raise Http404("no such course") from None


def course_path(
    *, user: User, course: Course, today: date | None = None
) -> tuple[Enrolment | None, list[PathStep]]:
    """The course's modules in order, with the user's progress, due dates (when enrolled) and locks."""
    today = today or timezone.localdate()
    enrolment = Enrolment.objects.filter(user=user, course=course).first() if user.is_authenticated else None
    links = list(course.course_modules.select_related("module__current_version"))
    progress = (
        {
            p.module_id: p
            for p in ModuleProgress.objects.filter(
                user=user, module_id__in=[link.module_id for link in links]
            )
        }
        if user.is_authenticated
        else {}
    )
    passed = {m for m, p in progress.items() if p.passed}
    by_slug = {link.module.slug: link.module for link in links}
    staff = policy.is_trainer(user) or policy.is_manager(user)
    steps = []
    for link in links:
        row = progress.get(link.module_id)
        due = due_date(start=enrolment.start_date, due_days=link.due_days) if enrolment else None
        version = link.module.current_version
        wanted = list(version.prerequisites or []) if version and not staff else []
        missing = [s for s in wanted if not (s in by_slug and by_slug[s].pk in passed)]
        locked_by = [by_slug[s] for s in missing if s in by_slug]
        if len(locked_by) < len(missing):
            locked_by += list(Module.objects.filter(slug__in=[s for s in missing if s not in by_slug]))
        overdue = is_overdue(due=due, today=today, passed=bool(row and row.passed))
        steps.append(PathStep(link, row, due, overdue, locked_by))
    return enrolment, steps


def certification_requirements_published(*, tracks: Iterable[Any] = ()) -> CertificationRequirements:
    """What the published tracks' certification rules require, with ``tracks`` (course specs, e.g. those
    being imported) taking the place of the published rows of the same slug. One query."""
    from courses.authoring.certification import CertificationRequirements, certification_requirements
    from courses.models import Course

    tracks = list(tracks)
    own = certification_requirements(tracks)
    replaced = {t.slug for t in tracks}
    modules, drills = set(own.quiz_modules), set(own.drills)
    for slug, rule in Course.objects.exclude(certification={}).values_list("slug", "certification"):
        if slug in replaced or not isinstance(rule, dict):
            continue
        modules.update(rule.get("modules") or [])
        for ref in rule.get("drills") or []:
            module_slug, _, drill_id = str(ref).partition("/")
            if drill_id:
                drills.add((module_slug, drill_id))
    return CertificationRequirements(quiz_modules=frozenset(modules), drills=frozenset(drills))
