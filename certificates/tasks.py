"""Celery tasks: thin, take ids, call one service. Safe to deliver twice."""

from celery import shared_task
from django.db import transaction

from certificates import services
from trainingsite.celery import TRANSIENT_DB_ERRORS as TRANSIENT

QUEUE = "notifications"


@shared_task(
    name="certificates.evaluate_for_user",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=8,
)
def evaluate_for_user(user_id: int) -> list[int]:
    """Evaluate every certification track for one user; a duplicate delivery issues nothing new."""
    return [c.pk for c in services.certifications_evaluate_for_user(user_id=user_id)]


def evaluate_for_user_on_commit(*, user_id: int) -> None:
    """Queue the evaluation on the notifications queue once the grading transaction has committed.

    ``robust``: a broker outage or an evaluation error never fails the grading that triggered it; the next
    grading evaluates again, since evaluation reads only persisted aggregates.
    """
    transaction.on_commit(lambda: evaluate_for_user.apply_async(args=[user_id], queue=QUEUE), robust=True)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(*TRANSIENT, OSError),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
)
def notify_certificate_issued(certificate_id: int) -> None:
    """Email the holder once; routed to the notifications queue by its name (settings.CELERY_TASK_ROUTES)."""
    services.certificate_notify(certificate_id=certificate_id)
