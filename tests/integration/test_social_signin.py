"""Sign-in with 企业微信, 钉钉 and 飞书 (issue #18 part 1), end to end against a fake platform on 127.0.0.1.

The test client posts to the site's /accounts/<provider>/login/, follows the redirect to the fake's authorize
page with `requests` (the fake plays the browser's sign-in there and redirects back with a code), then brings
the callback URL back to the site, as a browser would.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.urls import reverse

from accounts.models import Role, User
from courses import manager_services
from courses.models import CohortMembership
from tests.fake_providers import WECOM, FakeProviders, FakeProviderServer, providers_settings
from trainingsite.settings import social_login_origins

pytestmark = pytest.mark.django_db

PROVIDERS = ["wecom", "dingtalk", "feishu"]
PASSWORD = "Xk4!community-ops"


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def fake(settings):
    callbacks = {p: f"http://testserver/accounts/{p}/login/callback/" for p in PROVIDERS}
    callbacks["oidc"] = "http://testserver/accounts/oidc/sso/login/callback/"
    with FakeProviderServer(FakeProviders(redirect_uris=callbacks)) as fake:
        settings.SOCIALACCOUNT_PROVIDERS = providers_settings(settings.SOCIALACCOUNT_PROVIDERS, fake.url)
        yield fake


@pytest.fixture
def trusted(settings, fake):
    """The operator trusts the company directory's addresses (VERIFIED_EMAIL)."""
    settings.SOCIALACCOUNT_PROVIDERS = providers_settings(
        settings.SOCIALACCOUNT_PROVIDERS, fake.url, verified_email=True
    )
    return fake


def login_url(provider: str) -> str:
    if provider == "oidc":
        return reverse("openid_connect_login", kwargs={"provider_id": "sso"})
    return reverse(f"{provider}_login")


def to_provider(client, provider: str, fake: FakeProviders) -> str:
    """Press the provider's button (POST, as the confirmation page does); return the fake's authorize URL."""
    start = client.post(login_url(provider))
    assert start.status_code == 302, start.content.decode()[:500]
    assert start["Location"].startswith(fake.url), start["Location"]
    return start["Location"]


def at_provider(authorize_url: str) -> str:
    """The platform's page: the member signs in and is sent back to the site's callback with a code."""
    back = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert back.status_code == 302, back.text
    assert back.headers["Location"].startswith("http://testserver/")
    return back.headers["Location"].removeprefix("http://testserver")


def sign_in_through(client, provider: str, fake: FakeProviders):
    return client.get(at_provider(to_provider(client, provider, fake)), follow=True)


def signed_in_user(client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def assert_refused(page, before_users: int) -> None:
    """A clear message on the site's page, nobody signed in, no account or link made."""
    html = page.content.decode()
    assert page.status_code == 401
    assert "第三方登录失败" in html or "Third-Party Login Failure" in html, html[:2000]
    assert 'class="brand"' in html
    assert "你没有登录，也没有任何改动" in html
    assert 'href="/accounts/login/"' in html
    assert "Traceback" not in html
    assert User.objects.count() == before_users
    assert not SocialAccount.objects.exists()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_first_sign_in_with_a_trusted_directory_address_makes_a_signed_in_recruit(client, trusted, provider):
    page = sign_in_through(client, provider, trusted)

    user = signed_in_user(client)
    assert user is not None, page.content.decode()[:2000]
    member = trusted.member[provider]
    assert user.role == Role.RECRUIT
    assert not user.is_staff
    assert not user.is_superuser
    assert user.display_name == (member.get("name") or member.get("nick"))
    assert user.email == member["email"]
    assert not user.has_usable_password()
    account = SocialAccount.objects.get(user=user)
    assert account.provider == provider
    assert EmailAddress.objects.get(user=user).verified
    assert page.redirect_chain[-1][0] == "/"

    # The second sign-in finds the same account: nobody new.
    client.logout()
    sign_in_through(client, provider, trusted)
    assert signed_in_user(client) == user
    assert User.objects.count() == 1


def test_wecom_uid_is_the_company_and_member_and_the_app_token_is_asked_for_once(client, trusted):
    sign_in_through(client, "wecom", trusted)
    client.logout()
    sign_in_through(client, "wecom", trusted)

    assert SocialAccount.objects.get().uid == f"{WECOM['corpid']}:zhangsan"
    assert trusted.log.count("GET /cgi-bin/gettoken") == 1  # cached, as 企业微信 asks
    assert trusted.log.count("GET /cgi-bin/auth/getuserinfo") == 2


def test_an_unverified_directory_address_makes_a_recruit_who_confirms_it_by_email(client, fake):
    sign_in_through(client, "wecom", fake)

    user = User.objects.get()
    assert user.role == Role.RECRUIT
    assert signed_in_user(client) is None  # mandatory verification, as for a password sign-up
    assert not EmailAddress.objects.get(user=user).verified
    assert mail.outbox
    assert mail.outbox[-1].to == [fake.member["wecom"]["email"]]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_provider_claiming_admin_or_manager_still_gives_a_recruit(client, trusted, provider):
    claims = {
        "role": "manager",
        "is_staff": True,
        "is_superuser": True,
        "isAdmin": True,
        "is_leader_in_dept": [1],
        "isleader": 1,
    }
    trusted.member[provider].update(claims)

    sign_in_through(client, provider, trusted)

    user = signed_in_user(client)
    assert user is not None
    assert (user.role, user.is_staff, user.is_superuser) == (Role.RECRUIT, False, False)
    assert not user.role_changes.exists()


def test_a_verified_address_links_the_existing_account(client, trusted, django_user_model):
    existing = django_user_model.objects.create_user(
        email="zhangsan@corp.example", password=PASSWORD, role=Role.TRAINER, display_name="老张"
    )
    EmailAddress.objects.create(user=existing, email=existing.email, verified=True, primary=True)

    sign_in_through(client, "wecom", trusted)

    assert signed_in_user(client) == existing
    assert User.objects.count() == 1
    account = SocialAccount.objects.get()
    assert account.user == existing
    existing.refresh_from_db()
    assert existing.role == Role.TRAINER  # linking keeps what the site granted
    assert existing.display_name == "老张"
    assert existing.check_password(PASSWORD)


def test_an_unverified_provider_address_never_links_an_existing_account(client, fake, django_user_model):
    existing = django_user_model.objects.create_user(email="zhangsan@corp.example", password=PASSWORD)
    EmailAddress.objects.create(user=existing, email=existing.email, verified=True, primary=True)

    page = sign_in_through(client, "wecom", fake)

    assert signed_in_user(client) is None
    assert User.objects.count() == 1
    assert not SocialAccount.objects.exists()
    existing.refresh_from_db()
    assert existing.check_password(PASSWORD)
    # allauth answers as for any sign-up (no telling a stranger the address has an account) and writes to
    # the address's owner instead.
    assert "验证你的Email地址" in page.content.decode()
    assert [(m.to, "账户已经存在" in m.subject) for m in mail.outbox] == [([existing.email], True)]


def test_a_verified_provider_address_never_links_an_account_that_never_confirmed_it(
    client, trusted, django_user_model
):
    # Someone signed up with the member's address and never confirmed it: they must not get the member in.
    squatter = django_user_model.objects.create_user(email="zhangsan@corp.example", password=PASSWORD)
    EmailAddress.objects.create(user=squatter, email=squatter.email, verified=False, primary=True)

    sign_in_through(client, "wecom", trusted)

    assert signed_in_user(client) != squatter
    assert not SocialAccount.objects.filter(user=squatter).exists()
    squatter.refresh_from_db()
    assert squatter.check_password(PASSWORD)


def test_a_tampered_state_is_refused(client, fake):
    callback = at_provider(to_provider(client, "wecom", fake))
    parts = urlparse(callback)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    query["state"] = query["state"][::-1] + "x"

    page = client.get(f"{parts.path}?{urlencode(query)}", follow=True)

    assert_refused(page, before_users=0)


def test_a_missing_state_is_refused(client, fake):
    callback = at_provider(to_provider(client, "feishu", fake))
    parts = urlparse(callback)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items() if k != "state"}

    assert_refused(client.get(f"{parts.path}?{urlencode(query)}", follow=True), before_users=0)


def test_a_callback_from_another_browser_session_is_refused(client, fake, django_user_model):
    callback = at_provider(to_provider(client, "dingtalk", fake))

    # An attacker sends their own callback link to a victim's browser (login CSRF): no state in that session.
    from django.test import Client

    victim = Client()
    calls = len(fake.log)
    assert_refused(victim.get(callback, follow=True), before_users=0)
    assert len(fake.log) == calls  # refused before asking the platform anything


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_replayed_callback_changes_nothing(client, trusted, provider):
    callback = at_provider(to_provider(client, provider, trusted))
    client.get(callback, follow=True)
    user = signed_in_user(client)
    assert user is not None
    client.logout()

    page = client.get(callback, follow=True)

    assert signed_in_user(client) is None
    assert User.objects.count() == 1
    assert SocialAccount.objects.count() == 1
    assert "第三方登录失败" in page.content.decode()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_reused_code_under_a_fresh_state_is_refused_by_the_platform(client, trusted, provider):
    used = parse_qs(urlparse(at_provider(to_provider(client, provider, trusted))).query)
    client.get(f"/accounts/{provider}/login/callback/?{urlencode({k: v[-1] for k, v in used.items()})}")
    client.logout()
    before = User.objects.count()

    # A new round trip, but the old code swapped in: the platform says the code is spent.
    fresh = parse_qs(urlparse(at_provider(to_provider(client, provider, trusted))).query)
    code_key = "authCode" if provider == "dingtalk" else "code"
    replay = {"state": fresh["state"][-1], code_key: used[code_key][-1]}
    page = client.get(f"/accounts/{provider}/login/callback/?{urlencode(replay)}", follow=True)

    assert signed_in_user(client) is None
    assert User.objects.count() == before
    assert "第三方登录失败" in page.content.decode()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_refusing_on_the_platform_cancels_cleanly(client, fake, provider):
    fake.refuse = True

    page = sign_in_through(client, provider, fake)

    html = page.content.decode()
    assert signed_in_user(client) is None
    assert not User.objects.exists()
    assert "取消" in html or "第三方登录失败" in html, html[:2000]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_wrong_secret_is_a_clear_failure(client, settings, fake, provider):
    settings.SOCIALACCOUNT_PROVIDERS[provider]["APPS"][0]["secret"] = "not-the-secret"

    assert_refused(sign_in_through(client, provider, fake), before_users=0)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_platform_that_is_down_is_a_clear_failure(client, settings, fake, provider, caplog):
    authorize = to_provider(client, provider, fake)
    callback = at_provider(authorize)
    with FakeProviderServer(FakeProviders(redirect_uris={})) as gone:
        dead = gone.url
    for key in ("API_URL", "BASE_URL"):
        if key in settings.SOCIALACCOUNT_PROVIDERS[provider]:
            settings.SOCIALACCOUNT_PROVIDERS[provider][key] = dead  # the server at that port has stopped

    assert_refused(client.get(callback, follow=True), before_users=0)
    assert "sign-in through" in caplog.text
    assert "secret" not in caplog.text.lower()  # 企业微信's gettoken URL carries it: never logged


def test_a_wecom_visitor_who_is_not_a_member_is_refused(client, fake):
    fake.member["wecom"] = {"name": "路人"}  # getuserinfo answers an openid, no userid

    assert_refused(sign_in_through(client, "wecom", fake), before_users=0)


def test_the_platform_refuses_an_unregistered_redirect_uri(client, fake):
    fake.redirect_uris["wecom"] = "https://elsewhere.example/accounts/wecom/login/callback/"

    answer = requests.get(to_provider(client, "wecom", fake), allow_redirects=False, timeout=5)

    assert answer.status_code == 400
    assert not User.objects.exists()


def test_the_buttons_show_only_for_configured_providers(client, settings, fake):
    page = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for provider, label in [("wecom", "企业微信"), ("dingtalk", "钉钉"), ("feishu", "飞书")]:
        assert f'href="/accounts/{provider}/login/' in page
        assert label in page
    assert 'href="/accounts/oidc/sso/login/' in page
    assert "Corp SSO" in page

    settings.SOCIALACCOUNT_PROVIDERS["dingtalk"]["APPS"] = []
    settings.SOCIALACCOUNT_PROVIDERS["feishu"]["APPS"] = []
    page = client.get(reverse("account_login")).content.decode()
    assert 'href="/accounts/wecom/login/' in page
    assert "/accounts/dingtalk/login/" not in page
    assert "/accounts/feishu/login/" not in page


def test_no_provider_configured_shows_no_buttons_and_the_login_view_is_404(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        name: {**conf, "APPS": []} for name, conf in settings.SOCIALACCOUNT_PROVIDERS.items()
    }

    page = client.get(reverse("account_login")).content.decode()

    assert "/accounts/wecom/login/" not in page
    assert "第三方" not in page
    assert client.post(reverse("wecom_login")).status_code == 404


def test_csp_form_action_allows_exactly_the_configured_platforms(settings, fake):
    providers = settings.SOCIALACCOUNT_PROVIDERS
    assert social_login_origins(providers) == [fake.url]

    providers["wecom"]["LOGIN_URL"] = "https://login.work.weixin.qq.com"
    providers["feishu"]["APPS"] = []
    assert social_login_origins(providers) == sorted([fake.url, "https://login.work.weixin.qq.com"])

    for conf in providers.values():
        conf["APPS"] = []
    assert social_login_origins(providers) == []


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("status", [500, 503])
def test_a_platform_answering_5xx_is_a_clear_failure(client, fake, provider, status):
    callback = at_provider(to_provider(client, provider, fake))
    fake.fail_with = status

    assert_refused(client.get(callback, follow=True), before_users=0)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_platform_that_times_out_is_a_clear_failure(client, settings, fake, provider):
    settings.SOCIALACCOUNT_REQUESTS_TIMEOUT = 0.5
    callback = at_provider(to_provider(client, provider, fake))
    fake.delay = 1.5

    assert_refused(client.get(callback, follow=True), before_users=0)


def test_oidc_with_a_verified_address_links_the_existing_account(client, fake, django_user_model):
    existing = django_user_model.objects.create_user(email="zhaoliu@corp.example", password=PASSWORD)
    EmailAddress.objects.create(user=existing, email=existing.email, verified=True, primary=True)

    page = sign_in_through(client, "oidc", fake)

    assert signed_in_user(client) == existing, page.content.decode()[:2000]
    assert SocialAccount.objects.get().provider == "sso"
    assert fake.log.count("POST /oidc/token") == 1


def test_oidc_without_email_verified_never_links(client, fake, django_user_model):
    existing = django_user_model.objects.create_user(email="zhaoliu@corp.example", password=PASSWORD)
    EmailAddress.objects.create(user=existing, email=existing.email, verified=True, primary=True)
    fake.member["oidc"].update(email_verified=False)

    sign_in_through(client, "oidc", fake)

    assert signed_in_user(client) is None
    assert not SocialAccount.objects.exists()
    assert User.objects.count() == 1


def test_oidc_first_sign_in_makes_a_recruit_and_a_replay_changes_nothing(client, fake):
    fake.member["oidc"].update(role="admin", groups=["managers"], is_staff=True)
    callback = at_provider(to_provider(client, "oidc", fake))
    client.get(callback, follow=True)
    user = signed_in_user(client)
    assert user is not None
    assert (user.role, user.display_name, user.email) == (Role.RECRUIT, "赵六", "zhaoliu@corp.example")
    assert not user.is_staff
    client.logout()

    page = client.get(callback, follow=True)

    assert signed_in_user(client) is None
    assert User.objects.count() == 1
    assert "第三方登录失败" in page.content.decode()


def test_oidc_pkce_is_checked_by_the_fake_as_a_real_provider_would(client, fake):
    # The code is bound to this sign-in's PKCE challenge: redeeming it with another verifier fails.
    callback = at_provider(to_provider(client, "oidc", fake))
    code = parse_qs(urlparse(callback).query)["code"][-1]
    answer = requests.post(
        f"{fake.url}/oidc/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": fake.redirect_uris["oidc"],
            "client_id": "oidc-fake-client",
            "client_secret": "oidc-client-secret",
            "code_verifier": "not-the-verifier-" + "x" * 30,
        },
        timeout=5,
    )
    assert answer.status_code == 400
    assert answer.json() == {"error": "invalid_grant"}

    page = client.get(callback, follow=True)  # the site's own redemption: the code is spent now
    assert signed_in_user(client) is None
    assert "第三方登录失败" in page.content.decode()


def test_a_member_without_an_address_gives_one_on_the_sign_up_form_and_becomes_a_recruit(client, trusted):
    del trusted.member["dingtalk"]["email"]

    page = sign_in_through(client, "dingtalk", trusted)

    assert page.redirect_chain[-1][0] == reverse("socialaccount_signup")
    html = page.content.decode()
    assert '<div class="form-narrow card signin">' in html
    assert 'name="email"' in html
    page = client.post(
        reverse("socialaccount_signup"), {"email": "lisi@elsewhere.example", "display_name": "李四"}
    )

    user = User.objects.get()
    assert (user.email, user.role, user.display_name) == ("lisi@elsewhere.example", Role.RECRUIT, "李四")
    assert SocialAccount.objects.get().user == user
    assert not EmailAddress.objects.get(user=user).verified  # an address the platform never vouched for
    assert mail.outbox[-1].to == ["lisi@elsewhere.example"]


@pytest.fixture
def open_invitation(client, settings, tmp_path):
    """A manager's cohort; ``open_invitation(email)`` invites the address and opens the link in ``client``."""
    from django.utils import timezone

    from tests.integration.test_invitations import invite
    from tests.integration.test_manager_helpers import make_course, make_user

    settings.SITE_ROOT = "https://academy.example.com"  # where test_invitations.invite reads the links
    manager = make_user("manager@example.com", Role.MANAGER, display_name="李经理")
    cohort = manager_services.cohort_create(
        acting_user=manager,
        name="2026 春季批次",
        course=make_course(tmp_path / "content", modules=2),
        start_date=timezone.localdate(),
    )

    def opened(email: str):
        (token,) = invite(manager, cohort, email)
        client.get(reverse("invitation_open", args=[token]))
        return cohort

    return opened


def test_an_invited_member_signs_in_with_the_platform_and_joins_the_cohort(client, fake, open_invitation):
    cohort = open_invitation("zhangsan@corp.example")

    # The directory's address is not trusted on its own (fake, not trusted), but it is the invited one.
    sign_in_through(client, "wecom", fake)

    user = signed_in_user(client)
    assert user is not None
    assert user.email == "zhangsan@corp.example"
    assert user.role == Role.RECRUIT
    assert CohortMembership.objects.filter(cohort=cohort, user=user).exists()


def test_an_invitation_for_another_address_verifies_nothing(client, fake, open_invitation):
    open_invitation("someone.else@corp.example")

    sign_in_through(client, "wecom", fake)

    assert signed_in_user(client) is None
    user = User.objects.get(email="zhangsan@corp.example")
    assert not EmailAddress.objects.get(user=user).verified
    assert not CohortMembership.objects.filter(user=user).exists()


def test_starting_sign_ins_counts_against_the_login_limit(client, settings, fake):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    for _ in range(3):
        to_provider(client, "wecom", fake)

    refused = client.post(reverse("wecom_login"))

    assert refused.status_code == 429
    assert "Location" not in refused
    assert client.post(reverse("wecom_login"), REMOTE_ADDR="10.0.0.2").status_code == 302  # per address


def test_a_verified_address_never_opens_an_admin_account(client, trusted, django_user_model):
    admin = django_user_model.objects.create_superuser(email="zhangsan@corp.example", password=PASSWORD)
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)

    sign_in_through(client, "wecom", trusted)

    assert signed_in_user(client) is None
    assert not SocialAccount.objects.exists()
    admin.refresh_from_db()
    assert admin.check_password(PASSWORD)


def test_the_connections_page_lists_the_linked_platform(client, trusted):
    sign_in_through(client, "wecom", trusted)

    page = client.get(reverse("socialaccount_connections"), HTTP_ACCEPT_LANGUAGE="zh-hans")

    html = page.content.decode()
    assert page.status_code == 200
    assert 'class="brand"' in html
    assert "企业微信" in html
    assert "张三" in html  # the account, named as the directory names the member
