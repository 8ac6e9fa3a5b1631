"""Item analysis against one plain SQL aggregate over the same responses (issue: trainer analytics).

``measure(n_responses)`` builds synthetic graded attempts in the *current* database (Django set up,
PostgreSQL expected): one module whose quiz draws 10 of 15 questions, every attempt answered by a simulated
recruit whose ability drives every answer (an item-response model, one item discriminating the wrong way),
graded by the real graders, written with ``bulk_create``. It then times, alternating, ≥ 3 runs each:

- ``item_analysis_s``: ``assessments.analysis.statistics_compute`` (claim, load, the one SQL statement,
  assembly, store), the median;
- ``sql_aggregate_s``: one plain ``SELECT question_version_id, count(*), avg(score) … GROUP BY 1`` over the
  same graded responses, the median: the floor.

The goal is ``item_analysis_s ≤ 3 × sql_aggregate_s``. The synthetic module is left inactive and its
attempts, responses and users are deleted afterwards, so another benchmark in the same database is not
skewed. ``python -m benchmarks.item_analysis [--smoke] [--responses N]`` runs it in a database of its own
(benchmarks/support.py) and prints one JSON line.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks.support import bench_database, emit, note

QUESTIONS = 15
DRAW = 10
SLUG = "bench-item-analysis"
RUNS = 5
SMOKE_RESPONSES = 2_000


def quiz_content_write(root: Path, *, slug: str = SLUG, questions: int = QUESTIONS, draw: int = DRAW) -> Path:
    """A content folder with one module whose quiz draws ``draw`` of ``questions`` questions."""
    from benchmarks.synthetic import module_markdown

    text = module_markdown(slug, 1, 1, questions, quiz_per_lesson=False)
    text = text.replace("draw: 0\nshuffle: choices", f"draw: {draw}\nshuffle: questions, choices")
    (root / "modules").mkdir(parents=True, exist_ok=True)
    (root / "modules" / f"{slug}.md").write_text(text, encoding="utf-8")
    return root


def quiz_import(*, slug: str = SLUG, questions: int = QUESTIONS, draw: int = DRAW):
    """Import the synthetic module (idempotent) and return its quiz."""
    from assessments.models import Quiz
    from courses.authoring.loader import load_tree
    from courses.services import content_import

    with tempfile.TemporaryDirectory(prefix="bench-item-analysis-") as folder:
        tree = load_tree(quiz_content_write(Path(folder), slug=slug, questions=questions, draw=draw))
        assert not tree.errors, tree.errors[:3]
        content_import(tree=tree)
    return Quiz.objects.select_related("version__module").get(version__module__slug=slug, key="quiz")


def _answer(data: dict[str, Any], good: bool, rng: random.Random) -> Any:
    """A recruit's answer: right or wrong as decided, a wrong choice picked among the distractors."""
    from benchmarks.synthetic import answer_for

    kind = data["type"]
    if rng.random() < 0.02:
        return None  # left blank
    if kind in ("single", "truefalse"):
        ids = [c["id"] for c in data["choices"] if c["correct"] == good]
        return rng.choice(ids)
    if kind == "multiple":
        right = [c["id"] for c in data["choices"] if c["correct"]]
        if good:
            return right
        others = [c["id"] for c in data["choices"] if not c["correct"]]
        return sorted(rng.sample(right, rng.randint(0, len(right))) + rng.sample(others, rng.randint(1, 2)))
    return answer_for(data, rng, right=1.0 if good else 0.0)


def attempts_create(quiz, *, attempts: int, seed: int = 1, per_user: int = 10) -> int:
    """Graded attempts at ``quiz`` by simulated recruits; returns how many responses were written."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from assessments.grading import grade_question
    from assessments.models import Attempt, AttemptStatus, Response

    rng = random.Random(seed)
    pool = list(quiz.pool.select_related("question_version").order_by("position"))
    draw = quiz.draw or len(pool)
    # Difficulty and discrimination per question; the last one discriminates the wrong way.
    items = [(rng.uniform(-2.0, 2.0), rng.uniform(0.4, 2.0)) for _ in pool]
    items[-1] = (0.0, -1.0)
    pass_mark = quiz.version.pass_mark
    stamp = time.monotonic_ns()
    password = make_password(None)
    users = User.objects.bulk_create(
        [
            User(username=f"ia{stamp}-{i}@bench.local", email=f"ia{stamp}-{i}@bench.local", password=password)
            for i in range(math.ceil(attempts / per_user))
        ],
        batch_size=2000,
    )
    now = timezone.now()
    attempt_rows, answer_rows = [], []
    for n in range(attempts):
        ability = rng.gauss(0.0, 1.0)
        served = rng.sample(range(len(pool)), min(draw, len(pool)))
        graded = []
        for position, index in enumerate(served, start=1):
            difficulty, slope = items[index]
            good = rng.random() < 1 / (1 + math.exp(-slope * (ability - difficulty)))
            data = pool[index].question_version.data
            answer = _answer(data, good, rng)
            graded.append((position, pool[index].question_version_id, answer, grade_question(data, answer)))
        total = sum((g[3].score for g in graded), Decimal(0))
        maximum = sum((g[3].max_score for g in graded), Decimal(0))
        percent = (100 * total / maximum).quantize(Decimal("0.01")) if maximum else Decimal(0)
        attempt_rows.append(
            Attempt(
                user=users[n // per_user],
                quiz=quiz,
                module_id=quiz.version.module_id,
                number=n % per_user + 1,
                status=AttemptStatus.GRADED,
                seed=rng.randrange(2**62),
                submitted_at=now,
                graded_at=now,
                score=total,
                max_score=maximum,
                percent=percent,
                passed=percent >= pass_mark,
            )
        )
        answer_rows.append(graded)
    created = Attempt.objects.bulk_create(attempt_rows, batch_size=2000)
    responses = [
        Response(
            attempt=attempt,
            position=position,
            question_version_id=qv_id,
            answer=answer,
            answered_at=now,
            score=result.score,
            max_score=result.max_score,
            correct=result.correct,
        )
        for attempt, graded in zip(created, answer_rows, strict=True)
        for position, qv_id, answer, result in graded
    ]
    Response.objects.bulk_create(responses, batch_size=5000)
    return len(responses)


AGGREGATE_SQL = """
SELECT r.question_version_id, count(*), avg(r.score)
FROM assessments_response r JOIN assessments_attempt a ON a.id = r.attempt_id
WHERE a.module_id = %s AND a.status = 'graded' AND a.quiz_id = ANY(%s::bigint[])
GROUP BY 1
"""


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _cleanup(module_id: int) -> None:
    """Delete the synthetic attempts, responses and users (raw SQL: the ORM would collect 100,000 rows)."""
    from django.db import connection

    from assessments.models import AssessmentStatistics

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM assessments_response WHERE attempt_id IN "
            "(SELECT id FROM assessments_attempt WHERE module_id = %s)",
            [module_id],
        )
        cursor.execute(
            "SELECT DISTINCT user_id FROM assessments_attempt WHERE module_id = %s",
            [module_id],
        )
        user_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("DELETE FROM assessments_attempt WHERE module_id = %s", [module_id])
        if user_ids:
            cursor.execute(
                "DELETE FROM accounts_user WHERE id = ANY(%s::bigint[]) AND email LIKE %s",
                [user_ids, "%@bench.local"],
            )
    AssessmentStatistics.objects.filter(module_id=module_id).delete()


def measure(n_responses: int = 100_000, *, runs: int = RUNS) -> dict:
    """Build ``n_responses`` graded responses (10 per attempt) and time item analysis against the floor."""
    from django.db import connection

    from assessments.analysis import statistics_compute
    from courses.models import Module

    quiz = quiz_import()
    module_id = quiz.version.module_id
    Module.objects.filter(pk=module_id).update(is_active=False)  # never shown on the site's pages
    _cleanup(module_id)
    note(f"item analysis: writing {n_responses:,} responses")
    responses = attempts_create(quiz, attempts=max(1, n_responses // DRAW))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE assessments_attempt, assessments_response")
    quiz_ids = [quiz.pk]

    def aggregate() -> None:
        with connection.cursor() as cursor:
            cursor.execute(AGGREGATE_SQL, [module_id, quiz_ids])
            cursor.fetchall()

    def analysis() -> None:
        statistics_compute(module_id=module_id, key=quiz.key)

    try:
        aggregate(), analysis()  # warm the caches and the query plans once
        item_times, sql_times = [], []
        for _ in range(max(runs, 3)):
            item_times.append(_timed(analysis))
            sql_times.append(_timed(aggregate))
        note(f"item analysis runs: {[round(t, 4) for t in item_times]}")
        note(f"aggregate runs: {[round(t, 4) for t in sql_times]}")
    finally:
        _cleanup(module_id)
    item_s, sql_s = statistics.median(item_times), statistics.median(sql_times)
    return {
        "item_analysis_s": round(item_s, 5),
        "sql_aggregate_s": round(sql_s, 5),
        "ratio": round(item_s / sql_s, 2) if sql_s else None,
        "responses": responses,
        "database": connection.vendor,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_RESPONSES:,} responses, 3 runs")
    parser.add_argument("--responses", type=int, default=100_000)
    args = parser.parse_args()
    n = SMOKE_RESPONSES if args.smoke else args.responses
    with bench_database("trainingsite_bench_item_analysis", require_postgres=True):
        result = measure(n, runs=3 if args.smoke else RUNS)
    emit(result)


if __name__ == "__main__":
    main()
