"""The dashboard benchmark runs end to end at smoke size, and its synthetic recruits are what the services
would have left: re-running progress_update over their history changes no aggregate."""

from __future__ import annotations

import random

import pytest

from tests.benchmarks.test_benchmarks_smoke import SERVICES_MISSING, bench_env, positive, run_benchmark
from tests.conftest import IN_CI, unavailable

KEYS = {
    "queries",
    "render_ms",
    "trivial_view_ms",
    "item_analysis_s",
    "sql_aggregate_s",
    "ratio_10000_to_100",
    "queries_live",
    "render_live_ms",
    "summary_refresh_s",
}


@pytest.mark.slow
def test_dashboard_benchmark_smoke():
    code, result, stderr = run_benchmark("benchmarks.dashboard", bench_env(), timeout=300)
    if code == SERVICES_MISSING:
        unavailable(stderr.strip().splitlines()[-1] if stderr.strip() else "PostgreSQL is missing")
    assert code == 0, stderr[-3000:]
    assert set(result) >= KEYS
    assert set(result["queries"]) == set(result["render_ms"]) == {"5", "30"}
    assert len(set(result["queries"].values())) == 1, result["queries"]  # the same at every size
    assert result["queries_identical"] is True
    assert len(set(result["queries_live"].values())) == 1, result["queries_live"]
    # Stored summaries spare the page its two aggregates over the whole cohort.
    assert all(result["queries"][size] == result["queries_live"][size] - 3 for size in result["queries"])
    assert all(positive(v) for v in result["summary_refresh_s"].values())
    assert all(positive(v) for v in result["render_ms"].values())
    assert positive(result["trivial_view_ms"])
    assert positive(result["ratio_10000_to_100"])
    if result["item_analysis_s"] is not None or IN_CI:
        assert positive(result["item_analysis_s"])
        assert positive(result["sql_aggregate_s"])


AGGREGATE_FIELDS = {
    "progress": [
        "lessons_read",
        "lessons_total",
        "quiz_attempts",
        "quiz_score",
        "quiz_passed",
        "quiz_passed_at",
        "drill_results",
        "drills_total",
        "drills_passed",
        "awaiting_review",
        "attempts",
        "score",
        "passed",
        "passed_at",
    ],
    "enrolment": [
        "modules_total",
        "modules_passed",
        "percent",
        "average_score",
        "awaiting_review",
        "next_due_date",
        "completed_at",
        "last_activity_at",
    ],
    "skill": ["modules_total", "modules_passed", "average_score"],
}


def _snapshot(user_ids):
    from courses.models import Enrolment, ModuleProgress, SkillProgress

    def rows(model, key, fields):
        return {
            tuple(getattr(r, k) for k in key): {f: getattr(r, f) for f in fields}
            for r in model.objects.filter(user_id__in=user_ids)
        }

    return {
        "progress": rows(ModuleProgress, ("user_id", "module_id"), AGGREGATE_FIELDS["progress"]),
        "enrolment": rows(Enrolment, ("user_id", "course_id"), AGGREGATE_FIELDS["enrolment"]),
        "skill": rows(SkillProgress, ("user_id", "skill_area"), AGGREGATE_FIELDS["skill"]),
    }


@pytest.mark.django_db
def test_the_synthetic_aggregates_are_what_the_services_compute(tmp_path):
    from accounts.models import Role, User
    from assessments.models import Attempt, AttemptStatus
    from benchmarks.dashboard import cohort_build, course_build, course_plan
    from courses.models import CohortMembership, Enrolment, ModuleProgress
    from courses.services import progress_update

    course = course_build(root=tmp_path / "content", modules=4)
    manager = User.objects.create_user(email="m@example.com", password="x", role=Role.MANAGER)
    cohort = cohort_build(
        course=course, managers=[manager], size=40, seed=11, plans=course_plan(course, random.Random(1))
    )
    user_ids = list(CohortMembership.objects.filter(cohort=cohort).values_list("user_id", flat=True))
    assert Attempt.objects.filter(user_id__in=user_ids, status=AttemptStatus.NEEDS_REVIEW).exists()
    assert Attempt.objects.filter(user_id__in=user_ids, responses__isnull=False).exists()
    assert Enrolment.objects.filter(cohort=cohort, completed_at__isnull=False).exists()
    before = _snapshot(user_ids)
    for row in ModuleProgress.objects.filter(user_id__in=user_ids):
        progress_update(user_id=row.user_id, module_id=row.module_id)
    after = _snapshot(user_ids)
    # progress_update stamps "now" on the activity it records; everything else must be unchanged.
    for table in ("progress", "enrolment", "skill"):
        for key, values in before[table].items():
            mine = {k: v for k, v in values.items() if k != "last_activity_at"}
            theirs = {k: v for k, v in after[table][key].items() if k != "last_activity_at"}
            assert mine == theirs, (table, key)
        assert before[table].keys() == after[table].keys(), table
