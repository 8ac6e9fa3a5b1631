"""A new recruit signs up, verifies the email, reads a lesson, takes the quiz and sees the graded score."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.e2e.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_recruit_signs_up_reads_and_passes_the_quiz(page, live_server, imported, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    base = live_server.url

    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=email]", "new.hire@example.com")
    page.fill("input[name=password1]", "Xk4!community-ops")
    page.fill("input[name=password2]", "Xk4!community-ops")
    page.fill("input[name=display_name]", "新同事")
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    page.goto(link.replace("http://testserver", base).replace("http://127.0.0.1:8000", base))
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/")
    # A new recruit with no track yet is pointed to the tracks; the modules are one click away in the header.
    assert page.locator("main a[href='/tracks/']").count() == 1
    page.click("header a[href='/modules/']")
    page.click("text=测试模块：社群入门")
    page.click("text=什么是社群")
    assert page.locator("article.prose strong").first.inner_text() == "共同兴趣"
    page.click("button:has-text('标记为已读')")
    page.wait_for_url(re.compile(r"/lessons/metrics/"))

    page.goto(f"{base}/modules/demo-basics/")
    page.click("text=入门小测")
    page.click("button:has-text('开始测验')")
    page.wait_for_url(re.compile(r"/attempts/\d+/$"))
    shot(page, "attempt-open-zh")
    page.check("label:has-text('因共同兴趣聚在一起') input")
    page.check("label:has-text('留存') input")
    page.check("label:has-text('转化') input")
    page.check("label:has-text('错误') input")
    page.click("button:has-text('提交答案')")

    score = page.locator("[data-testid=score]")
    score.wait_for()
    assert score.inner_text() == "100.00%"
    assert page.locator("text=共同点和持续互动缺一不可").count() == 1
    shot(page, "attempt-graded-zh")

    page.goto(f"{base}/progress/")
    assert "100.00%" in page.locator("table").inner_text()
