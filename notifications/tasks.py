"""Celery tasks: thin, take ids, call one service. Safe to deliver twice.

Names matter: ``*.tasks.send_*`` and ``*.tasks.notify_*`` route to the notifications queue
(settings.CELERY_TASK_ROUTES), so a mail outage never delays grading.
"""

from celery import shared_task

from notifications import services
from trainingsite.celery import TRANSIENT_DB_ERRORS as TRANSIENT


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(*TRANSIENT, OSError),  # smtplib.SMTPException is an OSError
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
)
def send_notification_email(notification_id: int) -> bool:
    """Email one notification; a duplicate delivery finds it emailed and sends nothing."""
    return services.notification_email_send(notification_id=notification_id)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def notify_due_dates() -> int:
    """Daily (beat): due-soon and overdue reminders; a second run the same day creates nothing new."""
    return services.due_date_reminders_send()


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def notify_expiring_certificates() -> int:
    """Daily (beat): reminders for valid certificates expiring within 30 days, once each."""
    return services.expiring_certificate_reminders_send()


@shared_task(
    acks_late=True, reject_on_worker_lost=True, autoretry_for=TRANSIENT, retry_backoff=30, max_retries=3
)
def send_pending_notification_emails() -> int:
    """Hourly (beat): queue again the emails whose message was lost; the database says what is unsent."""
    ids = services.notification_emails_pending()
    for notification_id in ids:
        send_notification_email.delay(notification_id)
    return len(ids)
