"""带教 mentors and on-the-job checklists: a manager names a mentor for a recruit of their cohort, the recruit
submits evidence, the mentor signs off or sends back; every transition is audited, every lookup is scoped
(someone else's id is a 404, nothing changed), and the persisted stage feeds the certification rule."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from certificates.services import _rule_check
from courses.authoring.checklist import parse_checklist
from courses.models import Cohort, CohortMembership, Course
from evaluation import mentor_services as services
from evaluation.models import (
    ChecklistVersion,
    ItemEvent,
    ItemProgress,
    ItemStatus,
    Mentorship,
    RecruitChecklist,
)
from notifications.models import Kind, Notification
from tests.integration.test_manager_helpers import logged_in, make_user

pytestmark = pytest.mark.django_db

TEXT = """---
slug: demo-90
title: 演示清单
level: junior
---
## 30
### weekly-report: 独立完成一次周报
证据：周报链接。
### welcome: 接待一批新成员
证据：欢迎语原文。

## 60
### host-sharing: 主持一次群内分享
证据：纪要链接。
"""


def publish(text: str = TEXT):
    spec, messages = parse_checklist("checklists/demo-90.md", text)
    assert not [m for m in messages if m.level == "error"], messages
    spec.source_hash = str(hash(text))
    return services.checklists_publish(specs=[spec])


class World:
    def __init__(self, tag: str, start: date):
        self.manager = make_user(f"manager-{tag}@example.com", Role.MANAGER)
        self.recruit = make_user(f"recruit-{tag}@example.com", username=f"recruit-{tag}")
        self.mentor = make_user(f"mentor-{tag}@example.com", Role.TRAINER, username=f"mentor-{tag}")
        course, _ = Course.objects.get_or_create(slug="junior", defaults={"title": "初级", "level": "junior"})
        self.cohort = Cohort.objects.create(name=f"cohort {tag}", course=course, start_date=start)
        self.cohort.managers.add(self.manager)
        CohortMembership.objects.create(cohort=self.cohort, user=self.recruit)
        # Joined on the cohort's first day: the checklist counts from the later of the two (courses.schedule).
        CohortMembership.objects.filter(cohort=self.cohort).update(
            joined_at=timezone.make_aware(datetime.combine(start, time(9)))
        )

    def assign(self, mentor_name: str | None = None):
        return logged_in(self.manager).post(
            reverse("evaluation_cohort_mentors", args=[self.cohort.pk]),
            {"recruit": self.recruit.pk, "mentor": mentor_name or self.mentor.email},
        )

    def items(self) -> dict[str, ItemProgress]:
        return {
            p.item.key: p for p in ItemProgress.objects.filter(run__user=self.recruit).select_related("item")
        }


@pytest.fixture(autouse=True)
def _english(settings):
    """The pages in English, so the messages read as the services write them (zh_Hans has its own test)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def world():
    publish()
    a = World("a", timezone.localdate() - timedelta(days=40))
    b = World("b", timezone.localdate())
    return a, b


def state() -> tuple:
    return (
        list(Mentorship.objects.values_list("pk", "mentor_id").order_by("pk")),
        list(ItemProgress.objects.values_list("pk", "status", "note", "link", "comment").order_by("pk")),
        ItemEvent.objects.count(),
        list(RecruitChecklist.objects.values_list("pk", "stage_reached", "items_signed").order_by("pk")),
    )


def submit(world: World, key: str, **data):
    return logged_in(world.recruit).post(
        reverse("evaluation_checklist"), {"item": world.items()[key].pk, "note": "做完了", **data}
    )


def review(world: World, key: str, decision: str, comment: str = "", user=None):
    run = RecruitChecklist.objects.get(user=world.recruit)
    return logged_in(user or world.mentor).post(
        reverse("evaluation_mentee", args=[run.pk]),
        {"item": world.items()[key].pk, "decision": decision, "comment": comment},
    )


def test_a_manager_names_a_mentor_and_the_recruits_checklist_starts_with_due_days(world):
    a, _b = world
    response = a.assign(a.mentor.username)
    assert response.status_code == 302
    run = RecruitChecklist.objects.get(user=a.recruit)
    assert (run.mentorship.mentor, run.items_total, run.stage_reached) == (a.mentor, 3, 0)
    items = a.items()
    assert items["weekly-report"].due_date == a.cohort.start_date + timedelta(days=30)
    assert items["host-sharing"].due_date == a.cohort.start_date + timedelta(days=60)
    page = logged_in(a.manager).get(reverse("evaluation_cohort_mentors", args=[a.cohort.pk])).content.decode()
    assert str(a.mentor) in page
    assert "(0/3)" in page
    # A new mentor replaces the old; the checklist stays the one started.
    other = make_user("other-mentor@example.com", Role.MANAGER)
    assert a.assign(other.email).status_code == 302
    assert RecruitChecklist.objects.get(user=a.recruit).mentorship.mentor == other
    assert RecruitChecklist.objects.filter(user=a.recruit).count() == 1


def test_bad_mentor_names_and_other_managers_cohorts_change_nothing(world):
    a, b = world
    before = state()
    for name, message in [
        ("nobody@example.com", "No active user has that username or email address."),
        (a.recruit.email, "A recruit cannot be their own mentor."),
        ("x\x00y", "No active user has that username or email address."),
    ]:
        response = a.assign(name)
        assert response.status_code == 400
        assert message in response.content.decode()
    url = reverse("evaluation_cohort_mentors", args=[a.cohort.pk])
    assert (
        logged_in(b.manager).post(url, {"recruit": a.recruit.pk, "mentor": b.mentor.email}).status_code == 404
    )
    assert logged_in(b.manager).get(url).status_code == 404
    # B's recruit through A's cohort, a recruit or mentor on the manager page, a tampered id.
    assert (
        logged_in(a.manager).post(url, {"recruit": b.recruit.pk, "mentor": a.mentor.email}).status_code == 404
    )
    assert logged_in(a.recruit).get(url).status_code == 404
    assert logged_in(a.manager).post(url, {"recruit": "1; drop", "mentor": a.mentor.email}).status_code == 400
    assert state() == before


def test_the_recruit_submits_the_mentor_signs_off_and_every_step_is_audited(world):
    a, _b = world
    a.assign()
    assert submit(a, "weekly-report", link="https://example.com/report").status_code == 302
    item = a.items()["weekly-report"]
    assert (item.status, item.note, item.link) == (
        ItemStatus.SUBMITTED,
        "做完了",
        "https://example.com/report",
    )
    assert review(a, "weekly-report", "sign_off", "很好").status_code == 302
    for key in ("welcome",):
        submit(a, key)
        review(a, key, "sign_off")
    run = RecruitChecklist.objects.get(user=a.recruit)
    assert (run.stage_reached, run.items_signed) == (30, 2)
    events = list(
        ItemEvent.objects.filter(progress__item__key="weekly-report").values_list(
            "actor__email", "from_status", "to_status", "comment"
        )
    )
    assert events == [
        (a.recruit.email, "open", "submitted", "做完了"),
        (a.mentor.email, "submitted", "signed_off", "很好"),
    ]
    page = logged_in(a.mentor).get(reverse("evaluation_mentee", args=[run.pk])).content.decode()
    assert "很好" in page
    assert "https://example.com/report" in page
    # Persisted stage → the certification rule.
    rule = {"checklist": "demo-90", "checklist_stage": 30}
    assert _rule_check(user_id=a.recruit.pk, rule=rule, since=None).snapshot["checklist"]["reached"] == 30
    assert (
        "checklist demo-90 day 60"
        in _rule_check(user_id=a.recruit.pk, rule={**rule, "checklist_stage": 60}, since=None).missing
    )


def test_send_back_needs_a_comment_tells_the_recruit_and_reopens_the_item(world):
    a, _b = world
    a.assign()
    submit(a, "welcome")
    before = state()
    response = review(a, "welcome", "send_back", "  ")
    assert response.status_code == 400
    assert "a comment is needed to send an item back" in response.content.decode()
    assert state() == before
    assert review(a, "welcome", "send_back", "欢迎语太短").status_code == 302
    assert a.items()["welcome"].status == ItemStatus.SENT_BACK
    note = Notification.objects.get(user=a.recruit, kind=Kind.CHECKLIST_SENT_BACK)
    assert note.params["comment"] == "欢迎语太短"
    assert submit(a, "welcome", note="补充了").status_code == 302
    assert a.items()["welcome"].status == ItemStatus.SUBMITTED


def test_double_submits_double_sign_offs_and_bad_evidence_change_nothing(world):
    a, _b = world
    a.assign()
    for data, message in [
        ({"note": "", "link": ""}, "Write a note or give a link as evidence."),
        (
            {"link": "javascript:alert(1)"},
            "The link must be a web address starting with http:// or https://.",
        ),
        ({"note": "a\x00b"}, "NUL"),
        ({"note": "长" * 2001}, "The note is too long"),
    ]:
        before = state()
        response = submit(a, "weekly-report", **data)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert state() == before
    submit(a, "weekly-report")
    before = state()
    response = submit(a, "weekly-report")
    assert response.status_code == 400
    assert "already waiting" in response.content.decode()
    assert state() == before
    review(a, "weekly-report", "sign_off")
    before = state()
    response = review(a, "weekly-report", "sign_off")
    assert response.status_code == 400
    assert "already signed off" in response.content.decode()
    response = review(a, "host-sharing", "sign_off")
    assert response.status_code == 400
    assert "not waiting for sign-off" in response.content.decode()
    response = review(a, "weekly-report", "approve-everything")
    assert response.status_code == 400
    assert state() == before


def test_other_users_items_and_mentees_are_404_and_change_nothing(world):
    a, b = world
    a.assign()
    b.assign()
    submit(b, "weekly-report")
    before = state()
    b_item = b.items()["weekly-report"].pk
    # A's recruit submits B's item; A's mentor reviews B's item and opens B's run.
    url = reverse("evaluation_checklist")
    assert logged_in(a.recruit).post(url, {"item": b_item, "note": "x"}).status_code == 404
    b_run = RecruitChecklist.objects.get(user=b.recruit)
    assert logged_in(a.mentor).get(reverse("evaluation_mentee", args=[b_run.pk])).status_code == 404
    assert review(b, "weekly-report", "sign_off", user=a.mentor).status_code == 404
    # B's own recruit cannot sign off their item; A's run through A's page with B's item id is refused.
    assert review(b, "weekly-report", "sign_off", user=b.recruit).status_code == 404
    a_run = RecruitChecklist.objects.get(user=a.recruit)
    response = logged_in(a.mentor).post(
        reverse("evaluation_mentee", args=[a_run.pk]), {"item": b_item, "decision": "sign_off"}
    )
    assert response.status_code == 400
    with pytest.raises(Exception, match="no such checklist item"):
        services.item_review(mentor=a.mentor, progress_id=b_item, decision="sign_off", comment="")
    assert state() == before
    mentees = logged_in(a.mentor).get(reverse("evaluation_mentees")).content.decode()
    assert str(a.recruit) in mentees
    assert str(b.recruit) not in mentees


def test_overdue_items_notify_recruit_and_mentor_once(world):
    a, b = world
    a.assign()
    b.assign()
    submit(a, "weekly-report")
    review(a, "weekly-report", "sign_off")
    today = a.cohort.start_date + timedelta(days=31)
    created = services.checklist_overdue_reminders_send(today=today)
    # A's welcome is past day 30 and not signed off; weekly-report is signed off; B started today.
    assert created == 2
    rows = Notification.objects.filter(kind=Kind.CHECKLIST_OVERDUE)
    assert sorted(rows.values_list("user__email", flat=True)) == sorted([a.recruit.email, a.mentor.email])
    assert services.checklist_overdue_reminders_send(today=today) == 0


def test_a_changed_checklist_is_a_new_version_and_a_started_recruit_keeps_theirs(world):
    a, b = world
    a.assign()
    assert publish().published == []
    changed = TEXT.replace("### host-sharing: 主持一次群内分享", "### host-sharing: 主持两次群内分享")
    assert publish(changed).published == ["demo-90 v2"]
    assert ChecklistVersion.objects.filter(checklist__slug="demo-90").count() == 2
    b.assign()
    runs = dict(RecruitChecklist.objects.values_list("user_id", "version__number"))
    assert runs == {a.recruit.pk: 1, b.recruit.pk: 2}


# page -> queries, the session and user lookups (2) included; the mentor here is a trainer, whose header
# counts the review queue (1 more).
PINNED = {"checklist": 4, "mentees": 4, "mentee": 6, "mentors": 5}


def page_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_checklist_pages_run_a_fixed_number_of_queries(world):
    a, _b = world
    a.assign()
    run = RecruitChecklist.objects.get(user=a.recruit)
    urls = {
        "checklist": (a.recruit, reverse("evaluation_checklist")),
        "mentees": (a.mentor, reverse("evaluation_mentees")),
        "mentee": (a.mentor, reverse("evaluation_mentee", args=[run.pk])),
        "mentors": (a.manager, reverse("evaluation_cohort_mentors", args=[a.cohort.pk])),
    }
    first = {name: page_queries(logged_in(user), url) for name, (user, url) in urls.items()}
    # More history, more mentees, more members: the same counts.
    for key in ("weekly-report", "welcome"):
        submit(a, key)
        review(a, key, "send_back", "再改改")
    for n in range(3):
        recruit = make_user(f"more-{n}@example.com")
        CohortMembership.objects.create(cohort=a.cohort, user=recruit)
        services.mentor_assign(
            cohort=a.cohort, recruit_id=recruit.pk, mentor_name=a.mentor.email, acting_user=a.manager
        )
    second = {name: page_queries(logged_in(user), url) for name, (user, url) in urls.items()}
    assert first == PINNED
    assert second == PINNED


def test_the_dashboard_and_the_export_show_the_persisted_checklist_stage(world):
    from courses import manager_selectors
    from courses.models import Enrolment

    a, _b = world
    Enrolment.objects.create(
        user=a.recruit, course=a.cohort.course, cohort=a.cohort, start_date=a.cohort.start_date
    )
    url = reverse("manager_cohort", args=[a.cohort.pk])
    html = logged_in(a.manager).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<span aria-hidden="true">—</span><span class="visually-hidden">no mentor named yet</span>' in html
    a.assign()
    for key in ("weekly-report", "welcome"):
        submit(a, key)
        review(a, key, "sign_off")
    html = logged_in(a.manager).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<span aria-hidden="true">30</span><span class="visually-hidden">day 30</span>' in html
    query = manager_selectors.dashboard_query(user=a.manager, cohort_id=a.cohort.pk, data={"status": "all"})
    header, *rows = manager_selectors.dashboard_export_rows(query=query)
    assert header[6] == "Checklist stage"
    assert [(row[1], row[6]) for row in rows] == [(a.recruit.email, 30)]
    home = logged_in(a.recruit).get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="home-checklist"' in home
    assert "2 of 3 signed off" in home


def test_a_refusal_speaks_chinese_by_default(world, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    a, _b = world
    a.assign()
    response = submit(a, "weekly-report", note="", link="ftp://example.com/x")
    assert response.status_code == 400
    assert "链接必须是以 http:// 或 https:// 开头的网址。" in response.content.decode()
