"""A recruit sees the bell count, opens the list, marks everything read and switches one kind of email off,
in Chinese and English, on a desktop and a phone."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from accounts.models import User
from notifications.models import Kind, NotificationPreference
from notifications.services import notification_create
from tests.e2e.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def browser_page(browser, live_server, user, language: str):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=DESKTOP)
    context.add_cookies(
        [
            {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url},
            {"name": "django_language", "value": language, "url": live_server.url},
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def both_widths(page, name: str) -> None:
    page.set_viewport_size(DESKTOP)
    shot(page, f"{name}-1280")
    page.set_viewport_size(PHONE)
    shot(page, f"{name}-390")
    page.set_viewport_size(DESKTOP)


def test_recruit_reads_notifications_and_switches_one_email_off(browser, live_server, recruit):
    User.objects.filter(pk=recruit.pk).update(display_name="张小明")
    notification_create(
        user_id=recruit.pk,
        kind=Kind.GRADED,
        key="attempt:1",
        params={
            "title": "入门小测",
            "module": "社群入门",
            "percent": "85.00",
            "passed": True,
            "awaiting_review": False,
        },
        url="/progress/",
    )
    notification_create(
        user_id=recruit.pk,
        kind=Kind.DUE_SOON,
        key="enrolment:1:module:1:2026-12-05",
        params={
            "module": "内容运营",
            "module_en": "Content operations",
            "course": "新人路径",
            "due": "2026-12-05",
        },
        url="/",
    )
    notification_create(
        user_id=recruit.pk,
        kind=Kind.CERTIFICATE_ISSUED,
        key="certificate:1",
        params={"title": "初级社群运营认证", "title_en": "Junior community operations", "level": "junior"},
        url="/certificates/",
    )
    context, page = browser_page(browser, live_server, recruit, "zh-hans")
    base = live_server.url

    page.goto(f"{base}/")
    bell = page.locator("[data-testid=bell]")
    assert bell.inner_text().strip() == "3"
    assert "3" in bell.get_attribute("aria-label")
    both_widths(page, "notifications-bell-zh")

    bell.click()
    page.wait_for_url(f"{base}/notifications/")
    assert page.locator("li.notif.unread").count() == 3
    assert "入门小测" in page.locator("ol.notifs").inner_text()
    both_widths(page, "notifications-list-zh")

    page.click("form.lang button")  # the header's language switch: English
    page.wait_for_url(f"{base}/notifications/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert User.objects.get(pk=recruit.pk).language == "en"  # remembered for emails
    assert "Content operations" in page.locator("ol.notifs").inner_text()
    assert page.locator("[data-testid=bell]").get_attribute("aria-label") == "Notifications, 3 unread"
    both_widths(page, "notifications-list-en")

    page.click("button:has-text('Mark all as read')")
    page.wait_for_url(f"{base}/notifications/")
    assert page.locator("li.notif.unread").count() == 0
    assert page.locator(".bell-count").count() == 0
    assert page.locator("[data-testid=bell]").get_attribute("aria-label") == "Notifications, none unread"
    both_widths(page, "notifications-read-en")

    page.click("text=Email settings")
    page.wait_for_url(f"{base}/notifications/preferences/")
    assert page.locator(f"input[name={Kind.REVIEW_NEEDED}]").count() == 0  # trainers only
    with translation.override("en"):  # the page is in English now, whatever the test process speaks
        graded, due_soon = str(Kind.GRADED.label), str(Kind.DUE_SOON.label)
    page.get_by_label(graded).uncheck()
    page.click("form.notif-prefs button[type=submit]")
    page.wait_for_url(f"{base}/notifications/preferences/")
    assert page.locator(".messages").count() == 1
    assert not page.get_by_label(graded).is_checked()
    assert page.get_by_label(due_soon).is_checked()
    both_widths(page, "notifications-preferences-en")
    stored = dict(NotificationPreference.objects.filter(user=recruit).values_list("kind", "email"))
    assert stored[Kind.GRADED] is False
    assert stored[Kind.DUE_SOON] is True

    page.click("form.lang button")  # back to Chinese
    page.wait_for_url(re.compile(r"/notifications/preferences/$"))
    assert User.objects.get(pk=recruit.pk).language == "zh-hans"
    both_widths(page, "notifications-preferences-zh")
    context.close()
