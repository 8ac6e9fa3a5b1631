"""A recruit plays each kind of drill in the browser, in both languages, on desktop and phone."""

from __future__ import annotations

import re

import pytest

from assessments.grading import evaluate
from assessments.grading.scenario import best_path
from assessments.models import Attempt, AttemptStatus
from tests.e2e.conftest import shot
from tests.integration.test_drills import GOOD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASES = [("desktop", "zh-hans"), ("phone", "en")]
WORDS = {
    "zh-hans": {
        "start": "开始演练",
        "submit": "提交答案",
        "write": "提交回答",
        "passed": "已通过",
        "waiting": "等待",
    },
    "en": {
        "start": "Start the drill",
        "submit": "Submit answers",
        "write": "Submit the response",
        "passed": "Passed",
        "waiting": "Awaiting review",
    },
}


def _attempt(user, key: str) -> Attempt:
    return Attempt.objects.filter(user=user, drill__key=key).latest("started_at")


def _start(page, live_server, key: str, language: str) -> None:
    page.goto(f"{live_server.url}/modules/drills-demo/drills/{key}/")
    page.get_by_role("button", name=WORDS[language]["start"]).click()


@pytest.mark.parametrize(("device", "language"), CASES)
def test_a_scenario_played_along_the_best_path(
    signed_in_as, live_server, drill_module, recruit, device, language
):
    page = signed_in_as(recruit, device=device, language=language)
    _start(page, live_server, "angry-member", language)
    attempt = _attempt(recruit, "angry-member")
    steps = attempt.drill.data["steps"]
    _points, best = best_path(attempt.drill.data["start"], steps)
    assert page.locator(".timer .countdown").inner_text().strip()  # s1 is timed
    shot(page, f"drill-scenario-step-{device}-{language}")
    for step, choice in best:
        label = re.sub("<[^>]+>", "", steps[step]["choices"][choice]["label_html"])
        page.get_by_role("button", name=label).click()
    page.get_by_test_id("scenario-review").wait_for()
    assert page.get_by_test_id("score").inner_text() == "100.00%"
    assert WORDS[language]["passed"] in page.content()
    shot(page, f"drill-scenario-result-{device}-{language}")


@pytest.mark.parametrize(("device", "language"), CASES)
def test_a_data_exercise_on_the_recruits_own_dataset(
    signed_in_as, live_server, drill_module, recruit, device, language
):
    page = signed_in_as(recruit, device=device, language=language)
    _start(page, live_server, "community-report", language)
    attempt = _attempt(recruit, "community-report")
    table = attempt.state["dataset"]
    assert page.get_by_test_id("dataset").locator("tbody tr").count() == len(table["week"])
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("CSV")).click()
    assert download.value.suggested_filename.endswith(".csv")
    for r in attempt.responses.select_related("question_version").order_by("position"):
        value = evaluate(r.question_version.data["expr"], table)
        page.locator(f"[name=q{r.position}]").fill(str(value))
    shot(page, f"drill-data-answered-{device}-{language}")
    page.get_by_role("button", name=WORDS[language]["submit"]).click()
    page.get_by_test_id("score").wait_for()
    assert page.get_by_test_id("score").inner_text() == "100.00%"
    assert "round(" in page.get_by_test_id("explain-1").inner_text()
    shot(page, f"drill-data-result-{device}-{language}")


@pytest.mark.parametrize(("device", "language"), CASES)
def test_a_written_response_is_saved_refused_when_short_and_then_reviewed(
    signed_in_as, live_server, drill_module, recruit, device, language
):
    page = signed_in_as(recruit, device=device, language=language)
    _start(page, live_server, "apology-reviewed", language)
    area = page.locator("#response-text")
    area.fill("太短")
    page.get_by_role("button", name=WORDS[language]["write"]).click()
    page.get_by_test_id("error").wait_for()
    assert page.locator("#response-text").input_value() == "太短"  # nothing typed is lost
    page.locator("#response-text").fill(GOOD)
    page.locator("#savestate[data-status=saved]").wait_for()
    page.goto(f"{live_server.url}/attempts/{_attempt(recruit, 'apology-reviewed').pk}/")
    assert page.locator("#response-text").input_value() == GOOD  # autosaved
    assert re.search(r"\d+", page.locator("#response-count").inner_text())
    shot(page, f"drill-written-{device}-{language}")
    page.get_by_role("button", name=WORDS[language]["write"]).click()
    page.get_by_test_id("awaiting-review").wait_for()
    assert _attempt(recruit, "apology-reviewed").status == AttemptStatus.NEEDS_REVIEW
    shot(page, f"drill-written-waiting-{device}-{language}")
