"""Celery tasks: thin, take ids, call one service. Safe to deliver twice.

On the notifications queue. A message the rate limit or a transient fault holds back is sent again later
by a new task message with a countdown (countdown scheduling, never a sleep in the worker); the delivery
row counts the real attempts and records the last answer.
"""

from celery import shared_task
from django.conf import settings

from trainingsite.tasks import QUEUE_NOTIFICATIONS, RetryingTask
from workchat import services


@shared_task(base=RetryingTask, queue_name=QUEUE_NOTIFICATIONS)
def send_group_message(delivery_id: int) -> str:
    """Send one group-bot message; a duplicate delivery finds it sent and sends nothing."""
    try:
        return services.delivery_send(delivery_id=delivery_id)
    except services.SendLater as exc:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            return "pending"  # in-process (the demo): no worker to wait; the daily run sends it again
        send_group_message.apply_async((delivery_id,), countdown=exc.countdown)
        return "deferred"


@shared_task(
    base=RetryingTask, queue_name=QUEUE_NOTIFICATIONS, retry_backoff=30, retry_backoff_max=600, max_retries=5
)
def send_cohort_digests() -> int:
    """Daily (beat): each bot's digest once a day, and pending messages whose task message was lost."""
    ids = services.digests_create()
    for delivery_id in ids:
        send_group_message.delay(delivery_id)
    return len(ids)
