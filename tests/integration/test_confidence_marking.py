"""Confidence-based marking (#17 part 3) through the web views: asking, autosaving, refusing, grading."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.masking import token_for
from assessments.models import Attempt, AttemptStatus, Quiz, Response
from courses.models import ModuleProgress

pytestmark = pytest.mark.django_db(transaction=True)

QUIZ = "basics-quiz"


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def cbm_quiz(imported):
    quiz = Quiz.objects.get(version=imported.current_version, key=QUIZ)
    quiz.settings = {**quiz.settings, "confidence": True}
    quiz.save(update_fields=["settings"])
    return quiz


def start(client, module) -> Attempt:
    response = client.post(reverse("quiz_detail", args=[module.slug, QUIZ]))
    assert response.status_code == 302
    return Attempt.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))


def answer(r: Response, *, right: bool) -> object:
    data = r.question_version.data
    picked = [token_for(r, c["id"]) for c in data["choices"] if c["correct"] is right]
    return picked if data["type"] == "multiple" else picked[0]


def responses(attempt: Attempt) -> list[Response]:
    return list(attempt.responses.select_related("question_version").order_by("position"))


def test_the_attempt_page_asks_confidence_per_question_only_when_the_quiz_does(recruit_client, imported):
    attempt = start(recruit_client, imported)
    page = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    assert 'name="c1"' not in page
    Quiz.objects.filter(pk=attempt.quiz_id).update(settings={**attempt.quiz.settings, "confidence": True})
    page = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    for r in responses(attempt):
        for level in ("low", "medium", "high"):
            assert f'name="c{r.position}" value="{level}"' in page
    assert 'role="radiogroup"' in page


def test_confidences_are_graded_with_moodles_table_and_pass_stays_on_accuracy(
    recruit_client, recruit, imported, cbm_quiz
):
    attempt = start(recruit_client, imported)
    rows = responses(attempt)
    post: dict[str, object] = {}
    # The first answer wrong at high confidence, the others right at medium.
    for i, r in enumerate(rows):
        post[f"q{r.position}"] = answer(r, right=i > 0)
        post[f"c{r.position}"] = "high" if i == 0 else "medium"
    response = recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), post)
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED
    graded = responses(attempt)
    assert [r.confidence for r in graded] == ["high"] + ["medium"] * (len(graded) - 1)
    for r in graded:
        expected = -6 * r.max_score if r.confidence == "high" else 2 * r.score
        assert r.cbm_mark == expected
    points = sum(r.max_score for r in graded)
    assert attempt.cbm_average == (sum(r.cbm_mark for r in graded) / points).quantize(Decimal("0.01"))
    assert attempt.cbm_bonus is not None
    assert (attempt.confident_answers, attempt.confidently_wrong) == (1, 1)
    # Accuracy alone decides the pass, as without confidence.
    assert attempt.percent == (100 * sum(r.score for r in graded) / points).quantize(Decimal("0.01"))
    assert attempt.passed == (attempt.percent >= imported.current_version.pass_mark)
    assert ModuleProgress.objects.get(user=recruit, module=imported).quiz_passed == attempt.passed
    page = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    assert 'data-testid="cbm-summary"' in page
    assert 'data-testid="confidently-wrong-1"' in page
    assert f"{graded[0].cbm_mark}" in page


@pytest.mark.parametrize("value", ["certain", "HIGH", "3", "high\x00"])
def test_a_confidence_outside_the_set_is_refused_and_nothing_is_saved(
    recruit_client, imported, cbm_quiz, value
):
    attempt = start(recruit_client, imported)
    rows = responses(attempt)
    post = {f"q{r.position}": answer(r, right=True) for r in rows}
    post.update({f"c{r.position}": "low" for r in rows})
    post[f"c{rows[-1].position}"] = value
    response = recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), post)
    assert response.status_code == 400
    assert "Confidence must be low, medium or high." in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert all(r.answer is None and r.confidence == "" for r in responses(attempt))
    save = recruit_client.post(reverse("attempt_autosave", args=[attempt.pk]), post)
    assert save.status_code == 400
    assert save.json()["error"] == "Confidence must be low, medium or high."
    assert all(r.answer is None and r.confidence == "" for r in responses(attempt))


def test_two_confidences_for_one_question_are_refused(recruit_client, imported, cbm_quiz):
    attempt = start(recruit_client, imported)
    response = recruit_client.post(reverse("attempt_autosave", args=[attempt.pk]), {"c1": ["low", "high"]})
    assert response.status_code == 400
    assert not Response.objects.filter(attempt=attempt).exclude(confidence="").exists()


def test_a_confidence_for_a_question_not_in_the_attempt_is_refused(recruit_client, imported, cbm_quiz):
    attempt = start(recruit_client, imported)
    response = recruit_client.post(reverse("attempt_autosave", args=[attempt.pk]), {"c99": "high"})
    assert response.status_code == 400
    assert "not in this attempt" in response.json()["error"]


def test_a_confidence_sent_to_a_quiz_that_does_not_ask_is_refused(recruit_client, imported):
    attempt = start(recruit_client, imported)
    r = responses(attempt)[0]
    post = {f"q{r.position}": answer(r, right=True), f"c{r.position}": "high"}
    response = recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), post)
    assert response.status_code == 400
    assert "does not ask how sure" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS


def test_submit_needs_a_confidence_for_every_answer_and_names_the_missing_ones(
    recruit_client, imported, cbm_quiz
):
    attempt = start(recruit_client, imported)
    rows = responses(attempt)
    post = {f"q{r.position}": answer(r, right=True) for r in rows}
    post.update({f"c{r.position}": "medium" for r in rows[1:]})
    response = recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), post)
    assert response.status_code == 400
    assert f"question {rows[0].position} has no confidence yet" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert all(r.answer is None for r in responses(attempt))


def test_an_unanswered_question_needs_no_confidence(recruit_client, imported, cbm_quiz):
    attempt = start(recruit_client, imported)
    rows = responses(attempt)
    post = {f"q{r.position}": answer(r, right=True) for r in rows[1:]}
    post.update({f"c{r.position}": "high" for r in rows[1:]})
    assert recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), post).status_code == 302
    first = responses(attempt)[0]
    assert first.answer is None
    assert first.cbm_mark is None


def test_autosave_keeps_the_confidence_and_submit_uses_it(recruit_client, imported, cbm_quiz):
    attempt = start(recruit_client, imported)
    r = responses(attempt)[0]
    saved = recruit_client.post(
        reverse("attempt_autosave", args=[attempt.pk]),
        {f"q{r.position}": answer(r, right=True), f"c{r.position}": "high"},
    )
    assert saved.status_code == 200
    r.refresh_from_db()
    assert r.confidence == "high"
    page = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    assert f'name="c{r.position}" value="high" checked' in page
    # The final submit posts the other answers; the saved confidence of the first still counts.
    rest = responses(attempt)[1:]
    post = {f"q{x.position}": answer(x, right=True) for x in rest}
    post.update({f"c{x.position}": "low" for x in rest})
    post[f"q{r.position}"] = answer(r, right=True)
    assert recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), post).status_code == 302
    r.refresh_from_db()
    assert r.cbm_mark == 3 * r.max_score


def test_a_trainers_override_redoes_the_confidence_marks(
    recruit_client, imported, cbm_quiz, django_user_model
):
    from accounts.models import Role
    from assessments import services

    attempt = start(recruit_client, imported)
    rows = responses(attempt)
    post = {f"q{r.position}": answer(r, right=r.position != rows[0].position) for r in rows}
    post.update({f"c{r.position}": "high" for r in rows})
    assert recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), post).status_code == 302
    attempt.refresh_from_db()
    assert attempt.confidently_wrong == 1
    before = attempt.cbm_average
    trainer = django_user_model.objects.create_user(
        email="t@example.com", password="pw-t-12345", role=Role.TRAINER
    )
    first = responses(attempt)[0]
    services.response_override(
        response=first, score=first.max_score, reason="Key was ambiguous", acting_user=trainer
    )
    first.refresh_from_db()
    attempt.refresh_from_db()
    assert first.cbm_mark == 3 * first.max_score
    assert attempt.confidently_wrong == 0
    assert attempt.cbm_average == 3
    assert attempt.cbm_average > before
