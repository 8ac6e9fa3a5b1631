"""A recruit who joins a cohort late gets their due dates from their own join day, and every place that shows
a due date or says overdue (home, tracks page, heat-map, scoreboard, export, reminders) agrees."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from courses import manager_services
from courses.models import CohortMembership, CourseModule, Enrolment
from courses.schedule import due_date, is_overdue, recruit_start
from notifications import services as notification_services
from notifications.models import Kind, Notification
from tests.integration.test_manager_helpers import logged_in, make_course, make_user

pytestmark = pytest.mark.django_db

# The cohort started 12 days ago; its first module is due 7 days after a recruit's start.
STARTED_DAYS_AGO = 12
LATE_JOIN_DAY = 10


def test_the_rule_counts_from_the_later_of_the_cohort_start_and_the_join_day():
    start = timezone.localdate() - timedelta(days=STARTED_DAYS_AGO)
    joined = start + timedelta(days=LATE_JOIN_DAY)
    assert recruit_start(cohort_start=start, joined_on=joined) == joined
    assert recruit_start(cohort_start=start, joined_on=start - timedelta(days=5)) == start
    assert due_date(start=joined, due_days=7) == joined + timedelta(days=7)
    assert due_date(start=joined, due_days=0) is None
    assert is_overdue(due=start + timedelta(days=7), today=start + timedelta(days=12))
    assert not is_overdue(due=joined + timedelta(days=7), today=start + timedelta(days=12))
    assert not is_overdue(due=start, today=start + timedelta(days=1), passed=True)


@pytest.fixture
def cohort(tmp_path):
    manager = make_user("manager@example.com", Role.MANAGER)
    course = make_course(tmp_path / "content", modules=2)
    today = timezone.localdate()
    cohort = manager_services.cohort_create(
        acting_user=manager,
        name="2026 冬季批次",
        course=course,
        start_date=today - timedelta(days=STARTED_DAYS_AGO),
    )
    cohort.manager = manager
    return cohort


def join_on(cohort, email: str, day: int):
    """A recruit who accepted the invitation ``day`` days after the cohort started."""
    user = make_user(email, display_name=email.split("@")[0])
    zone = timezone.get_current_timezone()
    joined_at = datetime.combine(cohort.start_date + timedelta(days=day), time(10), zone)
    membership = CohortMembership.objects.create(cohort=cohort, user=user)
    CohortMembership.objects.filter(pk=membership.pk).update(joined_at=joined_at)
    manager_services.cohort_join(cohort=cohort, user=user)
    return user


@pytest.fixture
def members(cohort):
    return join_on(cohort, "ontime@example.com", 0), join_on(cohort, "late@example.com", LATE_JOIN_DAY)


def test_a_late_joiner_is_not_overdue_on_day_12_for_a_7_day_module(cohort, members):
    first = CourseModule.objects.filter(course=cohort.course).order_by("position").first()
    assert first.due_days == 7
    joined = cohort.start_date + timedelta(days=LATE_JOIN_DAY)
    ontime_e, late_e = (Enrolment.objects.get(user=u) for u in members)
    assert ontime_e.start_date == cohort.start_date
    assert ontime_e.next_due_date == cohort.start_date + timedelta(days=7)  # day 7: overdue on day 12
    assert late_e.start_date == joined
    assert late_e.next_due_date == joined + timedelta(days=7)  # day 17: five days from now
    assert late_e.next_due_date == timezone.localdate() + timedelta(days=5)


def test_the_recruit_pages_count_from_the_join_day(cohort, members):
    ontime, late = members
    due = (cohort.start_date + timedelta(days=LATE_JOIN_DAY + 7)).isoformat()
    home = logged_in(late).get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"due {due}" in home
    assert "overdue since" not in home
    track = reverse("course_detail", args=[cohort.course.slug])
    html = logged_in(late).get(track, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    joined = (cohort.start_date + timedelta(days=LATE_JOIN_DAY)).isoformat()
    assert f"You started on {joined}" in html
    assert f"due {due}" in html
    assert "Overdue" not in html
    # The recruit who was there from the start is overdue on the same pages.
    home = logged_in(ontime).get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"overdue since {(cohort.start_date + timedelta(days=7)).isoformat()}" in home


def test_the_managers_dashboard_and_export_count_from_the_join_day(cohort, members):
    client = logged_in(cohort.manager)
    url = reverse("manager_cohort", args=[cohort.pk])
    page = client.get(f"{url}?overdue=1", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "ontime@example.com" in page
    assert "late@example.com" not in page
    scoreboard = client.get(reverse("manager_cohorts"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<span class="tag bad">1</span>' in scoreboard  # one of two recruits overdue
    response = client.post(
        reverse("manager_export", args=[cohort.pk]),
        {"format": "csv", "status": "all", "sort": "name", "skill": "", "overdue": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header = rows[0]
    overdue_column = next(i for i, h in enumerate(header) if "overdue" in h)
    by_email = {r[1]: r for r in rows[1:]}
    assert by_email["ontime@example.com"][overdue_column] == "1"
    assert by_email["late@example.com"][overdue_column] == "0"


def test_reminders_count_from_the_join_day(cohort, members):
    ontime, late = members
    notification_services.due_date_reminders_send()
    start = cohort.start_date

    def told(user) -> set[tuple[str, str]]:
        return {(n.kind, n.params["due"]) for n in Notification.objects.filter(user=user)}

    # On time: module 1 was due on day 7 (overdue), module 2 is due on day 14 (soon).
    assert told(ontime) == {
        (Kind.OVERDUE, (start + timedelta(days=7)).isoformat()),
        (Kind.DUE_SOON, (start + timedelta(days=14)).isoformat()),
    }
    # Late: module 1 is due on day 10 + 7, five days away: nothing to say yet, and nothing overdue.
    assert told(late) == set()
    notification_services.due_date_reminders_send(today=timezone.localdate() + timedelta(days=3))
    assert told(late) == {(Kind.DUE_SOON, (start + timedelta(days=LATE_JOIN_DAY + 7)).isoformat())}
