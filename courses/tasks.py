"""Tasks of the learning side: thin, take ids, call one service. Exports run on the reports queue."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from courses import cohort_summary, manager_services
from trainingsite.celery import TRANSIENT_DB_ERRORS as TRANSIENT
from trainingsite.tasks import QUEUE_REPORTS, Doorbell, RetryingTask

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    base=RetryingTask,
    queue_name=QUEUE_REPORTS,
    max_retries=5,
    # Under the broker's visibility timeout (settings), so a long export is never delivered twice at once.
    soft_time_limit=120,
    time_limit=150,
)
def run_export(self, job_id: int) -> None:
    """Write one cohort export (an ExportJob id); a failure is recorded on the job for its owner to see."""
    try:
        manager_services.export_job_run(job_id=job_id)
    except TRANSIENT:
        raise
    except SoftTimeLimitExceeded:
        manager_services.export_job_fail(job_id=job_id, reason="the export took longer than 2 minutes")
    except Exception as exc:
        logger.exception("export job %s failed", job_id)
        manager_services.export_job_fail(job_id=job_id, reason=f"{exc.__class__.__name__}: {exc}")


@shared_task(bind=True, base=Doorbell, queue_name=QUEUE_REPORTS)
def refresh_cohort_summary(self, cohort_id: int) -> None:
    """Recompute one cohort overview's stored summaries if its progress changed since the last computation.

    Safe to deliver twice: a delivery that finds the summaries current does nothing.
    """
    try:
        more = cohort_summary.cohort_summary_refresh(cohort_id=cohort_id)
    except SoftTimeLimitExceeded:
        # The claim stays without numbers of its own: the page computes its own until the next request.
        logger.error("summary of cohort %s took longer than the time limit", cohort_id)
        return
    if more:  # progress changed while it computed: once more, after the same debounce
        refresh_cohort_summary.apply_async((cohort_id,), countdown=cohort_summary.debounce_seconds())


@shared_task(base=RetryingTask, queue_name=QUEUE_REPORTS)
def refresh_cohort_summaries() -> int:
    """The daily run: every stored summary again, since overdue counts and the timeline move with the date."""
    return cohort_summary.cohort_summary_request_all()
