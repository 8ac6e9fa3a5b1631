"""Writes on the learning side: publishing content, reading lessons, updating progress aggregates."""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Max, OuterRef, Subquery, Value
from django.utils import timezone

from accounts.models import User
from assessments.models import (
    Attempt,
    AttemptStatus,
    Drill,
    DrillQuestion,
    Question,
    QuestionVersion,
    Quiz,
    QuizQuestion,
)
from certificates.tasks import evaluate_for_user_on_commit
from courses.authoring import serialize
from courses.authoring.certification import CertificationRequirements
from courses.authoring.render import render_markdown
from courses.authoring.specs import ContentTree
from courses.authoring.specs import Course as CourseSpec
from courses.authoring.specs import Drill as DrillSpec
from courses.authoring.specs import Module as ModuleSpec
from courses.authoring.specs import Quiz as QuizSpec
from courses.cohort_summary import cohort_summary_request_on_commit
from courses.models import (
    Cohort,
    Course,
    CourseModule,
    Enrolment,
    Lesson,
    LessonRead,
    Module,
    ModuleProgress,
    ModuleVersion,
    Origin,
    PassedVia,
    SkillProgress,
)
from courses.schedule import due_date, recruit_start
from courses.signals import module_passed


class ContentError(Exception):
    """The content tree has errors; nothing was imported."""

    def __init__(self, messages: list) -> None:
        self.messages = messages
        super().__init__("\n".join(str(m) for m in messages))


@dataclass
class ImportReport:
    published: list[str] = field(default_factory=list)  # "slug vN"
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # current version edited in the site, not overwritten
    courses_changed: list[str] = field(default_factory=list)
    retired_questions: int = 0


def content_import(
    *,
    tree: ContentTree,
    acting_user: User | None = None,
    on_progress: Callable[[str], None] | None = None,
    protect_site_versions: bool = True,
) -> ImportReport:
    """Publish every changed module and course of ``tree`` in one transaction; unchanged ones: no writes.

    With ``protect_site_versions`` a module whose current version was edited in the site is kept, not
    overwritten by its file (docs/authoring.md, "Editing in the site").
    """
    if tree.errors:
        raise ContentError(tree.errors)
    # The parsed tree stays alive through the whole import and is never garbage, yet every full collection
    # would walk all of it: a 1,000-lesson import spent a third of its time there (docs/benchmarks.md).
    gc.freeze()
    try:
        return _content_import(
            tree=tree, acting_user=acting_user, on_progress=on_progress, protect=protect_site_versions
        )
    finally:
        gc.unfreeze()


def _content_import(
    *,
    tree: ContentTree,
    acting_user: User | None,
    on_progress: Callable[[str], None] | None,
    protect: bool,
) -> ImportReport:
    report = ImportReport()
    requirements: list[CertificationRequirements] = []  # looked up once, when a module is published

    def required() -> CertificationRequirements:
        from courses.selectors import certification_requirements_published

        if not requirements:
            requirements.append(certification_requirements_published(tracks=tree.courses))
        return requirements[0]

    with transaction.atomic():
        existing = {m.slug: m for m in Module.objects.select_related("current_version")}
        for position, spec in enumerate(tree.modules):
            module = existing.get(spec.slug)
            if module and module.current_version and module.current_version.source_hash == spec.source_hash:
                report.unchanged.append(spec.slug)
            elif (
                protect and module and module.current_version and module.current_version.origin == Origin.SITE
            ):
                report.kept.append(spec.slug)
            else:
                version = _module_publish(
                    spec=spec,
                    module=module,
                    position=position if spec.position is None else spec.position,
                    acting_user=acting_user,
                    requirements=required(),
                )
                existing[spec.slug] = version.module
                report.published.append(f"{spec.slug} v{version.number}")
                report.retired_questions += _questions_retire(module=version.module, spec=spec)
            if on_progress:
                on_progress(spec.slug)
        if tree.courses:
            courses = {c.slug: c for c in Course.objects.all()}
            for position, course_spec in enumerate(tree.courses):
                course = courses.get(course_spec.slug)
                if course and course.source_hash == course_spec.source_hash:
                    continue
                _course_save(
                    spec=course_spec,
                    course=course,
                    modules=existing,
                    position=position if course_spec.position is None else course_spec.position,
                )
                report.courses_changed.append(course_spec.slug)
    return report


def _module_publish(
    *,
    spec: ModuleSpec,
    module: Module | None,
    position: int,
    acting_user: User | None,
    requirements: CertificationRequirements,
) -> ModuleVersion:
    fields = {
        "title": spec.title,
        "title_en": spec.title_en,
        "summary": spec.summary,
        "summary_en": spec.summary_en,
        "skill_area": spec.skill_area,
        "level": spec.level,
    }
    if module is None:
        module = Module.objects.create(slug=spec.slug, position=position, source_path=spec.path, **fields)
        number = 1
    else:
        module = Module.objects.select_for_update().get(pk=module.pk)
        number = (module.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ModuleVersion.objects.create(
        module=module,
        number=number,
        source_hash=spec.source_hash,
        estimated_minutes=spec.estimated_minutes,
        pass_mark=spec.pass_mark,
        prerequisites=spec.prerequisites,
        tags=spec.tags,
        intro_html=render_markdown(spec.intro) if spec.intro.strip() else "",
        published_by=acting_user,
        **fields,
    )
    version.lessons.bulk_create(
        [
            version.lessons.model(
                version=version,
                key=lesson.id,
                position=i,
                title=lesson.title,
                body_html=render_markdown(lesson.body),
                source_line=lesson.line,
            )
            for i, lesson in enumerate(spec.lessons)
        ]
    )
    _quizzes_publish(
        module=module, version=version, quizzes=spec.quizzes, drills=spec.drills, requirements=requirements
    )
    for key, value in fields.items():
        setattr(module, key, value)
    module.position = position
    module.source_path = spec.path
    module.current_version = version
    module.is_active = True
    module.save()
    return version


def _quizzes_publish(
    *,
    module: Module,
    version: ModuleVersion,
    quizzes: list[QuizSpec],
    drills: list[DrillSpec],
    requirements: CertificationRequirements,
) -> None:
    """Store a version's quizzes and drills in a fixed number of queries, however many questions they hold.

    Questions are found by key (created, or un-retired, when needed) and question versions reused by content
    hash, so an unchanged question keeps its version across module versions; the rest is bulk-created.
    A data exercise's questions are question versions too, in the drill's pool.
    """
    drill_rows = Drill.objects.bulk_create(
        [
            Drill(
                version=version,
                key=d.id,
                kind=d.kind,
                title=d.title,
                position=i,
                intro_html=render_markdown(d.intro) if d.intro.strip() else "",
                data=_drill_rules(
                    serialize.drill_data(d, pass_mark=version.pass_mark),
                    d,
                    certification=requirements.requires_drill(module.slug, d.id),
                ),
                source_path=d.path,
                source_line=d.line,
            )
            for i, d in enumerate(drills)
        ]
    )
    pools = [*quizzes, *drills]
    if not any(p.questions for p in pools):
        return
    rendered = [[(q, serialize.question_data(q)) for q in pool.questions] for pool in pools]
    keys = {q.id: None for rows in rendered for q, _ in rows}
    questions = {q.key: q for q in Question.objects.filter(module=module)}
    new = Question.objects.bulk_create([Question(module=module, key=k) for k in keys if k not in questions])
    questions.update({q.key: q for q in new})
    revived = [questions[k].pk for k in keys if questions[k].retired_at]
    if revived:
        Question.objects.filter(pk__in=revived).update(retired_at=None)
    entries = []  # (quiz index, position in the pool, (question pk, content hash))
    wanted: dict[tuple[int, str], QuestionVersion] = {}
    for qpos, rows in enumerate(rendered):
        for i, (q, data) in enumerate(rows):
            ref = (questions[q.id].pk, serialize.content_hash(data))
            entries.append((qpos, i, ref))
            wanted.setdefault(
                ref,
                QuestionVersion(
                    question_id=ref[0], content_hash=ref[1], data=data, source_path=q.path, source_line=q.line
                ),
            )
    versions: dict[tuple[int, str], QuestionVersion] = {}
    known = {pk for pk, _ in wanted} - {q.pk for q in new}  # only these can have a version to reuse
    if known:
        hashes = {h for pk, h in wanted if pk in known}
        moved = []
        for qv in QuestionVersion.objects.filter(question_id__in=known, content_hash__in=hashes).only(
            "pk", "question_id", "content_hash", "source_path", "source_line"
        ):
            versions[(qv.question_id, qv.content_hash)] = qv
            # Where a question is written is not part of it: a reused version follows its text around.
            now = wanted[(qv.question_id, qv.content_hash)]
            if (qv.source_path, qv.source_line) != (now.source_path, now.source_line):
                qv.source_path, qv.source_line = now.source_path, now.source_line
                moved.append(qv)
        if moved:
            QuestionVersion.objects.bulk_update(moved, ["source_path", "source_line"])
    new_versions = QuestionVersion.objects.bulk_create(
        [qv for ref, qv in wanted.items() if ref not in versions]
    )
    versions.update({(qv.question_id, qv.content_hash): qv for qv in new_versions})
    quiz_rows = Quiz.objects.bulk_create(
        [
            Quiz(
                version=version,
                key=quiz_spec.id,
                title=quiz_spec.title,
                position=qpos,
                settings=serialize.quiz_data(quiz_spec),
            )
            for qpos, quiz_spec in enumerate(quizzes)
        ]
    )
    QuizQuestion.objects.bulk_create(
        [
            QuizQuestion(quiz=quiz_rows[qpos], question_version=versions[ref], position=i)
            for qpos, i, ref in entries
            if qpos < len(quizzes)
        ]
    )
    DrillQuestion.objects.bulk_create(
        [
            DrillQuestion(drill=drill_rows[qpos - len(quizzes)], question_version=versions[ref], position=i)
            for qpos, i, ref in entries
            if qpos >= len(quizzes)
        ]
    )


def _drill_rules(data: dict, spec: DrillSpec, *, certification: bool) -> dict:
    """The attempts policy a drill is held to. A drill that a track requires shows its answers only after
    the last attempt (or once passed) and always goes to a trainer when written, whatever its file says;
    the validator has already refused one whose attempts or wait break the certification rules."""
    wait = spec.options.get("wait_minutes") or "0"
    data = {
        **data,
        "wait_minutes": int(wait) if wait.isdigit() else 0,
        "certification": certification,
        "show_answers": "after_last_attempt" if certification else "after_grading",
    }
    if certification and spec.kind == "written":
        data["review"] = "always"
    return data


def _questions_retire(*, module: Module, spec: ModuleSpec) -> int:
    """Questions that left the module are retired, never deleted: their history stays."""
    keys = {q.id for pool in [*spec.quizzes, *spec.drills] for q in pool.questions}
    return (
        Question.objects.filter(module=module, retired_at__isnull=True)
        .exclude(key__in=keys)
        .update(retired_at=timezone.now())
    )


def _course_save(
    *, spec: CourseSpec, course: Course | None, modules: dict[str, Module], position: int
) -> None:
    cert = spec.certification
    # The rule itself refuses tested-out passes of these modules (certificates.rules); a rule without any
    # keeps the shape it had before test-out existed.
    forbidden = [slug for slug in spec.no_test_out if cert and slug in cert.modules]
    no_test_out = {"no_test_out": forbidden} if forbidden else {}
    fields = {
        "title": spec.title,
        "title_en": spec.title_en,
        "summary": spec.summary,
        "summary_en": spec.summary_en,
        "level": spec.level,
        "description_html": render_markdown(spec.description) if spec.description.strip() else "",
        "certification": {
            "modules": cert.modules,
            "drills": cert.drills,
            "pass_mark": cert.pass_mark,
            "validity_months": cert.validity_months,
            **no_test_out,
            **(
                {"checklist": cert.checklist, "checklist_stage": cert.checklist_stage}
                if cert.checklist
                else {}
            ),
            **({"defence": True} if cert.defence else {}),
            **({"renewal_recall": cert.renewal_recall} if cert.renewal_recall else {}),
        }
        if cert
        else {},
        "review_cards": spec.review_cards,
        "source_hash": spec.source_hash,
        "position": position,
    }
    if course is None:
        course = Course.objects.create(slug=spec.slug, **fields)
    else:
        for key, value in fields.items():
            setattr(course, key, value)
        course.save()
        course.course_modules.all().delete()
    CourseModule.objects.bulk_create(
        [
            CourseModule(
                course=course,
                module=modules[cm.slug],
                position=i,
                required=cm.required,
                due_days=cm.due_days,
                test_out=cm.slug not in spec.no_test_out,
            )
            for i, cm in enumerate(spec.modules)
            if cm.slug in modules
        ]
    )


def lesson_mark_read(*, user: User, module: Module, lesson_key: str) -> bool:
    """Record that ``user`` read a lesson; returns False when it was already recorded."""
    with transaction.atomic():
        _, created = LessonRead.objects.get_or_create(user=user, module=module, lesson_key=lesson_key)
        if created:
            progress_update(user_id=user.pk, module_id=module.pk)
    return created


def progress_update(*, user_id: int, module_id: int) -> ModuleProgress:
    """Recompute one recruit × module aggregate row from its sources, then the recruit's enrolments and
    skill area that include the module; safe to run any number of times.

    A quiz counts by its rule (highest or latest graded attempt), a drill by its best graded attempt.
    The module is passed when every quiz and every drill of its current version is passed; a module with
    no assessment is passed when every lesson is read.
    """
    module = Module.objects.select_related("current_version").get(pk=module_id)
    version = module.current_version
    lesson_keys, quiz_keys, drill_keys, read = _version_keys(user_id=user_id, version=version)
    finished = list(
        Attempt.objects.filter(
            user_id=user_id,
            module_id=module_id,
            status__in=[AttemptStatus.GRADED, AttemptStatus.NEEDS_REVIEW],
        )
        .select_related("quiz", "drill")
        .order_by("-graded_at", "-pk")
    )
    # Pre-tests are not quiz attempts: they count only as a test-out, below.
    pretests = [a for a in finished if a.is_pretest and a.status == AttemptStatus.GRADED]
    finished = [a for a in finished if not a.is_pretest]
    graded = [a for a in finished if a.status == AttemptStatus.GRADED]
    waiting = [a for a in finished if a.status == AttemptStatus.NEEDS_REVIEW]
    quiz_results = []
    for key in quiz_keys:
        counted = _counted_attempt([a for a in graded if a.quiz_id and a.quiz.key == key])
        quiz_results.append((counted.percent, bool(counted.passed)) if counted else (None, False))
    drill_results = {}
    for key in drill_keys:
        mine = [a for a in graded if a.drill_id and a.drill.key == key]
        best = max(mine, key=lambda a: (a.percent or 0, a.graded_at), default=None)
        drill_results[key] = {
            "score": None if best is None else str(best.percent),
            # Passed by any graded attempt: a later, weaker try does not take a pass away.
            "passed": any(a.passed for a in mine),
            "attempts": len(mine),
            "awaiting_review": any(a.drill_id and a.drill.key == key for a in waiting),
        }
    scores = [p for p, _ in quiz_results if p is not None] + [
        Decimal(r["score"]) for r in drill_results.values() if r["score"] is not None
    ]
    quiz_passed = bool(quiz_results) and all(ok for _, ok in quiz_results)
    drills_passed = sum(1 for r in drill_results.values() if r["passed"])
    if quiz_keys or drill_keys:
        passed = (quiz_passed or not quiz_keys) and drills_passed == len(drill_keys)
    else:
        passed = bool(lesson_keys) and read == len(lesson_keys)
    # Test-out: a passed pre-test at one of the module's quizzes passes the module, unless it was passed
    # by study (that pass is the stronger evidence and is what the pages show).
    test_out = max(
        (a.percent for a in pretests if a.passed and a.quiz.key in quiz_keys and a.percent is not None),
        default=None,
    )
    tested_out = not passed and test_out is not None
    if tested_out:
        passed = quiz_passed = True
        scores = [test_out] + [Decimal(r["score"]) for r in drill_results.values() if r["score"] is not None]
    now = timezone.now()
    progress, _ = ModuleProgress.objects.select_for_update().get_or_create(
        user_id=user_id, module_id=module_id
    )
    progress.lessons_read = read
    progress.lessons_total = len(lesson_keys)
    progress.quiz_attempts = sum(1 for a in graded if a.quiz_id)
    quiz_scores = [p for p, _ in quiz_results if p is not None]
    progress.quiz_score = test_out if tested_out else _mean(quiz_scores)
    progress.test_out_score = test_out
    if quiz_passed and not progress.quiz_passed:
        progress.quiz_passed_at = now
    progress.quiz_passed = quiz_passed
    progress.drill_results = drill_results
    progress.drills_total = len(drill_keys)
    progress.drills_passed = drills_passed
    progress.awaiting_review = len(waiting)
    progress.attempts = len(graded)
    progress.score = _mean(scores)
    newly_passed = passed and not progress.passed
    if newly_passed:
        progress.passed_at = now
    elif not passed:
        progress.passed_at = None
    progress.passed = passed
    progress.passed_via = (
        PassedVia.TEST_OUT if tested_out else PassedVia.STUDY if passed else PassedVia.NOT_YET
    )
    progress.last_activity_at = now
    progress.save()
    for enrolment in Enrolment.objects.select_for_update().filter(
        user_id=user_id, course__course_modules__module_id=module_id
    ):
        enrolment_refresh(enrolment=enrolment)
    skill_refresh(user_id=user_id, skill_area=module.skill_area)
    cohort_summary_request_on_commit(user_id=user_id)  # the cohort overviews' summaries, debounced
    evaluate_for_user_on_commit(user_id=user_id)  # the certification rule, after this commit
    if newly_passed:
        module_passed.send_robust(sender=ModuleProgress, user_id=user_id, module_id=module_id)
    return progress


def _version_keys(
    *, user_id: int, version: ModuleVersion | None
) -> tuple[set[str], list[str], list[str], int]:
    """A version's lesson keys, its quiz and drill keys in their order, and how many of its lessons the
    recruit has read: one query, a UNION of four tagged key lists."""
    if version is None:
        return set(), [], [], 0

    def tagged(queryset, tag: str, key: str = "key", position: str | None = "position"):
        order = F(position) if position else Value(0)
        return queryset.annotate(t=Value(tag), k=F(key), p=order).values_list("t", "k", "p").order_by()

    lessons = Lesson.objects.filter(version_id=version.pk)
    reads = LessonRead.objects.filter(
        user_id=user_id, module_id=version.module_id, lesson_key__in=lessons.values("key")
    )
    rows = tagged(lessons, "lesson", position=None).union(
        tagged(Quiz.objects.filter(version_id=version.pk), "quiz"),
        tagged(Drill.objects.filter(version_id=version.pk), "drill"),
        tagged(reads, "read", key="lesson_key", position=None),
        all=True,
    )
    keys: dict[str, list[tuple[int, str]]] = {"lesson": [], "quiz": [], "drill": [], "read": []}
    for tag, key, position in rows:
        keys[tag].append((position, key))
    ordered = {tag: [key for _, key in sorted(pairs)] for tag, pairs in keys.items()}
    return set(ordered["lesson"]), ordered["quiz"], ordered["drill"], len(set(ordered["read"]))


def _mean(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"))


def enrolment_start(
    *, user: User, course: Course, cohort: Cohort | None = None, start_date: date | None = None
) -> Enrolment:
    """Put a recruit on a course (idempotent): due dates count from ``start_date``, by default today, or
    the cohort's start when joining before it (``schedule.recruit_start``). Joining a cohort later attaches
    the enrolment to it, keeping its start."""
    if start_date is None:
        today = timezone.localdate()
        start_date = recruit_start(cohort_start=cohort.start_date, joined_on=today) if cohort else today
    with transaction.atomic():
        enrolment, created = Enrolment.objects.select_for_update().get_or_create(
            user=user, course=course, defaults={"cohort": cohort, "start_date": start_date}
        )
        if not created and cohort is not None and enrolment.cohort_id is None:
            enrolment.cohort = cohort
            enrolment.save(update_fields=["cohort", "updated_at"])
        enrolment_refresh(enrolment=enrolment)
        cohort_summary_request_on_commit(user_id=user.pk)  # a new member counts in the cohort's totals
    return enrolment


def _with_progress(queryset, *, user_id: int, module: str, fields: tuple[str, ...]):
    """``queryset`` with the recruit's ModuleProgress columns ``fields`` of the row's ``module`` annotated
    as ``p_<field>`` (None where the recruit has no row): the rows and their progress in one query."""
    progress = ModuleProgress.objects.filter(user_id=user_id, module_id=OuterRef(module))
    return queryset.annotate(**{f"p_{f}": Subquery(progress.values(f)[:1]) for f in fields})


def enrolment_refresh(*, enrolment: Enrolment) -> Enrolment:
    """Recompute an enrolment's aggregate columns from the recruit's ModuleProgress rows (two queries)."""
    required = list(
        _with_progress(
            CourseModule.objects.filter(course_id=enrolment.course_id, required=True),
            user_id=enrolment.user_id,
            module="module_id",
            fields=("passed", "score", "awaiting_review", "last_activity_at"),
        ).values_list(
            "module_id", "due_days", "p_passed", "p_score", "p_awaiting_review", "p_last_activity_at"
        )
    )
    passed = [m for m, _, ok, *_ in required if ok]
    started = [row for row in required if row[2] is not None]  # the modules with a progress row
    due = [
        due_date(start=enrolment.start_date, due_days=days)
        for module_id, days, *_ in required
        if days and module_id not in passed
    ]
    enrolment.modules_total = len(required)
    enrolment.modules_passed = len(passed)
    enrolment.percent = (
        (Decimal(100) * len(passed) / len(required)).quantize(Decimal("0.01")) if required else Decimal(0)
    )
    enrolment.average_score = _mean([row[3] for row in started if row[3] is not None])
    enrolment.awaiting_review = sum(row[4] for row in started)
    enrolment.next_due_date = min(due, default=None)
    complete = bool(required) and len(passed) == len(required)
    if complete and enrolment.completed_at is None:
        enrolment.completed_at = timezone.now()
    elif not complete:
        enrolment.completed_at = None
    enrolment.last_activity_at = max((row[5] for row in started if row[5]), default=None)
    enrolment.save()
    return enrolment


def skill_refresh(*, user_id: int, skill_area: str) -> SkillProgress:
    """Recompute one recruit × skill area aggregate from the ModuleProgress rows of that area."""
    modules = list(
        _with_progress(
            Module.objects.filter(skill_area=skill_area, is_active=True, current_version__isnull=False),
            user_id=user_id,
            module="pk",
            fields=("passed", "score"),
        ).values_list("p_passed", "p_score")
    )
    skill, _ = SkillProgress.objects.select_for_update().get_or_create(user_id=user_id, skill_area=skill_area)
    skill.modules_total = len(modules)
    skill.modules_passed = sum(1 for ok, _ in modules if ok)
    skill.average_score = _mean([score for _, score in modules if score is not None])
    skill.save()
    return skill


def _counted_attempt(attempts: list[Attempt]) -> Attempt | None:
    """The attempt that counts under the quiz's rule: the highest score, or the latest."""
    if not attempts:
        return None
    rule = attempts[0].quiz.settings.get("counts", "highest")
    if rule == "latest":
        return attempts[0]
    return max(attempts, key=lambda a: (a.percent or 0, a.graded_at))
