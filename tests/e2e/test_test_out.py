"""Test-out in the browser: an experienced hire takes the pre-test from the quiz page, at desktop and phone
widths in both languages. A pass reads "tested out"; a fail lists the skill areas to study first and shows no
answer. axe-core finds no critical or serious violation on the pages, and nothing scrolls sideways."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from accounts.models import Role
from courses.models import Module, ModuleProgress
from tests.e2e.conftest import shot
from tests.integration.test_manager_helpers import make_user
from tests.integration.test_test_out import enrol, import_content, module_source, track_source

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKING = {"critical", "serious"}
WORDS = {
    "zh-hans": {
        "start": "开始免修前测",
        "submit": "提交答案",
        "tested_out": "免修通过",
        "study": "建议优先学习",
    },
    "en": {
        "start": "Start the pre-test",
        "submit": "Submit answers",
        "tested_out": "Tested out",
        "study": "Study these first",
    },
}


def _check_page(page, name: str) -> None:
    results = Axe().run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert blocking == [], [(v["id"], v["nodes"][0]["target"]) for v in blocking]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        f"{name} scrolls sideways"
    )
    shot(page, name)


@pytest.mark.parametrize("device", ["desktop", "phone"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("outcome", ["pass", "fail"])
def test_pretest_from_the_quiz_page(signed_in_as, live_server, tmp_path, device, language, outcome):
    import_content(
        tmp_path,
        {"testout": module_source()},
        {"open": track_source(slug="open", modules=["testout"], no_test_out=[])},
    )
    module = Module.objects.get(slug="testout")
    recruit = make_user("hire@example.com", Role.RECRUIT)
    enrol(recruit, "open")
    words = WORDS[language]
    page = signed_in_as(recruit, device=device, language=language)
    page.goto(f"{live_server.url}/modules/{module.slug}/quizzes/testout-quiz/")
    page.locator("[data-testid=pretest]").wait_for()
    _check_page(page, f"test-out-quiz-page-{language}-{device}")
    page.click(f"button:has-text('{words['start']}')")
    page.wait_for_url(re.compile(r"/attempts/\d+/$"))
    questions = page.locator(".question")
    assert questions.count() == 10
    right = 10 if outcome == "pass" else 2
    for i in range(10):
        # Each question's right choice reads 甲方案, the wrong one 乙方案.
        label = "甲方案" if i < right else "乙方案"
        questions.nth(i).locator(f"label:has-text('{label}') input").check()
    page.locator("#savestate[data-status=saved]").wait_for()  # autosave done: submit does not race it
    page.click(f"button:has-text('{words['submit']}')")
    page.locator("[data-testid=score]").wait_for()
    progress = ModuleProgress.objects.get(user=recruit, module=module)
    if outcome == "pass":
        assert page.locator("[data-testid=tested-out]").inner_text() == words["tested_out"]
        assert progress.tested_out
    else:
        skills = page.locator("[data-testid=pretest-skills]")
        assert words["study"] in skills.inner_text()
        assert skills.locator("tbody tr").count() == 3
        assert page.locator("[data-testid^=review-]").count() == 0  # no answer before the module is passed
        assert not progress.passed
    _check_page(page, f"test-out-{outcome}-{language}-{device}")
