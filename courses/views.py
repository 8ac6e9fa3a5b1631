from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import selectors as assessment_selectors
from courses import selectors, services


def catalogue(request: HttpRequest) -> HttpResponse:
    cards = selectors.module_catalogue(user=request.user)
    return render(request, "courses/catalogue.html", {"cards": cards})


def module_detail(request: HttpRequest, slug: str) -> HttpResponse:
    module = selectors.module_get(slug=slug)
    progress = selectors.module_progress(user=request.user, module=module)
    drills = assessment_selectors.module_drills(module=module)
    results = progress.drill_results if progress else {}
    for drill in drills:
        drill.my_result = results.get(drill.key)
    ctx = {
        "module": module,
        "version": module.current_version,
        "lessons": selectors.module_lessons(module=module),
        "read": selectors.lessons_read(user=request.user, module=module),
        "quizzes": assessment_selectors.module_quizzes(module=module),
        "drills": drills,
        "progress": progress,
        "locked_by": selectors.module_lock(user=request.user, module=module),
    }
    return render(request, "courses/module_detail.html", ctx)


@login_required
def lesson_detail(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    module = selectors.module_get(slug=slug)
    if selectors.module_lock(user=request.user, module=module):
        messages.info(request, _("This module opens once you have passed the modules it builds on."))
        return redirect("module_detail", slug=module.slug)
    lessons = selectors.module_lessons(module=module)
    lesson = selectors.lesson_get(module=module, key=key)
    index = next(i for i, item in enumerate(lessons) if item.key == lesson.key)
    ctx = {
        "module": module,
        "lesson": lesson,
        "lessons": lessons,
        "previous": lessons[index - 1] if index > 0 else None,
        "next": lessons[index + 1] if index + 1 < len(lessons) else None,
        "is_read": lesson.key in selectors.lessons_read(user=request.user, module=module),
    }
    return render(request, "courses/lesson_detail.html", ctx)


@login_required
@require_POST
def lesson_mark_read(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    module = selectors.module_get(slug=slug)
    lesson = selectors.lesson_get(module=module, key=key)
    services.lesson_mark_read(user=request.user, module=module, lesson_key=lesson.key)
    lessons = selectors.module_lessons(module=module)
    keys = [item.key for item in lessons]
    following = keys[keys.index(lesson.key) + 1 :]
    if following:
        return redirect("lesson_detail", slug=module.slug, key=following[0])
    return redirect("module_detail", slug=module.slug)


@login_required
def progress(request: HttpRequest) -> HttpResponse:
    cards = selectors.progress_overview(user=request.user)
    return render(request, "courses/progress.html", {"cards": cards})
