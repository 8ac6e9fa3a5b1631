"""Each benchmark runs end to end at smoke size and prints one JSON line with every key and sane values."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, TEST_REDIS_URL, unavailable

SERVICES_MISSING = 3  # benchmarks.grading's exit status when PostgreSQL or Redis does not answer


def run_benchmark(module: str, env: dict[str, str], timeout: float = 240) -> tuple[int, dict | None, str]:
    """Run ``python -m module --smoke``; on timeout it gets SIGTERM, so it stops its workers and drops its
    database before the test fails."""
    proc = subprocess.Popen(
        [sys.executable, "-m", module, "--smoke"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            stdout, stderr = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
        pytest.fail(f"{module} --smoke took longer than {timeout}s:\n{stderr[-3000:]}")
    lines = stdout.splitlines()
    result = None
    if proc.returncode == 0:
        assert len(lines) == 1, f"expected exactly one line on stdout, got {stdout!r}"
        result = json.loads(lines[0])
    return proc.returncode, result, stderr


def bench_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_ALLOW"))}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("REDIS_URL", None)
    env.pop("BENCH_REDIS_URL", None)
    return {**env, **extra}


def positive(value: object) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


def test_content_import_benchmark_smoke():
    code, result, stderr = run_benchmark("benchmarks.content_import", bench_env())
    assert code == 0, stderr[-3000:]
    assert set(result) >= {"sizes", "ratio_max", "reimport_writes"}
    assert set(result["sizes"]) == {"1", "10"}
    for size in result["sizes"].values():
        assert positive(size["import_s"])
        assert positive(size["render_s"])
    # Ten times the lessons takes more time, both to import and to render (best of 3, so noise cannot
    # turn a tenfold difference around).
    assert result["sizes"]["10"]["import_s"] > result["sizes"]["1"]["import_s"]
    assert result["sizes"]["10"]["render_s"] > result["sizes"]["1"]["render_s"]
    ratios = [s["import_s"] / s["render_s"] for s in result["sizes"].values()]
    assert result["ratio_max"] == pytest.approx(max(ratios), rel=0.01)
    assert result["reimport_writes"] == 0


GRADING_KEYS = {
    "noop_tasks_per_s",
    "noop_rtt_p50_ms",
    "noop_rtt_p95_ms",
    "grading_attempts_per_s",
    "ratio",
    "submit_to_graded_p50_ms",
    "submit_to_graded_p95_ms",
    "trivial_view_p95_ms",
    "burst_submitted",
    "burst_graded",
    "burst_drain_s",
    "queries_per_graded_attempt",
    "queries_certification_check",
    "worker_rss_mb_start",
    "worker_rss_mb_peak",
    "worker_rss_mb_end",
}


@pytest.mark.services
@pytest.mark.worker
def test_grading_benchmark_smoke():
    database_url = os.getenv("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        unavailable("the grading benchmark needs PostgreSQL (DATABASE_URL is not a postgres:// URL)")
    if not TEST_REDIS_URL:
        unavailable("the grading benchmark needs Redis (TEST_REDIS_URL is unset)")
    # No BENCH_REDIS_URL: the benchmark starts a redis-server of its own and never flushes the tests' Redis.
    code, result, stderr = run_benchmark("benchmarks.grading", bench_env())
    if code == SERVICES_MISSING:
        unavailable(stderr.strip().splitlines()[-1])
    assert code == 0, stderr[-3000:]
    assert set(result) >= GRADING_KEYS
    for key in GRADING_KEYS - {"burst_graded"}:
        assert positive(result[key]), (key, result[key])
    assert result["noop_rtt_p50_ms"] <= result["noop_rtt_p95_ms"]
    assert result["submit_to_graded_p50_ms"] <= result["submit_to_graded_p95_ms"]
    assert result["ratio"] == pytest.approx(
        result["grading_attempts_per_s"] / result["noop_tasks_per_s"], rel=0.02
    )
    assert result["burst_submitted"] == 20
    assert result["burst_graded"] == result["burst_submitted"]
    assert result["worker_rss_mb_start"] <= result["worker_rss_mb_peak"] >= result["worker_rss_mb_end"]
    # The count is the grading's own statements: the lock, the responses, progress and the rest.
    assert 5 <= result["queries_per_graded_attempt"] <= 60
