"""Grading through real PostgreSQL, Redis and 2 celery worker processes, against a no-op task (issue 5).

``python -m benchmarks.grading [--smoke]`` creates its own PostgreSQL database
(``trainingsite_bench_grading_<pid>`` on the server of ``DATABASE_URL``, or 127.0.0.1; dropped at the end) and
its own Redis: a ``redis-server`` on a free 127.0.0.1 port, stopped at the end, or else the Redis database
``BENCH_REDIS_URL`` names (flushed at start and end). A private server keeps a test suite or another benchmark
running at the same time out of its queues. It starts 2 ``celery -A trainingsite worker`` processes
(concurrency 1 each, the grading and notifications queues) and a gunicorn (2 processes) on a free 127.0.0.1
port, all stopped by pid at the end, and prints one JSON line:

- the floor: ``noop_tasks_per_s`` (``trainingsite.celery.noop``, sent in a batch, until every result is
  back) and ``noop_rtt_p50_ms`` / ``noop_rtt_p95_ms`` (one task at a time, send → result);
- ``grading_attempts_per_s``: 20-question objective attempts graded per second, measured the same way as
  the no-op throughput (send ``grade_attempt`` for a batch of submitted attempts, until every row is graded),
  and ``ratio`` = grading / no-op throughput;
- ``submit_to_graded_p50_ms`` / ``submit_to_graded_p95_ms``: from the HTTP POST to ``/attempts/<id>/submit/``
  until the attempt row reads ``graded``, one at a time; ``trivial_view_p95_ms``: GET ``/health/live/``;
- a burst: ``burst_submitted`` open attempts submitted through ``attempt_submit`` from 4 threads at once
  while the workers grade, ``burst_drain_s`` from the first submit until the last is graded, and
  ``burst_graded``, the attempts that ended ``graded`` (``burst_statuses`` counts every status);
  ``worker_rss_mb_start`` / ``_peak`` / ``_end``: the largest grading worker's resident memory (its main
  process and pool process summed), sampled every 0.25 s through the burst;
- ``queries_per_graded_attempt``: SQL statements ``attempt_grade`` runs for one attempt of a recruit enrolled
  on a course through a cohort (the real path: progress, enrolment, skill, cohort summary, notification,
  item-analysis request), and ``queries_certification_check``: those of the certification check queued after
  it (``certifications_evaluate_for_user``); counted in this process, before the workers start.

Goals: ratio ≥ 0.3; submit-to-graded p95 ≤ 5 × (no-op rtt p95 + trivial view p95); burst loses nothing;
queries per graded attempt ≤ 8 (issue #19); worker memory flat after warm-up.
Exit status 3 (and a message on stderr) when PostgreSQL or Redis does not answer.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from benchmarks.support import DEFAULT_PG_URL, ROOT, bench_database, emit, note, percentile, pg_admin

DB_NAME = "trainingsite_bench_grading"
QUESTIONS = 20
WORKERS = 2
BURST_THREADS = 4
WORKER_CONN_MAX_AGE = os.getenv("BENCH_WORKER_DB_CONN_MAX_AGE", "60")
SERVICES_MISSING = 3  # exit status when PostgreSQL or Redis is not there
HTTP_WARMUP = 4  # first submits (each gunicorn process's first POST) are not counted


@dataclass(frozen=True)
class Sizes:
    noop_tasks: int
    noop_rtt_samples: int
    grading_attempts: int
    http_samples: int
    trivial_samples: int
    burst: int


FULL = Sizes(
    noop_tasks=2000,
    noop_rtt_samples=300,
    grading_attempts=1000,
    http_samples=100,
    trivial_samples=300,
    burst=5000,
)
SMOKE = Sizes(
    noop_tasks=50, noop_rtt_samples=10, grading_attempts=10, http_samples=5, trivial_samples=10, burst=20
)


def postgres_check(pg_url: str) -> str | None:
    """None when PostgreSQL answers, else what is wrong."""
    import psycopg

    try:
        pg_admin(pg_url).close()
    except psycopg.Error as exc:
        return f"PostgreSQL does not answer at {pg_url.rsplit('@', 1)[-1]}: {exc}"
    return None


def redis_pings(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the benchmark dies (even by SIGKILL), so no worker outlives it."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class Process:
    """A child process in its own session, stopped by its pid (the whole group) at the end."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.log = name, log
        self.logfile = log.open("w")
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=self.logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )

    def wait_ready(self, ready, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log.read_text()[-3000:]}")
            if ready():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout}s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.logfile.close()


def wait_until(predicate, timeout: float, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"{what} not met within {timeout}s")


# Data ------------------------------------------------------------------------------------------------------


def quiz_import(tmp: Path):
    from benchmarks.synthetic import quiz_tree_write
    from courses.authoring.loader import load_tree
    from courses.services import content_import

    tree = load_tree(quiz_tree_write(tmp / "content", questions=QUESTIONS))
    assert not tree.errors, tree.errors[:3]
    content_import(tree=tree)
    from assessments.models import Quiz

    quiz = Quiz.objects.select_related("version").get(key="quiz")
    datas = [qq.question_version.data for qq in quiz.pool.select_related("question_version")]
    assert len(datas) == QUESTIONS
    assert not any(quiz.settings.get(k) for k in ("shuffle_questions", "draw", "attempts_allowed"))
    return quiz, datas


def users_create(count: int) -> list:
    from django.contrib.auth.hashers import make_password

    from accounts.models import User

    password = make_password(None)  # unusable: these users only ever hold a session made here
    stamp = time.monotonic_ns()
    User.objects.bulk_create(
        [User(username=f"b{stamp}-{i}@bench.local", email=f"b{stamp}-{i}@bench.local", password=password)
         for i in range(count)],
        batch_size=1000,
    )  # fmt: skip
    return list(User.objects.filter(email__endswith="@bench.local", username__startswith=f"b{stamp}-"))


@dataclass
class Prepared:
    user: Any
    attempt_id: int
    answers: dict[int, Any]


def attempts_open(users: list, quiz, datas: list[dict], rng: random.Random) -> list[Prepared]:
    """One open attempt per user through ``attempt_start``, with the answers its recruit will give."""
    from assessments.services import attempt_start

    out = []
    for user in users:
        attempt = attempt_start(user=user, quiz=quiz)
        from benchmarks.synthetic import answer_for

        answers = {pos: answer_for(data, rng) for pos, data in enumerate(datas, start=1)}
        out.append(Prepared(user, attempt.pk, answers))
    return out


def graded_count(ids: list[int]) -> int:
    from assessments.models import Attempt, AttemptStatus

    return Attempt.objects.filter(pk__in=ids, status=AttemptStatus.GRADED).count()


def status_counts(ids: list[int]) -> dict[str, int]:
    from django.db.models import Count

    from assessments.models import Attempt

    rows = Attempt.objects.filter(pk__in=ids).values("status").annotate(n=Count("id"))
    return {r["status"]: r["n"] for r in rows}


# Measurements ----------------------------------------------------------------------------------------------


def noop_measure(sizes: Sizes, broker) -> dict[str, float]:
    """The floor. Results are read straight from their Redis keys by polling, the way graded rows are read
    from the database below, so both sides are timed the same way (and no pub/sub subscription can miss one).
    """
    import json

    from trainingsite.celery import noop

    def key(result) -> bytes:
        return noop.backend.get_key_for_task(result.id)

    def round_trip(i: int) -> float:
        start = time.perf_counter()
        k = key(noop.delay(i))
        deadline = start + 30
        while (raw := broker.get(k)) is None:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"no-op {i} not done within 30s")
            time.sleep(0.0005)
        elapsed = (time.perf_counter() - start) * 1000
        assert json.loads(raw)["result"] == i
        return elapsed

    for i in range(20):  # warm both workers' connections
        round_trip(i)
    rtts = [round_trip(i) for i in range(sizes.noop_rtt_samples)]
    queues_idle(broker)
    start = time.perf_counter()
    keys = [key(noop.delay(i)) for i in range(sizes.noop_tasks)]
    wait_until(lambda: broker.exists(*keys) == len(keys), timeout=300, interval=0.01, what="no-op batch")
    elapsed = time.perf_counter() - start
    return {
        "noop_tasks_per_s": sizes.noop_tasks / elapsed,
        "noop_rtt_p50_ms": percentile(rtts, 50),
        "noop_rtt_p95_ms": percentile(rtts, 95),
    }


def queues_idle(broker, timeout: float = 300) -> None:
    """Wait until no message waits in, or is being worked on from, any queue: phases do not overlap.

    Grading queues a certification evaluation per graded attempt (notifications queue), which must not spill
    into the next measurement. The ``reports`` queue is not consumed here: the item-analysis refresh each
    grading asks for is debounced (30 s, one computation per burst) and runs on its own worker in production
    (docs/operations.md), so it is neither waited for nor part of the grading figures.
    """

    def idle() -> bool:
        waiting = sum(broker.llen(q) for q in ("grading", "notifications"))
        return waiting == 0 and broker.hlen("unacked") == 0

    wait_until(idle, timeout=timeout, interval=0.05, what="queues idle")


def grading_measure(ids: list[int]) -> float:
    """Attempts graded per second: send a batch of ``grade_attempt`` for submitted rows, until all graded."""
    from assessments.tasks import grade_attempt

    start = time.perf_counter()
    for pk in ids:
        grade_attempt.delay(pk)
    wait_until(lambda: graded_count(ids) == len(ids), timeout=600, what="grading batch")
    return len(ids) / (time.perf_counter() - start)


def http_request(port: int, method: str, path: str, body: str = "", cookies: str = "") -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Host": f"127.0.0.1:{port}"}
    if cookies:
        headers["Cookie"] = cookies
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body.encode() if body else None, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def trivial_measure(port: int, samples: int) -> list[float]:
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        status = http_request(port, "GET", "/health/live/")
        times.append((time.perf_counter() - start) * 1000)
        assert status == 200, status
    return times


def session_cookie(user) -> tuple[str, str]:
    """A logged-in session for ``user``, stored where the web process reads it, and a CSRF token.

    Returns the form token and the Cookie header carrying the session and the matching CSRF cookie.
    """
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    csrf = secrets.token_hex(16)  # 32 characters: Django accepts the unmasked secret as the form token
    return csrf, f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}"


def submit_latency_measure(port: int, prepared: list[Prepared], datas: list[dict], broker) -> list[float]:
    """HTTP submit → row reads ``graded``, one attempt at a time on idle queues, polling the row every ms."""
    from django.db import connection

    from assessments.masking import value_token
    from benchmarks.synthetic import answer_form

    latencies = []
    for item in prepared:
        queues_idle(broker)
        csrf, cookies = session_cookie(item.user)
        fields = [("csrfmiddlewaretoken", csrf)]
        for pos, data in enumerate(datas, start=1):
            fields += answer_form(
                pos,
                data,
                item.answers[pos],
                lambda stored, pos=pos, attempt=item.attempt_id: value_token(
                    attempt_id=attempt, position=pos, stored_id=stored
                ),
            )
        body = urlencode(fields)
        with connection.cursor() as cursor:
            start = time.perf_counter()
            status = http_request(port, "POST", f"/attempts/{item.attempt_id}/submit/", body, cookies)
            assert status == 302, f"submit answered {status}"
            deadline = start + 30
            while True:
                cursor.execute("SELECT status FROM assessments_attempt WHERE id = %s", [item.attempt_id])
                if cursor.fetchone()[0] == "graded":
                    break
                if time.perf_counter() > deadline:
                    raise TimeoutError(f"attempt {item.attempt_id} not graded within 30s")
                time.sleep(0.001)
            latencies.append((time.perf_counter() - start) * 1000)
    return latencies


def burst_measure(prepared: list[Prepared], timeout: float) -> tuple[float, float, dict[str, int]]:
    """Submit every open attempt from ``BURST_THREADS`` threads at once, the way many recruits pressing
    "submit" together reach the web processes; seconds to submit them all, seconds until every one is graded,
    and the attempts' statuses at the end."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from assessments.services import attempt_submit

    def submit_all(chunk: list[Prepared]) -> int:
        try:
            for p in chunk:
                attempt_submit(user=p.user, attempt_id=p.attempt_id, answers=p.answers)
            return len(chunk)
        finally:
            connection.close()  # this thread's own connection

    ids = [p.attempt_id for p in prepared]
    chunks = [prepared[i::BURST_THREADS] for i in range(BURST_THREADS)]
    start = time.perf_counter()
    with ThreadPoolExecutor(BURST_THREADS) as pool:
        assert sum(pool.map(submit_all, chunks)) == len(prepared)
    submitted = time.perf_counter() - start
    with contextlib.suppress(TimeoutError):  # reported through the counts: graded < submitted
        wait_until(lambda: graded_count(ids) == len(ids), timeout=timeout, interval=0.1, what="burst drain")
    drain = time.perf_counter() - start
    return submitted, drain, status_counts(ids)


def queries_count(probe: Prepared, quiz) -> dict[str, int]:
    """Enrol the probe's recruit on a one-module certification track through a cohort, submit, and count the
    statements of the grading and of the certification check that follows it (the grading commits before the
    check, as in the worker)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from assessments.services import attempt_grade, attempt_submit
    from certificates.services import certifications_evaluate_for_user
    from courses.models import Cohort, CohortMembership, Course, CourseModule
    from courses.services import enrolment_start

    rule = {"modules": [quiz.version.module.slug], "drills": [], "pass_mark": 70, "validity_months": 24}
    course = Course.objects.create(
        slug=f"bench-{os.getpid()}", title="bench", level="junior", certification=rule
    )
    CourseModule.objects.create(course=course, module_id=quiz.version.module_id, position=1, due_days=7)
    cohort = Cohort.objects.create(name="bench", course=course, start_date=timezone.localdate())
    CohortMembership.objects.create(cohort=cohort, user=probe.user)
    enrolment_start(user=probe.user, course=course, cohort=cohort)
    attempt_submit(user=probe.user, attempt_id=probe.attempt_id, answers=probe.answers)
    with CaptureQueriesContext(connection) as grading:
        attempt_grade(attempt_id=probe.attempt_id)
    with CaptureQueriesContext(connection) as check:
        certifications_evaluate_for_user(user_id=probe.user.pk)

    def statements(ctx) -> int:  # transaction control is not work
        return sum(1 for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE")))

    return {
        "queries_per_graded_attempt": statements(grading),
        "queries_certification_check": statements(check),
    }


class RssSampler:
    """The resident memory of each worker (its main process and its pool process summed), every 0.25 s."""

    def __init__(self, pids: list[int]) -> None:
        self.pids, self.samples = pids, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> float:
        import psutil

        largest = 0
        for pid in self.pids:
            total = 0
            with contextlib.suppress(psutil.Error):
                root = psutil.Process(pid)
                for p in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_info().rss
            largest = max(largest, total)
        return largest / 2**20

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self.samples.append(self.sample())

    def __enter__(self) -> RssSampler:
        self.samples.append(self.sample())
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(self.sample())


# Run -------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for CI (well under a minute)")
    args = parser.parse_args()
    sizes = SMOKE if args.smoke else FULL
    # A SIGTERM (a test's timeout) unwinds through the finally blocks: children stopped, database dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    pg_url = os.getenv("DATABASE_URL") or DEFAULT_PG_URL
    problem = postgres_check(pg_url)
    redis_url = os.getenv("BENCH_REDIS_URL", "")
    if not problem and redis_url and not redis_pings(redis_url):
        problem = f"Redis does not answer at {redis_url}"
    if not problem and not redis_url and not shutil.which("redis-server"):
        problem = (
            "redis-server is not installed (or set BENCH_REDIS_URL to a Redis database to flush and use)"
        )
    if problem:
        note(f"benchmarks.grading needs PostgreSQL and Redis: {problem}")
        return SERVICES_MISSING

    children: list[Process] = []
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as folder:
        tmp = Path(folder)
        try:
            if not redis_url:
                port = free_port()
                redis_url = f"redis://127.0.0.1:{port}/0"
                server = Process(
                    "redis-server",
                    ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", folder,
                     "--save", "", "--appendonly", "no"],
                    dict(os.environ), tmp / "redis.log",
                )  # fmt: skip
                children.append(server)
                server.wait_ready(lambda: redis_pings(redis_url), timeout=20)
            result = measure(sizes, tmp, pg_url, redis_url, children)
        except BaseException:
            for child in children:
                note(f"{child.name} log (tail):\n{child.log.read_text()[-2000:]}")
            raise
        finally:
            for child in reversed(children):
                child.stop()
    emit({k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()})
    return 0


def measure(sizes: Sizes, tmp: Path, pg_url: str, redis_url: str, children: list[Process]) -> dict[str, Any]:
    """Prepare the data with no worker running, start the workers and gunicorn, then measure each phase."""
    import redis

    broker = redis.Redis.from_url(redis_url)
    broker.flushdb()
    # The web and worker processes read these, and so does this process when Django starts below.
    os.environ.update(
        {
            "DATABASE_URL": pg_url,
            "REDIS_URL": redis_url,
            "CELERY_RESULT_BACKEND": redis_url,  # only the no-op task keeps its result
            "CELERY_TASK_ALWAYS_EAGER": "False",
            "DEBUG": "False",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "SECURE_SSL_REDIRECT": "False",
            "PYTHONUNBUFFERED": "1",
        }
    )
    rng = random.Random(2026)
    with bench_database(DB_NAME, require_postgres=True):
        note("database migrated; importing a 20-question quiz …")
        quiz, datas = quiz_import(tmp)
        http_count = HTTP_WARMUP + sizes.http_samples
        total = sizes.grading_attempts + http_count + sizes.burst + 1
        note(f"preparing {total} attempts of {QUESTIONS} questions …")
        users = users_create(total)
        grading_set = attempts_open(users[: sizes.grading_attempts], quiz, datas, rng)
        http_set = attempts_open(
            users[sizes.grading_attempts : sizes.grading_attempts + http_count], quiz, datas, rng
        )
        burst_set = attempts_open(users[sizes.grading_attempts + http_count : -1], quiz, datas, rng)
        (probe,) = attempts_open(users[-1:], quiz, datas, rng)
        counts = queries_count(probe, quiz)
        from assessments.services import attempt_submit

        for p in grading_set:  # submitted now; their messages are flushed: the batch below sends them
            attempt_submit(user=p.user, attempt_id=p.attempt_id, answers=p.answers)
        broker.flushdb()

        note(f"starting {WORKERS} workers and gunicorn …")
        started = len(children)
        try:
            # Workers keep their database connection between tasks, as docs/operations.md tells to run them.
            worker_env = {**os.environ, "LOG_LEVEL": "INFO", "DB_CONN_MAX_AGE": WORKER_CONN_MAX_AGE}
            env = {**os.environ, "LOG_LEVEL": "INFO", "VAR_DIR": str(tmp)}
            # DEBUG is off, so pages need the hashed static files (whitenoise's manifest), as in production.
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
                env=env, check=True, cwd=ROOT,
            )  # fmt: skip
            workers = []
            for n in range(WORKERS):
                log = tmp / f"worker-{n}.log"
                worker = Process(
                    f"worker {n}",
                    [sys.executable, "-m", "celery", "-A", "trainingsite", "worker", "--loglevel=INFO",
                     "--concurrency=1", "--pool=prefork", "-Q", "grading,notifications",
                     "--without-gossip", "--without-mingle", "-n", f"bench{n}-{os.getpid()}@%h"],
                    worker_env, log,
                )  # fmt: skip
                children.append(worker)
                workers.append(worker)
            port = free_port()
            web = Process(
                "gunicorn",
                [sys.executable, "-m", "gunicorn", "trainingsite.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2",
                 "--timeout", "60"],
                env, tmp / "gunicorn.log",
            )  # fmt: skip
            children.append(web)

            def web_ready() -> bool:
                try:
                    return http_request(port, "GET", "/health/") == 200
                except OSError:
                    return False

            for worker in workers:
                worker.wait_ready(lambda log=worker.log: "ready." in log.read_text())
            web.wait_ready(web_ready)

            note("no-op floor …")
            result: dict[str, Any] = {**counts, **noop_measure(sizes, broker)}
            note("grading throughput …")
            queues_idle(broker)
            result["grading_attempts_per_s"] = grading_measure([p.attempt_id for p in grading_set])
            result["ratio"] = result["grading_attempts_per_s"] / result["noop_tasks_per_s"]
            note("submit → graded latency …")
            queues_idle(broker)
            trivial_measure(port, 20)  # warm-up: each gunicorn process's first requests load the site
            trivial = trivial_measure(port, sizes.trivial_samples)
            submit = submit_latency_measure(port, http_set, datas, broker)[HTTP_WARMUP:]
            result["submit_to_graded_p50_ms"] = percentile(submit, 50)
            result["submit_to_graded_p95_ms"] = percentile(submit, 95)
            result["trivial_view_p50_ms"] = percentile(trivial, 50)
            result["trivial_view_p95_ms"] = percentile(trivial, 95)
            result["latency_goal_ms"] = 5 * (result["noop_rtt_p95_ms"] + result["trivial_view_p95_ms"])
            note(f"burst of {len(burst_set)} …")
            queues_idle(broker)
            with RssSampler([w.proc.pid for w in workers]) as rss:
                submitted_s, drain_s, statuses = burst_measure(
                    burst_set, timeout=max(60.0, sizes.burst * 0.5)
                )
            result["burst_submitted"] = len(burst_set)
            result["burst_graded"] = statuses.get("graded", 0)
            result["burst_submit_s"] = submitted_s
            result["burst_drain_s"] = drain_s
            result["burst_statuses"] = statuses
            result["worker_rss_mb_start"] = rss.samples[0]
            result["worker_rss_mb_peak"] = max(rss.samples)
            result["worker_rss_mb_end"] = rss.samples[-1]
            result["workers"] = WORKERS
            result["worker_db_conn_max_age"] = int(WORKER_CONN_MAX_AGE)
        finally:
            # Workers and web stop before the database is dropped under them.
            for child in reversed(children[started:]):
                child.stop()
            broker.flushdb()
    return result


if __name__ == "__main__":
    sys.exit(main())
