"""Sign-in, sign-up, reset and verification pages and their emails carry the site's look and tone (你, 登录),
errors sit by their field, sign-up asks for a display name, and email links use the host the site is served
on.
"""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "Xk4!community-ops"
WRONG_TONE = re.compile("您|登入|登陆")


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def verified(django_user_model):
    user = django_user_model.objects.create_user(email="member@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def signup(client, **data):
    fields = {
        "email": "new@example.com",
        "display_name": "王小明",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    return client.post(reverse("account_signup"), {**fields, **data})


def reset_link(client, email: str, host: str = "testserver") -> str:
    client.post(reverse("account_reset_password"), {"email": email}, HTTP_HOST=host)
    return re.search(r"https?://\S+/accounts/password/reset/key/\S+/", mail.outbox[-1].body).group(0)


def assert_site_look(html: str) -> None:
    assert 'class="brand"' in html  # the site's header, not allauth's bare page
    assert "社群运营学院" in html
    assert '<div class="form-narrow card signin">' in html  # the sign-in layout's card around the form
    found = WRONG_TONE.findall(html)
    assert not found, found


def test_every_signin_page_has_the_sites_header_and_tone(client, verified):
    pages = [
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
        reverse("account_reset_password_done"),
        reverse("account_email_verification_sent"),
    ]
    for url in pages:
        assert_site_look(client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode())

    link = reset_link(client, verified.email)
    page = client.get(link, follow=True)
    assert "password" in page.content.decode()
    assert_site_look(page.content.decode())

    # A wrong password: allauth's own message, in our tone.
    page = client.post(reverse("account_login"), {"login": verified.email, "password": "wrong"})
    assert "你" in page.content.decode()
    assert_site_look(page.content.decode())

    client.force_login(verified)
    for url in [reverse("account_email"), reverse("account_logout"), reverse("account_change_password")]:
        assert_site_look(client.get(url).content.decode())


def test_signin_emails_speak_in_our_tone_with_the_sites_name(client, verified, settings):
    signup(client)
    reset_link(client, verified.email)
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        text = message.subject + message.body
        assert not WRONG_TONE.findall(text), text
        assert message.subject.startswith(f"[{settings.SITE_NAME}] ")
        assert f"你好，这里是{settings.SITE_NAME}。" in message.body
        assert "testserver\n" not in message.body  # signed with the name, not the host


def test_a_field_error_sits_by_its_field(client):
    page = signup(client, password2="something-else-42").content.decode()
    field = re.search(r'<p class="field has-error">(.*?)</p>', page, re.S).group(1)
    assert 'name="password2"' in field
    assert 'aria-describedby="id_password2_error"' in field
    assert 'aria-invalid="true"' in field
    assert re.search(r'<span class="errorlist" id="id_password2_error">[^<]+</span>', field)
    assert not User.objects.exists()


def test_a_wrong_password_is_a_form_error_on_top(client, verified):
    page = client.post(
        reverse("account_login"), {"login": verified.email, "password": "wrong"}
    ).content.decode()
    top = page.index('role="alert"')
    assert top < page.index('name="login"')


def test_signup_stores_the_trimmed_display_name(client):
    assert signup(client, display_name="  王小明  ").status_code == 302
    assert User.objects.get(email="new@example.com").display_name == "王小明"


@pytest.mark.parametrize("name", ["", "   ", "王" * 81, "王\x00小明"])
def test_signup_refuses_a_missing_long_or_nul_display_name(client, name):
    page = signup(client, display_name=name)
    assert page.status_code == 200
    assert 'id="id_display_name_error"' in page.content.decode()
    assert not User.objects.exists()


def test_the_reset_link_uses_the_host_the_site_is_served_on(client, verified, settings):
    settings.ALLOWED_HOSTS = ["academy.example.org"]
    link = reset_link(client, verified.email, host="academy.example.org")
    assert link.startswith("http://academy.example.org/accounts/password/reset/key/")


def test_the_verification_link_uses_the_host_the_site_is_served_on(client, settings):
    settings.ALLOWED_HOSTS = ["academy.example.org"]
    client.post(
        reverse("account_signup"),
        {"email": "new@example.com", "display_name": "王小明", "password1": PASSWORD, "password2": PASSWORD},
        HTTP_HOST="academy.example.org",
    )
    assert "http://academy.example.org/accounts/confirm-email/" in mail.outbox[-1].body
