"""Celery tasks: thin, take ids, call one service. Safe to deliver twice."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError

from assessments import services

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=8,
)
def grade_attempt(self, attempt_id: int) -> None:
    """Grade one submitted attempt; a duplicate delivery finds it graded and does nothing."""
    try:
        services.attempt_grade(attempt_id=attempt_id)
    except TRANSIENT:
        raise
    except SoftTimeLimitExceeded:
        services.attempt_mark_error(attempt_id=attempt_id, reason="grading took longer than the time limit")
    except Exception as exc:
        logger.exception("grading attempt %s failed", attempt_id)
        services.attempt_mark_error(attempt_id=attempt_id, reason=f"{exc.__class__.__name__}: {exc}")


@shared_task
def sweep_attempts() -> int:
    """Submit attempts past their deadline, and re-queue attempts left ``submitted`` too long.

    The database, not Redis, decides what is graded.
    """
    services.attempts_expire()
    ids = services.attempts_sweep(stale_after=settings.GRADING_STALE_AFTER)
    for attempt_id in ids:
        grade_attempt.delay(attempt_id)
    return len(ids)
