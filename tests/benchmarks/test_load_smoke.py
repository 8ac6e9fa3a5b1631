"""The Locust load benchmark runs end to end at smoke size and prints one JSON line with every key."""

from __future__ import annotations

import os

import pytest

from tests.benchmarks.test_benchmarks_smoke import SERVICES_MISSING, bench_env, positive, run_benchmark
from tests.conftest import TEST_REDIS_URL, unavailable

ENDPOINTS = {
    "login form",
    "sign in",
    "home",
    "lesson",
    "quiz page",
    "quiz start",
    "autosave",
    "submit",
    "status poll",
}
FIGURES = {"requests", "errors", "p50_ms", "p95_ms", "p99_ms", "rps"}


@pytest.mark.services
@pytest.mark.worker
def test_load_benchmark_smoke():
    database_url = os.getenv("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        unavailable("the load benchmark needs PostgreSQL (DATABASE_URL is not a postgres:// URL)")
    if not TEST_REDIS_URL:
        unavailable("the load benchmark needs Redis (TEST_REDIS_URL is unset)")
    code, result, stderr = run_benchmark("benchmarks.load", bench_env(), timeout=180)
    if code == SERVICES_MISSING:
        unavailable(stderr.strip().splitlines()[-1])
    assert code == 0, stderr[-3000:]
    assert set(result) >= {
        "users", "errors", "p95_ms_max", "rps", "floor_rps", "knee_users", "per_endpoint",
        "rss_mb_start", "rss_mb_peak", "rss_mb_end", "plans",
    }  # fmt: skip
    [plan] = result["plans"]
    assert plan["users"] == 3
    # Every step of a recruit's round and the manager's dashboard was requested, and each got its figures.
    assert set(plan["per_endpoint"]) >= ENDPOINTS | {"cohort dashboard"}
    for name, figures in plan["per_endpoint"].items():
        assert set(figures) == FIGURES, name
        assert figures["requests"] > 0, name
        assert 0 <= figures["errors"] <= figures["requests"], name
        assert figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"], name
    assert plan["requests"] == sum(f["requests"] for f in plan["per_endpoint"].values())
    assert plan["errors"] == sum(f["errors"] for f in plan["per_endpoint"].values())
    # The simulated users are the site's own: they sign in, and their attempts are accepted and graded.
    for name in ("sign in", "quiz start", "autosave", "submit", "cohort dashboard"):
        assert plan["per_endpoint"][name]["errors"] == 0, (name, plan["failures"])
    assert positive(result["floor_rps"])
    assert plan["p95_ms_max"] == max(f["p95_ms"] for f in plan["per_endpoint"].values())
    # The judgement follows the rule: a plan holds with no error and every p95 within 300 ms.
    assert plan["held"] == (plan["errors"] == 0 and plan["p95_ms_max"] <= 300)
    assert result["knee_users"] == (None if plan["held"] else 3)
    assert result["users"] == (3 if plan["held"] else 0)
    assert 0 < result["rss_mb_start"] <= result["rss_mb_peak"]
    assert result["rss_mb_end"] <= result["rss_mb_peak"]
