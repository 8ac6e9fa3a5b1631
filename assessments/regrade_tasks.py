"""The regrade task: thin, takes a job id, calls one service. Safe to deliver twice."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from assessments import services
from trainingsite.celery import TRANSIENT_DB_ERRORS as TRANSIENT

logger = logging.getLogger(__name__)


@shared_task(
    name="assessments.regrade_question",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=8,
)
def regrade_question(self, job_id: int) -> None:
    """Regrade for about 20 seconds, then queue the rest; runs on the default (grading) queue."""
    try:
        more = services.regrade_job_run(job_id=job_id)
    except TRANSIENT:
        raise
    except SoftTimeLimitExceeded:
        more = True  # what was committed stays; the next run resumes after it
    except Exception as exc:
        logger.exception("regrade job %s failed", job_id)
        services.regrade_job_fail(job_id=job_id, reason=f"{exc.__class__.__name__}: {exc}")
        return
    if more:
        regrade_question.delay(job_id)
