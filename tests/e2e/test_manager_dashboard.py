"""A hiring manager in the browser: cohorts, the overview (filter with htmx, sort, pages), comparison, one
recruit and an attempt, exports (inline and as a job with a progress bar), invitations that sign a new
recruit up straight into the cohort. Screenshots in Chinese and English at 1280 and 390 px."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from courses.authoring.lint import rule_of
from courses.authoring.loader import load_tree
from courses.manager_forms import DashboardParams
from courses.models import Course, ExportJob, ExportStatus
from courses.services import content_import
from tests.e2e.conftest import shot
from tests.integration.test_manager_helpers import PASSWORD, make_cohort, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REAL_CONTENT = Path(__file__).resolve().parents[2] / "content"


def browser_page(browser, live_server, user, language="zh-hans", width=1280):
    context = browser.new_context(viewport={"width": width, "height": 900})
    cookies = [{"name": "django_language", "value": language, "url": live_server.url}]
    if user is not None:
        client = Client()
        client.force_login(user)
        cookies.append(
            {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}
        )
    context.add_cookies(cookies)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


@pytest.fixture
def junior_cohort(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    tree = load_tree(REAL_CONTENT)
    # Item quality is the curriculum's own test (tests/unit/content); here only the volume matters.
    tree.messages = [m for m in tree.messages if not rule_of(m)]
    assert not tree.errors
    content_import(tree=tree)
    manager = make_user("manager@example.com", Role.MANAGER, display_name="李经理")
    course = Course.objects.get(slug="junior")
    cohort = make_cohort(course, [manager], 64, seed=21, email_prefix="junior", name="2026 春季社群运营批次")
    return manager, cohort


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_manager_filters_sorts_compares_and_opens_a_recruit(browser, live_server, junior_cohort):
    manager, cohort = junior_cohort
    base = live_server.url
    context, page = browser_page(browser, live_server, manager)

    page.goto(f"{base}/")
    page.click("header nav a[href='/manager/cohorts/']")
    page.wait_for_url(f"{base}/manager/cohorts/")
    assert "2026 春季社群运营批次" in page.locator("[data-testid=cohorts]").inner_text()
    shot(page, "manager-cohorts-zh")

    page.click("text=2026 春季社群运营批次")
    page.wait_for_url(re.compile(r"/manager/cohorts/\d+/$"))
    assert page.locator("[data-testid=recruit-table] tbody tr").count() == 50
    assert page.locator("svg.chart").count() == 3
    shot(page, "manager-overview-zh-1280")

    # The filter form swaps the dashboard in place (htmx) and keeps the URL shareable.
    page.select_option("select[name=status]", "in_progress")
    page.wait_for_url(re.compile(r"status=in_progress"))
    shown = int(page.locator("[data-testid=stat-recruits]").inner_text())
    assert 0 < shown < 64
    page.select_option("select[name=skill]", "management")
    page.wait_for_url(re.compile(r"skill=management"))
    assert page.locator("thead th.module-col").count() == 1

    # Sorting by a column header, then back through the page links.
    page.goto(f"{base}{reverse('manager_cohort', args=[cohort.pk])}")
    page.click("thead th a[href*='sort=percent']")
    page.wait_for_url(re.compile(r"sort=percent"))
    assert page.locator("thead th[aria-sort=ascending]").count() == 1
    page.click("[data-testid=pages] a[rel=next]")
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator("[data-testid=recruit-table] tbody tr").count() == 14

    # Compare two recruits.
    page.goto(f"{base}{reverse('manager_cohort', args=[cohort.pk])}")
    boxes = page.locator("input[name=recruit]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.click("#compare-form button")
    page.wait_for_url(re.compile(r"/compare/\?recruit=\d+&recruit=\d+"))
    assert page.locator("svg.chart-type-grouped").count() == 1
    shot(page, "manager-compare-zh")

    # One recruit, then one of their attempts.
    page.goto(f"{base}{reverse('manager_cohort', args=[cohort.pk])}?sort=-percent")
    page.locator("[data-testid=recruit-table] tbody th a").first.click()
    page.wait_for_url(re.compile(r"/recruits/\d+/$"))
    assert page.locator("[data-testid=attempts] tbody tr").count() > 0
    shot(page, "manager-recruit-zh")
    page.locator("[data-testid=attempts] a[href*='/attempts/']").first.click()
    page.wait_for_url(re.compile(r"/attempts/\d+/$"))
    shot(page, "manager-attempt-zh")

    # The export downloads at once (64 recruits) with a BOM.
    page.goto(f"{base}{reverse('manager_cohort', args=[cohort.pk])}")
    with page.expect_download() as download:
        page.click("[data-testid=export-form] button")
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").count("\n") == 65
    context.close()


@pytest.mark.parametrize(("language", "width"), [("en", 1280), ("en", 390), ("zh-hans", 390)])
def test_the_manager_pages_fit_the_screen(browser, live_server, junior_cohort, language, width):
    manager, cohort = junior_cohort
    recruit = cohort.memberships.order_by("user_id").first().user_id
    other = cohort.memberships.order_by("user_id")[1].user_id
    context, page = browser_page(browser, live_server, manager, language=language, width=width)
    tag = f"{'zh' if language == 'zh-hans' else 'en'}-{width}"
    pages = {
        "cohorts": reverse("manager_cohorts"),
        "overview": reverse("manager_cohort", args=[cohort.pk]),
        "recruit": reverse("manager_recruit", args=[cohort.pk, recruit]),
        "compare": f"{reverse('manager_compare', args=[cohort.pk])}?recruit={recruit}&recruit={other}",
        "people": reverse("manager_people", args=[cohort.pk]),
    }
    for name, url in pages.items():
        page.goto(f"{live_server.url}{url}")
        assert no_sideways_scroll(page), (name, tag)
        shot(page, f"manager-{name}-{tag}")
    context.close()


def test_a_large_export_shows_its_progress_and_a_download_link(browser, live_server, junior_cohort):
    from courses import manager_services

    manager, cohort = junior_cohort
    job = ExportJob.objects.create(
        requested_by=manager,
        cohort=cohort,
        format="xlsx",
        params={**DashboardParams().as_dict(), "language": "zh-hans"},
        total=64,
    )
    context, page = browser_page(browser, live_server, manager)
    page.goto(f"{live_server.url}{reverse('manager_export_job', args=[job.public_id])}")
    assert page.locator("#export-progress").get_attribute("data-status") == "pending"
    shot(page, "manager-export-pending-zh")
    manager_services.export_job_run(job_id=job.pk)
    page.wait_for_selector("#export-progress[data-status=done]")
    shot(page, "manager-export-done-zh")
    with page.expect_download() as download:
        page.click("[data-testid=export-download]")
    from openpyxl import load_workbook

    data = io.BytesIO(Path(download.value.path()).read_bytes())
    workbook = load_workbook(data, read_only=True)  # it opens in a spreadsheet library
    rows = [list(r) for r in workbook.active.iter_rows(values_only=True)]
    members = set(cohort.memberships.values_list("user__email", flat=True))
    assert {r[1] for r in rows[1:]} == members  # one row per recruit of the cohort, the email in column 2
    assert rows[0][1] == "邮箱"  # the header row, in the language the job was asked in (zh-hans)
    assert ExportJob.objects.get().status == ExportStatus.DONE
    context.close()


def test_an_invited_recruit_signs_up_straight_into_the_cohort(browser, live_server, junior_cohort, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_ROOT = live_server.url
    manager, cohort = junior_cohort
    context, page = browser_page(browser, live_server, manager, language="en")
    page.goto(f"{live_server.url}{reverse('manager_people', args=[cohort.pk])}")
    page.fill("textarea[name=emails]", "new.hire@example.com\nsecond.hire@example.com")
    page.click("button:has-text('Send invitations')")
    page.wait_for_selector("[data-testid=invitations]")
    assert "new.hire@example.com" in page.locator("[data-testid=invitations]").inner_text()
    shot(page, "manager-people-after-invite-en")
    context.close()

    link = re.search(r"https?://\S+/invite/[\w-]+/", mail.outbox[0].body).group(0)
    context, page = browser_page(browser, live_server, None, language="zh-hans")
    page.goto(link)
    page.wait_for_url(re.compile(r"/accounts/signup/\?email="))
    assert page.input_value("input[name=email]") == "new.hire@example.com"
    shot(page, "invite-signup-zh")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.fill("input[name=display_name]", "新同事")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert "2026 春季社群运营批次" in page.locator(".messages").inner_text()
    shot(page, "invite-joined-zh")
    user = User.objects.get(email="new.hire@example.com")
    assert cohort.memberships.filter(user=user).exists()
    # The link is used now: its recruit is sent home, anybody else is told.
    page.goto(link)
    page.wait_for_url(f"{live_server.url}/")
    context.close()
    context, page = browser_page(browser, live_server, None, language="en")
    page.goto(link)
    assert "already been used" in page.locator("main").inner_text()
    shot(page, "invite-used-en")
    context.close()
