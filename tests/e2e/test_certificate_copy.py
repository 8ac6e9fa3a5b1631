"""The certificate page copies its public link with a button (our own static JS under the strict CSP)."""

from __future__ import annotations

import pytest

from certificates.badges import verify_url
from certificates.models import Certificate
from courses.models import Course, Level
from tests.e2e.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {"zh-hans": ("复制链接", "链接已复制。"), "en": ("Copy link", "Link copied.")}


@pytest.mark.parametrize(("device", "language"), [("desktop", "zh-hans"), ("phone", "en")])
def test_the_copy_button_puts_the_public_link_on_the_clipboard(
    signed_in_as, live_server, recruit, device, language
):
    course = Course.objects.create(
        slug="copy-track", title="复制测试路径", title_en="Copy track", level=Level.JUNIOR
    )
    certificate = Certificate.objects.create(user=recruit, course=course, level=Level.JUNIOR)
    page = signed_in_as(recruit, device=device, language=language)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/certificates/{certificate.code}/")
    label, done = WORDS[language]
    page.get_by_role("button", name=label).click()
    page.get_by_role("status").filter(has_text=done).wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#verify-url").input_value()
    assert copied.endswith(f"/verify/{certificate.code}/")
    assert verify_url(certificate.code).endswith(f"/verify/{certificate.code}/")
    assert not [e for e in errors if "Content Security Policy" in e]
    shot(page, f"certificate-copy-{device}-{language}")
