"""Fault 3: the same grading task is delivered twice at once. One score, one progress update, one
certificate, one notification and one email of each kind (the result, the certificate).

Two pool processes take the two messages together; the test-only pause keeps the first inside its
transaction while the second waits for the row lock, then finds the attempt graded and does nothing.
"""

from __future__ import annotations

import re

import pytest

from assessments.models import Attempt, AttemptStatus
from certificates.models import Certificate
from courses.models import Course, CourseModule, Level, ModuleProgress
from notifications.models import Kind, Notification
from tests.faults.conftest import submitted_attempts, wait_until

pytestmark = [pytest.mark.services, pytest.mark.worker]


def subjects(directory) -> list[str]:
    if not directory.exists():
        return []
    return sorted(
        line
        for f in directory.glob("*")
        for line in f.read_text().splitlines()
        if line.startswith("Subject: ")
    )


def test_duplicate_delivery_at_once_scores_once(
    private_redis, send_to, workers, recruits, imported, tmp_path
):
    from assessments.tasks import grade_attempt

    course = Course.objects.create(
        slug="fault-track",
        title="故障测试认证",
        level=Level.JUNIOR,
        certification={"modules": [imported.slug], "pass_mark": 60},
    )
    CourseModule.objects.create(course=course, module=imported, position=0)
    redis = private_redis(appendonly=False)
    send_to(redis.url)
    [user] = recruits(1)
    [attempt_id] = submitted_attempts(module=imported, users=[user], per_user=1)
    outbox = tmp_path / "mail"
    worker = workers(redis.url, concurrency=2, grading_delay_s=1.5, EMAIL_FILE_PATH=str(outbox))

    grade_attempt.delay(attempt_id)
    grade_attempt.delay(attempt_id)

    def settled() -> bool:
        log = worker.log.read_text()
        return (
            log.count("grade_attempt[") >= 4  # two received, two finished
            # and after them the certificate check, its notification and the two emails
            and log.count("succeeded") >= 6
            and len(subjects(outbox)) >= 2
            and not redis.queued("grading")
            and not redis.queued("notifications")
        )

    wait_until(settled, 40, "both deliveries, the certificate check and the emails done")
    log = worker.log.read_text()
    assert log.count("assessments.tasks.grade_attempt[") == 4
    assert log.count(f"attempt {attempt_id} graded:") == 1
    assert log.count(f"attempt {attempt_id} is graded: nothing to grade") == 1
    attempt = Attempt.objects.get(pk=attempt_id)
    assert (attempt.status, attempt.percent) == (AttemptStatus.GRADED, 100)
    runs = [float(m) for m in re.findall(r"grade_attempt\[[^]]+\] succeeded in ([0-9.]+)s", log)]
    assert len(runs) == 2
    assert min(runs) >= 1.0, "both ran at once: the duplicate waited for the row lock"
    assert ModuleProgress.objects.get(user=user, module=imported).quiz_attempts == 1
    assert Certificate.objects.filter(user=user, course=course).count() == 1
    assert log.count("certificates.tasks.notify_certificate_issued[") == 2  # received, succeeded: once
    assert Notification.objects.filter(user=user, kind=Kind.GRADED).count() == 1
    assert Notification.objects.filter(user=user, kind=Kind.CERTIFICATE_ISSUED).count() == 1
    sent = subjects(outbox)
    assert len(sent) == 2, sent
    assert len(set(sent)) == 2, sent
