"""A timed attempt ends at its deadline in every run mode: whatever touches it next (its page, an autosave, a
submit, the quiz page, a start, the sweeper) submits it with the answers saved by then, once.

Uses the all-types fixture module's timed quiz; answers are given in the short-answer question, whose field
is plain text, so these tests do not depend on how choice values are written in the form.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services, tasks
from assessments.models import Attempt, AttemptStatus, Response
from courses.models import Module

pytestmark = pytest.mark.django_db(transaction=True)

LONG_AGO = timedelta(minutes=1)
TIME_IS_UP = "Time is up: the answers you had saved were submitted."


def start(client) -> Attempt:
    module = Module.objects.get(slug="all-types")
    response = client.post(reverse("quiz_detail", args=[module.slug, "types-quiz"]))
    assert response.status_code == 302
    return Attempt.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))


def short(attempt: Attempt) -> Response:
    return next(
        r
        for r in attempt.responses.select_related("question_version")
        if r.question_version.data["type"] == "short"
    )


def save_short(client, attempt: Attempt, text: str):
    return client.post(
        reverse("attempt_autosave", args=[attempt.pk]),
        {f"q{short(attempt).position}": text},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def run_out(attempt: Attempt, by: timedelta = LONG_AGO) -> None:
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - by)


@pytest.fixture
def gradings(monkeypatch):
    """The attempt ids grading was queued for (and still run, in-process)."""
    calls: list[int] = []
    original = tasks.grade_attempt.delay
    monkeypatch.setattr(tasks.grade_attempt, "delay", lambda pk: calls.append(pk) or original(pk))
    return calls


def test_the_page_past_the_deadline_submits_what_was_saved_and_shows_the_result(
    recruit_client, imported, gradings
):
    attempt = start(recruit_client)
    assert save_short(recruit_client, attempt, "留存率").status_code == 200
    run_out(attempt)
    page = recruit_client.get(
        reverse("attempt_detail", args=[attempt.pk]), HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert page.redirect_chain == [(reverse("attempt_detail", args=[attempt.pk]), 302)]
    html = page.content.decode()
    assert TIME_IS_UP in html
    assert "data-autosave" not in html  # no live form any more
    assert 'data-testid="timed-out"' in html
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED
    assert short(attempt).answer == "留存率"
    assert gradings == [attempt.pk]


def test_autosave_past_the_deadline_saves_nothing_and_sends_the_page_to_the_result(
    recruit_client, imported, gradings
):
    attempt = start(recruit_client)
    save_short(recruit_client, attempt, "saved in time")
    run_out(attempt)
    late = save_short(recruit_client, attempt, "typed too late")
    assert late.status_code == 409
    body = json.loads(late.content)
    assert body == {
        "ok": False,
        "closed": True,
        "error": TIME_IS_UP,
        "url": reverse("attempt_detail", args=[attempt.pk]),
    }
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED
    assert short(attempt).answer == "saved in time"
    # Another late autosave (a second tab) changes nothing and queues nothing.
    again = save_short(recruit_client, attempt, "later still")
    assert again.status_code == 409
    assert json.loads(again.content)["closed"] is True
    assert short(attempt).answer == "saved in time"
    assert gradings == [attempt.pk]


def test_a_submit_past_the_deadline_submits_the_saved_answers_not_the_posted_ones(
    recruit_client, imported, gradings
):
    attempt = start(recruit_client)
    save_short(recruit_client, attempt, "saved in time")
    run_out(attempt)
    url = reverse("attempt_submit", args=[attempt.pk])
    post = {f"q{short(attempt).position}": "posted too late"}
    first = recruit_client.post(url, post, HTTP_ACCEPT_LANGUAGE="en")
    second = recruit_client.post(url, post, HTTP_ACCEPT_LANGUAGE="en")  # a double click
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == reverse("attempt_detail", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED
    assert short(attempt).answer == "saved in time"
    assert gradings == [attempt.pk]


def test_a_tampered_submit_past_the_deadline_still_closes_the_attempt(recruit_client, imported):
    attempt = start(recruit_client)
    run_out(attempt)
    response = recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), {"q99": "x\x00"})
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED
    assert not attempt.responses.filter(answer__isnull=False).exists()


def test_answers_in_flight_when_the_countdown_ends_still_count(recruit_client, imported):
    attempt = start(recruit_client)
    run_out(attempt, by=timedelta(seconds=1))  # within the grace for answers in flight
    assert save_short(recruit_client, attempt, "just in time").status_code == 200
    response = recruit_client.post(
        reverse("attempt_submit", args=[attempt.pk]), {f"q{short(attempt).position}": "last word"}
    )
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED
    assert short(attempt).answer == "last word"


def test_the_expire_service_closes_once_and_never_before_the_deadline(recruit, imported, gradings):
    from assessments.models import Quiz

    quiz = Quiz.objects.get(key="types-quiz", version__module__slug="all-types")
    attempt = services.attempt_start(user=recruit, quiz=quiz)
    assert services.attempt_expire(attempt_id=attempt.pk) is False
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS
    run_out(attempt)
    assert services.attempt_expire(attempt_id=attempt.pk) is True
    assert services.attempt_expire(attempt_id=attempt.pk) is False
    assert gradings == [attempt.pk]
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED
    assert attempt.submitted_at > attempt.deadline


def test_the_sweeper_and_a_touch_close_an_attempt_once(recruit_client, imported, gradings):
    attempt = start(recruit_client)
    save_short(recruit_client, attempt, "留存率")
    run_out(attempt)
    tasks.sweep_attempts()
    tasks.sweep_attempts()
    page = recruit_client.get(reverse("attempt_detail", args=[attempt.pk]))
    assert page.status_code == 200  # already closed: the result, no second close
    assert gradings == [attempt.pk]
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED
    assert short(attempt).answer == "留存率"


def test_the_quiz_page_and_start_close_an_expired_open_attempt(recruit_client, imported, gradings):
    attempt = start(recruit_client)
    run_out(attempt)
    url = reverse("quiz_detail", args=["all-types", "types-quiz"])
    started = recruit_client.post(url, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert started.redirect_chain[-1][0] == reverse("attempt_detail", args=[attempt.pk])
    assert TIME_IS_UP in started.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED
    second = start(recruit_client)  # the closed attempt counts; the next start opens a fresh one
    assert second.pk != attempt.pk
    assert second.is_open
    run_out(second)
    assert recruit_client.get(url).status_code == 200
    second.refresh_from_db()
    assert second.status == AttemptStatus.GRADED
    assert gradings == [attempt.pk, second.pk]


def test_another_users_expired_attempt_is_404_and_left_alone(client, recruit, other_recruit, imported):
    client.force_login(recruit)
    attempt = start(client)
    run_out(attempt)
    client.force_login(other_recruit)
    assert client.get(reverse("attempt_detail", args=[attempt.pk])).status_code == 404
    assert client.post(reverse("attempt_submit", args=[attempt.pk]), {}).status_code == 404
    assert client.post(reverse("attempt_autosave", args=[attempt.pk]), {}).status_code == 404
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS


def test_the_open_page_carries_the_deadline_and_the_servers_clock(recruit_client, imported):
    attempt = start(recruit_client)
    before = int(timezone.now().timestamp() * 1000)
    html = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    after = int(timezone.now().timestamp() * 1000)
    assert f'data-deadline-ms="{int(attempt.deadline.timestamp() * 1000)}"' in html
    now_ms = int(html.split('data-now-ms="')[1].split('"')[0])
    assert before <= now_ms <= after
    assert 'role="timer"' in html
    assert 'id="time-up" class="time-up" role="alert"' in html
    assert 'id="unanswered-dialog"' in html


def test_the_result_says_how_many_questions_were_unanswered(recruit_client, imported):
    attempt = start(recruit_client)
    position = short(attempt).position
    recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), {f"q{position}": "留存率"})
    html = recruit_client.get(
        reverse("attempt_detail", args=[attempt.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    others = sorted(r.position for r in attempt.responses.exclude(position=position))
    numbers = ", ".join(str(n) for n in others)
    assert f"{len(others)} questions were left unanswered: numbers {numbers}." in html


def test_touches_racing_past_the_deadline_close_once_and_none_shows_the_form(
    require_postgres, recruit, imported, gradings
):
    from django.test import Client

    from tests.integration.test_attempt_secrecy import concurrently

    clients = [Client(), Client(), Client()]
    for c in clients:
        c.force_login(recruit)
    attempt = start(clients[0])
    save_short(clients[0], attempt, "留存率")
    run_out(attempt)
    page, submitted, saved = concurrently(
        lambda: clients[0].get(reverse("attempt_detail", args=[attempt.pk])),
        lambda: clients[1].post(reverse("attempt_submit", args=[attempt.pk]), {}),
        lambda: clients[2].post(reverse("attempt_autosave", args=[attempt.pk]), {}),
    )
    assert page.status_code in (200, 302)
    assert "data-autosave" not in page.content.decode()
    assert submitted.status_code == 302
    assert saved.status_code == 409
    assert gradings == [attempt.pk]
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED
    assert short(attempt).answer == "留存率"
