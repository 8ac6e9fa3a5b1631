"""Settings read from the environment: defaults need no services; production mode passes check --deploy."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from trainingsite.settings import database_from_url


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "DATABASE_URL",
            "REDIS_URL",
            "DEBUG",
            "SECRET_KEY",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "DJANGO_SETTINGS_MODULE",
        )
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_mode_passes_check_deploy_with_no_warnings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="False",
        SECRET_KEY="k" * 20 + "-Zq8#pL2$wX9!mN4%tR7&yB1*cV6^hJ3",
        ALLOWED_HOSTS="training.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DEBUG="False")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_is_off_by_default_and_the_development_key_is_refused_then():
    from trainingsite.settings import DEVELOPMENT_SECRET_KEY

    for env in (
        {},
        {"SECRET_KEY": DEVELOPMENT_SECRET_KEY},
        {"DEBUG": "False", "SECRET_KEY": DEVELOPMENT_SECRET_KEY},
    ):
        result = run_manage("check", **env)
        assert result.returncode != 0, env
        assert "SECRET_KEY must be set (not the development key) when DEBUG is off" in result.stderr
    code = "from django.conf import settings as s; print(s.DEBUG)"
    result = run_manage(
        "shell", "--no-imports", "-c", code, SECRET_KEY="k" * 20 + "-Zq8#pL2$wX9!mN4%tR7&yB1*"
    )
    assert result.stdout.split() == ["False"], result.stderr


def test_scripts_setup_turns_debug_on_for_the_local_server():
    setup = (ROOT / "scripts" / "setup").read_text()
    assert 'export DEBUG="${DEBUG:-True}"' in setup
    assert setup.index("export DEBUG") < setup.index("manage.py migrate")


def test_default_mode_uses_sqlite_and_eager_tasks():
    code = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER)"
    )
    result = run_manage("shell", "--no-imports", "-c", code, DEBUG="True")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True"]


def test_redis_url_switches_celery_to_the_broker():
    code = "from django.conf import settings as s; print(s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER)"
    result = run_manage(
        "shell", "--no-imports", "-c", code, REDIS_URL="redis://127.0.0.1:6379/3", DEBUG="True"
    )
    assert result.stdout.split() == ["redis://127.0.0.1:6379/3", "False"]


def test_database_url_is_parsed_for_postgres():
    db = database_from_url("postgres://app:s%40cret@db.internal:6543/training?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "app",
        "s@cret",
        "db.internal",
        "6543",
        "training",
    )
    assert db["OPTIONS"]["sslmode"] == "require"


def test_database_url_must_be_postgres():
    with pytest.raises(Exception, match="postgres://"):
        database_from_url("mysql://root@localhost/db")


def test_the_cache_is_redis_with_redis_url_else_the_database_and_the_proxy_is_configurable():
    code = (
        "from django.conf import settings as s; "
        "print(s.CACHES['default']['BACKEND'], s.ALLAUTH_TRUSTED_PROXY_COUNT, "
        "s.ALLAUTH_TRUSTED_CLIENT_IP_HEADER)"
    )
    plain = run_manage("shell", "--no-imports", "-c", code, DEBUG="True")
    assert plain.stdout.split() == ["django.core.cache.backends.db.DatabaseCache", "0", "None"]
    behind = run_manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        REDIS_URL="redis://127.0.0.1:6379/3",
        TRUSTED_PROXY_COUNT="1",
        TRUSTED_CLIENT_IP_HEADER="X-Real-IP",
        DEBUG="True",
    )
    assert behind.stdout.split() == ["django.core.cache.backends.redis.RedisCache", "1", "X-Real-IP"]
