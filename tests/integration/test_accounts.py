"""Sign-up makes a recruit, email verification gates login, roles are granted by admins only, with audit."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import Role, RoleChange, User

pytestmark = pytest.mark.django_db


def signup(client, email="new@example.com", role_field=None):
    data = {
        "email": email,
        "display_name": "新同事",
        "password1": "Xk4!community-ops",
        "password2": "Xk4!community-ops",
    }
    if role_field:
        data["role"] = role_field
    return client.post(reverse("account_signup"), data)


def test_signup_makes_an_unverified_recruit_and_sends_a_verification_email(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = signup(client, role_field="manager")  # a tampered extra field changes nothing
    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert user.role == Role.RECRUIT
    assert len(mail.outbox) == 1
    assert "confirm-email" in mail.outbox[0].body
    assert not user.emailaddress_set.get().verified


def test_verifying_the_email_logs_the_recruit_in(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    signup(client)
    link = re.search(r"/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    response = client.post(link)
    assert response.status_code == 302
    assert User.objects.get(email="new@example.com").emailaddress_set.get().verified
    assert client.get(reverse("progress")).status_code == 200


def test_unverified_user_cannot_log_in(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    signup(client)
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "new@example.com", "password": "Xk4!community-ops"}
    )
    assert response.status_code == 302
    assert "confirm-email" in response.url


def test_grant_role_command_changes_role_and_writes_audit(recruit):
    call_command("grant_role", recruit.email, "trainer")
    recruit.refresh_from_db()
    assert recruit.role == Role.TRAINER
    change = RoleChange.objects.get(user=recruit)
    assert (change.old_role, change.new_role) == (Role.RECRUIT, Role.TRAINER)


def test_grant_role_for_unknown_email_fails_clearly(db):
    with pytest.raises(CommandError, match="no user with email"):
        call_command("grant_role", "nobody@example.com", "manager")


def test_login_is_rate_limited_per_account(client, recruit):
    recruit.emailaddress_set.create(email=recruit.email, verified=True, primary=True)
    for _ in range(5):
        page = client.post(
            reverse("account_login"), {"login": recruit.email, "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en"
        )
        assert "Too many failed login attempts" not in page.content.decode()
    # The sixth try within five minutes is refused even with the right password.
    page = client.post(
        reverse("account_login"),
        {"login": recruit.email, "password": "pw-recruit-123"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert page.status_code == 200
    assert "Too many failed login attempts" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_seed_demo_creates_one_verified_account_per_role(db):
    call_command("seed_demo")
    call_command("seed_demo")
    roles = dict(User.objects.values_list("email", "role"))
    assert roles["recruit@demo.local"] == Role.RECRUIT
    assert roles["trainer@demo.local"] == Role.TRAINER
    assert roles["manager@demo.local"] == Role.MANAGER
    assert User.objects.get(email="admin@demo.local").is_superuser
    assert all(u.emailaddress_set.get().verified for u in User.objects.all())
