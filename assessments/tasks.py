"""Celery tasks: thin, take ids, call one service. Safe to deliver twice.

Retries only on transient database errors (connection lost, lock or statement timeout, deadlock), with
exponential backoff and a cap; anything else a grader raises parks that one attempt as ``error``.
"""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from assessments import services
from trainingsite.celery import TRANSIENT_DB_ERRORS as TRANSIENT
from trainingsite.celery import sweep_mark
from trainingsite.tasks import QUEUE_GRADING, Doorbell

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    base=Doorbell,
    queue_name=QUEUE_GRADING,
    retry_backoff_max=settings.GRADING_RETRY_BACKOFF_MAX,
    max_retries=settings.GRADING_MAX_RETRIES,
)
def grade_attempt(self, attempt_id: int) -> None:
    """Grade one submitted attempt; a duplicate delivery finds it graded and does nothing."""
    try:
        services.attempt_grade(attempt_id=attempt_id, max_tries=settings.GRADING_MAX_TRIES)
    except TRANSIENT:
        raise
    except SoftTimeLimitExceeded:
        services.attempt_mark_error(attempt_id=attempt_id, reason="grading took longer than the time limit")
    except Exception as exc:
        logger.exception("grading attempt %s failed", attempt_id)
        services.attempt_mark_error(attempt_id=attempt_id, reason=f"{exc.__class__.__name__}: {exc}")


@shared_task(queue_name=QUEUE_GRADING)
def sweep_attempts() -> int:
    """Submit attempts past their deadline, and re-queue attempts left ``submitted`` too long.

    The database, not Redis, decides what is graded.
    """
    expired = services.attempts_expire()
    ids = services.attempts_sweep(stale_after=settings.GRADING_STALE_AFTER)
    for attempt_id in ids:
        grade_attempt.delay(attempt_id)
    sweep_mark()
    if ids or expired:
        logger.info("sweep: %d attempts past their deadline submitted, %d re-queued", len(expired), len(ids))
    return len(ids)
