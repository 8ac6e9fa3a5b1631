"""Spaced review at scale (issue #17): selecting today's cards for one recruit, scheduling an answer, and the
managers' recall page for a cohort of 100 and of 10,000 recruits × 300 cards, against a trivial view
measured in the same run.

The content is the dashboard benchmark's 8 synthetic modules (``benchmarks.dashboard.course_build``), whose
single-choice question is copied into 300 questions spread over the modules and their skill areas. Cards are
inserted in SQL with FSRS-shaped state (stability 1-60 days, difficulty 1-10, last review up to 30 days ago,
some due); the recruits' and cohorts' recall rows are then computed by the real nightly service
(``retention.services.recall_refresh_all``), timed.

Prints one JSON line: ``queries`` and ``render_ms`` (recruits → value) of the recall page,
``ratio_10000_to_100``, ``trivial_view_ms`` (the floor), ``select_queries`` and ``select_ms`` (cards → value:
the recruit's review plan and serving the next card), ``schedule_ms`` (FSRS scheduling of one answer, pure),
``grade_ms`` (the worker's whole grading of one answer: grader, FSRS, card, recall row),
``recall_refresh_s`` (the nightly refresh over every card) and ``cards``. See docs/benchmarks.md, "Reviews".
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.dashboard import _render, _urlconf, course_build
from benchmarks.support import bench_database, emit, note

SIZES = (100, 10_000)
SMOKE_SIZES = (5, 30)
CARDS = 300
SMOKE_CARDS = 20
SELECT_SIZES = (30, 300)
CHUNK = 1_000

_CARDS_SQL = """
    INSERT INTO retention_reviewcard (user_id, question_id, question_version_id, module_id, skill_area, state,
        step, stability, difficulty, due, last_review, reviews, lapses, created_at)
    SELECT u.id, q.qid, q.vid, q.mid, q.skill, 2, NULL, 1 + random() * 59, 1 + random() * 9,
        now() + (random() * 20 - 5) * interval '1 day', now() - random() * 30 * interval '1 day', 3, 0, now()
    FROM unnest(%(users)s::bigint[]) AS u(id)
    CROSS JOIN unnest(%(qids)s::bigint[], %(vids)s::bigint[], %(mids)s::bigint[], %(skills)s::text[])
        AS q(qid, vid, mid, skill)
"""


def questions_build(n: int) -> list[tuple[int, int, int, str]]:
    """``n`` questions (copies of one imported single-choice question) over the synthetic modules:
    (question id, version id, module id, skill area)."""
    from assessments.models import Question, QuestionVersion
    from courses.models import Module

    with tempfile.TemporaryDirectory(prefix="bench-reviews-") as folder:
        course_build(root=Path(folder))
    template = QuestionVersion.objects.filter(data__type="single").first()
    modules = list(Module.objects.order_by("pk"))
    questions = Question.objects.bulk_create(
        [Question(module=modules[i % len(modules)], key=f"review-{i}") for i in range(n)]
    )
    versions = QuestionVersion.objects.bulk_create(
        [QuestionVersion(question=q, content_hash=f"review-{q.pk}", data=template.data) for q in questions]
    )
    area = {m.pk: m.skill_area for m in modules}
    return [(q.pk, v.pk, q.module_id, area[q.module_id]) for q, v in zip(questions, versions, strict=True)]


def recruits_build(*, prefix: str, n: int, questions) -> list[int]:
    """``n`` recruits with one card per question, inserted in SQL in chunks."""
    from django.db import connection

    from accounts.models import User

    ids: list[int] = []
    for first in range(0, n, CHUNK):
        users = User.objects.bulk_create(
            [
                User(username=f"{prefix}{i}", email=f"{prefix}{i}@bench.example", password="!")
                for i in range(first, min(first + CHUNK, n))
            ]
        )
        with connection.cursor() as cursor:
            cursor.execute(
                _CARDS_SQL,
                {
                    "users": [u.pk for u in users],
                    "qids": [q[0] for q in questions],
                    "vids": [q[1] for q in questions],
                    "mids": [q[2] for q in questions],
                    "skills": [q[3] for q in questions],
                },
            )
        ids += [u.pk for u in users]
    return ids


def cohort_build(*, manager, course, user_ids: list[int], size: int):
    from django.utils import timezone

    from courses.models import Cohort, CohortMembership

    cohort = Cohort.objects.create(
        name=f"复习批次（{size} 人）", course=course, start_date=timezone.localdate()
    )
    cohort.managers.add(manager)
    CohortMembership.objects.bulk_create(
        [CohortMembership(cohort=cohort, user_id=u) for u in user_ids], batch_size=CHUNK
    )
    return cohort


def _median_ms(fn, repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _select(user, repeats: int) -> tuple[int, float]:
    """Queries and median time of today's selection for one recruit: the plan, then serving the next card
    (the served answer is removed again, so every round selects from the same cards)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from retention import selectors, services
    from retention.models import ReviewAnswer

    def once() -> None:
        plan = selectors.review_plan(user=user)
        answer = services.review_next(user=user, limit=plan.limit)
        ReviewAnswer.objects.filter(pk=answer.pk).delete()

    with CaptureQueriesContext(connection) as ctx:
        once()
    queries = len(ctx.captured_queries) - 1  # the benchmark's own delete
    return queries, _median_ms(once, repeats)


def _schedule_ms(repeats: int) -> float:
    from django.utils import timezone

    from retention import scheduling

    now = timezone.now()
    card = scheduling.new_card(now=now)
    ratings = list(scheduling.Rating)
    rng = random.Random(7)
    started = time.perf_counter()
    for _ in range(repeats):
        scheduling.schedule(card, rating=rng.choice(ratings), at=card.due + timedelta(days=rng.randint(0, 9)))
    return (time.perf_counter() - started) * 1000 / repeats


def _grade_ms(user, repeats: int) -> float:
    """The worker's grading of one answer (pure grader, FSRS, the card, the recruit's recall rows)."""
    from django.utils import timezone

    from retention import services
    from retention.models import AnswerStatus, ReviewAnswer, ReviewCard

    timings = []
    for _ in range(repeats):
        ReviewCard.objects.filter(user=user).update(due=timezone.now() - timedelta(minutes=1))
        answer = services.review_next(user=user, limit=10**6)
        data = answer.question_version.data
        ReviewAnswer.objects.filter(pk=answer.pk).update(
            status=AnswerStatus.SUBMITTED,
            answer=data["choices"][0]["id"],
            submitted_at=timezone.now(),
            response_ms=15_000,
        )
        started = time.perf_counter()
        services.review_answer_grade(answer_id=answer.pk)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def run(*, sizes: tuple[int, ...], cards: int, select_sizes: tuple[int, ...], repeats: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client, override_settings
    from django.urls import reverse

    from accounts.models import Role, User
    from courses.models import Course
    from retention import services

    note(f"content: {cards} questions")
    questions = questions_build(max(cards, *select_sizes))
    course = Course.objects.first()
    manager = User.objects.create_user(email="manager@bench.example", password="!", role=Role.MANAGER)
    cohorts = {}
    for size in sizes:
        started = time.monotonic()
        ids = recruits_build(prefix=f"r{size}-", n=size, questions=questions[:cards])
        cohorts[size] = cohort_build(manager=manager, course=course, user_ids=ids, size=size)
        note(f"built {size} recruits × {cards} cards in {time.monotonic() - started:.1f}s")
    selectors_users = {
        n: User.objects.get(pk=recruits_build(prefix=f"s{n}-", n=1, questions=questions[:n])[0])
        for n in select_sizes
    }
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM retention_reviewcard")
        total_cards = cursor.fetchone()[0]
    result: dict[str, Any] = {"cards": total_cards}
    started = time.perf_counter()
    services.recall_refresh_all()
    result["recall_refresh_s"] = round(time.perf_counter() - started, 3)
    note(f"nightly recall refresh over {total_cards} cards: {result['recall_refresh_s']}s")

    result["select_queries"], result["select_ms"] = {}, {}
    for n, user in selectors_users.items():
        queries, ms = _select(user, repeats)
        result["select_queries"][str(n)], result["select_ms"][str(n)] = queries, round(ms, 3)
    result["schedule_ms"] = round(_schedule_ms(repeats * 40), 4)
    result["grade_ms"] = round(_grade_ms(selectors_users[max(select_sizes)], repeats), 3)

    client = Client()
    client.force_login(manager)
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(ROOT_URLCONF=_urlconf(), STORAGES=storages):
        urls = {size: reverse("manager_cohort_recall", args=[cohorts[size].pk]) for size in sizes}
        page = _render(client, urls, sizes, repeats)
    result.update(page)
    smallest, largest = str(min(sizes)), str(max(sizes))
    result["ratio_10000_to_100"] = round(result["render_ms"][largest] / result["render_ms"][smallest], 3)
    result["queries_identical"] = len(set(result["queries"].values())) == 1
    result["select_queries_identical"] = len(set(result["select_queries"].values())) == 1
    result["sizes"] = list(sizes)
    result["cards_per_recruit"] = cards
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    args = parser.parse_args(argv)
    try:
        with bench_database("trainingsite_bench_reviews", require_postgres=True) as vendor:
            if vendor != "postgresql":
                print("benchmarks.reviews needs PostgreSQL", file=sys.stderr)
                return 3
            result = run(
                sizes=SMOKE_SIZES if args.smoke else SIZES,
                cards=SMOKE_CARDS if args.smoke else CARDS,
                select_sizes=SELECT_SIZES,
                repeats=5 if args.smoke else 25,
            )
    except Exception as exc:
        import psycopg

        if isinstance(exc, psycopg.OperationalError):
            print(f"PostgreSQL does not answer: {exc}", file=sys.stderr)
            return 3
        raise
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
