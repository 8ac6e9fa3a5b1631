"""A recruit takes the timed quiz with every question type, by keyboard and select boxes only.

Desktop and phone, Chinese and English: 100% and a review of each answer. Late answers are refused.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from assessments.models import Attempt, AttemptStatus
from tests.e2e.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEVICES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
LANGUAGES = {
    "zh-hans": {"locale": "zh-CN", "submit": "提交答案", "html_lang": "zh-CN", "late": "时间到"},
    "en": {"locale": "en-US", "submit": "Submit answers", "html_lang": "en", "late": "Time is up"},
}
QUIZ = "/modules/all-types/quizzes/types-quiz/"


@pytest.fixture
def signed_in(browser, live_server, django_user_model):
    """A browser context for a signed-in recruit, with the device and language asked for."""
    contexts = []

    def open_page(device: str, language: str):
        user = django_user_model.objects.create_user(
            email=f"types-{device}-{language}@example.com", password="pw-types-123"
        )
        client = Client()
        client.force_login(user)
        context = browser.new_context(locale=LANGUAGES[language]["locale"], **DEVICES[device])
        contexts.append(context)
        context.add_cookies(
            [
                {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url},
                {"name": "django_language", "value": language, "url": live_server.url},
            ]
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        return user, page

    yield open_page
    for context in contexts:
        context.close()


def question(page, stem: str):
    return page.locator("fieldset[data-field]", has_text=stem)


def press_choice(page, stem: str, label: str) -> None:
    """Pick a radio or check box the keyboard way: focus it, press space."""
    box = question(page, stem).get_by_label(label, exact=True)
    box.focus()
    page.keyboard.press("Space")
    assert box.is_checked()


def answer_everything_correctly(page) -> None:
    press_choice(page, "第一件事最好做什么", "发一条欢迎语并介绍群规")
    press_choice(page, "提高群的活跃度", "固定时间的主题讨论")
    press_choice(page, "提高群的活跃度", "及时回复成员的问题")
    press_choice(page, "群公告发出后", "错误")
    short = question(page, "核心指标叫作").locator("input[type=text]")
    short.focus()
    page.keyboard.type("留存率")
    numeric = question(page, "本周发言率").locator("input[type=text]")
    numeric.focus()
    page.keyboard.type("27")
    order = question(page, "新成员入群的流程")
    for rank, item in enumerate(["通过入群申请", "发送欢迎语", "邀请做自我介绍", "推荐精华内容"], start=1):
        order.get_by_label(item, exact=True).select_option(str(rank))
    match = question(page, "每个指标与它的含义")
    for left, right in [
        ("拉新", "吸引新成员加入"),
        ("促活", "让成员参与互动"),
        ("转化", "让成员付费或完成目标行动"),
    ]:
        match.get_by_label(left, exact=True).select_option(label=right)


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("device", list(DEVICES))
def test_a_timed_quiz_of_every_type_is_passed_with_full_marks(
    live_server, imported, signed_in, device, language
):
    words = LANGUAGES[language]
    user, page = signed_in(device, language)
    page.goto(f"{live_server.url}{QUIZ}")
    assert page.locator("html").get_attribute("lang") == words["html_lang"]
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/attempts/\d+/$"))
    attempt = Attempt.objects.get(user=user)
    assert attempt.deadline is not None
    assert page.locator("fieldset[data-field]").count() == 7
    answer_everything_correctly(page)
    assert fits_the_screen(page)
    shot(page, f"types-{device}-{language}-answered")

    submit = page.get_by_role("button", name=words["submit"])
    submit.focus()
    page.keyboard.press("Enter")
    score = page.locator("[data-testid=score]")
    score.wait_for()
    assert score.inner_text() == "100.00%"
    reviews = page.locator("[data-testid^=review-]")
    assert reviews.count() == 7
    for k in range(7):
        assert reviews.nth(k).locator(".tag.good").count() >= 1, k
    assert (
        page.locator("text=留存率 = 一段时间后仍然活跃的成员").count() == 1
    )  # an explanation, after grading
    assert fits_the_screen(page)
    shot(page, f"types-{device}-{language}-graded")
    attempt.refresh_from_db()
    assert (attempt.status, attempt.percent) == (AttemptStatus.GRADED, 100)


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_an_answer_after_the_deadline_closes_the_attempt_with_a_clear_message(
    live_server, imported, signed_in, language
):
    words = LANGUAGES[language]
    user, page = signed_in("phone", language)
    page.goto(f"{live_server.url}{QUIZ}")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/attempts/\d+/$"))
    Attempt.objects.filter(user=user).update(deadline=timezone.now() - timedelta(minutes=1))

    press_choice(page, "第一件事最好做什么", "发一条欢迎语并介绍群规")
    # The autosave is refused: the server closes the attempt as saved and the page goes to the result.
    score = page.locator("[data-testid=score]")
    score.wait_for()
    assert words["late"] in page.locator(".messages").inner_text()
    assert page.locator("form[data-autosave]").count() == 0
    shot(page, f"types-late-{language}")
    attempt = Attempt.objects.get(user=user)
    assert attempt.status == AttemptStatus.GRADED
    assert not attempt.responses.filter(answer__isnull=False).exists()
