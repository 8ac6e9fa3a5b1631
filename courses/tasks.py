"""Tasks of the learning side: thin, take ids, call one service. Exports run on the reports queue."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from courses import manager_services
from trainingsite.celery import TRANSIENT_DB_ERRORS as TRANSIENT
from trainingsite.tasks import QUEUE_REPORTS, RetryingTask

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
