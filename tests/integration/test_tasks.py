"""Every task: its true name, the queue it declares, the retry policy it inherits from one base, and the
old names still registered for one release so messages queued before a deploy are not lost."""

from __future__ import annotations

from django.db import InterfaceError, OperationalError

from trainingsite.celery import app
from trainingsite.tasks import QUEUES, MailTask, RetryingTask

# Registered under an old name for one release (docs/architecture.md, "Task names"): old name → new name.
OLD_NAMES = {
    "assessments.tasks.refresh_statistics": "assessments.analysis_tasks.refresh_statistics",
    "assessments.regrade_question": "assessments.regrade_tasks.regrade_question",
    "certificates.evaluate_for_user": "certificates.tasks.evaluate_for_user",
}
DB = {OperationalError, InterfaceError}
MAIL = {*DB, OSError}

# name: queue, retried on, backoff factor, backoff cap (s), max retries. The values the copied decorators
# had before the one base; grading's come from settings (GRADING_RETRY_BACKOFF_MAX, GRADING_MAX_RETRIES).
POLICY = {
    "assessments.tasks.grade_attempt": ("grading", DB, 2, 60, 6),
    "assessments.tasks.sweep_attempts": ("grading", set(), None, None, 3),
    "assessments.regrade_tasks.regrade_question": ("grading", DB, 2, 60, 8),
    "assessments.analysis_tasks.refresh_statistics": ("reports", DB, 2, 60, 8),
    "courses.tasks.run_export": ("reports", DB, 2, 60, 5),
    "courses.tasks.refresh_cohort_summary": ("reports", DB, 2, 60, 8),
    "courses.tasks.refresh_cohort_summaries": ("reports", DB, 2, 60, 8),  # the daily run, idempotent
    "certificates.tasks.evaluate_for_user": ("notifications", DB, 2, 60, 8),
    "certificates.tasks.notify_certificate_issued": ("notifications", MAIL, 5, 300, 8),
    "notifications.tasks.send_notification_email": ("notifications", MAIL, 5, 300, 8),
    "notifications.tasks.notify_due_dates": ("notifications", DB, 30, 600, 5),
    "notifications.tasks.notify_expiring_certificates": ("notifications", DB, 30, 600, 5),
    "notifications.tasks.send_pending_notification_emails": ("notifications", DB, 30, 600, 3),
    "evaluation.tasks.notify_overdue_checklist_items": ("notifications", DB, 30, 600, 5),
    "trainingsite.celery.noop": ("grading", set(), None, None, 3),
    "retention.tasks.grade_review_answer": ("grading", DB, 2, 60, 8),
    "retention.tasks.sweep_review_answers": ("grading", DB, 2, 60, 3),
    "retention.tasks.create_review_cards": ("notifications", DB, 2, 60, 8),
    "retention.tasks.notify_reviews_due": ("notifications", DB, 30, 600, 5),
    "retention.tasks.refresh_recall": ("reports", DB, 30, 600, 5),
    # A group-bot message retries 5xx, timeouts and rate limits itself (countdown, attempts on its row).
    "workchat.tasks.send_group_message": ("notifications", DB, 2, 60, 8),
    "workchat.tasks.send_cohort_digests": ("notifications", DB, 30, 600, 5),
}


def project_tasks() -> dict:
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_every_task_is_named_after_its_module_and_function_or_is_an_old_name():
    for name, task in project_tasks().items():
        true_name = f"{type(task).__module__}.{type(task).__name__}"
        if name in OLD_NAMES:
            assert type(task).__name__.endswith("_old_name")
            assert OLD_NAMES[name] in app.tasks
        else:
            assert name == true_name


def test_every_task_declares_one_of_the_three_queues_and_a_send_by_name_goes_there():
    for name, task in project_tasks().items():
        assert getattr(task, "queue", None) is None, (
            f"{name}: Celery's queue attribute is deprecated, declare queue_name"
        )
        assert task.queue_name in QUEUES, name
        assert app.amqp.router.route({}, name, (), {})["queue"].name == task.queue_name, name


def test_an_old_name_keeps_the_queue_and_the_retry_policy_of_the_task_it_runs():
    for old, new in OLD_NAMES.items():
        alias, task = app.tasks[old], app.tasks[new]
        assert (alias.queue_name, alias.autoretry_for, alias.max_retries) == (
            task.queue_name,
            task.autoretry_for,
            task.max_retries,
        )


def test_each_task_keeps_the_retry_policy_its_own_decorator_had():
    tasks = {name: task for name, task in project_tasks().items() if name not in OLD_NAMES}
    assert set(tasks) == set(POLICY)
    for name, (queue, retried_on, backoff, cap, max_retries) in POLICY.items():
        task = tasks[name]
        assert task.queue_name == queue, name
        assert set(getattr(task, "autoretry_for", ())) == retried_on, name
        assert task.max_retries == max_retries, name
        assert task.acks_late, name
        assert task.reject_on_worker_lost, name
        if retried_on:
            assert isinstance(task, RetryingTask), name
            assert (task.retry_backoff, task.retry_backoff_max, task.retry_jitter) == (backoff, cap, True), (
                name
            )
            assert hasattr(task, "_orig_run"), f"{name}: Celery wrapped run() with the autoretry"
        assert isinstance(task, MailTask) == (retried_on == MAIL), name
