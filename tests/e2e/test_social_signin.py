"""Sign-in with a work platform in Chromium, against the fake platform on 127.0.0.1 (tests/fake_providers.py):
the buttons on the sign-in page (axe-clean, no sideways scroll, screenshots var/screenshots/signin-social-*),
and a whole 企业微信 sign-in through the site's Content-Security-Policy."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from csp.constants import SELF

from accounts.models import Role, User
from tests.e2e.conftest import DEVICES, LOCALES, shot
from tests.fake_providers import FakeProviders, FakeProviderServer, providers_settings
from trainingsite.settings import social_login_origins

pytestmark = pytest.mark.django_db(transaction=True)

BLOCKING = {"critical", "serious"}


@pytest.fixture
def fake(settings, live_server):
    callbacks = {
        p: f"{live_server.url}/accounts/{p}/login/callback/" for p in ("wecom", "dingtalk", "feishu")
    }
    with FakeProviderServer(FakeProviders(redirect_uris=callbacks)) as fake:
        providers = providers_settings(settings.SOCIALACCOUNT_PROVIDERS, fake.url, verified_email=True)
        settings.SOCIALACCOUNT_PROVIDERS = providers
        # What trainingsite/settings.py does with the environment's providers at start-up.
        directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
        directives["form-action"] = [SELF, *social_login_origins(providers)]
        settings.CONTENT_SECURITY_POLICY = {**settings.CONTENT_SECURITY_POLICY, "DIRECTIVES": directives}
        yield fake


@pytest.mark.parametrize("language", LOCALES)
@pytest.mark.parametrize("device", DEVICES)
def test_the_sign_in_page_offers_the_configured_platforms(browser, live_server, fake, device, language):
    context = browser.new_context(locale=LOCALES[language], **DEVICES[device])
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    try:
        page.goto(live_server.url + "/accounts/login/")
        labels = {"zh-hans": ["企业微信", "钉钉", "飞书"], "en": ["WeCom", "DingTalk", "Feishu"]}[language]
        for provider, label in zip(["wecom", "dingtalk", "feishu"], labels, strict=True):
            button = page.locator(f"a.provider-{provider}")
            assert button.is_visible()
            assert button.inner_text().strip() == label
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in BLOCKING]
        assert not violations, [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]
        shot(page, f"signin-social-{device}-{language}")
    finally:
        context.close()


def test_a_wecom_member_signs_in_through_the_platform_in_the_browser(page, live_server, fake):
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security" in message.text else None,
    )

    page.goto(live_server.url + "/accounts/login/")
    page.click("a.provider-wecom")
    # allauth's confirmation page: the sign-in starts with a POST, whose redirect CSP form-action must allow.
    assert "企业微信" in page.locator("main").inner_text()
    shot(page, "signin-social-confirm")
    page.click("main form button[type=submit]")
    page.wait_for_url(live_server.url + "/")

    user = User.objects.get()
    assert (user.email, user.display_name, user.role) == ("zhangsan@corp.example", "张三", Role.RECRUIT)
    assert "张三" in page.locator("header").inner_text()
    assert fake.log[:1] == ["GET /wwlogin/sso/login"]
    assert not refused, refused
    shot(page, "signin-social-done")


def test_without_the_platform_in_form_action_the_browser_stops_the_sign_in(page, settings, live_server, fake):
    # Why settings.py adds the platforms' hosts to form-action: Chromium enforces it on the POST's redirect.
    directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    directives["form-action"] = [SELF]
    settings.CONTENT_SECURITY_POLICY = {**settings.CONTENT_SECURITY_POLICY, "DIRECTIVES": directives}

    page.goto(live_server.url + "/accounts/wecom/login/")
    page.click("main form button[type=submit]")
    page.wait_for_timeout(1500)

    assert "GET /wwlogin/sso/login" not in fake.log
    assert not User.objects.exists()


def test_a_forged_callback_shows_the_failure_page(page, live_server, fake):
    response = page.goto(live_server.url + "/accounts/wecom/login/callback/?code=forged&state=forged")

    assert response.status == 401
    assert page.locator("main h1").inner_text().strip() == "第三方登录失败"
    assert page.locator("main a.button").get_attribute("href") == "/accounts/login/"
    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in BLOCKING]
    assert not violations, [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]
    assert fake.log == []  # nothing was asked of the platform
    assert not User.objects.exists()
    shot(page, "signin-social-failed")
