"""The regrade task: thin, takes a job id, calls one service. Safe to deliver twice."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from assessments import services
from trainingsite.celery import TRANSIENT_DB_ERRORS as TRANSIENT
from trainingsite.tasks import QUEUE_GRADING, RetryingTask

logger = logging.getLogger(__name__)


@shared_task(bind=True, base=RetryingTask, queue_name=QUEUE_GRADING)
def regrade_question(self, job_id: int) -> None:
    """Regrade for about 20 seconds, then queue the rest."""
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


@shared_task(name="assessments.regrade_question", base=RetryingTask, queue_name=QUEUE_GRADING)
def regrade_question_old_name(job_id: int) -> None:
    """The name this task had until the release that renamed it: runs messages queued before the deploy.
    Remove in the release after (docs/architecture.md, "Task names")."""
    regrade_question(job_id)
