"""Fault 4: PostgreSQL becomes unreachable for a few seconds. Grading tasks retry with backoff and grade
everything once it is back; the web answers a clear 503 page (and ``/health/`` a 503), never a traceback.

The real PostgreSQL keeps running: the worker and the web server reach it through a proxy the test cuts.
"""

from __future__ import annotations

import http.client
import sys
import time

import pytest
from django.urls import reverse

from assessments.models import AttemptStatus
from tests.faults.conftest import free_port, grading_counts, submitted_attempts, wait_until
from tests.integration.test_quiz_flow import correct_answers, start_attempt

pytestmark = [pytest.mark.services, pytest.mark.worker]

OUTAGE_S = 5


def test_gradings_retry_through_an_outage_and_all_are_graded(
    private_redis, send_to, workers, pg_proxy, client, recruit, imported
):
    from assessments.tasks import grade_attempt

    redis = private_redis(appendonly=False)
    send_to(redis.url)
    # Backoff capped at 1 s and more retries, so the retries surely outlast the outage and the test stays
    # short. In production the cap is 60 s and 6 retries; what outlasts them the sweeper queues again.
    retries = {"GRADING_RETRY_BACKOFF_MAX_SECONDS": "1", "GRADING_MAX_RETRIES": "60"}
    # Persistent connections, as docs/operations.md advises for workers: the outage breaks them under the
    # worker, which must notice (Django's health check between tasks) and reconnect.
    worker = workers(
        redis.url, concurrency=2, db_url=pg_proxy.database_url(), DB_CONN_MAX_AGE="60", **retries
    )
    warm = submitted_attempts(module=imported, users=[recruit], per_user=4)  # the pool processes connect
    for attempt_id in warm:
        grade_attempt.delay(attempt_id)
    wait_until(lambda: grading_counts(warm) == {AttemptStatus.GRADED: 4}, 20, "graded before the outage")
    client.force_login(recruit)
    ids = []
    pg_proxy.cut()
    cut_at = time.monotonic()
    for _ in range(3):  # the site itself still reaches the database: the recruit submits as usual
        attempt = start_attempt(client, imported)
        response = client.post(reverse("attempt_submit", args=[attempt.pk]), correct_answers(attempt))
        assert response.status_code == 302
        ids.append(attempt.pk)

    wait_until(lambda: "Retry in" in worker.log.read_text(), 20, "a grading retried")
    time.sleep(max(0.0, cut_at + OUTAGE_S - time.monotonic()))
    assert grading_counts(ids) == {AttemptStatus.SUBMITTED: 3}, "nothing graded, nothing marked error"
    pg_proxy.restore()

    wait_until(lambda: grading_counts(ids) == {AttemptStatus.GRADED: 3}, 40, "graded after the outage")
    log = worker.log.read_text()
    assert "OperationalError" in log
    assert "marked error" not in log
    assert "raised unexpected" not in log, "no task gave up"


def http_get(port: int, path: str, cookie: str = "") -> tuple[int, str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = conn.getresponse()
    body = response.read().decode()
    conn.close()
    return response.status, response.getheader("Content-Type", ""), body


def test_web_answers_503_while_the_database_is_unreachable(
    pg_proxy, processes, client, recruit, imported, tmp_path
):
    port = free_port()
    web = processes(
        [sys.executable, "-m", "gunicorn", "trainingsite.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"],
        tmp_path / "gunicorn.log",
        DATABASE_URL=pg_proxy.database_url(),
        DB_TEST_NAME="",
        DEBUG="False",
        SECRET_KEY="fault-test-" + "k" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="False",
    )

    def up() -> bool:
        try:
            return http_get(port, "/health/")[0] == 200
        except OSError:
            return False

    wait_until(up, 30, "gunicorn answering")
    client.force_login(recruit)
    cookie = f"sessionid={client.cookies['sessionid'].value}"  # a signed-in recruit's session

    pg_proxy.cut()
    status, content_type, body = http_get(port, "/health/")
    assert status == 503
    assert content_type == "application/json"
    assert '"database": "error: OperationalError"' in body
    for path, cookie_sent in [(reverse("catalogue"), ""), (reverse("progress"), cookie)]:
        status, content_type, body = http_get(port, path, cookie_sent)
        assert status == 503, path
        assert content_type.startswith("text/html")
        assert "Temporarily unavailable" in body
        assert "Traceback" not in body
        assert "OperationalError" not in body

    pg_proxy.restore()
    assert http_get(port, "/health/")[0] == 200
    assert "Traceback" not in web.log.read_text(), "the outage was logged as a warning, not as a crash"
