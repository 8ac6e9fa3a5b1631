"""The quiz page keeps every answer and ends on time: per-field autosave (a fill-in followed at once by a
choice, a lost connection, leaving the page), the countdown to time's up, and the confirmation before
submitting with unanswered questions. Desktop and phone, Chinese and English.

Choices are picked by their label and fill-ins by their field, never by the value a choice is posted with.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from assessments import services
from assessments.models import Attempt, AttemptStatus, Quiz, Response
from tests.conftest import wait_for
from tests.e2e.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "zh-hans": {
        "submit": "提交答案",
        "anyway": "仍然提交",
        "back": "返回继续作答",
        "time_up": "时间到",
        "none": "以下题目还没有作答",
    },
    "en": {
        "submit": "Submit answers",
        "anyway": "Submit anyway",
        "back": "Go back and answer",
        "time_up": "Time is up",
        "none": "These questions have no answer",
    },
}
SINGLE = ("第一件事最好做什么", "发一条欢迎语并介绍群规")
SHORT = "核心指标叫作"


def open_attempt(user) -> Attempt:
    quiz = Quiz.objects.get(key="types-quiz", version__module__slug="all-types")
    return services.attempt_start(user=user, quiz=quiz)


def question(page, stem: str):
    return page.locator("fieldset[data-field]", has_text=stem)


def response_of(attempt: Attempt, kind: str) -> Response:
    return next(
        r
        for r in attempt.responses.select_related("question_version")
        if r.question_version.data["type"] == kind
    )


def saved(attempt: Attempt, kind: str):
    return response_of(attempt, kind).answer


def test_a_fill_in_followed_at_once_by_a_choice_saves_both(live_server, imported, recruit, signed_in_as):
    attempt = open_attempt(recruit)
    page = signed_in_as(recruit)
    page.goto(f"{live_server.url}/attempts/{attempt.pk}/")
    short = question(page, SHORT).locator("input[type=text]")
    short.click()
    page.keyboard.type("留存率")
    # Within the old single 300 ms timer: the choice's save used to cancel the fill-in's.
    question(page, SINGLE[0]).get_by_label(SINGLE[1], exact=True).click()
    page.locator("#savestate[data-status=saved]").wait_for()
    assert saved(attempt, "short") == "留存率"
    assert saved(attempt, "single") is not None
    page.reload()
    assert question(page, SHORT).locator("input[type=text]").input_value() == "留存率"
    assert question(page, SINGLE[0]).get_by_label(SINGLE[1], exact=True).is_checked()


def test_an_answer_given_offline_is_saved_when_the_connection_returns(
    live_server, imported, recruit, signed_in_as
):
    attempt = open_attempt(recruit)
    page = signed_in_as(recruit, language="en")
    page.goto(f"{live_server.url}/attempts/{attempt.pk}/")
    page.context.set_offline(True)
    question(page, SINGLE[0]).get_by_label(SINGLE[1], exact=True).check()
    state = page.locator("#savestate[data-status=offline]")
    state.wait_for()
    assert "no connection" in state.inner_text()  # honest: not "saved"
    assert saved(attempt, "single") is None
    shot(page, "quiz-autosave-offline-desktop-en")
    page.context.set_offline(False)
    page.locator("#savestate[data-status=saved]").wait_for()
    assert saved(attempt, "single") is not None


def test_a_fill_in_typed_just_before_leaving_the_page_is_saved(live_server, imported, recruit, signed_in_as):
    attempt = open_attempt(recruit)
    page = signed_in_as(recruit)
    page.goto(f"{live_server.url}/attempts/{attempt.pk}/")
    question(page, SHORT).locator("input[type=text]").click()
    page.keyboard.type("留存率")
    page.goto(f"{live_server.url}/modules/all-types/")  # at once, before the autosave's own delay
    wait_for(lambda: saved(attempt, "short") == "留存率", timeout=10)


@pytest.mark.parametrize("language", list(WORDS))
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_countdown_reaches_time_up_and_the_saved_answers_are_submitted(
    live_server, imported, recruit, signed_in_as, device, language
):
    attempt = open_attempt(recruit)
    page = signed_in_as(recruit, device=device, language=language)
    page.goto(f"{live_server.url}/attempts/{attempt.pk}/")
    countdown = page.locator("#quiz-timer .countdown")
    countdown.wait_for()
    assert re.fullmatch(r"\d+:\d\d", countdown.inner_text())
    question(page, SHORT).locator("input[type=text]").fill("留存率")
    page.locator("#savestate[data-status=saved]").wait_for()
    shot(page, f"quiz-open-{device}-{language}")

    # A few seconds left, by the server's clock; the page counts down with the offset it was given.
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(seconds=4))
    held = []
    page.route("**/submit/", lambda route: held.append(route))
    page.reload()
    notice = page.locator("#time-up")
    notice.filter(has_text=WORDS[language]["time_up"]).wait_for()
    assert notice.get_attribute("role") == "alert"
    assert page.locator("fieldset[data-field]").first.is_disabled()
    assert page.get_by_role("button", name=WORDS[language]["submit"]).is_disabled()
    assert question(page, SHORT).locator("input[type=text]").input_value() == "留存率"  # kept on screen
    shot(page, f"quiz-time-up-{device}-{language}")
    for _ in range(50):  # let Playwright deliver the held request (a plain sleep would not)
        if held:
            break
        page.wait_for_timeout(100)
    held[0].continue_()
    page.locator("[data-testid=timed-out]").wait_for()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED
    assert saved(attempt, "short") == "留存率"


@pytest.mark.parametrize("language", list(WORDS))
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_submitting_with_unanswered_questions_asks_first_and_names_them(
    live_server, imported, recruit, signed_in_as, device, language
):
    words = WORDS[language]
    attempt = open_attempt(recruit)
    page = signed_in_as(recruit, device=device, language=language)
    page.goto(f"{live_server.url}/attempts/{attempt.pk}/")
    question(page, SINGLE[0]).get_by_label(SINGLE[1], exact=True).check()
    question(page, SHORT).locator("input[type=text]").fill("留存率")
    answered = {response_of(attempt, "single").position, response_of(attempt, "short").position}
    missing = [r.position for r in attempt.responses.order_by("position") if r.position not in answered]

    page.get_by_role("button", name=words["submit"]).click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    text = dialog.inner_text()
    assert words["none"] in text
    assert re.findall(r"\d+", text.split(words["none"])[1]) == [str(n) for n in missing]
    shot(page, f"quiz-unanswered-{device}-{language}")
    dialog.get_by_role("button", name=words["back"]).click()
    assert not dialog.is_visible()
    # Focus goes to the first unanswered question.
    assert page.evaluate("document.activeElement.closest('fieldset').dataset.field") == f"q{missing[0]}"
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS

    page.get_by_role("button", name=words["submit"]).click()
    dialog.get_by_role("button", name=words["anyway"]).click()
    page.locator("[data-testid=unanswered]").wait_for()
    assert str(len(missing)) in page.locator("[data-testid=unanswered]").inner_text()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED


def test_a_written_response_typed_offline_is_saved_when_the_connection_returns(
    live_server, drill_module, recruit, signed_in_as
):
    from assessments.drill_services import drill_attempt_start
    from assessments.models import Drill

    drill = Drill.objects.get(key="apology-reviewed", version__module__slug="drills-demo")
    attempt = drill_attempt_start(user=recruit, drill=drill)
    page = signed_in_as(recruit, language="en")
    page.goto(f"{live_server.url}/attempts/{attempt.pk}/")
    page.context.set_offline(True)
    page.locator("#response-text").fill("离线时写下的回答")
    page.locator("#savestate[data-status=offline]").wait_for()
    attempt.refresh_from_db()
    assert attempt.state["text"] == ""
    page.context.set_offline(False)
    page.locator("#savestate[data-status=saved]").wait_for()
    attempt.refresh_from_db()
    assert attempt.state["text"] == "离线时写下的回答"
