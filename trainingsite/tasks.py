"""The task bases every project task uses, the three queues, and the router that reads a task's queue.

Each task declares its queue in its decorator (``queue_name=QUEUE_GRADING``); nothing is routed by name
pattern. Not Celery's own ``queue=`` task attribute: Celery deprecates it (ignored from 6.0) in favour of
``task_routes``, which here is ``route_to_declared_queue`` reading ``queue_name``.
"""

from __future__ import annotations

import logging
from typing import Any

from celery.contrib.django.task import DjangoTask
from kombu.exceptions import OperationalError as BrokerUnavailable

from trainingsite.celery import TRANSIENT_DB_ERRORS, app

logger = logging.getLogger(__name__)

# Three queues, so a slow report or a mail outage never delays grading. Workers must consume all three.
QUEUE_GRADING = "grading"
QUEUE_NOTIFICATIONS = "notifications"
QUEUE_REPORTS = "reports"
QUEUES = (QUEUE_GRADING, QUEUE_NOTIFICATIONS, QUEUE_REPORTS)


class RetryingTask(DjangoTask):
    """Acknowledged after it ran, put back when its process dies, and retried on transient database errors
    only (connection lost, lock or statement timeout, deadlock) with capped, jittered exponential backoff.

    A task overrides a value in its decorator (``max_retries=5``); anything else it raises is a bug or bad
    data, which the task records instead of retrying.
    """

    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = TRANSIENT_DB_ERRORS
    retry_backoff = 2
    retry_backoff_max = 60
    retry_jitter = True
    max_retries = 8


class MailTask(RetryingTask):
    """Sends email: SMTP errors are transient too (``smtplib.SMTPException`` is an ``OSError``), and a mail
    server gets longer to come back."""

    autoretry_for = (*TRANSIENT_DB_ERRORS, OSError)
    retry_backoff = 5
    retry_backoff_max = 300


class Doorbell(RetryingTask):
    """A task whose message only rings the bell: the row it names is already committed as ``submitted``.

    When Redis cannot take the message, sending logs and returns instead of failing the request that
    committed the row; the sweeper sends it again once Redis is back.
    """

    def apply_async(self, args=None, kwargs=None, *rest, **options):
        try:
            return super().apply_async(args, kwargs, *rest, **options)
        except BrokerUnavailable as exc:
            logger.warning("%s%s not sent (%s); the sweeper will send it again", self.name, args or "", exc)
            return None


def route_to_declared_queue(name: str, args, kwargs, options, task=None, **kw) -> dict[str, Any] | None:
    """``task_routes``: a message goes to the queue its task declares, sent by the task object or by name
    (``send_task``, beat). A queue given at the call (``apply_async(queue=...)``) still wins."""
    if task is None and name not in app.tasks:
        app.autodiscover_tasks(force=True)  # a process that has not imported the apps' tasks modules yet
    queue = getattr(task or app.tasks.get(name), "queue_name", None)
    return {"queue": queue} if queue else None
