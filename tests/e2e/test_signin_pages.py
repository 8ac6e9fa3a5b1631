"""The sign-in pages in the browser, at both widths and in both languages: the site's header, a field's error
beside its field, nothing scrolls sideways; screenshots kept (var/screenshots/signin-*)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import DEVICES, LOCALES, shot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", LOCALES)
@pytest.mark.parametrize("device", DEVICES)
def test_signin_pages_look_like_the_site(browser, live_server, device, language):
    context = browser.new_context(locale=LOCALES[language], **DEVICES[device])
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    try:
        for name, path in [("login", "/accounts/login/"), ("reset", "/accounts/password/reset/")]:
            page.goto(live_server.url + path)
            assert page.locator("header .brand").is_visible()
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
            shot(page, f"signin-{name}-{device}-{language}")
        page.goto(live_server.url + "/accounts/signup/")
        page.fill("input[name=display_name]", "王小明")
        page.fill("input[name=email]", "new@example.com")
        page.fill("input[name=password1]", "Xk4!community-ops")
        page.fill("input[name=password2]", "something-else-42")
        page.click("form button[type=submit]")
        error = page.locator("#id_password2_error")
        assert error.is_visible()
        assert page.locator("#id_password2").get_attribute("aria-describedby") == "id_password2_error"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        shot(page, f"signin-signup-error-{device}-{language}")
    finally:
        context.close()
