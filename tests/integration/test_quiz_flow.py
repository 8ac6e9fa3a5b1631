"""The foundation path through the web views, with tasks run in-process (eager)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from assessments.masking import token_for
from assessments.models import Attempt, AttemptStatus, Response
from courses.models import LessonRead, ModuleProgress

pytestmark = pytest.mark.django_db(transaction=True)


def start_attempt(client, module) -> Attempt:
    url = reverse("quiz_detail", args=[module.slug, "basics-quiz"])
    response = client.post(url)
    assert response.status_code == 302
    return Attempt.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))


def correct_answers(attempt: Attempt) -> dict[str, object]:
    """Build the POST body a recruit who knows every answer would send (the page's tokens)."""
    post: dict[str, object] = {}
    for r in attempt.responses.select_related("question_version"):
        data = r.question_version.data
        right = [token_for(r, c["id"]) for c in data["choices"] if c["correct"]]
        post[f"q{r.position}"] = right if data["type"] == "multiple" else right[0]
    return post


def test_catalogue_module_and_lesson_pages_render(recruit_client, imported):
    assert "测试模块" in recruit_client.get(reverse("catalogue")).content.decode()
    page = recruit_client.get(reverse("module_detail", args=[imported.slug])).content.decode()
    assert "什么是社群" in page
    assert "入门小测" in page
    lesson = recruit_client.get(reverse("lesson_detail", args=[imported.slug, "metrics"]))
    assert lesson.status_code == 200
    assert '<table tabindex="0">' in lesson.content.decode()  # rendered Markdown, stored at import


def test_reading_a_lesson_updates_progress_once(recruit_client, recruit, imported):
    url = reverse("lesson_mark_read", args=[imported.slug, "what-is-a-community"])
    assert recruit_client.post(url).status_code == 302
    assert recruit_client.post(url).status_code == 302
    assert LessonRead.objects.filter(user=recruit).count() == 1
    progress = ModuleProgress.objects.get(user=recruit, module=imported)
    assert (progress.lessons_read, progress.lessons_total) == (1, 2)


def test_submit_grades_attempt_and_shows_feedback(recruit_client, recruit, imported):
    attempt = start_attempt(recruit_client, imported)
    response = recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), correct_answers(attempt))
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED
    assert attempt.percent == 100
    assert attempt.passed
    page = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    assert "100.00%" in page
    assert "共同点和持续互动缺一不可" in page  # feedback for the chosen answer
    progress = ModuleProgress.objects.get(user=recruit, module=imported)
    assert progress.quiz_passed
    assert progress.quiz_score == 100


def test_wrong_answers_score_zero_and_fail(recruit_client, imported):
    attempt = start_attempt(recruit_client, imported)
    post = {}
    for r in attempt.responses.select_related("question_version"):
        wrong = [token_for(r, c["id"]) for c in r.question_version.data["choices"] if not c["correct"]]
        post[f"q{r.position}"] = wrong[0]
    recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), post)
    attempt.refresh_from_db()
    assert attempt.percent == 0
    assert attempt.passed is False


def test_double_submit_creates_one_grading(recruit_client, imported, monkeypatch):
    from assessments import tasks

    calls = []
    original = tasks.grade_attempt.delay
    monkeypatch.setattr(tasks.grade_attempt, "delay", lambda *a: calls.append(a) or original(*a))
    attempt = start_attempt(recruit_client, imported)
    body = correct_answers(attempt)
    url = reverse("attempt_submit", args=[attempt.pk])
    first = recruit_client.post(url, body)
    second = recruit_client.post(url, body)
    assert first.status_code == second.status_code == 302
    assert calls == [(attempt.pk,)]
    assert Attempt.objects.filter(user=attempt.user).count() == 1


def test_starting_twice_returns_the_open_attempt(recruit_client, imported):
    first = start_attempt(recruit_client, imported)
    second = start_attempt(recruit_client, imported)
    assert first.pk == second.pk


def test_choice_from_another_question_is_refused_and_nothing_saved(recruit_client, imported):
    attempt = start_attempt(recruit_client, imported)
    body = correct_answers(attempt)
    body["q1"] = "c99"
    response = recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), body)
    assert response.status_code == 400
    assert "c99" in response.content.decode() or "choice" in response.content.decode().lower()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert not Response.objects.filter(attempt=attempt, answer__isnull=False).exists()


def test_answer_for_question_not_in_attempt_is_refused(recruit_client, imported):
    attempt = start_attempt(recruit_client, imported)
    body = {**correct_answers(attempt), "q42": "c1"}
    response = recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), body)
    assert response.status_code == 400
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS


def test_other_users_attempt_is_404(client, recruit, other_recruit, imported):
    client.force_login(recruit)
    attempt = start_attempt(client, imported)
    client.force_login(other_recruit)
    assert client.get(reverse("attempt_detail", args=[attempt.pk])).status_code == 404
    assert client.post(reverse("attempt_submit", args=[attempt.pk]), {}).status_code == 404
    assert client.get(reverse("attempt_status", args=[attempt.pk])).status_code == 404
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS


def test_open_attempt_page_carries_no_answer_key(recruit_client, imported):
    attempt = start_attempt(recruit_client, imported)
    html = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    assert "以下哪一项最符合" in html
    for secret in ("共同点和持续互动缺一不可", "社群的核心是关系与互动", "correct", "feedback"):
        assert secret not in html, secret


def test_autosave_keeps_answers_across_reload(recruit_client, imported):
    attempt = start_attempt(recruit_client, imported)
    first = attempt.responses.select_related("question_version").get(position=1)
    choice = token_for(first, first.question_version.data["choices"][1]["id"])
    response = recruit_client.post(reverse("attempt_autosave", args=[attempt.pk]), {"q1": choice})
    assert response.status_code == 200
    assert json.loads(response.content)["changed"] == 1
    html = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    assert f'value="{choice}" checked' in html


def test_status_partial_polls_until_graded(recruit_client, imported):
    attempt = start_attempt(recruit_client, imported)
    Attempt.objects.filter(pk=attempt.pk).update(status=AttemptStatus.SUBMITTED)
    html = recruit_client.get(reverse("attempt_status", args=[attempt.pk])).content.decode()
    assert "hx-trigger" in html
