"""Celery tasks of the spaced review: thin, take ids, call one service, safe to deliver twice."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from retention import services
from trainingsite.tasks import QUEUE_GRADING, QUEUE_NOTIFICATIONS, QUEUE_REPORTS, Doorbell, RetryingTask


@shared_task(base=Doorbell, queue_name=QUEUE_GRADING)
def grade_review_answer(answer_id: int) -> bool:
    """Grade one review answer and schedule its card; a duplicate delivery changes nothing."""
    return services.review_answer_grade(answer_id=answer_id) is not None


@shared_task(base=RetryingTask, queue_name=QUEUE_NOTIFICATIONS)
def create_review_cards(user_id: int, module_id: int) -> int:
    """A passed module's questions become the recruit's review cards, once."""
    return services.cards_create(user_id=user_id, module_id=module_id)


def cards_create_on_commit(sender=None, *, user_id: int, module_id: int, **kwargs) -> None:
    """Receiver of ``courses.signals.module_passed``: queue the cards once the grading has committed.
    ``robust``: a broker outage never fails the grading; the daily run creates missed cards."""
    transaction.on_commit(lambda: create_review_cards.delay(user_id, module_id), robust=True)


@shared_task(
    base=RetryingTask, queue_name=QUEUE_NOTIFICATIONS, retry_backoff=30, retry_backoff_max=600, max_retries=5
)
def notify_reviews_due() -> int:
    """Daily (beat): tell recruits with due cards that their review waits, once a day each."""
    services.cards_backfill()
    return services.reviews_notify_due()


@shared_task(
    base=RetryingTask, queue_name=QUEUE_REPORTS, retry_backoff=30, retry_backoff_max=600, max_retries=5
)
def refresh_recall() -> int:
    """Daily (beat): predicted recall moves with the date; recompute every recruit's and cohort's rows."""
    return services.recall_refresh_all()


@shared_task(base=RetryingTask, queue_name=QUEUE_GRADING, max_retries=3)
def sweep_review_answers() -> int:
    """Beat: send again the grading of review answers whose message Redis lost (the database is the truth)."""
    ids = services.review_answers_sweep()
    for answer_id in ids:
        grade_review_answer.delay(answer_id)
    return len(ids)
