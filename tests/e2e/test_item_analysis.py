"""A trainer reads the item analysis in Chinese and English, on a desktop and a phone, and watches stale
numbers update by themselves."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from assessments import analysis
from assessments.analysis_tasks import refresh_statistics
from tests.e2e.conftest import shot
from tests.integration.test_item_analysis import KEY, SCENARIO, choice, flag_data, graded

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def browser_page(browser, live_server, user, *, language: str, width: str):
    client = Client()
    client.force_login(user)
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h})
    context.add_cookies(
        [
            {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url},
            {"name": "django_language", "value": language, "url": live_server.url},
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


@pytest.fixture
def data(imported, recruit, django_user_model):
    from assessments.models import Attempt, AttemptStatus, Drill, DrillKind, Quiz

    quiz = Quiz.objects.select_related("version__module").get(version=imported.current_version, key=KEY)
    flag_data(quiz, recruit, 24)  # q-definition too easy, q-true-false negative
    for _ in range(6):  # the weakest: 25 %
        graded(quiz, recruit, {"q-definition": choice(quiz, "q-definition", right=True)[0]})
    drill = Drill.objects.create(
        version=imported.current_version,
        key="first-week",
        kind=DrillKind.SCENARIO,
        title="接手沉寂群的第一周",
        data=SCENARIO,
    )
    paths = [([0, 0], "good", 100)] * 7 + [([0, 1], "bad", 75)] * 4 + [([1], "bad", 0)] * 3
    for number, (choices, ending, percent) in enumerate(paths, start=1):
        steps = ["s1", "s2"][: len(choices)]
        Attempt.objects.create(
            user=recruit,
            drill=drill,
            module=imported,
            number=number,
            status=AttemptStatus.GRADED,
            seed=number,
            percent=percent,
            score=percent // 25,
            max_score=4,
            passed=percent >= 60,
            state={
                "current": ending,
                "path": [{"step": s, "choice": c} for s, c in zip(steps, choices, strict=True)],
            },
        )
    analysis.statistics_compute(module_id=imported.pk, key=KEY)
    analysis.statistics_compute(module_id=imported.pk, key="first-week")
    trainer = django_user_model.objects.create_user(
        email="trainer@example.com", password="pw-trainer-123", role=Role.TRAINER
    )
    return quiz, trainer


def assert_fits(page) -> None:
    """Nothing but the tables' own scroll boxes is wider than the window."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    # On failure, name what sticks out (a table's own scroll box may be wider: it scrolls).
    widest = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest('.table-wrap'))
            .slice(0, 5)
            .map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)"""
    )
    assert overflow <= 1, f"the page is {overflow}px wider than the window: {widest}"


@pytest.mark.parametrize(
    ("language", "width"), [("zh-hans", "desktop"), ("en", "phone"), ("zh-hans", "phone"), ("en", "desktop")]
)
def test_trainer_reads_the_item_analysis(browser, live_server, data, language, width):
    quiz, trainer = data
    slug = quiz.version.module.slug
    context, page = browser_page(browser, live_server, trainer, language=language, width=width)
    name = f"analysis-{language}-{width}"

    page.goto(f"{live_server.url}{reverse('analysis_index')}")
    row = page.locator(f"[data-testid=row-{slug}-{KEY}]")
    assert "2" in row.inner_text()  # two questions flagged
    shot(page, f"{name}-index")
    assert_fits(page)

    row.get_by_role("link").click()
    page.wait_for_selector("[data-testid=questions]")
    text = page.locator("main").inner_text()
    assert page.locator("[data-flag=easy]").count() == 1
    assert page.locator("[data-flag=negative]").count() == 1
    assert page.locator("svg.chart-type-histogram").count() == 1
    assert "modules/demo-basics.md:" in text
    assert "recruit@example.com" not in page.content()
    shot(page, f"{name}-quiz")
    assert_fits(page)

    page.locator("[data-testid=q-q-definition] a[href*='/questions/']").click()
    page.wait_for_selector("[data-testid=choices]")
    assert page.locator("svg.chart-type-bars").count() >= 1
    shot(page, f"{name}-question")
    assert_fits(page)

    page.goto(f"{live_server.url}{reverse('analysis_detail', args=[slug, 'first-week'])}")
    page.wait_for_selector("[data-testid=step-s1]")
    assert "★" in page.locator("[data-testid=step-s1]").inner_text()
    shot(page, f"{name}-scenario")
    assert_fits(page)
    context.close()


def test_a_questions_source_opens_the_editor_on_that_question(browser, live_server, data, settings):
    from tests.conftest import FIXTURE_CONTENT

    settings.CONTENT_ROOT = FIXTURE_CONTENT  # the editor starts from the module's files
    quiz, trainer = data
    slug = quiz.version.module.slug
    question_id = quiz.pool.get(question_version__question__key="q-definition").question_version.question_id
    context, page = browser_page(browser, live_server, trainer, language="en", width="desktop")
    page.goto(f"{live_server.url}{reverse('analysis_question', args=[slug, KEY, question_id])}")
    page.locator("a:has([data-testid=source])").click()
    page.wait_for_url(re.compile(r"/author/modules/.+/edit/\?question=q-definition"))
    selected = page.evaluate(
        "() => { const a = document.getElementById('id_source');"
        " return a.value.slice(a.selectionStart, a.selectionEnd); }"
    )
    assert selected.strip() == "::: question q-definition"
    shot(page, "analysis-source-in-editor-en")
    context.close()


def test_stale_numbers_update_without_a_reload(browser, live_server, data):
    quiz, trainer = data
    module_id, slug = quiz.version.module_id, quiz.version.module.slug
    with mock.patch.object(refresh_statistics, "apply_async"):
        analysis.statistics_request(module_id=module_id, key=KEY)  # a grading came in; its task is on its way
    context, page = browser_page(browser, live_server, trainer, language="en", width="desktop")
    page.goto(f"{live_server.url}{reverse('analysis_detail', args=[slug, KEY])}")
    assert page.locator("#analysis-status").get_attribute("data-state") == "updating"
    shot(page, "analysis-en-desktop-updating")
    analysis.statistics_refresh(module_id=module_id, key=KEY)  # the worker's run
    page.wait_for_selector("#analysis-status[data-state=current]", state="attached")
    assert page.locator("[data-testid=questions]").count() == 1
    context.close()
