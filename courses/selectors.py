"""Reads on the learning side, always scoped to the requesting user."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from accounts import policy
from accounts.models import User
from courses.models import Lesson, LessonRead, Module, ModuleProgress


@dataclass
class ModuleCard:
    module: Module
    progress: ModuleProgress | None


def module_catalogue(*, user: User) -> list[ModuleCard]:
    """Every published module with the user's progress row: two queries whatever the catalogue size."""
    modules = list(Module.objects.filter(is_active=True, current_version__isnull=False))
    progress = {}
    if user.is_authenticated:
        progress = {p.module_id: p for p in ModuleProgress.objects.filter(user=user)}
    return [ModuleCard(m, progress.get(m.pk)) for m in modules]


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
