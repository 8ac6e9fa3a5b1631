"""Item analysis of a quiz or drill across its versions: computed by a reports task, stored, kept fresh.

``statistics_compute`` reads every graded attempt of one module's quiz (or drill) key and stores the
numbers in ``AssessmentStatistics.data``; pages only read that row. On PostgreSQL one SQL statement
aggregates everything in a single pass over the attempts and responses; elsewhere (SQLite, the no-services
mode) the same numbers are computed in Python by ``assessments.statistics``.

Freshness, with ``requested_at`` (R) and ``computed_at`` (C), both on the database clock (R ≤ C is fresh):

- a grading calls ``statistics_request`` in its transaction. When the row is fresh, one UPDATE sets
  R = now and the caller queues the task on commit, after a debounce countdown. When it is already
  stale, a task is on its way: the grading only takes a KEY SHARE lock on the row (no write, so gradings
  of one quiz never wait for each other).
- the task first *claims*: it locks the row FOR UPDATE, which waits for every grading that requested it
  to commit, and sets C = now. Its reads come after that commit, so they see every one of those gradings.
  A grading that requests while it computes moves R but queues nothing; when the task has stored its
  numbers and finds R moved, it queues itself once more. A burst of gradings costs one computation per
  countdown, at most two messages, and none is ever left out.
- ``data["as_of"]`` is the claim the stored numbers belong to. A claim whose computation died (worker
  killed) leaves ``as_of`` ≠ C: pages say "updating…", the redelivered message computes again, and a
  request after the task's time limit queues a new one.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import strip_tags
from django.utils.text import Truncator

from assessments import guessing
from assessments import statistics as st
from assessments.grading.base import points_of
from assessments.grading.scenario import best_path
from assessments.models import (
    AssessmentStatistics,
    Attempt,
    AttemptStatus,
    Drill,
    DrillKind,
    DrillQuestion,
    QuestionVersion,
    Quiz,
    QuizQuestion,
    Response,
)
from courses.models import Module

logger = logging.getLogger(__name__)

FORMAT = 2  # 2: the guesser simulation (assessments.guessing)
DEBOUNCE_SECONDS = 30  # a burst of gradings waits this long for one computation
STUCK_AFTER = timedelta(minutes=10)  # stale this long: the task's message was probably lost; send another
CHOICE_TYPES = ("single", "multiple", "truefalse")
TYPED_TYPES = ("short", "numeric")
TALLY_NONE, TALLY_CHOICES, TALLY_WRONG_ANSWERS = 0, 1, 2
TEXT_CHARS = 120


def _now():
    """The database's clock on PostgreSQL (every web and worker host compares the same clock)."""
    return Now() if connection.vendor == "postgresql" else timezone.now()


def _table() -> str:
    return connection.ops.quote_name(AssessmentStatistics._meta.db_table)


def debounce_seconds() -> int:
    return int(getattr(settings, "STATISTICS_DEBOUNCE_SECONDS", DEBOUNCE_SECONDS))


# Requests -------------------------------------------------------------------------------------------------


def _state_locked(*, module_id: int, key: str) -> tuple[datetime | None, datetime | None] | None:
    """(requested_at, computed_at), under a KEY SHARE lock on PostgreSQL that a claim waits for."""
    if connection.vendor != "postgresql":  # SQLite runs one writing transaction at a time anyway
        return (
            AssessmentStatistics.objects.filter(module_id=module_id, key=key)
            .values_list("requested_at", "computed_at")
            .first()
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT requested_at, computed_at FROM {_table()} "  # noqa: S608
            "WHERE module_id = %s AND key = %s FOR KEY SHARE",
            [module_id, key],
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


def _row_create_requested(*, module_id: int, key: str) -> bool:
    """Insert the row as requested now; False when a concurrent request inserted it first."""
    postgres = connection.vendor == "postgresql"
    now_sql, params = ("STATEMENT_TIMESTAMP()", []) if postgres else ("%s", [timezone.now()])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table()} "  # noqa: S608
            "(module_id, key, kind, data, attempts_count, responses_count, requested_at) "
            f"VALUES (%s, %s, %s, %s, 0, 0, {now_sql}) ON CONFLICT (module_id, key) DO NOTHING RETURNING id",
            [module_id, key, "quiz", "{}", *params],
        )
        return cursor.fetchone() is not None


def _request_fresh(*, module_id: int, key: str) -> tuple[datetime | None, str | None] | None:
    """Set R = now if the row is fresh; (computed_at, as_of) of the row it updated, or None."""
    postgres = connection.vendor == "postgresql"
    now_sql, params = ("STATEMENT_TIMESTAMP()", []) if postgres else ("%s", [timezone.now()])
    as_of = "data ->> 'as_of'" if postgres else "json_extract(data, '$.as_of')"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table()} SET requested_at = {now_sql} "  # noqa: S608
            "WHERE module_id = %s AND key = %s "
            "AND (requested_at IS NULL OR (computed_at IS NOT NULL AND requested_at <= computed_at)) "
            f"RETURNING computed_at, {as_of}",
            [*params, module_id, key],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    computed = parse_datetime(row[0]) if isinstance(row[0], str) else row[0]
    if computed is not None and timezone.is_naive(computed):  # SQLite hands back naive UTC
        computed = timezone.make_aware(computed, UTC)
    return computed, row[1]


def _computing(computed_at: datetime | None, as_of: str | None) -> bool:
    """A task has claimed the row and is still within its time limit: it will queue itself again."""
    if computed_at is None or (as_of is not None and parse_datetime(as_of) == computed_at):
        return False
    limit = timedelta(seconds=2 * int(getattr(settings, "CELERY_TASK_TIME_LIMIT", 90)))
    return computed_at > timezone.now() - limit


def statistics_request(*, module_id: int, key: str) -> bool:
    """Mark a quiz's or drill's statistics as wanted again, inside a grading's transaction.

    True when this is the first request since the last computation, so the caller queues the task: one
    UPDATE. Two queries when a task is already on its way (see the module docstring).
    """
    fresh = _request_fresh(module_id=module_id, key=key)
    if fresh is not None:
        return not _computing(*fresh)
    state = _state_locked(module_id=module_id, key=key)
    if state is None:
        if _row_create_requested(module_id=module_id, key=key):
            return True
        state = _state_locked(module_id=module_id, key=key)
        if state is None:  # pragma: no cover - deleted between the two statements
            return False
    requested, computed = state
    if requested is None or (computed is not None and requested <= computed):
        # A task claimed the row between our two statements: this grading belongs to its successor.
        fresh = _request_fresh(module_id=module_id, key=key)
        return fresh is not None and not _computing(*fresh)
    return requested < timezone.now() - STUCK_AFTER


def statistics_request_on_commit(*, module_id: int, key: str) -> None:
    """What the grading service calls in its transaction: request, and queue the task on commit if first."""
    if statistics_request(module_id=module_id, key=key):
        _queue_on_commit(module_id=module_id, key=key, countdown=debounce_seconds())


def statistics_refresh_now(*, module_id: int, key: str) -> None:
    """A trainer's "refresh now": mark the statistics stale and queue the task at once, on commit."""
    with transaction.atomic():
        if not AssessmentStatistics.objects.filter(module_id=module_id, key=key).update(requested_at=_now()):
            _row_create_requested(module_id=module_id, key=key)
        _queue_on_commit(module_id=module_id, key=key, countdown=0)


def _queue_on_commit(*, module_id: int, key: str, countdown: int) -> None:
    from assessments.analysis_tasks import refresh_statistics

    options = {"countdown": countdown} if countdown else {}
    transaction.on_commit(lambda: refresh_statistics.apply_async((module_id, key), **options))


# Claim, compute, store ------------------------------------------------------------------------------------


def data_as_of(data: dict) -> datetime | None:
    raw = data.get("as_of") if isinstance(data, dict) else None
    return parse_datetime(raw) if isinstance(raw, str) else None


def is_current(
    *, requested_at: datetime | None, computed_at: datetime | None, as_of: datetime | None
) -> bool:
    """The stored numbers include every grading requested so far and belong to the latest claim."""
    if computed_at is None or as_of is None or as_of != computed_at:
        return False
    return requested_at is None or requested_at <= computed_at


def _claim(*, module_id: int, key: str, force: bool) -> tuple[AssessmentStatistics, datetime] | None:
    """Lock the row (waiting for every grading that requested it to commit) and set computed_at = now.

    None when the stored numbers are current and ``force`` is off: a duplicate delivery.
    """
    with transaction.atomic():
        rows = AssessmentStatistics.objects.select_for_update().filter(module_id=module_id, key=key)
        postgres = connection.vendor == "postgresql"
        if postgres:
            rows = rows.annotate(db_now=Now())
        row = rows.first()
        if row is None:
            AssessmentStatistics.objects.get_or_create(module_id=module_id, key=key)
            row = rows.get()
        now = row.db_now if postgres else timezone.now()
        # Requests that committed while we waited for the lock are in what we read next.
        now = max(now, row.requested_at) if row.requested_at else now
        current = is_current(
            requested_at=row.requested_at, computed_at=row.computed_at, as_of=data_as_of(row.data)
        )
        if current and not force:
            return None
        AssessmentStatistics.objects.filter(pk=row.pk).update(computed_at=now)
        row.computed_at = now
    return row, now


def statistics_compute(*, module_id: int, key: str) -> AssessmentStatistics:
    """Compute the item analysis of one module's quiz or drill ``key`` now, and store it."""
    row, as_of = _claim(module_id=module_id, key=key, force=True)  # type: ignore[misc]
    return _compute_store(row=row, as_of=as_of)


def statistics_refresh(*, module_id: int, key: str) -> bool:
    """The task's service: compute if anything was requested since the last claim.

    True when gradings came in while it computed: the task then queues itself once more.
    """
    claimed = _claim(module_id=module_id, key=key, force=False)
    if claimed is None:
        logger.info("statistics %s/%s are current: nothing to do", module_id, key)
        return False
    row = _compute_store(row=claimed[0], as_of=claimed[1])
    return AssessmentStatistics.objects.filter(pk=row.pk, requested_at__gt=F("computed_at")).exists()


def _compute_store(*, row: AssessmentStatistics, as_of: datetime) -> AssessmentStatistics:
    target = _target_load(module_id=row.module_id, key=row.key)
    gather = _gather_sql if connection.vendor == "postgresql" else _gather_python
    raw = gather(target)
    raw.confidence = _confidence_tally(target)
    data = _assemble(target, raw, as_of=as_of, method=connection.vendor, previous=row.data)
    row.data, row.kind = data, target.kind
    row.attempts_count, row.responses_count = data["attempts"], data["responses"]
    # A later claim (a second task) stores newer numbers: these are kept only if no claim came after ours.
    AssessmentStatistics.objects.filter(pk=row.pk, computed_at=as_of).update(
        data=row.data, kind=row.kind, attempts_count=row.attempts_count, responses_count=row.responses_count
    )
    return row


# What is analysed -----------------------------------------------------------------------------------------


@dataclass
class _Version:
    id: int
    question_id: int
    key: str
    data: dict
    source_path: str
    source_line: int
    created_at: datetime
    content_hash: str
    rank: tuple[int, int]  # (−newest module version holding it, position there): the question order

    @property
    def key_is_one_answer(self) -> bool:
        """A right answer to this choice question is exactly its key: the one right choice, or all of them."""
        right = sum(1 for c in self.data.get("choices") or [] if c.get("correct"))
        return self.data.get("type") == "multiple" or (self.data.get("type") in CHOICE_TYPES and right == 1)

    def tally(self, assessment_kind: str) -> int:
        """What to count of its answers: the choices, the common wrong answers (quizzes only), or nothing.

        A data exercise's numeric answers depend on each attempt's own dataset, so they are not compared.
        """
        kind = self.data.get("type")
        if kind in CHOICE_TYPES:
            return TALLY_CHOICES
        return TALLY_WRONG_ANSWERS if kind in TYPED_TYPES and assessment_kind == "quiz" else TALLY_NONE


@dataclass
class _Target:
    module: Module
    key: str
    kind: str = "quiz"
    title: str = ""
    pass_mark: int = 0
    shuffle_choices: bool = False  # the newest quiz version's setting
    quiz_ids: list[int] = field(default_factory=list)
    cbm_quiz_ids: list[int] = field(default_factory=list)  # versions that asked for confidence
    drill_ids: list[int] = field(default_factory=list)
    versions: dict[int, _Version] = field(default_factory=dict)
    drill_data: dict[int, dict] = field(default_factory=dict)  # scenario graphs by drill id, newest first


def _target_load(*, module_id: int, key: str) -> _Target:
    module_fields = ("version__module__id", "version__module__slug", "version__module__source_path")
    quizzes = list(
        Quiz.objects.filter(version__module_id=module_id, key=key)
        .select_related("version__module")
        .only("id", "title", "settings", "version__number", "version__pass_mark", *module_fields)
        .order_by("-version__number")
    )
    drills = (
        []
        if quizzes
        else list(
            Drill.objects.filter(version__module_id=module_id, key=key)
            .select_related("version__module")
            .only("id", "title", "kind", "data", "version__number", "version__pass_mark", *module_fields)
            .order_by("-version__number")
        )
    )
    if quizzes or drills:
        module = (quizzes or drills)[0].version.module
    else:
        module = Module.objects.only("id", "slug", "source_path").get(pk=module_id)
    target = _Target(module=module, key=key)
    owners: dict[int, int] = {}
    if quizzes:
        target.quiz_ids = [q.pk for q in quizzes]
        target.cbm_quiz_ids = [q.pk for q in quizzes if (q.settings or {}).get("confidence")]
        target.title, target.pass_mark = quizzes[0].title or key, quizzes[0].version.pass_mark
        target.shuffle_choices = bool((quizzes[0].settings or {}).get("shuffle_choices"))
        owners = {q.pk: q.version.number for q in quizzes}
        pool = QuizQuestion.objects.filter(quiz_id__in=target.quiz_ids)
    else:
        if not drills:
            return target
        target.drill_ids = [d.pk for d in drills]
        target.kind = drills[0].kind
        target.title = drills[0].title or key
        target.pass_mark = int(drills[0].data.get("pass_mark") or drills[0].version.pass_mark)
        target.drill_data = {d.pk: d.data for d in drills if d.kind == DrillKind.SCENARIO}
        owners = {d.pk: d.version.number for d in drills}
        if target.kind != DrillKind.DATA:
            return target
        pool = DrillQuestion.objects.filter(drill_id__in=target.drill_ids)
    rows = pool.values_list(
        "quiz_id" if quizzes else "drill_id",
        "position",
        "question_version_id",
        "question_version__question_id",
        "question_version__question__key",
        "question_version__data",
        "question_version__source_path",
        "question_version__source_line",
        "question_version__created_at",
        "question_version__content_hash",
    )
    for owner, position, qv_id, question_id, qkey, data, path, line, created, digest in rows:
        rank = (-owners[owner], position)
        known = target.versions.get(qv_id)
        if known is None:
            target.versions[qv_id] = _Version(
                qv_id, question_id, qkey, data, path, line, created, digest, rank
            )
        elif rank < known.rank:
            known.rank = rank
    if target.kind == DrillKind.DATA:
        for version in target.versions.values():
            version.data = {**version.data, "type": version.data.get("type") or "numeric"}
    return target


# Gathering: one SQL statement on PostgreSQL, or Python over plain rows ------------------------------------


@dataclass
class _Raw:
    summary: st.AttemptSummary
    by_version: dict[int, st.ItemStats]
    by_question: dict[int, st.ItemStats]
    answers: dict[int, list[tuple[Any, bool | None, int]]]  # version -> (answer, correct, responses)
    paths: st.PathTally | None = None
    # Confidence-based marking: question -> level -> (answers, of them wrong)
    confidence: dict[int, dict[str, tuple[int, int]]] = field(default_factory=dict)


# One pass over the graded attempts and their responses, in one statement:
# - the attempts are ranked once (27 % groups, sorted as float8: numeric comparisons are slow) and their
#   percents centred; OFFSET 0 keeps each conversion to one per attempt;
# - responses are grouped by item, score and group, so the per-row work is a hash probe and one shared
#   aggregate state: converting every score to float8 for corr() costs more than the whole plain aggregate;
# - answers are read only where the row does not already tell them: a right answer graded with its own key
#   and not overridden is the key itself (text NULL), a right typed answer is not listed, a blank one is '';
# - a response's maximum is the points of the version that graded it (``graded_with``, else the one served):
#   the graders store exactly that, so the key holds the version id, not a second numeric to hash;
# - every response of these attempts was served from one of their pools, so responses need no filter;
# - the second branch summarises the attempts (one regression state: count, mean, sums of squares of the
#   percents and the totals) and bins their percents. It scans the attempts again: sharing one scan would
#   make the planner hash the responses instead of the attempts. Numeric aggregates are slower still.
ITEMS_SQL = """
WITH att AS NOT MATERIALIZED (
    SELECT a.id, a.percent, a.score, a.passed
    FROM assessments_attempt a
    WHERE a.module_id = %(module)s AND a.status = %(graded)s AND a.percent IS NOT NULL
      AND (a.quiz_id = ANY(%(quizzes)s::bigint[]) OR a.drill_id = ANY(%(drills)s::bigint[]))
)
SELECT 'i' AS part, r.question_version_id, r.score, r.graded_with_id, ranked.grp,
       CASE WHEN r.correct AND ((r.graded_with_id IS NULL AND r.overridden_at IS NULL{undecided})
                                OR r.question_version_id = ANY(%(typed)s::bigint[])) THEN NULL
            WHEN r.question_version_id = ANY(%(tallied)s::bigint[]) THEN coalesce(r.answer #>> '{{}}', '')
       END AS answer_text,
       count(*) AS n, avg(ranked.dp), var_samp(ranked.dp), NULL::float8, NULL::float8
FROM assessments_response r
JOIN (
    SELECT id, pct - 50 AS dp,
           CASE WHEN row_number() OVER w <= (27 * count(*) OVER () + 50) / 100 THEN 1
                WHEN row_number() OVER w > count(*) OVER () - (27 * count(*) OVER () + 50) / 100 THEN 2
                ELSE 0 END AS grp
    FROM (SELECT id, percent::float8 AS pct FROM att OFFSET 0) converted WINDOW w AS (ORDER BY pct, id)
) ranked ON ranked.id = r.attempt_id
WHERE r.score IS NOT NULL
GROUP BY 2, 3, 4, 5, 6
UNION ALL
SELECT 's', NULL, NULL, NULL, CASE WHEN GROUPING(bin) = 1 THEN -1 ELSE bin END, NULL,
       count(*), regr_avgx(total, pct), regr_sxx(total, pct), regr_syy(total, pct), avg(passed::int)::float8
FROM (
    SELECT pct, total, passed,
           CASE WHEN pct >= 0 AND pct <= 100 THEN LEAST(floor(pct / 10)::int, 9) END AS bin
    FROM (SELECT percent::float8 AS pct, score::float8 AS total, passed FROM att OFFSET 0) converted
) b
GROUP BY ROLLUP (bin)
"""
UNDECIDED_SQL = " AND r.question_version_id <> ALL(%(undecided)s::bigint[])"

PATHS_SQL = """
WITH att AS (
    SELECT a.drill_id, a.state FROM assessments_attempt a
    WHERE a.module_id = %(module)s AND a.status = %(graded)s AND a.percent IS NOT NULL
      AND a.drill_id = ANY(%(drills)s::bigint[])
)
SELECT 'c', drill_id, e->>'step', (e->>'choice')::int, count(*), count(*) FILTER (WHERE e->'late' = 'true')
FROM att, jsonb_array_elements(CASE WHEN jsonb_typeof(state->'path') = 'array' THEN state->'path'
                                    ELSE '[]'::jsonb END) AS e
WHERE jsonb_typeof(e) = 'object' AND jsonb_typeof(e->'step') = 'string'
  AND jsonb_typeof(e->'choice') = 'number' AND (e->>'choice') ~ '^[0-9]{1,6}$'
GROUP BY 2, 3, 4
UNION ALL
SELECT 'e', drill_id, state->>'current', NULL, count(*), 0 FROM att
WHERE jsonb_typeof(state) = 'object' AND jsonb_typeof(state->'current') = 'string'
GROUP BY 2, 3
"""


def _answer_of(version: _Version, text: str) -> Any:
    """An answer read back from its text (``#>>``): a multiple's list is JSON, anything else the string."""
    if version.data.get("type") == "multiple" and text.startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _key_answer(version: _Version) -> Any:
    right = [c["id"] for c in version.data.get("choices") or [] if c.get("correct")]
    return right if version.data.get("type") == "multiple" else (right[0] if right else None)


def _summary(
    n: int, *, mean: float | None, sxx: float | None, syy: float | None, pass_rate: float | None, histogram
) -> st.AttemptSummary:
    """The attempts' summary from one regression state: Σ squares of the percents (sxx) and totals (syy)."""

    def variance(squares: float | None) -> float | None:
        if n < 2 or squares is None:
            return None
        return 0.0 if squares <= st.SPREAD_EPSILON else squares / (n - 1)

    spread = variance(sxx)
    return st.AttemptSummary(
        attempts=n,
        mean_percent=mean,
        sd_percent=None if spread is None else spread**0.5,
        pass_rate=pass_rate,
        total_variance=variance(syy),
        histogram=histogram,
    )


def _points_of_graders(target: _Target, graders: set[int]) -> dict[int, float]:
    """Points by question version: the pool's, and those of versions that regraded answers (one query, only
    when a regrade used a version outside the pools)."""
    points = {v.id: float(points_of(v.data)) for v in target.versions.values()}
    missing = graders - set(points)
    if missing:
        for pk, data in QuestionVersion.objects.filter(pk__in=missing).values_list("pk", "data"):
            points[pk] = float(points_of(data))
    return points


def _gather_sql(target: _Target) -> _Raw:
    versions = list(target.versions.values())
    choices = [v for v in versions if v.tally(target.kind) == TALLY_CHOICES]
    undecided = [v.id for v in choices if not v.key_is_one_answer]
    params = {
        "module": target.module.pk,
        "graded": AttemptStatus.GRADED,
        "quizzes": target.quiz_ids,
        "drills": target.drill_ids,
        "tallied": [v.id for v in versions if v.tally(target.kind)],
        "typed": [v.id for v in versions if v.tally(target.kind) == TALLY_WRONG_ANSWERS],
        "undecided": undecided,
    }
    histogram = [0] * (len(st.HISTOGRAM_EDGES) - 1)
    raw = _Raw(st.attempts_summary([]), {}, {}, defaultdict(list))
    groups: dict[int, list[st.ScoreGroup]] = defaultdict(list)
    with transaction.atomic(), connection.cursor() as cursor:
        # The planner cannot know how few groups there are; with the default work_mem it would sort the
        # responses on disk instead of hashing them.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(ITEMS_SQL.format(undecided=UNDECIDED_SQL if undecided else ""), params)
        rows = cursor.fetchall()
        points = _points_of_graders(target, {row[3] for row in rows if row[0] == "i" and row[3] is not None})
        for part, qv, score, graded_with, grp, text, n, f1, f2, f3, f4 in rows:
            if part == "s":
                if grp == -1:
                    raw.summary = _summary(n, mean=f1, sxx=f2, syy=f3, pass_rate=f4, histogram=histogram)
                elif grp is not None:
                    histogram[grp] = n
                continue
            version = target.versions.get(qv)
            maximum = points.get(graded_with or qv, 0.0)
            if version is None or maximum <= 0:
                continue
            groups[qv].append(st.ScoreGroup(float(score), maximum, grp, n, f1, (f2 or 0.0) * (n - 1)))
            tally = version.tally(target.kind)
            if tally == TALLY_CHOICES:
                answer = _key_answer(version) if text is None else _answer_of(version, text)
                raw.answers[qv].append((answer, text is None, n))
            elif tally == TALLY_WRONG_ANSWERS and text is not None:
                raw.answers[qv].append((text, False, n))
        if target.drill_data:
            cursor.execute(PATHS_SQL, params)
            paths, endings = {}, {}
            for part, drill_id, step, choice, n, late in cursor.fetchall():
                if part == "c":
                    paths[(drill_id, step, choice)] = (n, late)
                else:
                    endings[(drill_id, step)] = n
            raw.paths = st.PathTally(paths, endings)
    by_question: dict[int, list[st.ScoreGroup]] = defaultdict(list)
    for qv, version_groups in groups.items():
        raw.by_version[qv] = st.item_stats_from_groups(version_groups)  # type: ignore[assignment]
        by_question[target.versions[qv].question_id].extend(version_groups)
    for question_id, question_groups in by_question.items():
        raw.by_question[question_id] = st.item_stats_from_groups(question_groups)  # type: ignore[assignment]
    return raw


def _gather_python(target: _Target) -> _Raw:
    owner = Q(quiz_id__in=target.quiz_ids) | Q(drill_id__in=target.drill_ids)
    attempts = Attempt.objects.filter(
        owner, module_id=target.module.pk, status=AttemptStatus.GRADED, percent__isnull=False
    )
    attempt_rows = list(attempts.values_list("id", "percent", "score", "passed"))
    percents = {pk: float(percent) for pk, percent, _, _ in attempt_rows}
    rows = list(
        Response.objects.filter(
            attempt__in=attempts.values("id"),
            question_version_id__in=list(target.versions),
            score__isnull=False,
            max_score__gt=0,
        ).values_list("attempt_id", "question_version_id", "score", "max_score", "answer", "correct")
    )
    scored = [(a, qv, float(score), float(maximum)) for a, qv, score, maximum, _, _ in rows]
    question_of = {v.id: v.question_id for v in target.versions.values()}
    raw = _Raw(
        summary=st.attempts_summary(
            [(float(p), float(s) if s is not None else None, passed) for _, p, s, passed in attempt_rows]
        ),
        by_version=st.items_analyse(percents, scored),  # type: ignore[arg-type]
        by_question=st.items_analyse(percents, [(a, question_of[qv], s, m) for a, qv, s, m in scored]),  # type: ignore[arg-type]
        answers=defaultdict(list),
    )
    tallies = {v.id: v.tally(target.kind) for v in target.versions.values()}
    for _, qv, _, _, answer, correct in rows:
        if tallies[qv]:
            raw.answers[qv].append((answer, correct, 1))
    if target.drill_data:
        raw.paths = st.scenario_tally(attempts.values_list("drill_id", "state"))
    return raw


def _confidence_tally(target: _Target) -> dict[int, dict[str, tuple[int, int]]]:
    """Per question and confidence level, the graded answers given and how many of them were wrong (no
    points), over the attempts at the quiz versions that asked for confidence. No query when none did."""
    if not target.cbm_quiz_ids:
        return {}
    rows = (
        Response.objects.filter(
            attempt__quiz_id__in=target.cbm_quiz_ids,
            attempt__module_id=target.module.pk,
            attempt__status=AttemptStatus.GRADED,
            question_version_id__in=list(target.versions),
            score__isnull=False,
        )
        .exclude(confidence="")
        .order_by()
        .values_list("question_version_id", "confidence")
        .annotate(n=Count("pk"), wrong=Count("pk", filter=Q(score__lte=0)))
    )
    tally: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for qv, level, n, wrong in rows:
        question = tally[target.versions[qv].question_id]
        before = question.get(level, (0, 0))
        question[level] = (before[0] + n, before[1] + wrong)
    return dict(tally)


def _confidence_json(levels: dict[str, tuple[int, int]]) -> dict[str, Any]:
    return {level: {"n": n, "wrong": wrong} for level, (n, wrong) in levels.items()}


# Assembling the stored record -----------------------------------------------------------------------------


def _text(html: str, chars: int = TEXT_CHARS) -> str:
    return Truncator(" ".join(strip_tags(html or "").split())).chars(chars)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 12)


def _stats_json(stats: st.ItemStats | None) -> dict[str, Any]:
    if stats is None:
        return {"n": 0, "facility": None, "point_biserial": None, "upper_lower": None, "flags": []}
    return {
        "n": stats.n,
        "facility": _round(stats.facility),
        "point_biserial": _round(stats.point_biserial),
        "upper_lower": _round(stats.upper_lower),
        "flags": stats.flags,
    }


def _version_json(version: _Version, raw: _Raw, kind: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": version.id,
        "hash": version.content_hash[:8],
        "created_at": version.created_at.isoformat(),
        "source_line": version.source_line,
        **_stats_json(raw.by_version.get(version.id)),
    }
    answers = raw.answers.get(version.id, [])
    tally = version.tally(kind)
    if tally == TALLY_CHOICES:
        choices = version.data.get("choices") or []
        counted = st.choice_counts([(a, n) for a, _, n in answers], [c["id"] for c in choices])
        row["choices"] = [
            {
                "id": c["id"],
                "text": _text(c.get("html", ""), 80),
                "correct": bool(c.get("correct")),
                "count": counted.counts[c["id"]],
            }
            for c in choices
        ]
        row["blank"], row["other"] = counted.blank, counted.other
    elif tally == TALLY_WRONG_ANSWERS:
        wrong = [(a, n) for a, correct, n in answers if correct is not True]
        row["wrong_answers"] = [list(pair) for pair in st.common_answers(wrong)]
        row["blank"] = sum(n for a, n in wrong if st.is_blank(a))
    return row


def _questions_json(target: _Target, raw: _Raw) -> list[dict[str, Any]]:
    by_question: dict[int, list[_Version]] = defaultdict(list)
    for version in target.versions.values():
        by_question[version.question_id].append(version)
    questions = []
    for question_id, versions in by_question.items():
        versions.sort(key=lambda v: (v.created_at, v.id))
        latest = min(versions, key=lambda v: (v.rank, -v.id))
        answered = [v for v in versions if v.id in raw.by_version]
        if not answered and latest.rank[0] != min(v.rank[0] for v in target.versions.values()):
            continue  # dropped before anyone answered it
        questions.append(
            {
                "id": question_id,
                "key": latest.key,
                "type": latest.data.get("type", ""),
                "points": latest.data.get("points"),
                "stem_html": latest.data.get("stem_html", ""),
                "stem_text": _text(latest.data.get("stem_html", "")),
                "source_path": latest.source_path,
                "source_line": latest.source_line,
                "rank": list(latest.rank),
                **_stats_json(raw.by_question.get(question_id)),
                "versions": [_version_json(v, raw, target.kind) for v in versions],
            }
        )
        if question_id in raw.confidence:
            questions[-1]["confidence"] = _confidence_json(raw.confidence[question_id])
    questions.sort(key=lambda q: (q["rank"], q["key"]))
    return questions


def _best_choice(step: str, steps: dict) -> int | None:
    try:
        return best_path(step, steps)[1][0][1]
    except (ValueError, IndexError, KeyError, TypeError):
        return None


def _flow_json(target: _Target, paths: st.PathTally) -> dict[str, Any]:
    """Each step of the newest version with its choices' counts; older versions' choices match by label."""
    newest_id = target.drill_ids[0]
    newest = target.drill_data.get(newest_id) or {}
    steps = newest.get("steps") or {}
    order = [s for s in newest.get("order") or list(steps) if s in steps]

    def label(drill_id: int, step: str, index: int) -> str:
        graph = (target.drill_data.get(drill_id) or {}).get("steps") or {}
        choices = graph.get(step, {}).get("choices") or []
        return _text(choices[index].get("label_html", ""), 80) if index < len(choices) else f"#{index + 1}"

    taken: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for (drill_id, step, index), (n, late) in paths.choices.items():
        counts = taken[step].setdefault(label(drill_id, step, index), [0, 0])
        counts[0] += n
        counts[1] += late
    flow_steps = []
    for sid in order:
        step = steps[sid]
        if step.get("ending"):
            continue
        best = _best_choice(sid, steps)
        counted = taken.pop(sid, {})
        rows = []
        for index, choice in enumerate(step.get("choices") or []):
            text = _text(choice.get("label_html", ""), 80)
            n, late = counted.pop(text, [0, 0])
            rows.append(
                {
                    "text": text,
                    "target": choice.get("target", ""),
                    "points": choice.get("points"),
                    "count": n,
                    "late": late,
                    "best": index == best,
                }
            )
        older = {"target": "", "points": None, "best": False, "older": True}
        rows += [{"text": text, "count": n, "late": late, **older} for text, (n, late) in counted.items()]
        visits = sum(r["count"] for r in rows)
        flow_steps.append({"id": sid, "text": _text(step.get("html", "")), "visits": visits, "choices": rows})
    ending_counts: dict[str, int] = defaultdict(int)
    for (_, sid), n in paths.endings.items():
        ending_counts[sid] += n
    endings = []
    for sid in [s for s in order if steps[s].get("ending")] + sorted(set(ending_counts) - set(order)):
        step = steps.get(sid) or {}
        endings.append(
            {
                "id": sid,
                "text": _text(step.get("html", "")) or sid,
                "outcome": step.get("outcome", ""),
                "count": ending_counts.get(sid, 0),
            }
        )
    return {"steps": flow_steps, "endings": endings}


def _assemble(
    target: _Target, raw: _Raw, *, as_of: datetime, method: str, previous: dict | None = None
) -> dict[str, Any]:
    summary = raw.summary
    questions = _questions_json(target, raw)
    responses = sum(stats.n for stats in raw.by_question.values())
    alpha = st.alpha_from_variances(
        items_per_attempt=responses / summary.attempts if summary.attempts else 0,
        item_variances=[(stats.n, stats.score_variance) for stats in raw.by_question.values()],
        total_variance=summary.total_variance,
        attempts=summary.attempts,
    )
    data: dict[str, Any] = {
        "format": FORMAT,
        "as_of": as_of.isoformat(),
        "method": method,
        "kind": target.kind,
        "title": target.title,
        "pass_mark": target.pass_mark,
        "source_path": target.module.source_path,
        "thresholds": {
            "min_responses": st.MIN_RESPONSES,
            "easy_above": st.EASY_ABOVE,
            "hard_below": st.HARD_BELOW,
            "group_percent": st.GROUP_PERCENT,
        },
        "attempts": summary.attempts,
        "responses": responses,
        "mean_percent": _round(summary.mean_percent),
        "sd_percent": _round(summary.sd_percent),
        "pass_rate": _round(summary.pass_rate),
        "alpha": _round(alpha),
        "items_per_attempt": _round(responses / summary.attempts) if summary.attempts and responses else None,
        "histogram": {"edges": list(st.HISTOGRAM_EDGES), "counts": summary.histogram},
        "questions": questions,
        "flagged": sum(1 for q in questions if q["flags"]),
    }
    if raw.paths is not None:
        data["flow"] = _flow_json(target, raw.paths)
    # The guessers' expectations depend only on the newest version's questions (immutable by id) and rules,
    # not on the answers: kept from the previous computation while those are the same.
    key = _guessing_key(target)
    previous = previous if isinstance(previous, dict) else {}
    if key and previous.get("guessing_key") == key and isinstance(previous.get("guessing"), list):
        data["guessing"] = previous["guessing"]
    else:
        data["guessing"] = _guessing_json(target)
    data["guessing_key"] = key
    return data


def _newest_pool(target: _Target) -> list[_Version]:
    newest = min(v.rank[0] for v in target.versions.values())
    return sorted((v for v in target.versions.values() if v.rank[0] == newest), key=lambda v: v.rank)


def _guessing_key(target: _Target) -> str:
    """What ``_guessing_json`` reads, as a string ("" when it reads nothing)."""
    if target.kind == "quiz" and target.versions:
        ids = ",".join(str(v.id) for v in _newest_pool(target))
        return f"{FORMAT}:quiz:{target.pass_mark}:{int(target.shuffle_choices)}:{ids}"
    if target.kind == DrillKind.SCENARIO and target.drill_data:
        return f"{FORMAT}:scenario:{target.pass_mark}:{next(iter(target.drill_data))}"
    return ""


def _guessing_json(target: _Target) -> list[dict[str, Any]]:
    """Could a guesser pass the newest published version? One row per strategy (assessments.guessing)."""
    try:
        if target.kind == "quiz" and target.versions:
            pool = _newest_pool(target)
            scores = guessing.quiz_guessing(
                [v.data for v in pool], pass_mark=target.pass_mark, shuffle_choices=target.shuffle_choices
            )
        elif target.kind == DrillKind.SCENARIO and target.drill_data:
            newest_data = next(iter(target.drill_data.values()))
            scores = guessing.scenario_guessing(newest_data, pass_mark=target.pass_mark)
        else:
            return []
    except (ValueError, KeyError, TypeError):
        return []
    return [s.as_json() for s in scores]
