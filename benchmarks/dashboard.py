"""Cohort dashboard at scale: queries and render time of the manager's cohort overview at 100, 1,000 and
10,000 recruits × 8 modules, against a trivial view measured in the same run.

The data is synthetic but shaped like the real thing: 8 modules in the authoring format (a lesson, a quiz of
5 questions, a written drill), imported with ``content_import``; per recruit, lesson reads, graded quiz
attempts with their responses (answers graded by the real pure graders), drill attempts (a few waiting for
a trainer), all bulk-created, and the aggregates (ModuleProgress, Enrolment, SkillProgress) computed here
exactly as ``courses.services.progress_update`` would leave them (tests/benchmarks/test_dashboard_smoke.py
re-runs the services on a sample and checks that nothing changes).

Prints one JSON line: ``queries`` and ``render_ms`` (size → value) with the cohort summaries stored by the
reports task, ``queries_live`` and ``render_live_ms`` before they exist (the page computes them),
``summary_refresh_s`` (the task's computation per size), ``trivial_view_ms``, ``item_analysis_s`` and
``sql_aggregate_s`` (from ``benchmarks.item_analysis.measure``), ``ratio_10000_to_100`` (stored) and
``ratio_live_10000_to_100``. See docs/benchmarks.md, "Dashboard".
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import types
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks.support import bench_database, emit, note
from benchmarks.synthetic import answer_for, module_markdown
from courses.authoring.specs import SKILL_AREAS

SIZES = (100, 1_000, 10_000)
SMOKE_SIZES = (5, 30)
MODULES = 8
QUESTIONS = 5
CHUNK = 500
CENT = Decimal("0.01")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


# ── content ────────────────────────────────────────────────────────────────────────────────────────────


def _drill(slug: str, n: int) -> str:
    return (
        f"::: drill {slug}-memo\nkind: written\ntitle: 书面演练 {n}：欢迎说明\n"
        "min_chars: 20\nmax_chars: 600\nreview: auto\n\n"
        "请为新成员写一段入群欢迎说明，介绍群规和本周栏目。\n\n"
        "::: criterion welcome\npoints: 2\nconcepts: 欢迎|你好; 群规|规则\n\n欢迎新成员并说明群规。\n:::\n\n"
        "::: criterion schedule\npoints: 2\nconcepts: 栏目|活动; 周一|周三|周五\n\n介绍固定栏目。\n:::\n:::\n"
    )


def content_write(root: Path, *, modules: int = MODULES, questions: int = QUESTIONS) -> Path:
    """A content folder of ``modules`` modules, one per skill area, each with a lesson, a quiz of
    ``questions`` questions and a written drill."""
    folder = root / "modules"
    folder.mkdir(parents=True, exist_ok=True)
    for m in range(modules):
        slug = f"bench-{m:04d}"
        text = module_markdown(slug, m + 1, 1, questions, quiz_per_lesson=False)
        area = SKILL_AREAS[m % len(SKILL_AREAS)]
        text = text.replace("skill_area: fundamentals", f"skill_area: {area}")
        zh, en = _area_title(area)
        text = text.replace(f"title: 基准模块 {slug}", f"title: 模块 {m + 1}：{zh}")
        text = text.replace(f"title_en: Benchmark module {slug}", f'title_en: "Module {m + 1}: {en}"')
        (folder / f"{slug}.md").write_text(text + "\n" + _drill(slug, m + 1), encoding="utf-8")
    return root


def _area_title(area: str) -> tuple[str, str]:
    return {
        "fundamentals": ("社群基础", "Community basics"),
        "management": ("社群管理", "Community management"),
        "growth": ("拉新增长", "Growth"),
        "data-analysis": ("数据分析", "Data analysis"),
        "content": ("内容运营", "Content"),
        "culture": ("社群文化", "Culture"),
        "crisis": ("危机处理", "Crisis handling"),
        "learning": ("持续学习", "Continuous learning"),
    }[area]


def course_build(*, root: Path, modules: int = MODULES, slug: str = "bench-course"):
    """Import the synthetic modules and put them on one course, due every 7 days from the start."""
    from courses.authoring.loader import load_tree
    from courses.models import Course, CourseModule, Level, Module
    from courses.services import content_import

    tree = load_tree(content_write(root, modules=modules))
    if tree.errors:
        raise RuntimeError("\n".join(str(e) for e in tree.errors))
    content_import(tree=tree)
    course = Course.objects.create(
        slug=slug, title="基准课程", title_en="Benchmark course", level=Level.JUNIOR
    )
    found = {m.slug: m for m in Module.objects.filter(slug__startswith="bench-")}
    CourseModule.objects.bulk_create(
        [
            CourseModule(course=course, module=found[f"bench-{m:04d}"], position=m, due_days=7 * (m + 1))
            for m in range(modules)
        ]
    )
    return course


# ── recruits, attempts and the aggregates the services would write ───────────────────────────────────


@dataclass
class QuizPlan:
    quiz: Any
    questions: list[tuple[Any, list[tuple[Any, Any]]]]  # (question version, [(answer, Result) right, wrong])
    counts: str


@dataclass
class ModulePlan:
    course_module: Any
    module: Any
    pass_mark: int
    lesson_keys: list[str]
    quizzes: list[QuizPlan]
    drills: list[Any]


def course_plan(course, rng: random.Random) -> list[ModulePlan]:
    """What a recruit can do in each module of ``course``: lessons, quizzes (with a right and a wrong
    answer to every question, already graded), drills."""
    from assessments.grading import grade_question
    from assessments.models import Drill, QuizQuestion
    from courses.models import CourseModule

    plans = []
    for cm in CourseModule.objects.filter(course=course).select_related("module__current_version"):
        version = cm.module.current_version
        if version is None:
            continue
        quizzes = []
        for quiz in version.quizzes.all():
            questions = []
            for link in QuizQuestion.objects.filter(quiz=quiz).select_related("question_version"):
                data = link.question_version.data
                variants = []
                for right in (1.0, 0.0):
                    answer = answer_for(data, rng, right=right)
                    variants.append((answer, grade_question(data, answer)))
                questions.append((link.question_version, variants))
            quizzes.append(QuizPlan(quiz, questions, quiz.settings.get("counts", "highest")))
        plans.append(
            ModulePlan(
                cm,
                cm.module,
                version.pass_mark,
                list(version.lessons.values_list("key", flat=True)),
                quizzes,
                list(Drill.objects.filter(version=version)),
            )
        )
    return plans


@dataclass
class Made:
    """A generated attempt before it is saved: what progress_update reads from it."""

    attempt: Any
    responses: list[Any] = field(default_factory=list)
    review: Any = None


def _recruit_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _mean(values: list[Decimal]) -> Decimal | None:
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT) if values else None


def cohort_build(
    *,
    course,
    managers: list,
    size: int,
    seed: int = 0,
    start_date: date | None = None,
    name: str | None = None,
    plans: list[ModulePlan] | None = None,
    email_prefix: str | None = None,
):
    """A cohort of ``size`` recruits on ``course`` with their history and aggregates, bulk-created in
    chunks of 500 recruits."""
    from django.utils import timezone

    from courses.models import Cohort

    rng = random.Random(seed)
    today = timezone.localdate()
    start_date = start_date or today - timedelta(days=35)
    cohort = Cohort.objects.create(
        name=name or f"{start_date:%Y-%m} 批次（{size} 人）",
        course=course,
        start_date=start_date,
        description="基准数据",
        created_by=managers[0] if managers else None,
    )
    cohort.managers.add(*managers)
    plans = plans if plans is not None else course_plan(course, random.Random(seed + 1))
    area_modules = _area_modules()
    prefix = email_prefix or f"c{cohort.pk}"
    for first in range(0, size, CHUNK):
        _chunk_build(
            cohort=cohort,
            plans=plans,
            area_modules=area_modules,
            indices=range(first, min(first + CHUNK, size)),
            rng=rng,
            prefix=prefix,
        )
    return cohort


def _area_modules() -> dict[str, set[int]]:
    """Active, published modules by skill area: what skill_refresh counts."""
    from courses.models import Module

    areas: dict[str, set[int]] = defaultdict(set)
    for pk, area in Module.objects.filter(is_active=True, current_version__isnull=False).values_list(
        "pk", "skill_area"
    ):
        areas[area].add(pk)
    return areas


def _chunk_build(*, cohort, plans, area_modules, indices, rng, prefix) -> None:
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Role, User
    from assessments.models import Attempt, DrillReview, Response
    from courses.models import CohortMembership, Enrolment, LessonRead, ModuleProgress, SkillProgress

    now = timezone.now()
    start = timezone.make_aware(datetime.combine(cohort.start_date, datetime.min.time()).replace(hour=9))
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(
                    email=f"{prefix}-{i:05d}@example.com",
                    username=f"{prefix}-{i:05d}@example.com",
                    display_name=f"{_recruit_name(rng)} {i + 1:05d}",
                    password="!",  # an unusable password: nobody signs in as a synthetic recruit
                    role=Role.RECRUIT,
                )
                for i in indices
            ],
            batch_size=2000,
        )
        CohortMembership.objects.bulk_create(
            [CohortMembership(cohort=cohort, user=u) for u in users], batch_size=2000
        )
        made: list[Made] = []
        reads: list[Any] = []
        progress_rows: list[Any] = []
        enrolments: list[Any] = []
        skills: list[Any] = []
        for user in users:
            ability = rng.uniform(0.35, 0.98)
            pace = rng.uniform(0.0, 1.4)
            started = min(len(plans), round(len(plans) * pace))
            span = max((now - start).total_seconds(), 3600)
            clock = start + timedelta(hours=rng.uniform(1, 30))
            rows = {}
            for plan in plans[:started]:
                clock = min(clock + timedelta(seconds=rng.uniform(0.3, 1.2) * span / max(started, 1)), now)
                row, attempts, module_reads = _module_history(user, plan, ability, clock, now, rng)
                made += attempts
                reads += module_reads
                rows[plan.module.pk] = row
                progress_rows.append(row)
            enrolments.append(_enrolment(user, cohort, plans, rows))
            skills += _skills(user, plans, rows, area_modules)
        created = Attempt.objects.bulk_create([m.attempt for m in made], batch_size=2000)
        responses = []
        reviews = []
        for m, attempt in zip(made, created, strict=True):
            for r in m.responses:
                r.attempt = attempt
                responses.append(r)
            if m.review is not None:
                m.review.attempt = attempt
                reviews.append(m.review)
        Response.objects.bulk_create(responses, batch_size=5000)
        DrillReview.objects.bulk_create(reviews, batch_size=2000)
        LessonRead.objects.bulk_create(reads, batch_size=5000)
        ModuleProgress.objects.bulk_create(progress_rows, batch_size=5000)
        Enrolment.objects.bulk_create(enrolments, batch_size=2000)
        SkillProgress.objects.bulk_create(skills, batch_size=5000)


def _module_history(user, plan: ModulePlan, ability: float, clock: datetime, now: datetime, rng):
    """One recruit's work in one module, and the ModuleProgress row progress_update would leave."""
    from assessments.models import Attempt, AttemptStatus, DrillKind, DrillReview, Response
    from courses.models import LessonRead, ModuleProgress

    reads = [LessonRead(user=user, module=plan.module, lesson_key=key) for key in plan.lesson_keys]
    made: list[Made] = []
    # (graded at, creation order = pk order, "quiz:<key>" / "drill:<key>", attempt)
    events: list[tuple[datetime, int, str, Any]] = []
    t = clock
    for qp in plan.quizzes:
        tries = 1 + (ability < 0.75) + (ability < 0.55) + (rng.random() < 0.15)
        for number in range(1, tries + 1):
            t = min(t + timedelta(minutes=rng.uniform(8, 90)), now)
            p_right = min(0.99, ability + 0.06 * (number - 1))
            responses, total, maximum = [], Decimal(0), Decimal(0)
            for position, (qv, variants) in enumerate(qp.questions, start=1):
                answer, result = variants[0] if rng.random() < p_right else variants[1]
                responses.append(
                    Response(
                        position=position,
                        question_version=qv,
                        answer=answer,
                        answered_at=t,
                        score=result.score,
                        max_score=result.max_score,
                        correct=result.correct,
                        feedback_html=result.feedback,
                        details=result.details,
                    )
                )
                total += result.score
                maximum += result.max_score
            percent = (100 * total / maximum).quantize(CENT) if maximum else Decimal(0)
            attempt = Attempt(
                user=user,
                quiz=qp.quiz,
                module=plan.module,
                number=number,
                status=AttemptStatus.GRADED,
                seed=rng.randrange(2**31),
                submitted_at=t,
                graded_at=t,
                score=total,
                max_score=maximum,
                percent=percent,
                passed=percent >= plan.pass_mark,
            )
            made.append(Made(attempt, responses))
            events.append((t, len(events), f"quiz:{qp.quiz.key}", attempt))
    for drill in plan.drills:
        tries = 1 + (rng.random() < 0.3)
        pass_mark = int(drill.data.get("pass_mark") or plan.pass_mark)
        for number in range(1, tries + 1):
            t = min(t + timedelta(minutes=rng.uniform(10, 120)), now)
            waiting = drill.kind == DrillKind.WRITTEN and number == tries and rng.random() < 0.08
            maximum = Decimal(4)
            total = (maximum * Decimal(min(1.0, max(0.0, rng.gauss(ability, 0.15))))).quantize(CENT)
            percent = (100 * total / maximum).quantize(CENT)
            state = {"text": "欢迎新朋友！请先阅读群规，每周一有话题讨论，周三答疑。", "pasted_chars": 0}
            attempt = Attempt(
                user=user,
                drill=drill,
                module=plan.module,
                number=number,
                status=AttemptStatus.NEEDS_REVIEW if waiting else AttemptStatus.GRADED,
                seed=rng.randrange(2**31),
                submitted_at=t,
                graded_at=None if waiting else t,
                score=None if waiting else total,
                max_score=maximum,
                percent=None if waiting else percent,
                passed=None if waiting else percent >= pass_mark,
                state=state if drill.kind == DrillKind.WRITTEN else {},
                result={} if waiting else {"suggested_score": str(total)},
            )
            review = None
            if waiting:
                review = DrillReview(reasons=["near_pass_mark"], suggested_score=total, max_score=maximum)
            made.append(Made(attempt, [], review))
            events.append((t, len(events), f"drill:{drill.key}", attempt))
    row = ModuleProgress(
        user=user,
        module=plan.module,
        lessons_read=len(plan.lesson_keys),
        lessons_total=len(plan.lesson_keys),
    )
    _progress_replay(row, plan, events, clock)
    return row, made, reads


def _progress_replay(row, plan: ModulePlan, events: list, read_at: datetime) -> None:
    """Fill ``row`` the way progress_update leaves it after the lesson reads and after each of ``events``
    (attempts in time order): attempts are read newest first (graded_at, then pk), as it reads them."""
    from assessments.models import AttemptStatus

    row.last_activity_at = read_at
    quiz_keys = [qp.quiz.key for qp in plan.quizzes]
    counts = {qp.quiz.key: qp.counts for qp in plan.quizzes}
    drill_keys = [d.key for d in plan.drills]
    if not quiz_keys and not drill_keys:
        row.passed = bool(plan.lesson_keys)
        row.passed_at = read_at if row.passed else None
    for done in range(1, len(events) + 1):
        seen = sorted(events[:done], key=lambda e: (e[0], e[1]), reverse=True)
        when = events[done - 1][0]
        graded = [(k, a) for _t, _n, k, a in seen if a.status == AttemptStatus.GRADED]
        waiting = [(k, a) for _t, _n, k, a in seen if a.status == AttemptStatus.NEEDS_REVIEW]
        quiz_results = []
        for key in quiz_keys:
            mine = [a for k, a in graded if k == f"quiz:{key}"]
            counted = None
            if mine:
                counted = mine[0] if counts[key] == "latest" else max(mine, key=_best_key)
            quiz_results.append((counted.percent, bool(counted.passed)) if counted else (None, False))
        drill_results = {}
        for key in drill_keys:
            mine = [a for k, a in graded if k == f"drill:{key}"]
            best = max(mine, key=_best_key, default=None)
            drill_results[key] = {
                "score": None if best is None else str(best.percent),
                "passed": any(a.passed for a in mine),
                "attempts": len(mine),
                "awaiting_review": any(k == f"drill:{key}" for k, _a in waiting),
            }
        scores = [p for p, _ok in quiz_results if p is not None] + [
            Decimal(r["score"]) for r in drill_results.values() if r["score"] is not None
        ]
        quiz_passed = bool(quiz_results) and all(ok for _p, ok in quiz_results)
        drills_passed = sum(1 for r in drill_results.values() if r["passed"])
        passed = (quiz_passed or not quiz_keys) and drills_passed == len(drill_keys)
        row.quiz_attempts = sum(1 for k, _a in graded if k.startswith("quiz:"))
        row.quiz_score = _mean([p for p, _ok in quiz_results if p is not None])
        if quiz_passed and not row.quiz_passed:
            row.quiz_passed_at = when
        row.quiz_passed = quiz_passed
        row.drill_results = drill_results
        row.drills_total = len(drill_keys)
        row.drills_passed = drills_passed
        row.awaiting_review = len(waiting)
        row.attempts = len(graded)
        row.score = _mean(scores)
        if passed and not row.passed:
            row.passed_at = when
        elif not passed:
            row.passed_at = None
        row.passed = passed
        row.last_activity_at = when


def _best_key(attempt) -> tuple:
    return (attempt.percent or 0, attempt.graded_at)


def _enrolment(user, cohort, plans: list[ModulePlan], rows: dict):
    """The Enrolment enrolment_refresh computes from the recruit's rows."""
    from courses.models import Enrolment

    required = [(p.module.pk, p.course_module.due_days) for p in plans if p.course_module.required]
    mine = {m: rows[m] for m, _ in required if m in rows}
    passed = [m for m, _ in required if m in mine and mine[m].passed]
    due = [cohort.start_date + timedelta(days=days) for m, days in required if days and m not in passed]
    complete = bool(required) and len(passed) == len(required)
    return Enrolment(
        user=user,
        course_id=cohort.course_id,
        cohort=cohort,
        start_date=cohort.start_date,
        modules_total=len(required),
        modules_passed=len(passed),
        percent=(Decimal(100) * len(passed) / len(required)).quantize(CENT) if required else Decimal(0),
        average_score=_mean([r.score for r in mine.values() if r.score is not None]),
        awaiting_review=sum(r.awaiting_review for r in mine.values()),
        next_due_date=min(due, default=None),
        completed_at=max(r.passed_at for r in mine.values()) if complete else None,
        last_activity_at=max((r.last_activity_at for r in mine.values() if r.last_activity_at), default=None),
    )


def _skills(user, plans: list[ModulePlan], rows: dict, area_modules: dict[str, set[int]]) -> list:
    """The SkillProgress rows skill_refresh leaves: one per skill area the recruit has a module row in."""
    from courses.models import SkillProgress

    result = []
    for area in sorted({p.module.skill_area for p in plans if p.module.pk in rows}):
        mine = [r for m, r in rows.items() if m in area_modules[area]]
        result.append(
            SkillProgress(
                user=user,
                skill_area=area,
                modules_total=len(area_modules[area]),
                modules_passed=sum(1 for r in mine if r.passed),
                average_score=_mean([r.score for r in mine if r.score is not None]),
            )
        )
    return result


# ── measuring ──────────────────────────────────────────────────────────────────────────────────────────


def _trivial(request):
    from django.http import HttpResponse

    return HttpResponse("ok")


def _urlconf() -> types.ModuleType:
    """The site's URLs plus /bench/trivial/, a view that does nothing, through the same middleware."""
    from django.urls import include, path

    module = types.ModuleType("benchmarks_dashboard_urls")
    module.urlpatterns = [path("bench/trivial/", _trivial), path("", include("trainingsite.urls"))]
    return module


def _median_ms(client, url: str, repeats: int, warmup: int) -> float:
    for _ in range(warmup):
        assert client.get(url).status_code == 200
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(timings)


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _item_analysis(n: int) -> dict[str, float]:
    from benchmarks import item_analysis

    result = item_analysis.measure(n)
    return {"item_analysis_s": result["item_analysis_s"], "sql_aggregate_s": result["sql_aggregate_s"]}


def _render(client, urls: dict[int, str], sizes: tuple[int, ...], repeats: int) -> dict[str, Any]:
    """Queries of one GET per size, and the render time: interleaved rounds, so a busy moment on the
    machine falls on every size (and on the trivial view) alike."""
    result: dict[str, Any] = {"queries": {}, "render_ms": {}}
    for size in sizes:
        result["queries"][str(size)] = _queries(client, urls[size])
    samples: dict[Any, list[float]] = defaultdict(list)
    rounds = 5
    for _ in range(rounds):
        for size in sizes:
            samples[size].append(_median_ms(client, urls[size], max(1, repeats // rounds), warmup=1))
        samples["trivial"].append(_median_ms(client, "/bench/trivial/", 20, warmup=3))
    for size in sizes:
        result["render_ms"][str(size)] = round(statistics.median(samples[size]), 2)
    result["trivial_view_ms"] = round(statistics.median(samples["trivial"]), 3)
    return result


def run(*, sizes: tuple[int, ...], repeats: int, item_analysis_n: int) -> dict[str, Any]:
    from django.test import Client, override_settings
    from django.urls import reverse

    from accounts.models import Role, User
    from courses.cohort_summary import cohort_summary_compute

    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as folder:
        note("importing 8 synthetic modules")
        course = course_build(root=Path(folder))
    manager = User.objects.create_user(email="manager@bench.example", password="!", role=Role.MANAGER)
    plans = course_plan(course, random.Random(1))
    cohorts = {}
    for size in sizes:
        started = time.monotonic()
        cohorts[size] = cohort_build(course=course, managers=[manager], size=size, seed=size, plans=plans)
        note(f"built {size} recruits in {time.monotonic() - started:.1f}s")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client = Client()
    client.force_login(manager)
    result: dict[str, Any] = {}
    # DEBUG is off (support.py); static URLs without the manifest, which only collectstatic writes.
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(ROOT_URLCONF=_urlconf(), STORAGES=storages):
        urls = {size: reverse("manager_cohort", args=[cohorts[size].pk]) for size in sizes}
        # First without stored summaries (the page computes them, as before the first refresh), then with
        # the summaries the reports task stores after gradings.
        live = _render(client, urls, sizes, repeats)
        result["queries_live"], result["render_live_ms"] = live["queries"], live["render_ms"]
        result["summary_refresh_s"] = {}
        for size in sizes:
            started = time.perf_counter()
            cohort_summary_compute(cohort_id=cohorts[size].pk)
            result["summary_refresh_s"][str(size)] = round(time.perf_counter() - started, 4)
        stored = _render(client, urls, sizes, repeats)
        result["queries"], result["render_ms"] = stored["queries"], stored["render_ms"]
        result["trivial_view_ms"] = stored["trivial_view_ms"]
    note(f"dashboard: {result}")
    result.update(_item_analysis(item_analysis_n))
    smallest, largest = str(min(sizes)), str(max(sizes))
    result["ratio_10000_to_100"] = round(result["render_ms"][largest] / result["render_ms"][smallest], 3)
    result["ratio_live_10000_to_100"] = round(
        result["render_live_ms"][largest] / result["render_live_ms"][smallest], 3
    )
    result["sizes"] = list(sizes)
    result["modules"] = MODULES
    result["queries_identical"] = len(set(result["queries"].values())) == 1
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    args = parser.parse_args(argv)
    sizes = SMOKE_SIZES if args.smoke else SIZES
    try:
        with bench_database("trainingsite_bench_dashboard", require_postgres=True) as vendor:
            if vendor != "postgresql":
                print("benchmarks.dashboard needs PostgreSQL", file=sys.stderr)
                return 3
            result = run(
                sizes=sizes,
                repeats=10 if args.smoke else 25,
                item_analysis_n=1_000 if args.smoke else 100_000,
            )
    except Exception as exc:
        import psycopg

        if isinstance(exc, psycopg.OperationalError):
            print(f"PostgreSQL does not answer: {exc}", file=sys.stderr)
            return 3
        raise
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
