"""A recruit rates a module they passed, on a phone; the rating page and the trainers' report have no critical
or serious axe finding and do not scroll sideways at 390 px, in Chinese and English."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client

from courses.models import ModuleProgress
from evaluation import services
from evaluation.models import ModuleFeedback
from tests.e2e.conftest import shot
from tests.e2e.test_accessibility import BLOCKING, SIDEWAYS_JS
from tests.integration.test_manager_helpers import make_user
from tests.integration.test_quiz_flow import correct_answers, start_attempt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _blocking(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['impact']} {v['id']}: " + ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def _fits(page) -> bool:
    return page.evaluate(SIDEWAYS_JS)


def test_a_recruit_rates_a_passed_module_on_a_phone(signed_in_as, live_server, imported, recruit):
    client = Client()
    client.force_login(recruit)
    attempt = start_attempt(client, imported)
    client.post(f"/attempts/{attempt.pk}/submit/", correct_answers(attempt))
    assert ModuleProgress.objects.get(user=recruit, module=imported).passed

    page = signed_in_as(recruit, device="phone", language="zh-hans")
    page.goto(f"{live_server.url}/attempts/{attempt.pk}/")
    page.get_by_test_id("feedback-result-prompt").get_by_role("link", name="评价这个模块").click()
    page.wait_for_url(f"**/modules/{imported.slug}/feedback/")
    assert _blocking(page) == []
    assert _fits(page)
    for scale, value in (("usefulness", "4"), ("difficulty", "2"), ("clarity", "5")):
        page.get_by_test_id(f"scale-{scale}").get_by_role("radio", name=re.compile(rf"^{value}\b")).check()
    page.get_by_label("还有什么想说的吗？（可选）").fill("案例贴近实际工作")
    shot(page, "module-feedback-form-phone-zh-hans")
    page.get_by_role("button", name="提交评价").click()
    page.get_by_text("谢谢：你的评价已保存。").wait_for()
    row = ModuleFeedback.objects.get(user=recruit)
    assert (row.usefulness, row.difficulty, row.clarity) == (4, 2, 5)
    assert row.comment == "案例贴近实际工作"
    assert row.show_name is False
    # Still editable: the form comes back filled in with the answer.
    assert page.get_by_test_id("scale-difficulty").get_by_role("radio", name="2", exact=True).is_checked()
    assert _blocking(page) == []
    # The module page asks too, with the same form filled in.
    page.goto(f"{live_server.url}/modules/{imported.slug}/")
    prompt = page.get_by_test_id("feedback-prompt")
    assert prompt.get_by_role("heading", name="你对这个模块的评价").is_visible()
    assert prompt.get_by_test_id("scale-clarity").get_by_role("radio", name=re.compile(r"^5\b")).is_checked()
    assert _blocking(page) == []
    assert _fits(page)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_trainers_report_is_accessible(signed_in_as, live_server, imported, trainer, language, device):
    for i in range(6):
        user = make_user(f"fb{i}@example.com", display_name=f"学员{i}")
        ModuleProgress.objects.create(user=user, module=imported, passed=True)
        services.feedback_save(
            user=user,
            module=imported,
            version_id=imported.current_version_id,
            ratings=services.Ratings(
                usefulness=1 + i % 5,
                difficulty=3,
                clarity=5 - i % 3,
                comment=f"第{i}条留言",
                show_name=i == 0,
            ),
        )
    page = signed_in_as(trainer, device=device, language=language)
    page.goto(f"{live_server.url}/")
    page.get_by_test_id("module-feedback").get_by_role("link").click()
    assert _blocking(page) == []
    assert _fits(page)
    page.locator(f'a[href="/trainer/feedback/{imported.slug}/"]').click()
    page.get_by_test_id(f"dist-{imported.current_version.number}-usefulness").wait_for()
    assert _blocking(page) == []
    assert _fits(page)
    shot(page, f"module-feedback-report-{device}-{language}")
