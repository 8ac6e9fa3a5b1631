"""Writes on the learning side: publishing content, reading lessons, updating progress aggregates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from accounts.models import User
from assessments.models import (
    Attempt,
    AttemptStatus,
    Question,
    QuestionVersion,
    Quiz,
    QuizQuestion,
)
from courses.authoring import serialize
from courses.authoring.render import render_markdown
from courses.authoring.specs import ContentTree
from courses.authoring.specs import Course as CourseSpec
from courses.authoring.specs import Module as ModuleSpec
from courses.models import Course, CourseModule, LessonRead, Module, ModuleProgress, ModuleVersion


class ContentError(Exception):
    """The content tree has errors; nothing was imported."""

    def __init__(self, messages: list) -> None:
        self.messages = messages
        super().__init__("\n".join(str(m) for m in messages))


@dataclass
class ImportReport:
    published: list[str] = field(default_factory=list)  # "slug vN"
    unchanged: list[str] = field(default_factory=list)
    courses_changed: list[str] = field(default_factory=list)
    retired_questions: int = 0


def content_import(
    *,
    tree: ContentTree,
    acting_user: User | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Publish every changed module and course of ``tree`` in one transaction; unchanged ones: no writes."""
    if tree.errors:
        raise ContentError(tree.errors)
    report = ImportReport()
    with transaction.atomic():
        existing = {m.slug: m for m in Module.objects.select_related("current_version")}
        for position, spec in enumerate(tree.modules):
            module = existing.get(spec.slug)
            if module and module.current_version and module.current_version.source_hash == spec.source_hash:
                report.unchanged.append(spec.slug)
            else:
                version = _module_publish(
                    spec=spec, module=module, position=position, acting_user=acting_user
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
                _course_save(spec=course_spec, course=course, modules=existing, position=position)
                report.courses_changed.append(course_spec.slug)
    return report


def _module_publish(
    *, spec: ModuleSpec, module: Module | None, position: int, acting_user: User | None
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
    questions = {q.key: q for q in Question.objects.filter(module=module)}
    for qpos, quiz_spec in enumerate(spec.quizzes):
        quiz = Quiz.objects.create(
            version=version,
            key=quiz_spec.id,
            title=quiz_spec.title,
            position=qpos,
            settings=serialize.quiz_data(quiz_spec),
        )
        pool = []
        for i, q in enumerate(quiz_spec.questions):
            data = serialize.question_data(q)
            question = questions.get(q.id)
            if question is None:
                question = questions[q.id] = Question.objects.create(module=module, key=q.id)
            elif question.retired_at:
                question.retired_at = None
                question.save(update_fields=["retired_at"])
            qv, _ = QuestionVersion.objects.get_or_create(
                question=question,
                content_hash=serialize.content_hash(data),
                defaults={"data": data, "source_line": q.line},
            )
            pool.append(QuizQuestion(quiz=quiz, question_version=qv, position=i))
        QuizQuestion.objects.bulk_create(pool)
    for key, value in fields.items():
        setattr(module, key, value)
    module.position = position
    module.source_path = spec.path
    module.current_version = version
    module.is_active = True
    module.save()
    return version


def _questions_retire(*, module: Module, spec: ModuleSpec) -> int:
    """Questions that left the module are retired, never deleted: their history stays."""
    keys = {q.id for quiz in spec.quizzes for q in quiz.questions}
    return (
        Question.objects.filter(module=module, retired_at__isnull=True)
        .exclude(key__in=keys)
        .update(retired_at=timezone.now())
    )


def _course_save(
    *, spec: CourseSpec, course: Course | None, modules: dict[str, Module], position: int
) -> None:
    cert = spec.certification
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
        }
        if cert
        else {},
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
    """Recompute one recruit × module aggregate row from its sources; safe to run any number of times."""
    module = Module.objects.select_related("current_version").get(pk=module_id)
    version = module.current_version
    lesson_keys = set(version.lessons.values_list("key", flat=True)) if version else set()
    read = LessonRead.objects.filter(user_id=user_id, module_id=module_id, lesson_key__in=lesson_keys).count()
    graded = Attempt.objects.filter(
        user_id=user_id, module_id=module_id, status=AttemptStatus.GRADED
    ).select_related("quiz")
    stats = graded.aggregate(n=Count("id"))
    counted = _counted_attempt(list(graded.order_by("-graded_at")))
    score: Decimal | None = counted.percent if counted else None
    passed = bool(counted and counted.passed)
    progress, _ = ModuleProgress.objects.select_for_update().get_or_create(
        user_id=user_id, module_id=module_id
    )
    progress.lessons_read = read
    progress.lessons_total = len(lesson_keys)
    progress.quiz_attempts = stats["n"]
    progress.quiz_score = score
    if passed and not progress.quiz_passed:
        progress.passed_at = timezone.now()
    progress.quiz_passed = passed
    progress.last_activity_at = timezone.now()
    progress.save()
    return progress


def _counted_attempt(attempts: list[Attempt]) -> Attempt | None:
    """The attempt that counts under the quiz's rule: the highest score, or the latest."""
    if not attempts:
        return None
    rule = attempts[0].quiz.settings.get("counts", "highest")
    if rule == "latest":
        return attempts[0]
    return max(attempts, key=lambda a: (a.percent or 0, a.graded_at))
