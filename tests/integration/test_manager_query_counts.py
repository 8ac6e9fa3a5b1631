"""Every manager page runs a fixed number of queries, whatever the cohort's size and history: pinned here."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.integration.test_manager_access import _side, cohort_urls, job_urls
from tests.integration.test_manager_helpers import logged_in, make_course

pytestmark = pytest.mark.django_db

# page -> queries, the session and user lookups (2) included. A change here must be a deliberate one.
PINNED = {
    "cohorts": 3,
    "cohort_create": 3,
    "overview": 10,  # … the confidently wrong answers per skill area (#17), the latest 转正答辩 per recruit
    "overview_sorted": 10,
    "people": 7,
    "recruit": 9,  # enrolment, modules, skill areas, attempts with drills, certificates…
    "attempt": 5,
    "compare": 6,
    "export_job": 4,
    "export_progress": 3,
}
COHORT_PAGES = ["overview", "overview_sorted", "people", "recruit", "attempt", "compare"]
JOB_PAGES = ["export_job", "export_progress"]


def pages(side) -> dict[str, str]:
    cohort = [
        url for method, url in cohort_urls(side.cohort.pk, side.recruits, side.attempt, side.invitation)
    ]
    job = [url for method, url in job_urls(side.job)]
    return {
        "cohorts": reverse("manager_cohorts"),
        "cohort_create": reverse("manager_cohort_create"),
        **dict(zip(COHORT_PAGES, cohort[: len(COHORT_PAGES)], strict=True)),
        **dict(zip(JOB_PAGES, job[: len(JOB_PAGES)], strict=True)),
    }


def measure(side) -> dict[str, int]:
    client = logged_in(side.manager)
    counts = {}
    for name, url in pages(side).items():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        counts[name] = len(ctx.captured_queries)
    return counts


def test_manager_page_query_counts_are_pinned_and_do_not_grow(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    course = make_course(tmp_path / "content", modules=3)
    small = _side(course, "manager-a@example.com", 3, 1, settings)
    large = _side(course, "manager-b@example.com", 25, 2, settings)
    assert measure(small) == PINNED
    from assessments.models import Attempt

    # The larger side's recruit has a different history, so the pages are read at two sizes of data.
    assert Attempt.objects.filter(user_id=large.recruits[0]).count() != Attempt.objects.filter(
        user_id=small.recruits[0]
    ).count() or len(large.recruits) > len(small.recruits)
    # Confidence-based marking on the larger side: misconceptions to sum, still one query.
    Attempt.objects.filter(user_id__in=large.recruits, status="graded").update(
        confident_answers=3, confidently_wrong=1
    )
    _defences_for(large)
    assert measure(large) == PINNED


def _defences_for(side) -> None:
    """A final and a scheduled 转正答辩 on the larger side, so the defence column is read with data."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from evaluation.defence_models import Defence, DefenceRubric, DefenceRubricVersion

    rubric = DefenceRubric.objects.create(slug="count-rubric")
    version = DefenceRubricVersion.objects.create(
        rubric=rubric, number=1, source_hash="x", title="评分表", pass_percent=60, criteria=[]
    )
    now = timezone.now()
    Defence.objects.create(
        cohort=side.cohort,
        recruit_id=side.recruits[0],
        rubric_version=version,
        scheduled_at=now,
        status="final",
        percent=Decimal("75.0"),
        passed=True,
    )
    Defence.objects.create(
        cohort=side.cohort,
        recruit_id=side.recruits[1],
        rubric_version=version,
        scheduled_at=now + timedelta(days=1),
    )
