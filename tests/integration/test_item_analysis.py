"""Item analysis: hand-checked numbers, flags, the SQL path against the Python path, the debounced refresh,
the task through a real worker, who may see the pages, and pinned query counts."""

from __future__ import annotations

import math
import random
import re
import threading
import time
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from assessments import analysis
from assessments import statistics as st
from assessments.analysis_tasks import refresh_statistics
from assessments.grading import grade_question
from assessments.models import (
    AssessmentStatistics,
    Attempt,
    AttemptStatus,
    Drill,
    DrillKind,
    Quiz,
    Response,
)
from benchmarks.item_analysis import attempts_create, quiz_import
from tests.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "basics-quiz"


@pytest.fixture
def trainer(django_user_model):
    return django_user_model.objects.create_user(
        email="trainer@example.com", password="pw-trainer-123", role=Role.TRAINER
    )


@pytest.fixture
def trainer_client(trainer):
    client = Client()
    client.force_login(trainer)
    return client


@pytest.fixture
def quiz(imported) -> Quiz:
    return Quiz.objects.select_related("version__module").get(version=imported.current_version, key=KEY)


def choice(quiz: Quiz, question: str, *, right: bool) -> list[str]:
    qq = quiz.pool.select_related("question_version").get(question_version__question__key=question)
    return [c["id"] for c in qq.question_version.data["choices"] if c["correct"] == right]


_numbers: dict[int, int] = {}


def graded(quiz: Quiz, user, answers: dict[str, Any]) -> Attempt:
    """A graded attempt at ``quiz`` with these answers by question key, scored by the real graders."""
    _numbers[user.pk] = _numbers.get(user.pk, 0) + 1
    pool = list(quiz.pool.select_related("question_version__question").order_by("position"))
    results = [(qq, answers.get(qq.question_version.question.key)) for qq in pool]
    graded_rows = [(qq, answer, grade_question(qq.question_version.data, answer)) for qq, answer in results]
    total = sum((r.score for _, _, r in graded_rows), Decimal(0))
    maximum = sum((r.max_score for _, _, r in graded_rows), Decimal(0))
    percent = (100 * total / maximum).quantize(Decimal("0.01"))
    attempt = Attempt.objects.create(
        user=user,
        quiz=quiz,
        module_id=quiz.version.module_id,
        number=Attempt.objects.filter(user=user, quiz=quiz).count() + 1,
        status=AttemptStatus.GRADED,
        seed=1,
        submitted_at=timezone.now(),
        graded_at=timezone.now(),
        score=total,
        max_score=maximum,
        percent=percent,
        passed=percent >= quiz.version.pass_mark,
    )
    Response.objects.bulk_create(
        [
            Response(
                attempt=attempt,
                position=i,
                question_version=qq.question_version,
                answer=answer,
                score=result.score,
                max_score=result.max_score,
                correct=result.correct,
            )
            for i, (qq, answer, result) in enumerate(graded_rows, start=1)
        ]
    )
    return attempt


# Numbers on data small enough to check by hand -------------------------------------------------------------


@pytest.fixture
def five_attempts(quiz, recruit):
    """q-definition (single, 1 pt), q-kpis (multiple, 2 pts, partial credit), q-true-false (1 pt)."""
    right_def, wrong_def = choice(quiz, "q-definition", right=True), choice(quiz, "q-definition", right=False)
    kpis_right, kpis_wrong = choice(quiz, "q-kpis", right=True), choice(quiz, "q-kpis", right=False)
    tf_right, tf_wrong = choice(quiz, "q-true-false", right=True), choice(quiz, "q-true-false", right=False)
    rows = [
        # definition, kpis, true/false                         → points of 4, percent
        (right_def[0], kpis_right, tf_right[0]),  # A1: 1 + 2 + 1 → 100
        (right_def[0], kpis_right[:1], tf_wrong[0]),  # A2: 1 + 1 + 0 → 50
        (wrong_def[0], kpis_right, tf_right[0]),  # A3: 0 + 2 + 1 → 75
        (wrong_def[0], kpis_wrong, tf_wrong[0]),  # A4: 0 + 0 + 0 → 0
        (right_def[0], kpis_right, tf_wrong[0]),  # A5: 1 + 2 + 0 → 75
    ]
    return [graded(quiz, recruit, {"q-definition": d, "q-kpis": k, "q-true-false": t}) for d, k, t in rows], (
        right_def,
        wrong_def,
        kpis_right,
        kpis_wrong,
        tf_right,
        tf_wrong,
    )


def by_key(data: dict) -> dict[str, dict]:
    return {q["key"]: q for q in data["questions"]}


def test_numbers_on_hand_made_data(quiz, five_attempts):
    attempts, (right_def, wrong_def, kpis_right, kpis_wrong, tf_right, tf_wrong) = five_attempts
    assert [float(a.percent) for a in attempts] == [100, 50, 75, 0, 75]
    data = analysis.statistics_compute(module_id=quiz.version.module_id, key=KEY).data
    questions = by_key(data)
    assert data["attempts"] == 5
    assert data["responses"] == 15
    assert data["mean_percent"] == pytest.approx(60)
    assert data["pass_rate"] == pytest.approx(3 / 5)  # pass mark 60: A1, A3, A5
    assert data["histogram"]["counts"] == [1, 0, 0, 0, 0, 1, 0, 2, 0, 1]

    definition, kpis, tf = questions["q-definition"], questions["q-kpis"], questions["q-true-false"]
    assert (definition["n"], kpis["n"], tf["n"]) == (5, 5, 5)
    assert definition["facility"] == pytest.approx(3 / 5)
    assert kpis["facility"] == pytest.approx((1 + 0.5 + 1 + 0 + 1) / 5)
    assert tf["facility"] == pytest.approx(2 / 5)
    # 27 % of 5 attempts is one each: the lower group is A4 (0 %), the upper group A1 (100 %).
    assert definition["upper_lower"] == pytest.approx(1 - 0)
    assert tf["upper_lower"] == pytest.approx(1 - 0)
    percents = [100, 50, 75, 0, 75]
    assert definition["point_biserial"] == pytest.approx(pearson([1, 1, 0, 0, 1], percents), abs=1e-9)
    assert kpis["point_biserial"] == pytest.approx(pearson([1, 0.5, 1, 0, 1], percents), abs=1e-9)
    assert tf["point_biserial"] == pytest.approx(pearson([1, 0, 1, 0, 0], percents), abs=1e-9)

    # Cronbach's alpha by its textbook formula: 3 items, item variances over the 5 attempts, totals in points.
    items = {"d": [1, 1, 0, 0, 1], "k": [2, 1, 2, 0, 2], "t": [1, 0, 1, 0, 0]}
    totals = [sum(v[i] for v in items.values()) for i in range(5)]
    expected = 3 / 2 * (1 - sum(variance(v) for v in items.values()) / variance(totals))
    assert data["alpha"] == pytest.approx(expected, abs=1e-9)

    choices = {c["id"]: c["count"] for c in definition["versions"][0]["choices"]}
    assert choices == {right_def[0]: 3, wrong_def[0]: 2}
    kpis_counts = {c["id"]: c["count"] for c in kpis["versions"][0]["choices"]}
    assert kpis_counts == {kpis_right[0]: 4, kpis_right[1]: 3, kpis_wrong[0]: 1}
    tf_counts = {c["id"]: c["count"] for c in tf["versions"][0]["choices"]}
    assert tf_counts == {tf_right[0]: 2, tf_wrong[0]: 3}
    assert data["flagged"] == 0  # five answers each: far too few to flag


def pearson(xs, ys):
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return sxy / math.sqrt(sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys))


def variance(values):
    m = sum(values) / len(values)
    return sum((v - m) ** 2 for v in values) / (len(values) - 1)


def flag_data(quiz, recruit, attempts: int) -> None:
    """q-definition: everyone right (too easy); q-true-false: right only for the weaker half, who get q-kpis
    wrong (negative discrimination); q-kpis: right for the stronger half (fine)."""
    right_def = choice(quiz, "q-definition", right=True)[0]
    kpis_right, kpis_wrong = choice(quiz, "q-kpis", right=True), choice(quiz, "q-kpis", right=False)
    tf_right, tf_wrong = (
        choice(quiz, "q-true-false", right=True)[0],
        choice(quiz, "q-true-false", right=False)[0],
    )
    for i in range(attempts):
        strong = i % 2 == 0  # strong: 1 + 2 + 0 = 75 %; weak: 1 + 0 + 1 = 50 %
        answers = {"q-definition": right_def, "q-kpis": kpis_right if strong else kpis_wrong}
        graded(quiz, recruit, {**answers, "q-true-false": tf_wrong if strong else tf_right})


def test_flags_need_twenty_answers(quiz, recruit):
    flag_data(quiz, recruit, 19)
    data = analysis.statistics_compute(module_id=quiz.version.module_id, key=KEY).data
    assert [q["flags"] for q in data["questions"]] == [[], [], []]
    flag_data(quiz, recruit, 1)
    data = analysis.statistics_compute(module_id=quiz.version.module_id, key=KEY).data
    flags = {q["key"]: q["flags"] for q in data["questions"]}
    assert flags["q-definition"] == ["easy"]
    assert flags["q-kpis"] == []
    assert flags["q-true-false"] == ["negative"]
    assert data["flagged"] == 2


def test_too_hard_is_flagged(quiz, recruit):
    right_def = choice(quiz, "q-definition", right=True)[0]
    for i in range(20):
        tf = choice(quiz, "q-true-false", right=i % 10 == 0)[0]
        graded(
            quiz, recruit, {"q-definition": right_def if i % 3 else None, "q-kpis": [], "q-true-false": tf}
        )
    data = analysis.statistics_compute(module_id=quiz.version.module_id, key=KEY).data
    flags = {q["key"]: q["flags"] for q in data["questions"]}
    assert flags["q-kpis"] == ["hard"]  # nobody answered it
    assert "hard" in flags["q-true-false"]  # 2 of 20 right


# The SQL path and the Python path agree --------------------------------------------------------------------


def assert_close(a: Any, b: Any, path: str = "") -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict), path
        assert set(a) == set(b), path
        for key in a:
            if key not in ("as_of", "method"):
                assert_close(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list), path
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert abs(a - b) <= 1e-9, (path, a, b)
    else:
        assert a == b, (path, a, b)


def both_paths(module_id: int, key: str) -> tuple[dict, dict]:
    target = analysis._target_load(module_id=module_id, key=key)
    now = timezone.now()
    sql = analysis._assemble(target, analysis._gather_sql(target), as_of=now, method="sql")
    python = analysis._assemble(target, analysis._gather_python(target), as_of=now, method="python")
    return sql, python


@pytest.mark.parametrize("seed", [1, 2])
def test_sql_and_python_paths_agree_on_random_data(require_postgres, seed):
    """A pool of 15 with 10 drawn, realistic answers, then regrades, overrides and a blank or two."""
    quiz = quiz_import(slug=f"random-{seed}")
    attempts_create(quiz, attempts=300, seed=seed)
    rng = random.Random(seed)
    responses = list(Response.objects.filter(attempt__quiz=quiz).select_related("question_version"))
    for response in rng.sample(responses, 60):
        response.overridden_at = timezone.now()
        response.score = response.max_score
        response.correct = True
        response.save()
    for response in rng.sample(responses, 40):
        response.graded_with = response.question_version
        response.correct = not response.correct
        response.save()
    for response in rng.sample(responses, 20):
        response.answer, response.score, response.correct = None, Decimal(0), False
        response.save()
    sql, python = both_paths(quiz.version.module_id, quiz.key)
    assert sql["attempts"] == 300
    assert sql["responses"] == 3000
    assert sql["alpha"] is not None
    assert len(sql["questions"]) == 15
    assert any(q["point_biserial"] and q["point_biserial"] < 0 for q in sql["questions"])
    assert_close(sql, python)


def test_sql_and_python_paths_agree_on_the_hand_made_data(require_postgres, quiz, five_attempts):
    sql, python = both_paths(quiz.version.module_id, KEY)
    assert_close(sql, python)


def test_statistics_span_versions_and_keep_per_version_numbers(require_postgres, tmp_path, recruit):
    import shutil

    from courses.authoring.loader import load_tree
    from courses.services import content_import
    from tests.conftest import FIXTURE_CONTENT

    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    content_import(tree=load_tree(root))
    first = Quiz.objects.get(version__module__slug="demo-basics", key=KEY)
    for _ in range(3):
        graded(first, recruit, {"q-definition": choice(first, "q-definition", right=True)[0]})
    source = root / "modules" / "demo-basics.md"
    source.write_text(source.read_text().replace("任何人数超过 500 的群", "任何人数超过 1000 的群"))
    content_import(tree=load_tree(root))
    second = Quiz.objects.exclude(pk=first.pk).get(version__module__slug="demo-basics", key=KEY)
    graded(second, recruit, {"q-definition": choice(second, "q-definition", right=False)[0]})
    sql, python = both_paths(first.version.module_id, KEY)
    assert_close(sql, python)
    definition = by_key(sql)["q-definition"]
    assert definition["n"] == 4
    assert definition["facility"] == pytest.approx(3 / 4)
    assert [(v["n"], v["facility"]) for v in definition["versions"]] == [(3, 1.0), (1, 0.0)]
    kpis = by_key(sql)["q-kpis"]
    assert len(kpis["versions"]) == 1  # unchanged question: one version across both module versions


# Scenario drills -------------------------------------------------------------------------------------------

SCENARIO = {
    "kind": "scenario",
    "pass_mark": 60,
    "start": "s1",
    "order": ["s1", "s2", "good", "bad"],
    "steps": {
        "s1": {
            "html": "<p>第一步</p>",
            "ending": False,
            "choices": [
                {"label_html": "先了解情况", "target": "s2", "points": "2"},
                {"label_html": "直接发广告", "target": "bad", "points": "0"},
            ],
        },
        "s2": {
            "html": "<p>第二步</p>",
            "ending": False,
            "choices": [
                {"label_html": "私聊老成员", "target": "good", "points": "2"},
                {"label_html": "再发红包", "target": "bad", "points": "1"},
            ],
        },
        "good": {"html": "<p>群活跃起来了</p>", "ending": True, "outcome": "good", "choices": []},
        "bad": {"html": "<p>群更安静了</p>", "ending": True, "outcome": "bad", "choices": []},
    },
}


@pytest.fixture
def scenario(imported, recruit):
    drill = Drill.objects.create(
        version=imported.current_version,
        key="first-week",
        kind=DrillKind.SCENARIO,
        title="第一周",
        data=SCENARIO,
    )
    paths = [
        ([("s1", 0), ("s2", 0)], "good", 100),
        ([("s1", 0), ("s2", 1, True)], "bad", 75),
        ([("s1", 0), ("s2", 1)], "bad", 75),
        ([("s1", 1)], "bad", 0),
    ]
    for number, (path, ending, percent) in enumerate(paths, start=1):
        Attempt.objects.create(
            user=recruit,
            drill=drill,
            module=imported,
            number=number,
            status=AttemptStatus.GRADED,
            seed=number,
            percent=Decimal(percent),
            score=Decimal(percent) / 25,
            max_score=Decimal(4),
            passed=percent >= 60,
            state={
                "current": ending,
                "path": [{"step": s, "choice": c, "late": bool(rest)} for s, c, *rest in path],
            },
        )
    return drill


def test_scenario_flow_counts_each_choice_and_ending(scenario):
    data = analysis.statistics_compute(module_id=scenario.version.module_id, key="first-week").data
    assert data["kind"] == "scenario"
    assert data["attempts"] == 4
    assert data["questions"] == []
    steps = {s["id"]: s for s in data["flow"]["steps"]}
    assert [(c["text"], c["count"], c["best"]) for c in steps["s1"]["choices"]] == [
        ("先了解情况", 3, True),
        ("直接发广告", 1, False),
    ]
    assert [(c["count"], c["late"], c["best"]) for c in steps["s2"]["choices"]] == [
        (1, 0, True),
        (2, 1, False),
    ]
    assert {e["id"]: e["count"] for e in data["flow"]["endings"]} == {"good": 1, "bad": 3}


def test_scenario_sql_and_python_paths_agree(require_postgres, scenario):
    sql, python = both_paths(scenario.version.module_id, "first-week")
    assert_close(sql, python)


# Requests, the debounce and the task -----------------------------------------------------------------------


def grading_request(module_id: int, key: str = KEY) -> None:
    """What the grading service does in its transaction after each grading."""
    with transaction.atomic():
        analysis.statistics_request_on_commit(module_id=module_id, key=key)


def test_a_burst_of_gradings_queues_one_task_with_a_countdown(quiz):
    module_id = quiz.version.module_id
    with mock.patch.object(refresh_statistics, "apply_async") as send:
        for _ in range(200):
            grading_request(module_id)
    assert send.call_count == 1
    assert send.call_args.args == ((module_id, KEY),)
    assert send.call_args.kwargs == {"countdown": analysis.DEBOUNCE_SECONDS}
    row = AssessmentStatistics.objects.get(module_id=module_id, key=KEY)
    assert row.requested_at is not None
    assert row.computed_at is None


def test_gradings_during_a_computation_make_the_task_run_once_more(quiz, five_attempts):
    """Gradings that land while the task computes move requested_at; the task then queues itself once:
    two messages for the whole burst, and nothing left stale."""
    module_id = quiz.version.module_id
    sent = []
    gather = "_gather_sql" if connection.vendor == "postgresql" else "_gather_python"
    real_gather = getattr(analysis, gather)

    def during_the_computation(target):
        for _ in range(50):
            grading_request(module_id)
        return real_gather(target)

    with mock.patch.object(
        refresh_statistics, "apply_async", side_effect=lambda *a, **k: sent.append((a, k))
    ):
        for _ in range(50):
            grading_request(module_id)
        assert len(sent) == 1
        with mock.patch.object(analysis, gather, side_effect=during_the_computation):
            refresh_statistics(module_id, KEY)  # the worker's run, in this process
        row = AssessmentStatistics.objects.get(module_id=module_id, key=KEY)
        assert row.is_stale  # the gradings during the computation are not in these numbers …
        assert sent[1] == (((module_id, KEY),), {"countdown": analysis.DEBOUNCE_SECONDS})  # … so once more
        refresh_statistics(module_id, KEY)
        refresh_statistics(module_id, KEY)  # a duplicate delivery: nothing to do
    row.refresh_from_db()
    assert analysis.is_current(
        requested_at=row.requested_at, computed_at=row.computed_at, as_of=analysis.data_as_of(row.data)
    )
    assert len(sent) == 2


def test_a_request_adds_at_most_two_queries_to_a_grading(quiz, django_assert_num_queries):
    module_id = quiz.version.module_id
    with mock.patch.object(refresh_statistics, "apply_async"):
        grading_request(module_id)  # creates the row
        analysis.statistics_refresh(module_id=module_id, key=KEY)
        with transaction.atomic(), django_assert_num_queries(1):
            assert analysis.statistics_request(module_id=module_id, key=KEY)  # fresh: one UPDATE
        with transaction.atomic(), django_assert_num_queries(2):
            assert not analysis.statistics_request(module_id=module_id, key=KEY)  # stale: UPDATE + lock


def test_a_computation_that_died_is_redone(quiz, five_attempts):
    module_id = quiz.version.module_id
    with mock.patch.object(refresh_statistics, "apply_async"):
        grading_request(module_id)
    killed = mock.patch.object(analysis, "_target_load", side_effect=RuntimeError("worker killed"))
    with killed, pytest.raises(RuntimeError):
        analysis.statistics_refresh(module_id=module_id, key=KEY)
    row = AssessmentStatistics.objects.get(module_id=module_id, key=KEY)
    assert not row.is_stale
    assert row.data == {}  # claimed, but no numbers of its own: a redelivery computes again
    with transaction.atomic():  # still within the task's time limit: its redelivery is on its way
        assert not analysis.statistics_request(module_id=module_id, key=KEY)
    hour = timezone.timedelta(hours=1)
    AssessmentStatistics.objects.filter(pk=row.pk).update(
        computed_at=F("computed_at") - hour, requested_at=F("requested_at") - hour
    )
    with transaction.atomic():  # an hour later nothing has computed it: send another message
        assert analysis.statistics_request(module_id=module_id, key=KEY)
    assert analysis.statistics_refresh(module_id=module_id, key=KEY) is False
    row.refresh_from_db()
    assert row.data["attempts"] == 5


def test_a_stale_row_for_too_long_sends_another_task(quiz):
    module_id = quiz.version.module_id
    with mock.patch.object(refresh_statistics, "apply_async") as send:
        grading_request(module_id)
        AssessmentStatistics.objects.filter(module_id=module_id).update(
            requested_at=timezone.now() - analysis.STUCK_AFTER - timezone.timedelta(minutes=1)
        )
        grading_request(module_id)
    assert send.call_count == 2


def test_the_claim_waits_for_a_grading_that_requested_in_an_open_transaction(
    require_postgres, quiz, five_attempts
):
    """A grading's request (stale row: a KEY SHARE lock) holds off the claim until it commits, so the
    computation that follows sees that grading."""
    module_id = quiz.version.module_id
    with mock.patch.object(refresh_statistics, "apply_async"):
        grading_request(module_id)
    events: list[str] = []
    requested = threading.Event()

    def grading() -> None:
        try:
            with transaction.atomic():
                analysis.statistics_request(module_id=module_id, key=KEY)
                requested.set()
                time.sleep(0.5)
                events.append("grading committed")
        finally:
            connection.close()

    def task() -> None:
        try:
            requested.wait(5)
            analysis._claim(module_id=module_id, key=KEY, force=False)
            events.append("claimed")
        finally:
            connection.close()

    threads = [threading.Thread(target=grading), threading.Thread(target=task)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert events == ["grading committed", "claimed"]


@pytest.mark.services
@pytest.mark.worker
def test_the_task_runs_on_a_real_worker(celery_worker_process, quiz, five_attempts, settings):
    settings.STATISTICS_DEBOUNCE_SECONDS = 0
    module_id = quiz.version.module_id
    grading_request(module_id)

    def computed():
        row = AssessmentStatistics.objects.filter(module_id=module_id, key=KEY).first()
        return row if row and row.data.get("attempts") == 5 else None

    row = wait_for(computed, timeout=60)
    assert row.data["method"] == "postgresql"
    assert "refresh_statistics" in celery_worker_process.log.read_text()


def test_the_task_is_routed_to_the_reports_queue():
    from trainingsite.celery import app

    assert refresh_statistics.name == "assessments.analysis_tasks.refresh_statistics"
    route = app.amqp.router.route({}, refresh_statistics.name, task_type=refresh_statistics)
    assert route["queue"].name == "reports"
    assert refresh_statistics.acks_late


@pytest.mark.services
@pytest.mark.worker
def test_a_message_under_the_old_name_is_still_run_by_the_worker(celery_worker_process, quiz, five_attempts):
    """Queued before the deploy that renamed the task: the worker still knows the old name (one release)."""
    from trainingsite.celery import app

    module_id = quiz.version.module_id
    app.send_task("assessments.tasks.refresh_statistics", args=[module_id, KEY])

    def computed():
        row = AssessmentStatistics.objects.filter(module_id=module_id, key=KEY).first()
        return row if row and row.data.get("attempts") == 5 else None

    wait_for(computed, timeout=60)
    assert "Task assessments.tasks.refresh_statistics[" in celery_worker_process.log.read_text()


def test_the_task_computes_in_process_when_eager(quiz, five_attempts):
    refresh_statistics.delay(quiz.version.module_id, KEY)
    assert AssessmentStatistics.objects.get(module_id=quiz.version.module_id, key=KEY).data["attempts"] == 5


# Pages -----------------------------------------------------------------------------------------------------


def page_urls(module_slug: str, question_id: int) -> dict[str, str]:
    return {
        "index": reverse("analysis_index"),
        "index_table": reverse("analysis_index_table"),
        "detail": reverse("analysis_detail", args=[module_slug, KEY]),
        "status": reverse("analysis_status", args=[module_slug, KEY]),
        "question": reverse("analysis_question", args=[module_slug, KEY, question_id]),
    }


@pytest.fixture
def computed(quiz, five_attempts):
    analysis.statistics_compute(module_id=quiz.version.module_id, key=KEY)
    return quiz


def definition_id(quiz) -> int:
    return quiz.pool.get(question_version__question__key="q-definition").question_version.question_id


@pytest.mark.parametrize("who", ["anonymous", "recruit", "manager"])
def test_everybody_but_trainers_gets_404_on_every_url(computed, who, django_user_model, client):
    if who != "anonymous":
        role = Role.RECRUIT if who == "recruit" else Role.MANAGER
        client.force_login(
            django_user_model.objects.create_user(email=f"{who}@x.com", password="pw-x-12345", role=role)
        )
    urls = page_urls(computed.version.module.slug, definition_id(computed))
    for name, url in urls.items():
        assert client.get(url).status_code == 404, name
    refresh = reverse("analysis_refresh", args=[computed.version.module.slug, KEY])
    with mock.patch.object(refresh_statistics, "apply_async") as send:
        assert client.post(refresh).status_code == 404
    send.assert_not_called()


def test_pages_render_for_a_trainer_without_names(trainer_client, computed, recruit):
    urls = page_urls(computed.version.module.slug, definition_id(computed))
    for name, url in urls.items():
        response = trainer_client.get(url)
        assert response.status_code == 200, name
        assert recruit.email not in response.content.decode(), name
    detail = trainer_client.get(urls["detail"]).content.decode()
    assert "<svg" in detail
    assert "q-definition" in detail
    assert "modules/demo-basics.md:" in detail  # the source line of each question
    assert 'data-testid="flag-rules"' in detail
    question = trainer_client.get(urls["question"]).content.decode()
    assert "因共同兴趣聚在一起并持续互动的人" in question


def test_staff_reach_the_pages(computed, django_user_model, client):
    client.force_login(
        django_user_model.objects.create_user(email="s@x.com", password="pw-x-12345", is_staff=True)
    )
    assert client.get(reverse("analysis_index")).status_code == 200


def test_unknown_targets_are_404(trainer_client, computed):
    slug = computed.version.module.slug
    assert trainer_client.get(reverse("analysis_detail", args=[slug, "nope"])).status_code == 404
    assert trainer_client.get(reverse("analysis_detail", args=["nope", KEY])).status_code == 404
    assert trainer_client.get(reverse("analysis_question", args=[slug, KEY, 999999])).status_code == 404
    with mock.patch.object(refresh_statistics, "apply_async"):
        assert trainer_client.post(reverse("analysis_refresh", args=[slug, "nope"])).status_code == 404


def test_refresh_now_queues_the_task_at_once(trainer_client, computed):
    slug = computed.version.module.slug
    with mock.patch.object(refresh_statistics, "apply_async") as send:
        response = trainer_client.post(reverse("analysis_refresh", args=[slug, KEY]))
    assert response.status_code == 302
    assert send.call_args.args == ((computed.version.module_id, KEY),)
    assert send.call_args.kwargs == {}
    page = trainer_client.get(reverse("analysis_detail", args=[slug, KEY])).content.decode()
    assert 'data-state="updating"' in page
    assert "hx-get" in page


def test_the_status_poll_reloads_the_page_once_current(trainer_client, computed):
    slug = computed.version.module.slug
    url = reverse("analysis_status", args=[slug, KEY])
    with mock.patch.object(refresh_statistics, "apply_async"):
        trainer_client.post(reverse("analysis_refresh", args=[slug, KEY]))
    row = AssessmentStatistics.objects.get(module_id=computed.version.module_id, key=KEY)
    since = row.data["as_of"]
    polling = trainer_client.get(url, {"since": since})
    assert "HX-Refresh" not in polling
    assert 'hx-trigger="every 2s"' in polling.content.decode()
    analysis.statistics_refresh(module_id=computed.version.module_id, key=KEY)
    done = trainer_client.get(url, {"since": since})
    assert done["HX-Refresh"] == "true"


def test_a_never_computed_quiz_offers_a_refresh(trainer_client, quiz):
    page = trainer_client.get(
        reverse("analysis_detail", args=[quiz.version.module.slug, KEY])
    ).content.decode()
    assert 'data-state="missing"' in page
    index = trainer_client.get(reverse("analysis_index")).content.decode()
    assert f'data-testid="row-{quiz.version.module.slug}-{KEY}"' in index


def test_scenario_page_shows_the_flow(trainer_client, scenario):
    analysis.statistics_compute(module_id=scenario.version.module_id, key="first-week")
    page = trainer_client.get(reverse("analysis_detail", args=[scenario.version.module.slug, "first-week"]))
    html = page.content.decode()
    assert 'data-testid="step-s1"' in html
    assert 'data-testid="endings"' in html
    assert "先了解情况" in html
    assert "★" in html


# Query counts ----------------------------------------------------------------------------------------------

# Page -> queries, the session and user lookups (2) included. A change here must be a deliberate one.
# Full pages include the header's review-queue badge: one COUNT (the fragments do not render the header).
PINNED = {"index": 6, "index_table": 5, "detail": 4, "status": 3, "question": 4}


def measure(client, urls: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, url in urls.items():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(ctx.captured_queries)
    return counts


def test_page_query_counts_are_pinned_and_do_not_grow(trainer_client, computed, recruit, scenario):
    urls = page_urls(computed.version.module.slug, definition_id(computed))
    assert measure(trainer_client, urls) == PINNED
    for _ in range(30):
        graded(computed, recruit, {"q-definition": choice(computed, "q-definition", right=False)[0]})
    analysis.statistics_compute(module_id=computed.version.module_id, key=KEY)
    analysis.statistics_compute(module_id=scenario.version.module_id, key="first-week")
    assert measure(trainer_client, urls) == PINNED


def test_the_refresh_post_has_a_fixed_query_count(trainer_client, computed, django_assert_max_num_queries):
    with mock.patch.object(refresh_statistics, "apply_async"), django_assert_max_num_queries(8):
        trainer_client.post(reverse("analysis_refresh", args=[computed.version.module.slug, KEY]))


def test_statistics_module_is_pure():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(st))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert not any(name and name.startswith("django") for name in imported)


def test_the_guesser_simulation_is_computed_from_the_published_version(quiz, five_attempts, trainer_client):
    from assessments.guessing import quiz_guessing

    data = analysis.statistics_compute(module_id=quiz.version.module_id, key=KEY).data
    pool = [
        qq.question_version.data for qq in quiz.pool.select_related("question_version").order_by("position")
    ]
    expected = quiz_guessing(
        pool, pass_mark=quiz.version.pass_mark, shuffle_choices=bool(quiz.settings.get("shuffle_choices"))
    )
    assert data["guessing"] == [s.as_json() for s in expected]
    page = trainer_client.get(reverse("analysis_detail", args=[quiz.version.module.slug, KEY]))
    html = page.content.decode()
    assert 'data-testid="guessing"' in html
    for s in expected:
        assert f'data-strategy="{s.strategy}"' in html
    passing = [s.strategy for s in expected if s.passes]
    assert ('role="alert"' in html.split('data-testid="guessing"')[1][:400]) == bool(passing)


def test_the_guesser_simulation_is_kept_while_the_published_pool_is_the_same(quiz, five_attempts):
    from assessments import guessing

    module_id = quiz.version.module_id
    first = analysis.statistics_compute(module_id=module_id, key=KEY).data
    assert first["guessing"]
    with mock.patch.object(guessing, "quiz_guessing", wraps=guessing.quiz_guessing) as simulated:
        again = analysis.statistics_compute(module_id=module_id, key=KEY).data
        assert simulated.call_count == 0  # the same questions and rules: the same expectations
        assert again["guessing"] == first["guessing"]
        assert again["guessing_key"] == first["guessing_key"]
        # A different pool (or pass mark, or shuffle rule) has another key: simulated again.
        AssessmentStatistics.objects.filter(module_id=module_id, key=KEY).update(
            data={**again, "guessing_key": "2:quiz:0:0:1"}
        )
        recomputed = analysis.statistics_compute(module_id=module_id, key=KEY).data
        assert simulated.call_count == 1
    assert recomputed["guessing"] == first["guessing"]


def test_questions_are_named_by_their_stem_not_their_key(trainer_client, computed):
    slug = computed.version.module.slug
    urls = page_urls(slug, definition_id(computed))
    detail = trainer_client.get(urls["detail"]).content.decode()
    row = re.search(r'<tr data-testid="q-q-definition">(.*?)</tr>', detail, re.S).group(1)
    link = re.search(r'<a href="[^"]*/questions/\d+/">(.*?)</a>', row, re.S).group(1)
    assert "q-definition" not in link
    assert "社群" in link
    question = trainer_client.get(urls["question"]).content.decode()
    heading = question.split("<h1>", 1)[1].split("</h1>", 1)[0]
    title = question.split("<title>", 1)[1].split("</title>", 1)[0]
    for text in (heading, title):
        assert "q-definition" not in text
        assert "社群" in text


# Confidence-based marking (#17) ---------------------------------------------------------------------------


def test_confidence_per_question_is_counted_for_quizzes_that_ask_for_it(quiz, five_attempts, trainer_client):
    data = analysis.statistics_compute(module_id=quiz.version.module_id, key=KEY).data
    assert all("confidence" not in q for q in data["questions"])  # the quiz does not ask: nothing counted
    Quiz.objects.filter(pk=quiz.pk).update(settings={**quiz.settings, "confidence": True})
    attempts, _choices = five_attempts
    levels = [
        "high",
        "high",
        "high",
        "medium",
        "low",
    ]  # A1..A5 on q-definition: right, right, wrong, wrong, right
    for attempt, level in zip(attempts, levels, strict=True):
        Response.objects.filter(attempt=attempt).update(confidence=level)
    question = by_key(analysis.statistics_compute(module_id=quiz.version.module_id, key=KEY).data)[
        "q-definition"
    ]
    assert question["confidence"] == {
        "high": {"n": 3, "wrong": 1},
        "medium": {"n": 1, "wrong": 1},
        "low": {"n": 1, "wrong": 0},
    }
    page = trainer_client.get(
        reverse("analysis_question", args=[quiz.version.module.slug, KEY, question["id"]]),
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    table = page.split('data-testid="confidence"')[1].split("</table>")[0]
    assert re.search(
        r'data-level="high"><th scope="row">High</th><td class="num">3</td><td class="num">1</td>', table
    )
    detail = trainer_client.get(
        reverse("analysis_detail", args=[quiz.version.module.slug, KEY]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "1 confidently wrong" in detail
