"""Each role's home in the browser, at both widths and in both languages: the sections are there, nothing
scrolls sideways, and a screenshot is kept of each (var/screenshots/role-home-*)."""

from __future__ import annotations

import pytest

from accounts.models import Role
from assessments.models import Drill, DrillKind, DrillReview, ReviewStatus
from tests.e2e.conftest import DEVICES, LOCALES, shot
from tests.integration.test_manager_helpers import make_cohort, make_course, make_user
from tests.integration.test_role_home import flag, pending_review

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def written(drill_module) -> Drill:
    return Drill.objects.filter(version=drill_module.current_version, kind=DrillKind.WRITTEN).first()


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("language", LOCALES)
@pytest.mark.parametrize("device", DEVICES)
def test_trainer_and_manager_homes(
    signed_in_as, live_server, trainer, written, recruit, tmp_path, device, language
):
    for days in (1, 3, 12):
        pending_review(written, recruit, days_ago=days)
    flag(written, 2)
    manager = make_user("manager@example.com", Role.MANAGER, display_name="李经理")
    make_cohort(
        make_course(tmp_path / "content", modules=3), [manager], 6, seed=7, name="2026 春季社群运营新员工批次"
    )

    page = signed_in_as(trainer, device=device, language=language)
    page.goto(f"{live_server.url}/")
    assert page.get_by_test_id("review-queue").is_visible()
    badge = page.get_by_test_id("review-queue-link").locator(".nav-count").inner_text()
    assert badge == str(DrillReview.objects.filter(status=ReviewStatus.PENDING).count())
    assert page.get_by_test_id("flagged").is_visible()
    assert page.get_by_test_id("recent-publishes").is_visible()
    assert fits(page)
    shot(page, f"role-home-trainer-{device}-{language}")

    page = signed_in_as(manager, device=device, language=language)
    page.goto(f"{live_server.url}/")
    assert page.get_by_test_id("my-cohorts").is_visible()
    assert page.get_by_test_id("behind").is_visible()
    assert fits(page)
    shot(page, f"role-home-manager-{device}-{language}")
