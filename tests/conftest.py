"""Shared fixtures: content, users, and the real services (PostgreSQL, Redis, a celery worker process).

Service-backed tests skip with a message on a machine without the services, and fail instead when CI=true.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def shared_fixtures(name: str) -> Path:
    """Third-party test data is read from ../shared/fixtures, never copied into the project.

    ``SHARED_FIXTURES`` overrides; a clone outside /work/main (CI's temporary folder) falls back to
    /work/shared/fixtures. A missing folder makes the tests that need it fail, not skip.
    """
    candidates = [Path(os.environ["SHARED_FIXTURES"])] if os.environ.get("SHARED_FIXTURES") else []
    candidates += [ROOT.parent / "shared" / "fixtures", Path("/work/shared/fixtures")]
    for folder in candidates:
        if (folder / name).is_dir():
            return folder / name
    return candidates[0] / name


FIXTURE_CONTENT = ROOT / "tests" / "fixtures" / "content"
FIXTURE_DRILLS = ROOT / "tests" / "fixtures" / "drills"
IN_CI = os.getenv("CI", "").lower() == "true"
TEST_REDIS_URL = os.getenv("TEST_REDIS_URL", "")
HOW_TO_START = (
    "start PostgreSQL and Redis (see ../shared/SERVICES.md or `apt-get install postgresql redis-server`) "
    "and run `bash scripts/test`, which points DATABASE_URL and TEST_REDIS_URL at them"
)


def unavailable(reason: str) -> None:
    """Skip, or fail in CI, naming what is missing and how to start it."""
    message = f"{reason}: {HOW_TO_START}"
    if IN_CI:
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def require_postgres() -> None:
    if connection.vendor != "postgresql":
        unavailable("these tests need PostgreSQL (DATABASE_URL is not a postgres:// URL)")


def _redis_ping(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> str:
    if not TEST_REDIS_URL:
        unavailable("these tests need Redis (TEST_REDIS_URL is unset)")
    if not _redis_ping(TEST_REDIS_URL):
        unavailable(f"Redis does not answer at {TEST_REDIS_URL}")
    return TEST_REDIS_URL


def database_url_for_test_db() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class WorkerProcess:
    """A real ``celery worker`` in its own process, against the test database and the test Redis."""

    def __init__(self, broker_url: str, db_url: str, log: Path, concurrency: int = 1) -> None:
        self.broker_url = broker_url
        self.db_url = db_url
        self.log = log
        self.concurrency = concurrency
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": self.db_url,
            "REDIS_URL": self.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "False",
            "DB_TEST_NAME": "",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        cmd = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "trainingsite",
            "worker",
            "--loglevel=INFO",
            f"--concurrency={self.concurrency}",
            "--pool=prefork",
            "-Q",
            "grading,notifications,reports",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"test-{os.getpid()}-{time.monotonic_ns()}@%h",
        ]
        self.logfile = self.log.open("w")
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=self.logfile, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"celery worker exited early:\n{self.log.read_text()[-3000:]}")
            if "ready." in self.log.read_text():
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"celery worker not ready after {timeout}s:\n{self.log.read_text()[-3000:]}")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.logfile.close()


def _reset_producer_pool(app) -> None:
    """Drop pooled broker connections so the next send connects to the (new) broker_url.

    The app's pool is also an entry of kombu's global registry: closing it there too (``pools.reset``)
    keeps a later in-process (eager) send from acquiring the closed pool again.
    """
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def celery_worker_process(require_postgres, redis_url, transactional_db, tmp_path) -> Iterator[WorkerProcess]:
    """Start a real worker for one test; the test process sends tasks through Redis, not in-process."""
    import redis

    from trainingsite.celery import app

    redis.Redis.from_url(redis_url).flushdb()
    old = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = redis_url
    _reset_producer_pool(app)
    worker = WorkerProcess(redis_url, database_url_for_test_db(), tmp_path / "worker.log")
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
        app.conf.task_always_eager, app.conf.broker_url = old
        _reset_producer_pool(app)


def wait_for(predicate, timeout: float = 30, interval: float = 0.1):
    """Poll ``predicate`` until it returns something truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout}s")


@pytest.fixture
def content_tree():
    from courses.authoring.loader import load_tree

    tree = load_tree(FIXTURE_CONTENT)
    assert not tree.errors, tree.errors
    return tree


@pytest.fixture
def imported(db, content_tree):
    from courses.services import content_import

    content_import(tree=content_tree)
    from courses.models import Module

    return Module.objects.get(slug="demo-basics")


@pytest.fixture
def drill_module(db):
    """The fixture module with one drill of each kind (tests/fixtures/drills), imported."""
    from courses.authoring.loader import load_tree
    from courses.models import Module
    from courses.services import content_import

    tree = load_tree(FIXTURE_DRILLS)
    assert not tree.errors, tree.errors
    content_import(tree=tree)
    return Module.objects.get(slug="drills-demo")


@pytest.fixture
def trainer(db, django_user_model):
    return django_user_model.objects.create_user(
        email="trainer@example.com", password="pw-trainer-1", role="trainer"
    )


@pytest.fixture
def recruit(db, django_user_model):
    return django_user_model.objects.create_user(email="recruit@example.com", password="pw-recruit-123")


@pytest.fixture
def other_recruit(db, django_user_model):
    return django_user_model.objects.create_user(email="other@example.com", password="pw-other-123")


@pytest.fixture
def recruit_client(client, recruit):
    client.force_login(recruit)
    return client


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    """allauth's rate limits live in the cache (the database's cache table in tests); each test that uses the
    database starts with none used. A test without the database cannot reach the cache."""
    from django.core.cache import cache

    names = set(request.fixturenames)
    if not (request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & names):
        yield
        return
    if not request.node.get_closest_marker("django_db"):
        request.getfixturevalue("transactional_db" if "transactional_db" in names else "db")
    cache.clear()
    yield
    cache.clear()
