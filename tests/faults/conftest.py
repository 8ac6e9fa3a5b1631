"""Parts for the fault tests: a private Redis the test may restart, a PostgreSQL proxy it may cut, workers,
beat and gunicorn as real processes, and bulk-made submitted attempts. Every process is started here, on
127.0.0.1, and stopped by its pid."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from tests.conftest import ROOT, WorkerProcess, database_url_for_test_db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, interval: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"{what}: not within {timeout}s")


def wait_while_progressing(count, target: int, what: str, stall: float = 30, cap: float = 300) -> None:
    """Wait until ``count()`` reaches ``target``; fail when it stops moving for ``stall`` seconds.

    A busy shared machine may grade slowly, which is not what these tests check; a pipeline that lost work
    stops moving, which is. ``cap`` still bounds the wait.
    """
    started = last_change = time.monotonic()
    last = count()
    while last != target:
        now = time.monotonic()
        if now - last_change > stall:
            pytest.fail(f"{what}: stuck at {last} of {target} for {stall:.0f}s")
        if now - started > cap:
            pytest.fail(f"{what}: {last} of {target} after {cap:.0f}s")
        time.sleep(0.25)
        value = count()
        if value != last:
            last, last_change = value, time.monotonic()


@contextlib.contextmanager
def environ(**env: str) -> Iterator[None]:
    """Set environment variables while a child process is spawned (Popen copies the environment)."""
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# Redis ------------------------------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of the test's own on a free port, so restarting it disturbs nobody else."""

    def __init__(self, directory: Path, appendonly: bool) -> None:
        self.port = free_port()
        self.dir = directory
        self.appendonly = appendonly
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis

        return redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=5)

    def start(self) -> None:
        cmd = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.dir),
            "--save",
            "",
            "--appendonly",
            "yes" if self.appendonly else "no",
            "--appendfsync",
            "everysec",
            "--maxmemory-policy",
            "noeviction",
            "--logfile",
            str(self.dir / "redis.log"),
        ]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_until(self._pings, 10, f"redis-server on port {self.port}")

    def _pings(self) -> bool:
        import redis

        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """SIGTERM: a clean shutdown (the AOF is flushed). SIGKILL: a crash."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def restart(self, sig: int = signal.SIGTERM) -> None:
        self.stop(sig)
        self.start()

    def queued(self, queue: str = "grading") -> int:
        return self.client().llen(queue)


@pytest.fixture
def private_redis(tmp_path) -> Iterator[callable]:
    servers: list[RedisServer] = []

    def make(appendonly: bool) -> RedisServer:
        directory = tmp_path / f"redis-{len(servers)}"
        directory.mkdir()
        server = RedisServer(directory, appendonly)
        servers.append(server)
        server.start()
        return server

    yield make
    for server in servers:
        server.stop(signal.SIGKILL)


@pytest.fixture
def send_to(require_postgres, transactional_db) -> Iterator[callable]:
    """Point this process's task sends at a broker URL (a private Redis, or a closed port)."""
    from trainingsite.celery import app

    old = (app.conf.task_always_eager, app.conf.broker_url)

    def forget_pools() -> None:
        # Drop the app's references only. kombu keeps one pool per broker URL for the whole process, and
        # closing one would break every later send to that URL (the default broker's included).
        app._pool = None
        app.amqp._producer_pool = None

    def point(url: str) -> None:
        app.conf.task_always_eager = False
        app.conf.broker_url = url
        forget_pools()

    yield point
    app.conf.task_always_eager, app.conf.broker_url = old
    forget_pools()


# PostgreSQL proxy -------------------------------------------------------------------------------------------


class PgProxy:
    """A TCP forwarder to PostgreSQL that the test can cut (refuse and drop every connection) and restore.

    The real server keeps running; only the processes pointed at the proxy lose their database.
    """

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.listener: socket.socket | None = None
        self.conns: set[socket.socket] = set()
        self.lock = threading.Lock()

    def start(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(64)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.conns.update((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
            with self.lock:
                self.conns.discard(src)
                self.conns.discard(dst)

    def cut(self) -> None:
        """The database becomes unreachable: new connections are refused, open ones are reset."""
        if self.listener is not None:
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            self.listener.close()
            self.listener = None
        with self.lock:
            conns = list(self.conns)
        for s in conns:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        self.start()

    def database_url(self) -> str:
        direct = database_url_for_test_db()
        head, _, tail = direct.rpartition("@")
        return f"{head}@127.0.0.1:{self.port}/{tail.split('/', 1)[1]}"


@pytest.fixture
def pg_proxy(require_postgres, transactional_db) -> Iterator[PgProxy]:
    from django.db import connection

    s = connection.settings_dict
    proxy = PgProxy((s["HOST"] or "127.0.0.1", int(s["PORT"] or 5432)))
    proxy.start()
    yield proxy
    proxy.cut()


# Workers, beat, gunicorn ------------------------------------------------------------------------------------


class QueueWorker(WorkerProcess):
    """``WorkerProcess`` on chosen queues (the bulk tests leave the certificate checks they cause queued)."""

    def __init__(self, *args, queues: str, include: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.queues = queues
        self.include = include

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
        cmd = [sys.executable, "-m", "celery", "-A", "trainingsite", "worker", "--loglevel=INFO"]
        cmd += [f"--concurrency={self.concurrency}", "--pool=prefork", "-Q", self.queues]
        cmd += ["--without-gossip", "--without-mingle", "-n", f"fault-{os.getpid()}-{time.monotonic_ns()}@%h"]
        if self.include:
            cmd += ["--include", self.include]
        self.logfile = self.log.open("w")
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=self.logfile, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_until(self._ready, timeout, "celery worker ready")

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            pytest.fail(f"celery worker exited early:\n{self.log.read_text()[-3000:]}")
        return "ready." in self.log.read_text()


@pytest.fixture
def workers(require_postgres, transactional_db, tmp_path) -> Iterator[callable]:
    """Start real ``celery worker`` processes on a broker, with extra environment; all stopped at the end."""
    started: list[WorkerProcess] = []

    def start(
        broker_url: str,
        concurrency: int = 1,
        db_url: str | None = None,
        queues: str = "grading,notifications,reports",
        grading_delay_s: float | None = None,
        **env: str,
    ) -> WorkerProcess:
        """``grading_delay_s``: grading holds its row lock that long before commit (grading_delay.py)."""
        log = tmp_path / f"worker-{len(started)}.log"
        include = ""
        if grading_delay_s is not None:
            include = "tests.faults.grading_delay"
            env["FAULT_GRADING_DELAY_S"] = str(grading_delay_s)
        worker = QueueWorker(
            broker_url, db_url or database_url_for_test_db(), log, concurrency, queues=queues, include=include
        )
        started.append(worker)
        with environ(**env):
            worker.start()
        if include:  # the line tests/faults/grading_delay.py prints (never imported here: it patches grading)
            assert "fault tests: grading holds its row lock" in log.read_text(), "the worker loaded the pause"
        return worker

    yield start
    for worker in started:
        worker.stop(signal.SIGKILL)


class Process:
    """Any other long-running process of the test (beat, gunicorn), in its own process group."""

    def __init__(self, cmd: list[str], log: Path, env: dict[str, str]) -> None:
        self.log = log
        self.logfile = log.open("w")
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
            stdout=self.logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.logfile.close()


@pytest.fixture
def processes() -> Iterator[callable]:
    started: list[Process] = []

    def start(cmd: list[str], log: Path, **env: str) -> Process:
        process = Process(cmd, log, env)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


def beat_command(schedule: Path) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "trainingsite", "beat", "-s", str(schedule), "-l", "INFO"]


def pool_children(pid: int) -> list[int]:
    """Pids of the processes whose parent is ``pid`` (the prefork pool of a worker)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(entry.name))
    return children


# Data -------------------------------------------------------------------------------------------------------


def right_answer(data: dict):
    right = [c["id"] for c in data["choices"] if c["correct"]]
    return right if data["type"] == "multiple" else right[0]


def submitted_attempts(*, module, users: list, per_user: int, questions: int = 0) -> list[int]:
    """Make ``len(users) × per_user`` attempts already ``submitted`` with right answers, in a few queries.

    The same rows ``attempt_submit`` leaves behind, without its per-attempt cost, so a test can queue a
    thousand of them in a second.
    """
    from assessments.models import Attempt, AttemptStatus, Quiz, Response

    quiz = Quiz.objects.get(version=module.current_version, key="basics-quiz")
    pool = list(quiz.pool.select_related("question_version").order_by("position"))
    pool = pool[:questions] if questions else pool
    now = timezone.now()
    attempts = Attempt.objects.bulk_create(
        Attempt(
            user=user,
            quiz=quiz,
            module=module,
            number=number,
            seed=0,
            status=AttemptStatus.SUBMITTED,
            submitted_at=now,
        )
        # Recruits take turns, as real submissions do: no run of one recruit's attempts on one progress row.
        for number in range(1, per_user + 1)
        for user in users
    )
    Response.objects.bulk_create(
        Response(
            attempt=attempt,
            position=position,
            question_version=qq.question_version,
            choice_order=[c["id"] for c in qq.question_version.data["choices"]],
            answer=right_answer(qq.question_version.data),
            answered_at=now,
            max_score=Decimal(qq.question_version.data["points"]),
        )
        for attempt in attempts
        for position, qq in enumerate(pool, start=1)
    )
    return [a.pk for a in attempts]


@pytest.fixture
def recruits(db, django_user_model):
    made = []

    def make(n: int) -> list:
        emails = [f"fault-{len(made) + i}@example.com" for i in range(n)]
        made.extend(emails)
        return django_user_model.objects.bulk_create(
            django_user_model(email=email, username=email, password="!") for email in emails
        )

    return make


def grading_counts(ids: list[int]) -> dict[str, int]:
    from django.db.models import Count

    from assessments.models import Attempt

    rows = Attempt.objects.filter(pk__in=ids).values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}
