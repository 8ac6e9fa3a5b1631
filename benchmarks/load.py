"""HTTP capacity with Locust against the production shape, with the trivial view's floor (issue 19, part 1).

``python -m benchmarks.load [--smoke]`` creates its own PostgreSQL database (``trainingsite_bench_load_<pid>``
on the server of ``DATABASE_URL``, or 127.0.0.1; dropped at the end) and its own ``redis-server`` on a free
127.0.0.1 port (or the Redis database ``BENCH_REDIS_URL`` names, flushed at start and end). It imports the
real ``content/``, creates a cohort on the junior course with its recruits and a few managers (bulk-created,
one password hash reused), collects the static files, and starts, all on 127.0.0.1 and stopped by pid at the
end: gunicorn with 2 × cores + 1 processes (``DEBUG=False``, whitenoise serving static), a grading worker and
a notifications worker.

Then, for each plan (1, 30, 100, 1,000 users; ``--smoke``: 3), ``locust --headless``
(benchmarks/locustfile.py) runs that many simulated users, bounded in time: recruits sign in, open home, read
a lesson, open a quiz, start it, autosave 3 times, submit and poll until graded, with 2–5 s of think time; 5 %
are managers opening their cohort's dashboard. The floor, in the same run against the same gunicorn:
``/health/live/`` from ``FLOOR_THREADS`` client threads for a few seconds. During each plan the RSS of every
gunicorn process and the CPU of gunicorn, the celery workers and PostgreSQL are sampled every second.

One JSON line: ``users`` (the largest plan that held: 0 errors and every endpoint's p95 ≤ 300 ms), ``errors``,
``p95_ms_max`` and ``rps`` at that plan, ``floor_rps``, ``knee_users`` (the first plan that did not hold, or
null), ``per_endpoint`` (at ``users``), ``plans`` (every plan's figures), and the gunicorn processes' summed
RSS through the largest plan: ``rss_mb_start`` / ``rss_mb_peak`` / ``rss_mb_end`` (and the per-second
``rss_mb_samples``). Exit status 3 when PostgreSQL or Redis does not answer.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.grading import (
    SERVICES_MISSING,
    Process,
    free_port,
    http_request,
    postgres_check,
    redis_pings,
)
from benchmarks.support import DEFAULT_PG_URL, ROOT, bench_database, emit, note

DB_NAME = "trainingsite_bench_load"
COURSE = "junior"
PASSWORD = "load-" + secrets.token_urlsafe(12)
P95_LIMIT_MS = 300.0
FLOOR_THREADS = 8


@dataclass(frozen=True)
class Plan:
    users: int
    run_s: int
    spawn_rate: float


@dataclass(frozen=True)
class Sizes:
    plans: tuple[Plan, ...]
    recruits: int
    managers: int
    manager_percent: int
    think: tuple[float, float]
    floor_s: float
    web_processes: int = 0  # 0: 2 × cores + 1, as docs/operations.md sizes gunicorn


FULL = Sizes(
    plans=(Plan(1, 60, 1), Plan(30, 120, 5), Plan(100, 150, 10), Plan(1000, 300, 10)),
    recruits=1000,
    managers=10,
    manager_percent=5,
    think=(2.0, 5.0),
    floor_s=10.0,
)
SMOKE = Sizes(
    plans=(Plan(3, 12, 3),),
    recruits=3,
    managers=1,
    manager_percent=34,  # one of the three users
    think=(0.1, 0.3),
    floor_s=1.0,
    web_processes=2,  # CI's minute: fewer processes to start
)


# Data ------------------------------------------------------------------------------------------------------


def data_create(sizes: Sizes) -> dict[str, Any]:
    """The real content, a cohort of recruits on the junior course and its managers; what locust needs."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import Role, User
    from assessments.models import Quiz
    from courses.authoring.loader import load_tree
    from courses.models import Cohort, CohortMembership, Course, Lesson
    from courses.services import content_import

    tree = load_tree(ROOT / "content")
    assert not tree.errors, tree.errors[:3]
    content_import(tree=tree)
    course = Course.objects.get(slug=COURSE)
    modules = []
    for cm in course.course_modules.select_related("module__current_version").order_by("position"):
        version = cm.module.current_version
        lessons = list(Lesson.objects.filter(version=version).values_list("key", flat=True))
        quiz = Quiz.objects.filter(version=version).values_list("key", flat=True).first()
        if lessons and quiz:
            modules.append({"slug": cm.module.slug, "lessons": lessons, "quiz": quiz})
    assert modules, "the junior course has no module with lessons and a quiz"

    password = make_password(PASSWORD)  # hashed once: every simulated user signs in with it

    def people(prefix: str, count: int, role: str) -> list:
        users = User.objects.bulk_create(
            [User(email=f"{prefix}{i:05d}@load.local", username=f"{prefix}{i:05d}@load.local",
                  display_name=f"{prefix} {i}", password=password, role=role) for i in range(count)],
            batch_size=1000,
        )  # fmt: skip
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users], batch_size=1000
        )
        return users

    recruits = people("r", sizes.recruits, Role.RECRUIT)
    managers = people("m", sizes.managers, Role.MANAGER)
    cohort = Cohort.objects.create(
        name="负载测试批次", course=course, start_date=timezone.localdate(), created_by=managers[0]
    )
    cohort.managers.add(*managers)
    CohortMembership.objects.bulk_create([CohortMembership(cohort=cohort, user=u) for u in recruits])
    return {
        "recruits": [[u.email, PASSWORD] for u in recruits],
        "managers": [[u.email, PASSWORD] for u in managers],
        "cohort_id": cohort.pk,
        "modules": modules,
        "manager_percent": sizes.manager_percent,
        "think_min": sizes.think[0],
        "think_max": sizes.think[1],
    }


# Sampling --------------------------------------------------------------------------------------------------


class Sampler:
    """Every second: the summed RSS of gunicorn's processes, and CPU seconds used by gunicorn, the celery
    workers and PostgreSQL (every postgres process on the machine: other users of the server count too)."""

    def __init__(self, gunicorn_pid: int, worker_pids: list[int]) -> None:
        self.gunicorn_pid, self.worker_pids = gunicorn_pid, worker_pids
        self.rss_mb: list[float] = []
        self.locust_pid = 0  # the load generator shares the machine's cores: its CPU is shown too
        self.cpu: dict[str, float] = {"gunicorn": 0.0, "workers": 0.0, "postgres": 0.0, "locust": 0.0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _groups(self) -> dict[str, list]:
        import psutil

        def tree(pid: int) -> list:
            try:
                root = psutil.Process(pid)
                return [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return []

        postgres = [p for p in psutil.process_iter(["name"]) if (p.info["name"] or "").startswith("postgres")]
        return {
            "gunicorn": tree(self.gunicorn_pid),
            "workers": [p for pid in self.worker_pids for p in tree(pid)],
            "postgres": postgres,
            "locust": tree(self.locust_pid) if self.locust_pid else [],
        }

    @staticmethod
    def _cpu_total(procs: list) -> dict[int, float]:
        import psutil

        out = {}
        for p in procs:
            try:
                t = p.cpu_times()
                out[p.pid] = t.user + t.system
            except psutil.Error:
                pass
        return out

    def _run(self) -> None:
        import psutil

        before = {name: self._cpu_total(procs) for name, procs in self._groups().items()}
        while not self._stop.wait(1.0):
            groups = self._groups()
            rss = 0
            for p in groups["gunicorn"]:
                with contextlib.suppress(psutil.Error):
                    rss += p.memory_info().rss
            self.rss_mb.append(rss / 2**20)
            for name, procs in groups.items():
                now = self._cpu_total(procs)
                self.cpu[name] += sum(v - before[name].get(pid, 0.0) for pid, v in now.items())
                before[name] = now

    def __enter__(self) -> Sampler:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.elapsed = time.monotonic() - self._started

    def cpu_share(self) -> dict[str, float]:
        """Cores in use on average: 1.0 is one core busy all the time."""
        return {name: round(seconds / self.elapsed, 2) for name, seconds in self.cpu.items()}


# Measurements ----------------------------------------------------------------------------------------------


def floor_measure(port: int, seconds: float) -> float:
    """Requests per second ``/health/live/`` answers from ``FLOOR_THREADS`` threads, a connection each."""
    import http.client

    counts = [0] * FLOOR_THREADS
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            conn.request("GET", "/health/live/", headers={"Host": f"127.0.0.1:{port}"})
            response = conn.getresponse()
            response.read()
            assert response.status == 200, response.status
            counts[n] += 1
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(FLOOR_THREADS)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - start)


def stats_read(path: Path) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Locust's ``*_stats.csv``: per endpoint and aggregated, requests, failures, p50/p95/p99 and rps."""
    endpoints, total = {}, {}
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            figures = {
                "requests": int(row["Request Count"]),
                "errors": int(row["Failure Count"]),
                "p50_ms": float(row["50%"] or 0),
                "p95_ms": float(row["95%"] or 0),
                "p99_ms": float(row["99%"] or 0),
                "rps": round(float(row["Requests/s"]), 2),
            }
            if row["Name"] == "Aggregated":
                total = figures
            else:
                endpoints[row["Name"]] = figures
    return endpoints, total


def plan_run(plan: Plan, port: int, plan_file: Path, tmp: Path, web: Process, workers: list[Process]):
    prefix = tmp / f"plan-{plan.users}"
    cmd = [
        sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless",
        "--host", f"http://127.0.0.1:{port}", "--users", str(plan.users),
        "--spawn-rate", str(plan.spawn_rate),
        "--run-time", f"{plan.run_s}s", "--stop-timeout", "10", "--csv", str(prefix), "--only-summary",
        "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]  # fmt: skip
    env = {**os.environ, "LOAD_PLAN": str(plan_file)}
    with Sampler(web.proc.pid, [w.proc.pid for w in workers]) as sampler:
        locust = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        sampler.locust_pid = locust.pid
        try:
            _, stderr = locust.communicate(timeout=plan.run_s + 120)
        except subprocess.TimeoutExpired:
            locust.kill()
            raise
    if locust.returncode != 0:
        raise RuntimeError(f"locust exited {locust.returncode}:\n{stderr[-3000:]}")
    endpoints, total = stats_read(Path(f"{prefix}_stats.csv"))
    p95_max = max((e["p95_ms"] for e in endpoints.values()), default=0.0)
    return {
        "users": plan.users,
        "seconds": plan.run_s,
        "requests": total.get("requests", 0),
        "errors": total.get("errors", 0),
        "rps": total.get("rps", 0.0),
        "p95_ms_max": p95_max,
        "held": total.get("errors", 0) == 0 and p95_max <= P95_LIMIT_MS and total.get("requests", 0) > 0,
        # Signing in checks a PBKDF2 password hash (Django's default cost, on purpose), once per session.
        "held_except_sign_in": total.get("errors", 0) == 0
        and total.get("requests", 0) > 0
        and all(e["p95_ms"] <= P95_LIMIT_MS for name, e in endpoints.items() if name != "sign in"),
        "per_endpoint": endpoints,
        "cpu_cores": sampler.cpu_share(),
        "rss_mb": [round(v, 1) for v in sampler.rss_mb],
        "load_avg": [round(v, 2) for v in os.getloadavg()],
        "failures": failures_read(Path(f"{prefix}_failures.csv")),
    }


def failures_read(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with path.open(newline="") as f:
        return [
            {"endpoint": r["Name"], "error": r["Error"][:200], "count": int(r["Occurrences"])}
            for r in csv.DictReader(f)
        ][:10]


# Run -------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="one tiny plan, for CI (well under a minute)")
    args = parser.parse_args()
    sizes = SMOKE if args.smoke else FULL
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
        note(f"benchmarks.load needs PostgreSQL and Redis: {problem}")
        return SERVICES_MISSING

    children: list[Process] = []
    with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
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
    emit(result)
    return 0


def measure(sizes: Sizes, tmp: Path, pg_url: str, redis_url: str, children: list[Process]) -> dict[str, Any]:
    import redis

    broker = redis.Redis.from_url(redis_url)
    broker.flushdb()
    os.environ.update(
        {
            "DATABASE_URL": pg_url,
            "REDIS_URL": redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "False",
            "DEBUG": "False",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "False",
            "VAR_DIR": str(tmp / "var"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    # Alongside the migrations, and before gunicorn starts: whitenoise indexes the static folder once, when
    # each process loads the site.
    collect = subprocess.Popen(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT, env={**os.environ, "DJANGO_SETTINGS_MODULE": "trainingsite.settings"},
    )  # fmt: skip
    with bench_database(DB_NAME, require_postgres=True):
        note("database migrated; collecting static files …")
        if collect.wait(120) != 0:
            raise RuntimeError(f"collectstatic exited {collect.returncode}")

        cores = os.cpu_count() or 1
        web_processes = sizes.web_processes or 2 * cores + 1
        note(f"starting gunicorn ({web_processes} processes), a grading and a notifications worker …")
        started = len(children)
        try:
            # X-Real-IP as set by the proxy: rate limits count each simulated user's address, not loopback's.
            env = {
                **os.environ,
                "LOG_LEVEL": "WARNING",
                "DB_CONN_MAX_AGE": "60",
                "TRUSTED_CLIENT_IP_HEADER": "X-Real-IP",
            }
            workers = []
            for queue in ("grading", "notifications"):
                worker = Process(
                    f"{queue} worker",
                    [sys.executable, "-m", "celery", "-A", "trainingsite", "worker", "--loglevel=INFO",
                     "--concurrency=1", "--pool=prefork", "-Q", queue, "--without-gossip", "--without-mingle",
                     "-n", f"load-{queue}-{os.getpid()}@%h"],
                    env, tmp / f"{queue}.log",
                )  # fmt: skip
                children.append(worker)
                workers.append(worker)
            port = free_port()
            web = Process(
                "gunicorn",
                [sys.executable, "-m", "gunicorn", "trainingsite.wsgi", "-b", f"127.0.0.1:{port}",
                 "-w", str(web_processes), "--timeout", "60"],
                env, tmp / "gunicorn.log",
            )  # fmt: skip
            children.append(web)
            note("importing content/ and creating the cohort while they start …")
            plan = data_create(sizes)
            plan_file = tmp / "plan.json"
            plan_file.write_text(json.dumps(plan), encoding="utf-8")
            note(
                f"{len(plan['recruits'])} recruits, {len(plan['managers'])} managers, "
                f"{len(plan['modules'])} modules"
            )

            def web_ready() -> bool:
                try:
                    return http_request(port, "GET", "/health/live/") == 200
                except OSError:
                    return False

            for worker in workers:
                worker.wait_ready(lambda log=worker.log: "ready." in log.read_text())
            web.wait_ready(web_ready)

            note("floor: /health/live/ …")
            floor_measure(port, 0.5)  # warm-up: each gunicorn process loads the site on its first request
            floor_rps = floor_measure(port, sizes.floor_s)
            plans = []
            for p in sizes.plans:
                note(f"plan {p.users} users, {p.run_s}s …")
                figures = plan_run(p, port, plan_file, tmp, web, workers)
                note(
                    f"  {figures['requests']} requests, {figures['errors']} errors, {figures['rps']} rps, "
                    f"worst p95 {figures['p95_ms_max']} ms, cores {figures['cpu_cores']}"
                )
                plans.append(figures)
        finally:
            for child in reversed(children[started:]):
                child.stop()
            broker.flushdb()

    held = [p for p in plans if p["held"]]
    knee = next((p for p in plans if not p["held"]), None)
    best = held[-1] if held else plans[0]
    largest = plans[-1]
    rss = largest["rss_mb"] or [0.0]
    return {
        "users": best["users"] if held else 0,
        "errors": best["errors"],
        "p95_ms_max": best["p95_ms_max"],
        "rps": best["rps"],
        "floor_rps": round(floor_rps, 1),
        "knee_users": knee["users"] if knee else None,
        "knee_users_except_sign_in": next((p["users"] for p in plans if not p["held_except_sign_in"]), None),
        "per_endpoint": best["per_endpoint"],
        "rss_mb_start": rss[0],
        "rss_mb_peak": max(rss),
        "rss_mb_end": rss[-1],
        "gunicorn_processes": web_processes,
        "plans": [{k: v for k, v in p.items() if k not in ("rss_mb",)} for p in plans],
        "rss_mb_samples": rss,
    }


if __name__ == "__main__":
    sys.exit(main())
