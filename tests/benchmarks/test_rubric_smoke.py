"""The written-grading benchmark runs end to end at smoke size and prints one JSON line with every key."""

from __future__ import annotations

from benchmarks.rubric import RUBRIC, SIZES, response
from tests.benchmarks.test_benchmarks_smoke import bench_env, positive, run_benchmark


def test_rubric_benchmark_smoke():
    code, result, stderr = run_benchmark("benchmarks.rubric", bench_env(), timeout=120)
    assert code == 0, stderr[-3000:]
    assert set(result) == {
        "chars",
        "grade_ms_per_1000",
        "floor_ms_per_1000",
        "ratio_20000_to_1000",
        "ratio_to_floor_max",
    }
    assert result["chars"] == list(SIZES)
    assert set(result["grade_ms_per_1000"]) == set(result["floor_ms_per_1000"]) == {str(n) for n in SIZES}
    assert all(positive(v) for v in result["grade_ms_per_1000"].values())
    assert all(positive(v) for v in result["floor_ms_per_1000"].values())
    assert positive(result["ratio_20000_to_1000"])
    assert positive(result["ratio_to_floor_max"])


def test_the_benchmark_grades_texts_of_the_stated_length_that_the_rubric_accepts():
    from assessments.grading.rubric import grade_written

    for size in SIZES:
        text = response(size)
        assert len(text) == size
        result = grade_written(RUBRIC, text)
        assert result.details["own_sentences"] >= 3  # real sentences, so every criterion is really graded
