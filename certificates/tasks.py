"""Celery tasks: thin, take ids, call one service. Safe to deliver twice."""

from celery import shared_task
from django.db import transaction

from certificates import services
from trainingsite.tasks import QUEUE_NOTIFICATIONS, MailTask, RetryingTask


@shared_task(base=RetryingTask, queue_name=QUEUE_NOTIFICATIONS)
def evaluate_for_user(user_id: int) -> list[int]:
    """Evaluate every certification track for one user; a duplicate delivery issues nothing new."""
    return [c.pk for c in services.certifications_evaluate_for_user(user_id=user_id)]


@shared_task(name="certificates.evaluate_for_user", base=RetryingTask, queue_name=QUEUE_NOTIFICATIONS)
def evaluate_for_user_old_name(user_id: int) -> list[int]:
    """The name this task had until the release that renamed it: runs messages queued before the deploy.
    Remove in the release after (docs/architecture.md, "Task names")."""
    return evaluate_for_user(user_id)


def evaluate_for_user_on_commit(*, user_id: int) -> None:
    """Queue the evaluation (notifications queue) once the grading transaction has committed.

    ``robust``: a broker outage or an evaluation error never fails the grading that triggered it; the next
    grading evaluates again, since evaluation reads only persisted aggregates.
    """
    transaction.on_commit(lambda: evaluate_for_user.delay(user_id), robust=True)


@shared_task(base=MailTask, queue_name=QUEUE_NOTIFICATIONS)
def notify_certificate_issued(certificate_id: int) -> None:
    """Email the holder once."""
    services.certificate_notify(certificate_id=certificate_id)
