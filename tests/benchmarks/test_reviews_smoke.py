"""The spaced review benchmark runs end to end at smoke size with every key, and its query counts do not
grow: not with the recruit's cards (today's selection), not with the cohort (the recall page)."""

from __future__ import annotations

import pytest

from tests.benchmarks.test_benchmarks_smoke import SERVICES_MISSING, bench_env, positive, run_benchmark
from tests.conftest import unavailable

KEYS = {
    "queries",
    "render_ms",
    "trivial_view_ms",
    "ratio_10000_to_100",
    "select_queries",
    "select_ms",
    "schedule_ms",
    "grade_ms",
    "recall_refresh_s",
    "cards",
}


@pytest.mark.slow
def test_reviews_benchmark_smoke():
    code, result, stderr = run_benchmark("benchmarks.reviews", bench_env(), timeout=300)
    if code == SERVICES_MISSING:
        unavailable(stderr.strip().splitlines()[-1] if stderr.strip() else "PostgreSQL is missing")
    assert code == 0, stderr[-3000:]
    assert set(result) >= KEYS
    assert set(result["queries"]) == set(result["render_ms"]) == {"5", "30"}
    assert len(set(result["queries"].values())) == 1, result["queries"]
    assert set(result["select_queries"]) == {"30", "300"}
    assert len(set(result["select_queries"].values())) == 1, result["select_queries"]
    assert result["queries_identical"] is True
    assert result["select_queries_identical"] is True
    # 5 + 30 recruits × 20 cards, and the two selection recruits' 30 + 300.
    assert result["cards"] == 35 * 20 + 330
    for key in ("trivial_view_ms", "ratio_10000_to_100", "schedule_ms", "grade_ms", "recall_refresh_s"):
        assert positive(result[key]), key
    assert all(positive(v) for v in [*result["render_ms"].values(), *result["select_ms"].values()])
