"""Celery tasks of the evaluation app: thin, take no model instances, call one service."""

from celery import shared_task

from evaluation import mentor_services
from trainingsite.tasks import QUEUE_NOTIFICATIONS, RetryingTask


# Daily (beat), like the module reminders: a repeated or delayed run creates nothing twice (notifications
# are unique per user, kind and key), and the next run covers what a failed one missed.
@shared_task(
    base=RetryingTask, queue_name=QUEUE_NOTIFICATIONS, retry_backoff=30, retry_backoff_max=600, max_retries=5
)
def notify_overdue_checklist_items() -> int:
    """Tell recruits and their mentors about checklist items past their day and not signed off."""
    return mentor_services.checklist_overdue_reminders_send()
