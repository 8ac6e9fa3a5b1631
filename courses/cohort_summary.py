"""The cohort overview's summaries, computed by a reports task and stored, so the page reads one row.

``cohort_summary_compute`` aggregates the cohort's recruits once for every status × overdue filter of the
overview (``manager_selectors.summary_compute``, two queries each) and stores the numbers in
``CohortSummary.data`` with the day, start date and modules they hold for. The page uses them while they
match (else it computes its own); the recruits' rows of the current page are always read live.

Freshness follows the item analysis (assessments.analysis), with ``requested_at`` (R) and ``computed_at``
(C) on the database clock:

- a change to a recruit's progress calls ``cohort_summary_request_on_commit`` in its transaction. It takes
  a KEY SHARE lock on the summary rows of the recruit's cohorts (creating missing ones); for a fresh row
  (R ≤ C) it sets R = now and queues the task on commit after a debounce countdown. A stale row already
  has a task on its way: nothing more is written, so the progress updates of one cohort never wait for
  each other.
- the task *claims* the row FOR UPDATE, which waits for every transaction holding such a lock to commit,
  and sets C = now; what it reads next includes all of them. A request during the computation moves R;
  the task then queues itself once more. A burst of gradings costs one computation per countdown.
- ``data["as_of"]`` is the claim the stored numbers belong to, which the page shows ("Summary as of").
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from courses import manager_selectors as selectors
from courses.manager_forms import STATUSES
from courses.models import Cohort, CohortSummary

logger = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 30  # a burst of gradings waits this long for one computation
STUCK_AFTER = timedelta(minutes=10)  # stale this long: the task's message was probably lost; send another


def debounce_seconds() -> int:
    return int(getattr(settings, "COHORT_SUMMARY_DEBOUNCE_SECONDS", DEBOUNCE_SECONDS))


def _table() -> str:
    return connection.ops.quote_name(CohortSummary._meta.db_table)


def _aware(value) -> datetime | None:
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):  # SQLite hands back naive UTC
        value = timezone.make_aware(value, UTC)
    return value


# Requests -------------------------------------------------------------------------------------------------


def _computing(computed_at: datetime | None, as_of: str | None) -> bool:
    """A task has claimed the row and is still within its time limit: it will queue itself again."""
    if computed_at is None or (as_of is not None and _aware(as_of) == computed_at):
        return False
    limit = timedelta(seconds=2 * int(getattr(settings, "CELERY_TASK_TIME_LIMIT", 90)))
    return computed_at > timezone.now() - limit


def cohort_summary_request(*, user_id: int) -> list[int]:
    """Mark the summaries of ``user_id``'s cohorts as wanted again, inside the transaction that changed the
    recruit's progress. Returns the cohorts whose task the caller queues on commit (first request since
    the last computation, or a request that looks lost).

    On PostgreSQL one statement (create missing rows, lock and read the others), a second (one UPDATE) when
    a row was fresh, once per debounce.
    """
    postgres = connection.vendor == "postgresql"
    now_sql, params = ("STATEMENT_TIMESTAMP()", []) if postgres else ("%s", [timezone.now()])
    members = connection.ops.quote_name("courses_cohortmembership")
    as_of = "data ->> 'as_of'" if postgres else "json_extract(data, '$.as_of')"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute(
                f"WITH mine AS (SELECT cohort_id FROM {members} WHERE user_id = %s), "  # noqa: S608
                f"created AS (INSERT INTO {_table()} (cohort_id, data, requested_at) "
                f"SELECT cohort_id, '{{}}', {now_sql} FROM mine "
                "ON CONFLICT (cohort_id) DO NOTHING RETURNING cohort_id), "
                f"locked AS (SELECT cohort_id, requested_at, computed_at, {as_of} AS as_of FROM {_table()} "
                "WHERE cohort_id IN (SELECT cohort_id FROM mine) FOR KEY SHARE) "
                "SELECT m.cohort_id, m.cohort_id IN (SELECT cohort_id FROM created), "
                "l.cohort_id IS NOT NULL, l.requested_at, l.computed_at, l.as_of "
                "FROM mine m LEFT JOIN locked l USING (cohort_id)",
                [user_id, *params],
            )
            found = cursor.fetchall()
            created = [c for c, new, _, _, _, _ in found if new]
            rows = [(c, r, d, a) for c, new, seen, r, d, a in found if seen and not new]
            # Created by a transaction that committed while this statement ran: read (and lock) it now.
            unseen = [c for c, new, seen, _, _, _ in found if not new and not seen]
            if unseen:
                cursor.execute(
                    f"SELECT cohort_id, requested_at, computed_at, {as_of} FROM {_table()} "  # noqa: S608
                    f"WHERE cohort_id IN ({', '.join(['%s'] * len(unseen))}) FOR KEY SHARE",
                    unseen,
                )
                rows += cursor.fetchall()
        else:  # SQLite runs one writing transaction at a time: no lock needed
            cursor.execute(
                f"INSERT INTO {_table()} (cohort_id, data, requested_at) "  # noqa: S608
                f"SELECT cohort_id, '{{}}', {now_sql} FROM {members} WHERE user_id = %s "
                "ON CONFLICT (cohort_id) DO NOTHING RETURNING cohort_id",
                [*params, user_id],
            )
            created = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                f"SELECT cohort_id, requested_at, computed_at, {as_of} FROM {_table()} "  # noqa: S608
                f"WHERE cohort_id IN (SELECT cohort_id FROM {members} WHERE user_id = %s)",
                [user_id],
            )
            rows = [row for row in cursor.fetchall() if row[0] not in created]
        rows = [(c, _aware(r), _aware(d), a) for c, r, d, a in rows]
        fresh = [
            c
            for c, requested, computed, _ in rows
            if requested is None or (computed and requested <= computed)
        ]
        stuck = [
            c
            for c, requested, computed, _ in rows
            if c not in fresh and requested is not None and requested < timezone.now() - STUCK_AFTER
        ]
        queued = created + stuck
        if fresh:
            # Re-checked under the row lock: of two requests at once, only one finds the row still fresh.
            cursor.execute(
                f"UPDATE {_table()} SET requested_at = {now_sql} "  # noqa: S608
                f"WHERE cohort_id IN ({', '.join(['%s'] * len(fresh))}) "
                "AND (requested_at IS NULL OR (computed_at IS NOT NULL AND requested_at <= computed_at)) "
                f"RETURNING cohort_id, computed_at, {as_of}",
                [*params, *fresh],
            )
            queued += [
                c
                for c, computed, as_of_text in cursor.fetchall()
                if not _computing(_aware(computed), as_of_text)
            ]
    return sorted(queued)


def cohort_summary_request_on_commit(*, user_id: int) -> None:
    """What progress changes call in their transaction: request, and queue the tasks on commit if first."""
    for cohort_id in cohort_summary_request(user_id=user_id):
        _queue_on_commit(cohort_id=cohort_id, countdown=debounce_seconds())


def cohort_summary_request_all() -> int:
    """Mark every stored summary stale and queue its task (the daily run: overdue counts and the timeline
    move with the date). Returns how many were queued."""
    with transaction.atomic():
        ids = list(CohortSummary.objects.values_list("cohort_id", flat=True))
        CohortSummary.objects.update(
            requested_at=Now() if connection.vendor == "postgresql" else timezone.now()
        )
        for cohort_id in ids:
            _queue_on_commit(cohort_id=cohort_id, countdown=0)
    return len(ids)


def _queue_on_commit(*, cohort_id: int, countdown: int) -> None:
    from courses.tasks import refresh_cohort_summary

    options = {"countdown": countdown} if countdown else {}
    transaction.on_commit(lambda: refresh_cohort_summary.apply_async((cohort_id,), **options))


# Claim, compute, store ------------------------------------------------------------------------------------


def is_current(*, requested_at: datetime | None, computed_at: datetime | None, data: dict) -> bool:
    """The stored numbers include every change requested so far, belong to the latest claim and hold for
    today."""
    as_of = _aware(data.get("as_of")) if isinstance(data, dict) else None
    if computed_at is None or as_of is None or as_of != computed_at:
        return False
    if (data.get("plan") or {}).get("day") != timezone.localdate().isoformat():
        return False
    return requested_at is None or requested_at <= computed_at


def _claim(*, cohort_id: int, force: bool) -> datetime | None:
    """Lock the row (waiting for every transaction that requested it to commit) and set computed_at = now.

    None when the stored numbers are current and ``force`` is off: a duplicate delivery.
    """
    with transaction.atomic():
        postgres = connection.vendor == "postgresql"
        rows = CohortSummary.objects.select_for_update().filter(cohort_id=cohort_id)
        if postgres:
            rows = rows.annotate(db_now=Now())
        row = rows.first()
        if row is None:
            CohortSummary.objects.get_or_create(cohort_id=cohort_id)
            row = rows.get()
        now = row.db_now if postgres else timezone.now()
        # Requests that committed while we waited for the lock are in what we read next.
        now = max(now, row.requested_at) if row.requested_at else now
        if not force and is_current(
            requested_at=row.requested_at, computed_at=row.computed_at, data=row.data
        ):
            return None
        CohortSummary.objects.filter(pk=row.pk).update(computed_at=now)
    return now


def _compute_store(*, cohort: Cohort, as_of: datetime) -> dict:
    today = timezone.localdate()
    modules = selectors.cohort_modules(cohort=cohort)
    filters = {}
    for status in STATUSES:
        for overdue in (False, True):
            numbers = selectors.summary_compute(
                cohort=cohort, modules=modules, status=status, overdue=overdue, today=today
            )
            filters[selectors.summary_key(status, overdue)] = selectors.summary_json(numbers)
    data = {
        "format": selectors.SUMMARY_FORMAT,
        "as_of": as_of.isoformat(),
        "plan": selectors.summary_plan(cohort=cohort, modules=modules, today=today),
        "filters": filters,
        "misconceptions": selectors.cohort_misconceptions(cohort=cohort, modules=modules),
    }
    # A later claim (a second task) stores newer numbers: these are kept only if no claim came after ours.
    CohortSummary.objects.filter(pk=cohort.pk, computed_at=as_of).update(data=data)
    return data


def cohort_summary_compute(*, cohort_id: int) -> CohortSummary:
    """Compute and store the summaries of one cohort now."""
    cohort = Cohort.objects.get(pk=cohort_id)
    as_of = _claim(cohort_id=cohort_id, force=True)
    _compute_store(cohort=cohort, as_of=as_of)  # type: ignore[arg-type]
    return CohortSummary.objects.get(pk=cohort_id)


def cohort_summary_refresh(*, cohort_id: int) -> bool:
    """The task's service: compute if anything was requested since the last claim (or the day changed).

    True when progress changed while it computed: the task then queues itself once more.
    """
    cohort = Cohort.objects.filter(pk=cohort_id).first()
    if cohort is None:  # deleted since the request
        return False
    as_of = _claim(cohort_id=cohort_id, force=False)
    if as_of is None:
        logger.info("summary of cohort %s is current: nothing to do", cohort_id)
        return False
    _compute_store(cohort=cohort, as_of=as_of)
    return CohortSummary.objects.filter(pk=cohort_id, requested_at__gt=F("computed_at")).exists()
