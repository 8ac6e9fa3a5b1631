"""The cohort overview's stored summaries (courses.cohort_summary): the same numbers as the live computation
for every filter, an idempotent refresh, a request after each progress change coalesced into one task,
scoped to the recruit's cohorts, and the page saying when its summary was computed."""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from assessments.models import Quiz
from assessments.services import attempt_grade, attempt_start, attempt_submit
from benchmarks.synthetic import answer_for
from courses import cohort_summary
from courses import manager_selectors as selectors
from courses.manager_forms import STATUSES, dashboard_params_parse
from courses.models import CohortMembership, CohortSummary, Enrolment, ModuleProgress
from courses.tasks import refresh_cohort_summary
from tests.integration.test_manager_helpers import logged_in, make_cohort, make_course, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(tmp_path):
    return make_course(tmp_path / "content", modules=4)


@pytest.fixture
def manager():
    return make_user("manager@example.com", Role.MANAGER)


@pytest.fixture
def cohort(course, manager):
    return make_cohort(course, [manager], 40, seed=11, email_prefix="sum")


def overview(client, cohort, query: str = "") -> str:
    response = client.get(f"{reverse('manager_cohort', args=[cohort.pk])}?{query}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def without_as_of(html: str) -> str:
    """The page without what differs between two renders anyway: the summary's time and the CSRF token."""
    html = re.sub(r'<p class="hint" data-testid="summary-as-of">[^<]*</p>', "", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def live(cohort, status: str, overdue: bool) -> selectors.SummaryNumbers:
    modules = selectors.cohort_modules(cohort=cohort)
    return selectors.summary_compute(
        cohort=cohort, modules=modules, status=status, overdue=overdue, today=timezone.localdate()
    )


def stored(cohort, status: str, overdue: bool) -> selectors.SummaryNumbers | None:
    cohort = type(cohort).objects.select_related("summary").get(pk=cohort.pk)
    modules = selectors.cohort_modules(cohort=cohort)
    params, errors = dashboard_params_parse(
        {"status": status, "overdue": "1" if overdue else ""},
        module_ids={cm.module_id for cm in modules},
        skill_areas={cm.module.skill_area for cm in modules},
    )
    assert not errors
    return selectors.summary_stored(cohort=cohort, modules=modules, params=params, today=timezone.localdate())


def same_numbers(a: selectors.SummaryNumbers, b: selectors.SummaryNumbers) -> bool:
    def strip(groups):
        return {m: {k: v for k, v in g.items() if k != "module_id"} for m, g in groups.items()}

    return (a.totals, strip(a.by_module), a.checkpoints) == (b.totals, strip(b.by_module), b.checkpoints)


def test_the_stored_summary_equals_the_live_computation_for_every_filter(cohort):
    cohort_summary.cohort_summary_compute(cohort_id=cohort.pk)
    checked = 0
    for status in STATUSES:
        for overdue in (False, True):
            numbers = stored(cohort, status, overdue)
            assert numbers is not None
            assert numbers.stored
            assert same_numbers(numbers, live(cohort, status, overdue)), (status, overdue)
            checked += numbers.totals["total"]
    assert checked > 40  # the filters were not all empty


def test_the_page_from_the_stored_summary_is_the_page_computed_live(manager, cohort):
    """The old code path (no stored summary: everything computed for the request) against the new one."""
    client = logged_in(manager)
    queries = ["", "status=in_progress", "overdue=1&sort=-score", "skill=growth&page=2", "status=completed"]
    computed_live = [overview(client, cohort, q) for q in queries]
    cohort_summary.cohort_summary_compute(cohort_id=cohort.pk)
    from_summary = [overview(client, cohort, q) for q in queries]
    for query, before, after in zip(queries, computed_live, from_summary, strict=True):
        assert without_as_of(after) == without_as_of(before), query
        assert 'data-testid="summary-as-of"' in after


def test_the_page_reads_the_stored_summary_in_three_queries_fewer(manager, cohort):
    client = logged_in(manager)
    with CaptureQueriesContext(connection) as live_page:
        overview(client, cohort)
    cohort_summary.cohort_summary_compute(cohort_id=cohort.pk)
    with CaptureQueriesContext(connection) as stored_page:
        overview(client, cohort)
    # Live: the two summary aggregates and the confidently wrong answers per skill area (#17).
    assert len(stored_page.captured_queries) == len(live_page.captured_queries) - 3
    # The session and the user, the cohort with its summary, its modules, the page's enrolments, their cells.
    assert len(stored_page.captured_queries) == 7
    assert not any("courses_moduleprogress" in q["sql"] and "GROUP BY" in q["sql"] for q in stored_page)


def test_the_page_says_when_its_summary_was_computed(manager, cohort):
    client = logged_in(manager)
    row = cohort_summary.cohort_summary_compute(cohort_id=cohort.pk)
    when = timezone.localtime(row.computed_at).strftime("%Y-%m-%d %H:%M")
    assert f"Summary as of {when}" in overview(client, cohort)
    response = client.get(reverse("manager_cohort", args=[cohort.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert f"汇总于 {when}" in response.content.decode()


def test_a_summary_of_another_day_or_other_modules_is_not_used(cohort):
    cohort_summary.cohort_summary_compute(cohort_id=cohort.pk)
    assert stored(cohort, "all", False) is not None
    summary = CohortSummary.objects.get(pk=cohort.pk)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    CohortSummary.objects.filter(pk=cohort.pk).update(
        data={**summary.data, "plan": {**summary.data["plan"], "day": yesterday}}
    )
    assert stored(cohort, "all", False) is None
    cohort_summary.cohort_summary_compute(cohort_id=cohort.pk)
    cohort.course.course_modules.filter(position=0).update(due_days=99)
    assert stored(cohort, "all", False) is None


def test_the_refresh_is_idempotent(cohort):
    assert cohort_summary.cohort_summary_refresh(cohort_id=cohort.pk) is False
    first = CohortSummary.objects.get(pk=cohort.pk)
    assert first.data["filters"]
    refresh_cohort_summary.apply(args=(cohort.pk,))  # a duplicate delivery
    assert cohort_summary.cohort_summary_refresh(cohort_id=cohort.pk) is False
    again = CohortSummary.objects.get(pk=cohort.pk)
    assert (again.computed_at, again.requested_at, again.data) == (
        first.computed_at,
        first.requested_at,
        first.data,
    )


def _recruit_without_module(cohort, module_id: int):
    done = ModuleProgress.objects.filter(module_id=module_id).values("user_id")
    membership = CohortMembership.objects.filter(cohort=cohort).exclude(user_id__in=done).first()
    assert membership is not None
    return membership.user


def _grade_right_answers(user, quiz) -> None:
    attempt = attempt_start(user=user, quiz=quiz)
    rng = random.Random(3)
    answers = {
        r.position: answer_for(r.question_version.data, rng, right=1.0)
        for r in attempt.responses.select_related("question_version")
    }
    attempt_submit(user=user, attempt_id=attempt.pk, answers=answers)
    attempt_grade(attempt_id=attempt.pk)


def test_a_new_graded_attempt_requests_a_refresh_that_counts_it(
    cohort, course, django_capture_on_commit_callbacks
):
    first_module = course.course_modules.order_by("position").first().module
    quiz = Quiz.objects.get(version=first_module.current_version)
    cohort_summary.cohort_summary_compute(cohort_id=cohort.pk)
    before = stored(cohort, "all", False)
    recruit = _recruit_without_module(cohort, first_module.pk)
    with django_capture_on_commit_callbacks():
        _grade_right_answers(recruit, quiz)
    row = CohortSummary.objects.get(pk=cohort.pk)
    assert row.requested_at > row.computed_at  # stale: the page keeps showing the older numbers until then
    assert same_numbers(stored(cohort, "all", False), before)
    assert cohort_summary.cohort_summary_refresh(cohort_id=cohort.pk) is False
    after = stored(cohort, "all", False)
    assert same_numbers(after, live(cohort, "all", False))
    module_before = before.by_module.get(first_module.pk, {"scored": 0})
    assert after.by_module[first_module.pk]["scored"] == module_before["scored"] + 1
    assert after.as_of > before.as_of


def test_a_burst_of_progress_changes_queues_one_refresh(
    cohort, course, manager, django_capture_on_commit_callbacks
):
    cohort_summary.cohort_summary_compute(cohort_id=cohort.pk)
    recruits = list(CohortMembership.objects.filter(cohort=cohort).values_list("user_id", flat=True)[:5])
    queued = []
    with transaction.atomic():
        for user_id in recruits:
            queued += cohort_summary.cohort_summary_request(user_id=user_id)
    assert queued == [cohort.pk]  # the first request rings; the others find a task on its way
    with (
        django_capture_on_commit_callbacks() as callbacks,
        CaptureQueriesContext(connection) as ctx,
    ):
        cohort_summary.cohort_summary_request_on_commit(user_id=recruits[0])
    assert callbacks == []
    assert len(ctx.captured_queries) == 1  # stale already: one statement creates none and locks the row


def test_requests_and_refreshes_are_scoped_to_the_recruits_cohorts(course, manager, cohort):
    other_manager = make_user("other@example.com", Role.MANAGER)
    other = make_cohort(course, [other_manager], 6, seed=5, email_prefix="oth")
    cohort_summary.cohort_summary_compute(cohort_id=cohort.pk)
    cohort_summary.cohort_summary_compute(cohort_id=other.pk)
    untouched = CohortSummary.objects.get(pk=other.pk)
    recruit = CohortMembership.objects.filter(cohort=cohort).first().user_id
    with transaction.atomic():
        assert cohort_summary.cohort_summary_request(user_id=recruit) == [cohort.pk]
    again = CohortSummary.objects.get(pk=other.pk)
    assert (again.requested_at, again.computed_at) == (untouched.requested_at, untouched.computed_at)
    # Each cohort's page shows its own summary; the other manager's cohort stays a 404 to this manager.
    client = logged_in(manager)
    page = overview(client, cohort)
    total = Enrolment.objects.filter(cohort=cohort).count()
    assert f'data-testid="stat-recruits">{total}<' in page
    assert client.get(reverse("manager_cohort", args=[other.pk])).status_code == 404
    other_page = overview(logged_in(other_manager), other)
    assert 'data-testid="stat-recruits">6<' in other_page


def test_a_new_member_requests_a_refresh(course, manager, cohort, django_capture_on_commit_callbacks):
    from courses.manager_services import cohort_join

    cohort_summary.cohort_summary_compute(cohort_id=cohort.pk)
    newcomer = make_user("new@example.com")
    with django_capture_on_commit_callbacks() as callbacks:
        cohort_join(cohort=cohort, user=newcomer)
    assert len(callbacks) >= 1
    row = CohortSummary.objects.get(pk=cohort.pk)
    assert row.requested_at > row.computed_at
    cohort_summary.cohort_summary_refresh(cohort_id=cohort.pk)
    assert stored(cohort, "all", False).totals["total"] == 41


def test_the_tasks_are_routed_to_the_reports_queue():
    from courses.tasks import refresh_cohort_summaries
    from trainingsite.celery import app

    for task in (refresh_cohort_summary, refresh_cohort_summaries):
        assert app.amqp.router.route({}, task.name, task_type=task)["queue"].name == "reports"


def test_the_daily_run_requests_every_stored_summary(cohort, django_capture_on_commit_callbacks):
    cohort_summary.cohort_summary_compute(cohort_id=cohort.pk)
    with django_capture_on_commit_callbacks() as callbacks:
        assert cohort_summary.cohort_summary_request_all() == 1
    assert len(callbacks) == 1
    row = CohortSummary.objects.get(pk=cohort.pk)
    assert row.requested_at > row.computed_at


@pytest.mark.services
@pytest.mark.worker
def test_the_task_runs_on_a_real_worker(celery_worker_process, cohort, settings):
    from tests.conftest import wait_for

    settings.COHORT_SUMMARY_DEBOUNCE_SECONDS = 0
    recruit = CohortMembership.objects.filter(cohort=cohort).first().user_id
    with transaction.atomic():  # what a progress change does in its transaction
        cohort_summary.cohort_summary_request_on_commit(user_id=recruit)

    def computed():
        row = CohortSummary.objects.filter(pk=cohort.pk).first()
        return row if row and row.data.get("filters") else None

    row = wait_for(computed, timeout=60)
    assert row.computed_at >= row.requested_at
    assert same_numbers(stored(cohort, "all", False), live(cohort, "all", False))
    assert "refresh_cohort_summary" in celery_worker_process.log.read_text()


@pytest.mark.django_db(transaction=True)
def test_the_claim_waits_for_a_progress_change_that_requested_in_an_open_transaction(
    require_postgres, course, manager
):
    """A request on a stale row takes a KEY SHARE lock and writes nothing; the task's claim waits for it to
    commit, so the computation that follows sees that change."""
    import threading
    import time

    cohort = make_cohort(course, [manager], 4, seed=3, email_prefix="lock")
    recruit = CohortMembership.objects.filter(cohort=cohort).first().user_id
    with transaction.atomic():
        assert cohort_summary.cohort_summary_request(user_id=recruit) == [cohort.pk]  # now stale
    events: list[str] = []
    requested = threading.Event()

    def progress_change() -> None:
        try:
            with transaction.atomic():
                assert cohort_summary.cohort_summary_request(user_id=recruit) == []  # a task is on its way
                requested.set()
                time.sleep(0.5)
                events.append("change committed")
        finally:
            connection.close()

    def task() -> None:
        try:
            requested.wait(5)
            cohort_summary._claim(cohort_id=cohort.pk, force=False)
            events.append("claimed")
        finally:
            connection.close()

    threads = [threading.Thread(target=progress_change), threading.Thread(target=task)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert events == ["change committed", "claimed"]
