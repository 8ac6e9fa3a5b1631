"""The item analysis task (reports queue): thin, takes a module id and a key, calls one service.

Safe to deliver twice: a delivery that finds the statistics current does nothing (``statistics_refresh``).
Named like the tasks in ``assessments.tasks`` so the ``*.tasks.*statistics*`` route (settings) sends it to
the reports queue; tests/integration/test_item_analysis.py pins the route.
"""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from assessments import analysis
from assessments.tasks import Doorbell
from trainingsite.celery import TRANSIENT_DB_ERRORS as TRANSIENT

logger = logging.getLogger(__name__)


@shared_task(
    name="assessments.tasks.refresh_statistics",
    bind=True,
    base=Doorbell,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=8,
)
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
