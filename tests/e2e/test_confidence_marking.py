"""Confidence-based marking in the browser: the low / medium / high group under each answer is a labelled,
keyboard-usable radio group that autosaves, a confidence alone does not count as an answer, and the graded
page shows accuracy, the CBM average and bonus and each answer's confidence and mark. Desktop and phone,
Chinese and English, with axe-core finding no serious violation. Screenshots go to var/screenshots/cbm-*."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from assessments.models import Attempt, AttemptStatus, Quiz
from tests.conftest import wait_for
from tests.e2e.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "zh-hans": {"submit": "提交答案", "high": "高：有把握", "low": "低：猜的", "summary": "平均信心分"},
    "en": {
        "submit": "Submit answers",
        "high": "High: sure",
        "low": "Low: a guess",
        "summary": "Average confidence-based mark",
    },
}
DEFINITION = ("以下哪一项最符合", "因共同兴趣聚在一起并持续互动的人")
KPIS = ("哪些属于社群运营的核心指标", ["留存", "转化"])
TRUE_FALSE = ("群成员越多", "正确")  # the wrong answer


def serious(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['impact']} {v['id']}: {[n['target'] for n in v['nodes'][:3]]}"
        for v in results.response["violations"]
        if v["impact"] in {"critical", "serious"}
    ]


@pytest.mark.parametrize("device", ["desktop", "phone"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_recruit_rates_each_answer_and_sees_the_confidence_marks(
    live_server, imported, recruit, signed_in_as, device, language
):
    quiz = Quiz.objects.get(version=imported.current_version, key="basics-quiz")
    quiz.settings = {**quiz.settings, "confidence": True}
    quiz.save(update_fields=["settings"])
    words = WORDS[language]
    page = signed_in_as(recruit, device=device, language=language)
    page.goto(f"{live_server.url}/modules/{imported.slug}/quizzes/basics-quiz/")
    page.locator("form[method=post] button[type=submit]").first.click()
    page.locator("fieldset.confidence").first.wait_for()
    attempt = Attempt.objects.get(user=recruit)

    def question(stem: str):
        return page.locator("fieldset[data-field]", has_text=stem)

    # A confidence alone is not an answer: the unanswered dialog still names the question.
    question(DEFINITION[0]).locator("fieldset.confidence").get_by_label(words["low"]).check()
    page.locator("#savestate[data-status=saved]").wait_for()
    assert attempt.responses.get(question_version__question__key="q-definition").confidence == "low"
    question(DEFINITION[0]).get_by_label(DEFINITION[1], exact=True).check()
    # Keyboard: the group moves with the arrow keys like any radio group.
    question(DEFINITION[0]).locator("fieldset.confidence").get_by_label(words["low"]).focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    for label in KPIS[1]:
        question(KPIS[0]).get_by_label(label, exact=True).check()
    question(KPIS[0]).locator("fieldset.confidence").get_by_label(words["high"]).check()
    question(TRUE_FALSE[0]).get_by_label(TRUE_FALSE[1], exact=True).check()
    question(TRUE_FALSE[0]).locator("fieldset.confidence").get_by_label(words["high"]).check()
    page.locator("#savestate[data-status=saved]").wait_for()
    assert serious(page) == []
    shot(page, f"cbm-attempt-{device}-{language}")
    page.get_by_role("button", name=words["submit"]).click()
    wait_for(lambda: Attempt.objects.filter(pk=attempt.pk, status=AttemptStatus.GRADED).first(), timeout=30)
    page.reload()
    page.get_by_test_id("cbm-summary").wait_for()
    graded = {
        r.question_version.question.key: r
        for r in attempt.responses.select_related("question_version__question")
    }
    assert graded["q-definition"].confidence == "high"  # two presses down from low
    assert graded["q-true-false"].cbm_mark == -6 * graded["q-true-false"].max_score
    assert words["summary"] in page.get_by_test_id("cbm-summary").inner_text()
    assert page.locator("[data-testid^=confidently-wrong-]").count() == 1
    assert serious(page) == []
    if device == "phone":
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, f"cbm-result-{device}-{language}")


@pytest.mark.parametrize("device", ["desktop", "phone"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_manager_overview_shows_confidently_wrong_answers_per_skill_area(
    live_server, tmp_path, signed_in_as, device, language
):
    from accounts.models import Role
    from tests.integration.test_manager_helpers import make_cohort, make_course, make_user

    manager = make_user("manager@example.com", Role.MANAGER)
    cohort = make_cohort(make_course(tmp_path / "content", modules=3), [manager], 6, seed=4)
    members = list(cohort.memberships.values_list("user_id", flat=True))
    Attempt.objects.filter(user_id__in=members[:3], status=AttemptStatus.GRADED).update(
        confident_answers=4, confidently_wrong=1
    )
    page = signed_in_as(manager, device=device, language=language)
    page.goto(f"{live_server.url}/manager/cohorts/{cohort.pk}/")
    rows = page.locator("[data-testid^=confidently-wrong-]")
    assert rows.count() >= 1
    assert serious(page) == []
    if device == "phone":
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_test_id("misconceptions").scroll_into_view_if_needed()
    shot(page, f"cbm-manager-{device}-{language}")
