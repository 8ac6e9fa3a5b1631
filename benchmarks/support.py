"""What the benchmarks share: a throwaway database, Django set up against it, percentiles, JSON output."""

from __future__ import annotations

import json
import math
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/trainingsite"


def pg_admin(url: str):
    import psycopg

    parts = urlparse(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    )


def _pg_drop(url: str, name: str) -> None:
    with pg_admin(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_drop_stale(url: str, prefix: str) -> None:
    """Drop databases left by benchmark runs that died: named ``<prefix>_<pid>`` for a pid no longer alive."""
    with pg_admin(url) as conn:
        names = [
            r[0]
            for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [prefix + "_%"])
        ]
    for name in names:
        pid = name.rsplit("_", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            _pg_drop(url, name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def bench_database(prefix: str, *, require_postgres: bool = False) -> Iterator[str]:
    """Point Django at a database of its own for the run, migrated; drop it (or its file) afterwards.

    PostgreSQL when ``DATABASE_URL`` is set: database ``<prefix>_<pid>`` on that server, so runs at the same
    time (a test suite and a benchmark) never share one; otherwise a SQLite file in a temporary folder.
    Yields the database vendor.
    """
    base = os.getenv("DATABASE_URL", "")
    if require_postgres and not base:
        base = DEFAULT_PG_URL
    if base:
        name = f"{prefix}_{os.getpid()}"
        _pg_drop_stale(base, prefix)
        _pg_drop(base, name)
        with pg_admin(base) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = urlunparse(urlparse(base)._replace(path=f"/{name}", query=""))
        try:
            yield from _django_ready()
        finally:
            _pg_drop(base, name)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-db-") as folder:
            os.environ["SQLITE_PATH"] = str(Path(folder) / "bench.sqlite3")
            yield from _django_ready()


def _django_ready() -> Iterator[str]:
    os.environ["DJANGO_SETTINGS_MODULE"] = "trainingsite.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # DEBUG off: no per-query logging in the timings (Django keeps every query's SQL when DEBUG is on).
    os.environ["DEBUG"] = "False"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + secrets.token_urlsafe(40))
    os.environ.setdefault("SECURE_SSL_REDIRECT", "False")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    call_command("migrate", interactive=False, verbosity=0)
    try:
        yield connection.vendor
    finally:
        connections.close_all()


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile by the nearest-rank method (no interpolation)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def emit(result: dict) -> None:
    """Print the one JSON line; everything else a benchmark says goes to stderr."""
    sys.stdout.write(json.dumps(result, ensure_ascii=False, sort_keys=False) + "\n")
    sys.stdout.flush()


_STARTED = time.monotonic()


def note(message: str) -> None:
    """A progress line on stderr, stamped with the seconds since the benchmark started."""
    print(f"[{time.monotonic() - _STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)
