"""Celery tasks: thin, take ids, call one service. Safe to deliver twice.

All on the notifications queue, so a mail outage never delays grading.
"""

from celery import shared_task

from notifications import services
from trainingsite.tasks import QUEUE_NOTIFICATIONS, MailTask, RetryingTask


@shared_task(base=MailTask, queue_name=QUEUE_NOTIFICATIONS)
def send_notification_email(notification_id: int) -> bool:
    """Email one notification; a duplicate delivery finds it emailed and sends nothing."""
    return services.notification_email_send(notification_id=notification_id)


# The daily and hourly runs (beat) wait longer between tries: the next run covers what they miss.
@shared_task(
    base=RetryingTask, queue_name=QUEUE_NOTIFICATIONS, retry_backoff=30, retry_backoff_max=600, max_retries=5
)
def notify_due_dates() -> int:
    """Daily (beat): due-soon and overdue reminders; a second run the same day creates nothing new."""
    return services.due_date_reminders_send()


@shared_task(
    base=RetryingTask, queue_name=QUEUE_NOTIFICATIONS, retry_backoff=30, retry_backoff_max=600, max_retries=5
)
def notify_expiring_certificates() -> int:
    """Daily (beat): reminders for valid certificates expiring within 30 days, once each."""
    return services.expiring_certificate_reminders_send()


@shared_task(
    base=RetryingTask, queue_name=QUEUE_NOTIFICATIONS, retry_backoff=30, retry_backoff_max=600, max_retries=3
)
def send_pending_notification_emails() -> int:
    """Hourly (beat): queue again the emails whose message was lost; the database says what is unsent."""
    ids = services.notification_emails_pending()
    for notification_id in ids:
        send_notification_email.delay(notification_id)
    return len(ids)
