"""A recruit on a track: home, progress, the drill that completes the track, the certificate and its public
verification page, in both languages, on desktop and phone."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from assessments.grading.scenario import best_path
from certificates.models import Certificate
from courses.models import Course, CourseModule, Level
from courses.services import enrolment_start
from tests.e2e.conftest import shot
from tests.integration.test_quiz_flow import correct_answers, start_attempt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASES = [("desktop", "zh-hans"), ("phone", "en")]


@pytest.fixture
def track(imported, drill_module):
    course = Course.objects.create(
        slug="e2e-track",
        title="测试认证路径",
        title_en="Test track",
        level=Level.JUNIOR,
        certification={
            "modules": [imported.slug],
            "drills": [f"{drill_module.slug}/angry-member"],
            "pass_mark": 60,
            "validity_months": 12,
        },
    )
    CourseModule.objects.create(course=course, module=imported, position=0, due_days=7)
    CourseModule.objects.create(course=course, module=drill_module, position=1, due_days=14)
    return course


@pytest.mark.parametrize(("device", "language"), CASES)
def test_a_recruit_completes_a_track_and_shows_the_certificate(
    signed_in_as, live_server, track, imported, recruit, device, language
):
    recruit.display_name = "林小雨"
    recruit.save(update_fields=["display_name"])
    enrolment_start(user=recruit, course=track)
    client = Client()
    client.force_login(recruit)
    attempt = start_attempt(client, imported)
    client.post(f"/attempts/{attempt.pk}/submit/", correct_answers(attempt))

    page = signed_in_as(recruit, device=device, language=language)
    page.goto(live_server.url + "/")
    assert page.get_by_test_id("continue").locator("a.button").count() == 1
    assert "e2e-track" in page.content() or track.display_title in page.content()
    shot(page, f"recruit-home-{device}-{language}")

    page.goto(f"{live_server.url}/tracks/{track.slug}/")
    assert page.get_by_test_id(f"step-{imported.slug}").locator(".tag.good").count() == 1
    shot(page, f"recruit-track-{device}-{language}")

    # The drill the track still needs, played in the browser: the certificate follows its grading.
    page.goto(f"{live_server.url}/modules/drills-demo/drills/angry-member/")
    page.locator("main form button[type=submit]").click()
    drill = track.course_modules.get(position=1).module.current_version.drills.get(key="angry-member")
    for step, choice in best_path(drill.data["start"], drill.data["steps"])[1]:
        label = re.sub("<[^>]+>", "", drill.data["steps"][step]["choices"][choice]["label_html"])
        page.get_by_role("button", name=label).click()
    page.get_by_test_id("scenario-review").wait_for()

    certificate = Certificate.objects.get(user=recruit, course=track)
    page.goto(live_server.url + "/progress/")
    assert page.get_by_test_id("courses").locator("tbody tr").count() == 1
    shot(page, f"recruit-progress-{device}-{language}")

    page.goto(f"{live_server.url}/certificates/{certificate.code}/")
    assert page.locator(".verdict.valid").count() == 1
    assert "林小雨" in page.content()
    with page.expect_download() as pdf:
        page.locator(f"a[href='/certificates/{certificate.code}/pdf']").click()
    assert pdf.value.suggested_filename.endswith(".pdf")
    shot(page, f"recruit-certificate-{device}-{language}")

    # Anyone can verify it, and learns nothing about the holder but what the certificate says.
    stranger = page.context.browser.new_context(locale="en-US")
    public = stranger.new_page()
    public.goto(f"{live_server.url}/verify/{certificate.code}/")
    assert public.locator(".verdict.valid").count() == 1
    assert "林小雨" in public.content()
    assert recruit.email not in public.content()
    shot(public, f"certificate-verify-{device}-{language}")
    assertion = json.loads(public.goto(f"{live_server.url}/badges/assertions/{certificate.code}.json").text())
    assert assertion["type"] == "Assertion"
    assert recruit.email not in json.dumps(assertion)
    stranger.close()
