"""The item analysis task (reports queue): thin, takes a module id and a key, calls one service.

Safe to deliver twice: a delivery that finds the statistics current does nothing (``statistics_refresh``).
"""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from assessments import analysis
from trainingsite.tasks import QUEUE_REPORTS, Doorbell

logger = logging.getLogger(__name__)


@shared_task(bind=True, base=Doorbell, queue_name=QUEUE_REPORTS)
def refresh_statistics(self, module_id: int, key: str) -> None:
    """Recompute one quiz's or drill's item analysis if anything was graded since the last computation."""
    try:
        more = analysis.statistics_refresh(module_id=module_id, key=key)
    except SoftTimeLimitExceeded:
        # The claim stays without numbers of its own: pages say "updating…", the next grading asks again.
        logger.error("item analysis of %s/%s took longer than the time limit", module_id, key)
        return
    if more:  # graded while it computed: once more, after the same debounce
        refresh_statistics.apply_async((module_id, key), countdown=analysis.debounce_seconds())


@shared_task(name="assessments.tasks.refresh_statistics", base=Doorbell, queue_name=QUEUE_REPORTS)
def refresh_statistics_old_name(module_id: int, key: str) -> None:
    """The name this task had until the release that renamed it: runs messages queued before the deploy.
    Remove in the release after (docs/architecture.md, "Task names")."""
    refresh_statistics(module_id, key)
