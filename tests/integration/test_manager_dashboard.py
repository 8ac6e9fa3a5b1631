"""The cohort overview: summaries over the whole filtered cohort, sorting, filters, pages, bad parameters,
charts, and a query count that does not depend on the cohort size."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from courses.manager_forms import PAGE_SIZE
from courses.models import CourseModule, Enrolment, ModuleProgress, SkillProgress
from tests.integration.test_manager_helpers import (
    logged_in,
    make_cohort,
    make_course,
    make_user,
    table_emails,
    table_headers,
)

pytestmark = pytest.mark.django_db

# The cohort overview's queries, the session and user lookups (2) included. A change must be deliberate.
OVERVIEW_QUERIES = (
    10  # 8, one for the confidently wrong answers per skill area (#17), one for the latest 转正答辩
)


@pytest.fixture
def course(tmp_path):
    return make_course(tmp_path / "content", modules=4)


@pytest.fixture
def manager():
    return make_user("manager@example.com", Role.MANAGER)


@pytest.fixture
def cohort(course, manager):
    return make_cohort(course, [manager], 65, seed=7, email_prefix="big")


def page(client, cohort, query: str = "", status: int = 200, language: str = "en") -> str:
    response = client.get(
        f"{reverse('manager_cohort', args=[cohort.pk])}{'?' + query if query else ''}",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == status, (query, response.status_code)
    return response.content.decode()


def enrolments(cohort):
    return list(Enrolment.objects.filter(cohort=cohort).select_related("user"))


def test_summary_is_computed_over_the_whole_cohort_not_the_page(manager, cohort):
    html = page(logged_in(manager), cohort)
    rows = enrolments(cohort)
    assert len(rows) == 65
    assert len(table_emails(html)) == PAGE_SIZE
    completed = sum(1 for e in rows if e.completed_at)
    completion = (Decimal(100) * completed / 65).quantize(Decimal("0.1"))
    assert f'data-testid="stat-completion">{completion}%' in html
    today = timezone.localdate()
    overdue = sum(1 for e in rows if e.next_due_date and e.next_due_date < today)
    assert f'data-testid="stat-overdue">{overdue}<' in html
    assert "Recruits 1–50 of 65" in html
    for cm in CourseModule.objects.filter(course=cohort.course).select_related("module"):
        scores = list(
            ModuleProgress.objects.filter(
                module=cm.module, user__in=[e.user for e in rows], score__isnull=False
            ).values_list("score", flat=True)
        )
        mean = (sum(scores, Decimal(0)) / len(scores)).quantize(Decimal("0.1"))
        assert f"⌀ {mean}%" in html, cm.module.slug
    skills = SkillProgress.objects.filter(user__in=[e.user for e in rows], skill_area="management")
    scored = [s.average_score for s in skills if s.average_score is not None]
    mean = (sum(scored, Decimal(0)) / len(scored)).quantize(Decimal("0.1"))
    assert f"{mean}%" in html.split('data-testid="skill-summary"')[1].split("</table>")[0]


def test_the_query_count_is_the_same_for_5_and_65_recruits(course, manager, cohort):
    small = make_cohort(course, [manager], 5, seed=3, email_prefix="small")
    client = logged_in(manager)
    counts = {}
    for c in (small, cohort):
        for query in (
            "",
            f"sort=-module-{c.course.course_modules.first().module_id}&status=in_progress&page=1",
        ):
            with CaptureQueriesContext(connection) as ctx:
                page(client, c, query)
            counts[(c.pk, query.split("-")[0])] = len(ctx.captured_queries)
    assert set(counts.values()) == {OVERVIEW_QUERIES}, counts


def test_sorting_by_every_key_orders_every_page(manager, cohort):
    client = logged_in(manager)
    rows = enrolments(cohort)
    first_module = CourseModule.objects.filter(course=cohort.course).order_by("position").first().module_id
    scores = {
        p.user_id: p.score
        for p in ModuleProgress.objects.filter(module_id=first_module, user__in=[e.user for e in rows])
    }

    def nulls_last(value, descending):
        # None sorts after every value in both directions, as on the page.
        return (value is None, -value if (descending and value is not None) else value)

    keys = {
        "percent": lambda e: e.percent,
        "score": lambda e: e.average_score,
        "due": lambda e: e.next_due_date.toordinal() if e.next_due_date else None,
        f"module-{first_module}": lambda e: scores.get(e.user_id),
    }
    for key, value in keys.items():
        for descending in (False, True):
            sort = f"-{key}" if descending else key
            expected = sorted(
                rows,
                key=lambda e, value=value, d=descending: (
                    *nulls_last(value(e), d),
                    e.user.display_name or e.user.email,
                    e.pk,
                ),
            )
            listed = table_emails(page(client, cohort, f"sort={sort}")) + table_emails(
                page(client, cohort, f"sort={sort}&page=2")
            )
            assert listed == [e.user.email for e in expected], sort
    names = table_emails(page(client, cohort, "sort=name"))
    by_name = sorted(rows, key=lambda e: (e.user.display_name or e.user.email, e.pk))
    assert names == [e.user.email for e in by_name][:PAGE_SIZE]
    assert table_emails(page(client, cohort, "sort=-name"))[0] == by_name[-1].user.email


def test_filters_by_status_overdue_and_skill_area(manager, cohort):
    client = logged_in(manager)
    rows = enrolments(cohort)
    today = timezone.localdate()
    expected = {
        "completed": [e for e in rows if e.completed_at],
        "in_progress": [e for e in rows if not e.completed_at and e.last_activity_at],
        "not_started": [e for e in rows if not e.completed_at and not e.last_activity_at],
        "awaiting_review": [e for e in rows if e.awaiting_review],
    }
    assert all(expected.values()), {k: len(v) for k, v in expected.items()}  # the data has every kind
    for status, wanted in expected.items():
        html = page(client, cohort, f"status={status}&sort=percent")
        assert sorted(table_emails(html)) == sorted(e.user.email for e in wanted)[: len(table_emails(html))]
        assert f'data-testid="stat-recruits">{len(wanted)}<' in html
    overdue = [e for e in rows if e.next_due_date and e.next_due_date < today]
    html = page(client, cohort, "overdue=1")
    assert f'data-testid="stat-recruits">{len(overdue)}<' in html
    assert set(table_emails(html)) <= {e.user.email for e in overdue}
    # A skill area shows only its modules' columns.
    html = page(client, cohort, "skill=management")
    headers = table_headers(html)
    assert headers[:7] == [
        "Recruit",
        "Email",
        "Status",
        "Overall (%)",
        "Average score (%)",
        "Next due",
        "Checklist stage",
    ]
    assert headers[7:] == ["Module 2: Community management", "Defence"]
    assert len(table_headers(page(client, cohort))) == 7 + 4 + 1


def test_pages_out_of_range_and_bad_parameters_get_a_message_and_the_defaults(manager, cohort):
    client = logged_in(manager)
    last = page(client, cohort, "page=99")
    assert "There is no page 99; showing the last page, 2." in last
    assert len(table_emails(last)) == 15
    for query, message in [
        ("page=abc", "“abc” is not a page number; showing page 1."),
        ("page=0", "“0” is not a page number"),
        ("sort=password", "Cannot sort by “password”; sorted by name instead."),
        ("sort=module-999999", "Cannot sort by “module-999999”"),
        ("status=deleted", "“deleted” is not a status filter; showing every recruit."),
        ("skill=cooking", "“cooking” is not a skill area of this course; showing every module."),
        ("overdue=maybe", "“maybe” is not a valid overdue filter"),
        ("sort=%27%3Bdrop+table", "Cannot sort by"),
    ]:
        html = page(client, cohort, query, status=400)
        assert message in html, query
        assert "Recruits 1–50 of 65" in html, query  # the defaults, never a 500


def test_cells_show_score_pass_attempts_overdue_and_review_in_words_and_colour(manager, cohort):
    html = page(logged_in(manager), cohort, "status=awaiting_review")
    assert 'class="cell heat-' in html
    assert "awaiting review" in html
    assert "✓ passed" in html
    assert "attempt" in html
    overdue = page(logged_in(manager), cohort, "overdue=1")
    assert "is-overdue" in overdue
    assert "· overdue" in overdue


def test_the_three_charts_are_drawn_from_the_cohort(manager, cohort):
    html = page(logged_in(manager), cohort)
    assert html.count('role="img"') == 3
    assert "chart-type-histogram" in html
    assert "chart-type-line" in html
    assert "chart-type-bars" in html
    assert "Planned by the due dates" in html  # the target series


def test_the_page_speaks_chinese_by_default(manager, cohort):
    html = page(logged_in(manager), cohort, language="zh-hans")
    assert "zh-CN" in html
    headers = table_headers(html)
    assert headers[7:] == [
        "模块 1：社群基础",
        "模块 2：社群管理",
        "模块 3：拉新增长",
        "模块 4：数据分析",
        "转正答辩",
    ]


def test_an_empty_cohort_renders(course, manager):
    empty = make_cohort(course, [manager], 0, email_prefix="none")
    html = page(logged_in(manager), empty)
    assert "No recruit matches these filters." in html
    assert "No recruit has a score yet." in html


def test_the_cohorts_list_shows_headline_numbers(manager, cohort, course):
    other = make_user("other-manager@example.com", Role.MANAGER)
    make_cohort(course, [other], 3, email_prefix="theirs", name="别人的批次")
    html = logged_in(manager).get(reverse("manager_cohorts"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    rows = enrolments(cohort)
    completed = sum(1 for e in rows if e.completed_at)
    assert cohort.name in html
    assert "别人的批次" not in html
    assert '<td class="num">65</td>' in html
    assert f"{(Decimal(100) * completed / 65).quantize(Decimal('0.1'))}%" in html


def test_the_cohorts_list_query_count_does_not_grow(manager, course):
    client = logged_in(manager)
    make_cohort(course, [manager], 2, email_prefix="one")
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("manager_cohorts"))
    for n in range(3):
        make_cohort(course, [manager], 4, email_prefix=f"more{n}")
    with CaptureQueriesContext(connection) as four:
        client.get(reverse("manager_cohorts"))
    assert len(one.captured_queries) == len(four.captured_queries) == 3


def test_due_dates_count_from_the_enrolment_start(manager, course):
    cohort = make_cohort(
        course, [manager], 1, email_prefix="due", start_date=timezone.localdate() - timedelta(days=8)
    )
    html = page(logged_in(manager), cohort)
    e = Enrolment.objects.get(cohort=cohort)
    first = CourseModule.objects.filter(course=course).order_by("position").first()
    progress = ModuleProgress.objects.filter(user=e.user, module=first.module).first()
    overdue_cell = not (progress and progress.passed)
    assert ("is-overdue" in html) == overdue_cell


def test_the_overview_counts_confidently_wrong_answers_per_skill_area_of_its_own_cohort_only(
    tmp_path, settings
):
    from assessments.models import Attempt
    from tests.integration.test_manager_access import _side

    settings.MEDIA_ROOT = tmp_path / "media"
    course = make_course(tmp_path / "content", modules=3)
    mine = _side(course, "manager-a@example.com", 3, 1, settings)
    other = _side(course, "manager-b@example.com", 2, 2, settings)
    graded = Attempt.objects.filter(status="graded").select_related("module")
    first = graded.filter(user_id=mine.recruits[0]).first()
    second = graded.filter(user_id=mine.recruits[1], module__skill_area=first.module.skill_area).first()
    assert first is not None
    Attempt.objects.filter(pk=first.pk).update(confident_answers=4, confidently_wrong=3)
    if second is not None:
        Attempt.objects.filter(pk=second.pk).update(confident_answers=6, confidently_wrong=0)
    # Another manager's recruits' misconceptions never reach this cohort's page.
    graded.filter(user_id__in=other.recruits).update(confident_answers=9, confidently_wrong=9)
    page = (
        logged_in(mine.manager)
        .get(reverse("manager_cohort", args=[mine.cohort.pk]), HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    row = page.split(f'data-testid="confidently-wrong-{first.module.skill_area}">')[1].split("</tr>")[0]
    confident = 4 + (6 if second is not None else 0)
    share = (Decimal(300) / confident).quantize(Decimal("0.1"))
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells == ["3", str(confident), f"{share}%", "1"]
    # Only areas where somebody answered at high confidence are listed.
    assert page.count('data-testid="confidently-wrong-') == 1
