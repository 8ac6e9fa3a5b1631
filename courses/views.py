from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import policy
from assessments import selectors as assessment_selectors
from certificates import selectors as certificate_selectors
from courses import selectors, services
from courses.models import SkillArea
from evaluation import mentor_selectors
from trainingsite import charts
from trainingsite.context_processors import pending_reviews


def home(request: HttpRequest) -> HttpResponse:
    """Signed in: where to continue, what is due, recent results and progress. Otherwise: the catalogue."""
    if not request.user.is_authenticated:
        return catalogue(request)
    if policy.is_trainer(request.user) or policy.is_manager(request.user):
        return _role_home(request)
    overview = selectors.home_overview(user=request.user)
    ctx = {
        "home": overview,
        "checklists": mentor_selectors.recruit_checklists(user=request.user),
        "today": timezone.localdate(),
        "skills_chart": _skills_chart(overview.skills),
        "trend_chart": charts.line_chart(
            [(_("Score"), [(at, float(p)) for at, p in overview.trend])],
            title=_("Your scores over time"),
            empty_text=_("Your scores appear here after your first graded attempt."),
            target_series=None,
            x_format=lambda at: timezone.localtime(at).strftime("%m-%d"),
        ),
    }
    return render(request, "courses/home.html", ctx)


def _role_home(request: HttpRequest) -> HttpResponse:
    """Trainers land on their review queue, flagged questions and recent publishes; managers on their cohorts
    and who is behind; a staff admin, both."""
    from assessments import trainer_selectors
    from courses import manager_selectors

    user = request.user
    ctx = {"today": timezone.localdate()}
    if policy.is_trainer(user):
        ctx["trainer"] = trainer_selectors.trainer_home(user=user, pending_count=pending_reviews(request))
    if policy.is_manager(user):
        ctx["manager"] = manager_selectors.manager_home(user=user)
    return render(request, "courses/role_home.html", ctx)


def _skills_chart(skills) -> str:
    labels = dict(SkillArea.choices)
    return charts.bar_chart(
        [
            (str(labels.get(s.skill_area, s.skill_area)), s.average_score)
            for s in skills
            if s.average_score is not None
        ],
        title=_("Average score by skill area"),
        empty_text=_("Your skill areas appear here after your first graded attempt."),
        target=70,
        target_label=_("typical pass mark"),
    )


def course_list(request: HttpRequest) -> HttpResponse:
    return render(request, "courses/course_list.html", {"rows": selectors.course_list(user=request.user)})


@require_http_methods(["GET", "POST"])
def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A learning path: its modules in order with due dates and locks, and its certification rule."""
    course = selectors.course_get(slug=slug)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        services.enrolment_start(user=request.user, course=course)
        messages.success(request, _("You are on this course. Due dates count from today."))
        return redirect("course_detail", slug=course.slug)
    enrolment, steps = selectors.course_path(user=request.user, course=course)
    rule = course.certification or {}
    ctx = {
        "course": course,
        "enrolment": enrolment,
        "steps": steps,
        "rule": rule,
        "drills": _rule_drills(rule=rule, steps=steps),
        "certificates": certificate_selectors.certificate_list(user=request.user)
        if request.user.is_authenticated
        else [],
    }
    ctx["certificate"] = next((c for c in ctx["certificates"] if c.course_id == course.pk), None)
    return render(request, "courses/course_detail.html", ctx)


def _rule_drills(*, rule: dict, steps) -> list[dict]:
    """The drills a certification rule names, with their titles and the recruit's results (one query)."""
    by_slug = {step.link.module.slug: step for step in steps}
    titles = assessment_selectors.drill_titles(versions=[s.link.module.current_version_id for s in steps])
    rows = []
    for ref in rule.get("drills") or []:
        slug, _sep, key = ref.partition("/")
        step = by_slug.get(slug)
        result = (step.progress.drill_results.get(key) if step and step.progress else None) or {}
        module = step.link.module if step else None
        title = titles.get((module.current_version_id, key), key) if module else ref
        rows.append({"ref": ref, "module": module, "key": key, "title": title, "result": result})
    return rows


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
    read = selectors.lessons_read(user=request.user, module=module)
    ctx = {
        "module": module,
        "lesson": lesson,
        "lessons": lessons,
        "previous": lessons[index - 1] if index > 0 else None,
        "next": lessons[index + 1] if index + 1 < len(lessons) else None,
        "read": read,
        "is_read": lesson.key in read,
    }
    return render(request, "courses/lesson_detail.html", ctx)


@login_required
@require_POST
def lesson_mark_read(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    module = selectors.module_get(slug=slug)
    if selectors.module_lock(user=request.user, module=module):
        messages.info(request, _("This module opens once you have passed the modules it builds on."))
        return redirect("module_detail", slug=module.slug)
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
    enrolments, skills = selectors.progress_page(user=request.user)
    ctx = {"cards": cards, "enrolments": enrolments, "skills_chart": _skills_chart(skills)}
    return render(request, "courses/progress.html", ctx)
