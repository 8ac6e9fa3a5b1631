"""Login rate limits: counted per (client address, account) so a stranger cannot lock out a known user, read
the client address through the configured trusted proxy, and kept in a cache every web process shares."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from tests.conftest import ROOT
from trainingsite.settings import cache_from_url

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed login attempts"
RIGHT = "pw-recruit-123"


@pytest.fixture
def verified(recruit):
    recruit.emailaddress_set.create(email=recruit.email, verified=True, primary=True)
    cache.clear()
    yield recruit
    cache.clear()


def login(client, email: str, password: str, **meta):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, HTTP_ACCEPT_LANGUAGE="en", **meta
    )


def test_the_cache_is_shared_not_per_process_memory(settings):
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    cache.set("shared-check", 1)  # the table exists in the test database (accounts migration 0004)
    assert cache.get("shared-check") == 1


def test_a_strangers_failures_do_not_lock_the_owner_out(client, verified):
    for _ in range(5):
        assert (
            LOCKED not in login(client, verified.email, "wrong", REMOTE_ADDR="203.0.113.9").content.decode()
        )
    assert LOCKED in login(client, verified.email, RIGHT, REMOTE_ADDR="203.0.113.9").content.decode()
    owner = client.__class__()
    response = login(owner, verified.email, RIGHT, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302
    assert str(verified.pk) == owner.session["_auth_user_id"]


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_behind_the_load_balancer_each_client_has_its_own_limit(client, verified):
    balancer = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(5):
        login(client, verified.email, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.9", **balancer)
    assert (
        LOCKED
        in login(
            client, verified.email, RIGHT, HTTP_X_FORWARDED_FOR="203.0.113.9", **balancer
        ).content.decode()
    )
    # A forged X-Forwarded-For entry in front of the balancer's own changes nothing.
    forged = "1.1.1.1, 203.0.113.9"
    assert (
        LOCKED
        in login(client, verified.email, RIGHT, HTTP_X_FORWARDED_FOR=forged, **balancer).content.decode()
    )
    owner = client.__class__()
    response = login(owner, verified.email, RIGHT, HTTP_X_FORWARDED_FOR="198.51.100.7", **balancer)
    assert response.status_code == 302


def test_the_per_address_limit_counts_across_accounts(client, verified):
    for n in range(10):
        login(client, f"guess-{n}@example.com", "wrong", REMOTE_ADDR="203.0.113.50")
    assert LOCKED in login(client, verified.email, RIGHT, REMOTE_ADDR="203.0.113.50").content.decode()


@pytest.mark.services
def test_with_redis_the_limit_is_shared_by_every_web_process(client, verified, redis_url):
    """Failures counted by this process are seen by another process (a fresh interpreter) through Redis."""
    import redis

    shared = cache_from_url(redis_url)
    server = redis.Redis.from_url(redis_url)

    def forget() -> None:  # only the cache's keys: the Redis database may also be a test broker's
        for stale in server.scan_iter("trainingsite-cache:*"):
            server.delete(stale)

    with override_settings(CACHES={"default": shared}):
        forget()
        try:
            for _ in range(5):
                login(client, verified.email, "wrong", REMOTE_ADDR="203.0.113.77")
            keys = [k.decode() for k in server.scan_iter("trainingsite-cache:*")]
            (key,) = [k for k in keys if "login_failed" in k and "5/300" in k and not k.endswith(":lock")]
            raw_key = key.split(":", 2)[2]  # the key without Django's prefix and version
            code = f"from django.core.cache import cache; print(len(cache.get({raw_key!r}) or []))"
            other = subprocess.run(
                [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
                cwd=ROOT,
                env={"PATH": "/usr/bin:/bin", "REDIS_URL": redis_url, "HOME": str(ROOT), "DEBUG": "True"},
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert other.returncode == 0, other.stderr
            assert other.stdout.split()[-1] == "5"
            assert LOCKED in login(client, verified.email, RIGHT, REMOTE_ADDR="203.0.113.77").content.decode()
        finally:
            forget()


# Fast hashing: hashing is not under test here.
@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
def test_a_whole_cohort_behind_one_office_address_signs_in_at_nine(client, django_user_model):
    """An office NAT shows every recruit with one address: 60 sign-ins in a minute all succeed (allauth's
    default of 30 successful logins a minute per address would turn the 31st away with a 429)."""
    cache.clear()
    for n in range(60):
        person = django_user_model.objects.create_user(email=f"cohort-{n}@example.com", password=RIGHT)
        person.emailaddress_set.create(email=person.email, verified=True, primary=True)
        browser = client.__class__()
        response = login(browser, person.email, RIGHT, REMOTE_ADDR="203.0.113.77")
        assert response.status_code == 302, (n, response.status_code)
        assert browser.session["_auth_user_id"] == str(person.pk)
    cache.clear()
