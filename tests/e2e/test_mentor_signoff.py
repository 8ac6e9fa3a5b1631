"""The 带教 loop in a browser: a recruit sends an item with evidence from a phone, the mentor sends another
back and signs the first off; the pages have no critical or serious axe finding and fit a phone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from courses.models import Cohort, CohortMembership, Course
from evaluation import mentor_services
from evaluation.models import ItemEvent, ItemStatus, RecruitChecklist
from tests.e2e.conftest import shot
from tests.e2e.test_module_feedback import _blocking, _fits
from tests.integration.test_manager_helpers import make_user
from tests.integration.test_mentor_checklists import publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mentee(db):
    publish()
    manager = make_user("boss@example.com", Role.MANAGER)
    recruit = make_user("newbie@example.com", display_name="小新")
    mentor = make_user("mentor@example.com", Role.TRAINER, display_name="王师傅")
    course = Course.objects.create(slug="junior", title="初级", level="junior")
    cohort = Cohort.objects.create(
        name="冬季批次", course=course, start_date=timezone.localdate() - timedelta(days=5)
    )
    cohort.managers.add(manager)
    CohortMembership.objects.create(cohort=cohort, user=recruit)
    mentor_services.mentor_assign(
        cohort=cohort, recruit_id=recruit.pk, mentor_name=mentor.email, acting_user=manager
    )
    return recruit, mentor


def test_a_recruit_sends_evidence_and_the_mentor_signs_off_and_sends_back(signed_in_as, live_server, mentee):
    recruit, mentor = mentee
    page = signed_in_as(recruit, device="phone", language="zh-hans")
    page.goto(f"{live_server.url}/checklist/")
    assert _blocking(page) == []
    assert _fits(page)
    for key, note in (("weekly-report", "第一份周报已发给主管"), ("welcome", "欢迎了 8 位新成员")):
        item = page.get_by_test_id(f"item-{key}")
        item.get_by_label("你做了什么（说明）").fill(note)
        if key == "weekly-report":
            item.get_by_label("链接（可选）").fill("https://example.com/weekly")
        item.get_by_role("button", name="标记完成并提交签字").click()
        page.get_by_text("已提交给带教师傅签字。").wait_for()
    shot(page, "checklist-phone-zh-hans")

    run = RecruitChecklist.objects.get(user=recruit)
    page = signed_in_as(mentor, device="desktop", language="en")
    page.goto(f"{live_server.url}/mentor/")
    page.get_by_role("link", name="小新").click()
    page.wait_for_url(f"**/mentor/{run.pk}/")
    assert _blocking(page) == []
    welcome = page.get_by_test_id("item-welcome")
    welcome.get_by_role("button", name="Send back").click()
    page.get_by_test_id("review-error").get_by_text("a comment is needed to send an item back").wait_for()
    page.get_by_test_id("item-welcome").get_by_label("Comment (needed to send back)").fill("写上回访结果")
    page.get_by_test_id("item-welcome").get_by_role("button", name="Send back").click()
    page.get_by_text("Saved.").wait_for()
    page.get_by_test_id("item-weekly-report").get_by_role("button", name="Sign off").click()
    page.get_by_text("Saved.").wait_for()
    assert page.get_by_test_id("audit").get_by_text("waiting for sign-off → signed off").is_visible()
    shot(page, "mentee-desktop-en")
    assert _blocking(page) == []

    statuses = dict(run.items.values_list("item__key", "status"))
    assert statuses == {
        "weekly-report": ItemStatus.SIGNED_OFF,
        "welcome": ItemStatus.SENT_BACK,
        "host-sharing": ItemStatus.OPEN,
    }
    assert ItemEvent.objects.filter(progress__run=run).count() == 4
    page = signed_in_as(recruit, device="phone", language="zh-hans")
    page.goto(f"{live_server.url}/")
    assert page.get_by_test_id("home-checklist").get_by_text("已签字 1 / 3").is_visible()
    assert _fits(page)
