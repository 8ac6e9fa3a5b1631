"""The guards behind the fault tests, checked in-process: the tries cap, retry from error, the sweeper's
choice, deadline auto-submit, queue routing, the settings invariants and the 503 handler."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Attempt, AttemptStatus
from tests.faults.conftest import submitted_attempts
from tests.unit.site.test_settings import run_manage


@pytest.mark.django_db
def test_a_grading_cut_off_too_often_is_parked_as_error(recruits, imported):
    [attempt_id] = submitted_attempts(module=imported, users=recruits(1), per_user=1)
    Attempt.objects.filter(pk=attempt_id).update(grading_tries=3)
    services.attempt_grade(attempt_id=attempt_id, max_tries=4)
    assert Attempt.objects.get(pk=attempt_id).status == AttemptStatus.GRADED

    [attempt_id] = submitted_attempts(module=imported, users=recruits(1), per_user=1)
    Attempt.objects.filter(pk=attempt_id).update(grading_tries=4)
    services.attempt_grade(attempt_id=attempt_id, max_tries=4)
    attempt = Attempt.objects.get(pk=attempt_id)
    assert attempt.status == AttemptStatus.ERROR
    assert "started 5 times without finishing" in attempt.error


@pytest.mark.django_db(transaction=True)  # the retry's task is sent on commit
def test_retry_sends_only_failed_gradings_back(recruits, imported):
    graded, failed = submitted_attempts(module=imported, users=recruits(1), per_user=2)
    services.attempt_grade(attempt_id=graded)
    assert services.attempt_mark_error(attempt_id=failed, reason="ValueError: broken key")
    assert not services.attempt_mark_error(attempt_id=graded, reason="late duplicate"), "graded stays graded"

    assert not services.attempt_retry(attempt_id=graded)
    assert services.attempt_retry(attempt_id=failed)  # tasks run in-process here: graded at once
    attempt = Attempt.objects.get(pk=failed)
    assert (attempt.status, attempt.error, attempt.grading_tries) == (AttemptStatus.GRADED, "", 1)
    assert not services.attempt_retry(attempt_id=failed)


@pytest.mark.django_db
def test_sweeper_picks_only_attempts_submitted_too_long_ago_oldest_first(recruits, imported):
    old, older, fresh, graded = submitted_attempts(module=imported, users=recruits(1), per_user=4)
    now = timezone.now()
    Attempt.objects.filter(pk=old).update(submitted_at=now - timedelta(minutes=5))
    Attempt.objects.filter(pk=older).update(submitted_at=now - timedelta(minutes=9))
    Attempt.objects.filter(pk=graded).update(
        submitted_at=now - timedelta(minutes=9), status=AttemptStatus.GRADED
    )
    assert services.attempts_sweep(stale_after=timedelta(minutes=2)) == [older, old]
    assert services.attempts_sweep(stale_after=timedelta(minutes=2), limit=1) == [older]
    assert set(services.attempts_sweep(stale_after=timedelta(0))) == {old, older, fresh}


@pytest.mark.django_db(transaction=True)
def test_sweep_task_submits_attempts_past_their_deadline(recruit_client, recruit, imported):
    from assessments.tasks import sweep_attempts
    from tests.integration.test_quiz_flow import start_attempt

    attempt = start_attempt(recruit_client, imported)
    # Past the deadline and its grace for answers in flight (services.DEADLINE_GRACE).
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    sweep_attempts()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED
    assert attempt.submitted_at is not None


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("assessments.tasks.grade_attempt", "grading"),
        ("assessments.tasks.sweep_attempts", "grading"),
        ("certificates.tasks.notify_certificate_issued", "notifications"),
        # Tasks that exist, where these rows named ones that only the removed name patterns matched.
        ("assessments.analysis_tasks.refresh_statistics", "reports"),
        ("courses.tasks.run_export", "reports"),
        ("certificates.tasks.evaluate_for_user", "notifications"),
        ("notifications.tasks.send_notification_email", "notifications"),
        ("assessments.regrade_tasks.regrade_question", "grading"),
    ],
)
def test_tasks_are_routed_to_their_queue(task, queue):
    from trainingsite.celery import app

    assert app.amqp.router.route({}, task, (), {})["queue"].name == queue


def test_settings_refuse_a_visibility_timeout_shorter_than_a_task_can_take():
    from django.conf import settings

    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert visibility > 2 * settings.CELERY_TASK_TIME_LIMIT + settings.GRADING_RETRY_BACKOFF_MAX
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    result = run_manage("check", DEBUG="True", CELERY_TASK_TIME_LIMIT="90", CELERY_VISIBILITY_TIMEOUT="200")
    assert result.returncode != 0
    assert "CELERY_VISIBILITY_TIMEOUT must exceed" in result.stderr


@pytest.mark.django_db
def test_health_without_a_broker_reports_tasks_in_process(client):
    report = client.get(reverse("health")).json()
    assert report == {
        "database": "ok",
        "redis": "not used: tasks run in-process",
        "workers": "in-process",
        "sweeper": "in-process",
        "status": "ok",
    }


def test_database_error_met_outside_a_view_gets_the_503_page():
    from trainingsite.views import server_error

    request = RequestFactory().get("/")
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert "Temporarily unavailable" in response.content.decode()
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(request).status_code == 500


def test_health_with_redis_down_is_degraded_not_down(send_to, client):
    from tests.faults.conftest import free_port

    send_to(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    response = client.get(reverse("health"))
    assert response.status_code == 200, "the site still works: only the database being down is a 503"
    report = response.json()
    assert (report["database"], report["status"]) == ("ok", "degraded")
    assert report["redis"] == "error: ConnectionError"


def test_grading_has_no_test_pause_in_production_code():
    """The fault tests' pause lives in tests/faults/grading_delay.py, loaded only into their workers."""
    import inspect

    from assessments import services

    source = inspect.getsource(services.attempt_grade)
    assert "sleep" not in source
    assert "environ" not in source
    assert services._statistics_request.__module__ == "assessments.services", "not patched in this process"
