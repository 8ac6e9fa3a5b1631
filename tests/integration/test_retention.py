"""Spaced review (issue #17 part 1) through the web views, with tasks run in-process (eager): cards from a
passed module, serving, answering and grading, scoping, replays, retired questions, the daily notification,
the session size a track sets and the managers' recall page."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.masking import token_for
from assessments.models import Question
from courses.models import Course, ModuleProgress
from courses.services import enrolment_start
from notifications.models import Kind, Notification
from retention import scheduling, services
from retention.models import AnswerStatus, RecallSummary, ReviewAnswer, ReviewCard, ReviewDay
from tests.conftest import FIXTURE_CONTENT
from tests.integration.test_quiz_flow import correct_answers, start_attempt

pytestmark = pytest.mark.django_db(transaction=True)


def pass_module(client, module) -> None:
    attempt = start_attempt(client, module)
    client.post(reverse("attempt_submit", args=[attempt.pk]), correct_answers(attempt))
    assert ModuleProgress.objects.get(user=attempt.user, module=module).passed


def make_due(user) -> None:
    ReviewCard.objects.filter(user=user).update(due=timezone.now() - timedelta(minutes=1))


def serve(client) -> ReviewAnswer:
    response = client.post(reverse("review_next"))
    assert response.status_code == 302
    assert response.url != reverse("review_home"), "nothing was served"
    return ReviewAnswer.objects.get(public_id=response.url.rstrip("/").split("/")[-1])


def right_post(answer: ReviewAnswer) -> dict:
    data = answer.question_version.data
    right = [token_for(answer, c["id"]) for c in data["choices"] if c["correct"]]
    return {"q1": right if data["type"] == "multiple" else right[0]}


def wrong_post(answer: ReviewAnswer) -> dict:
    data = answer.question_version.data
    wrong = [token_for(answer, c["id"]) for c in data["choices"] if not c["correct"]]
    return {"q1": [wrong[0]] if data["type"] == "multiple" else wrong[0]}


def card_state(card_id: int) -> tuple:
    c = ReviewCard.objects.get(pk=card_id)
    return (c.state, c.stability, c.difficulty, c.due, c.last_review, c.reviews, c.question_version_id)


def test_passing_a_module_makes_its_quiz_questions_cards_once(recruit_client, recruit, imported):
    pass_module(recruit_client, imported)
    cards = ReviewCard.objects.filter(user=recruit)
    pool = set(imported.current_version.quizzes.values_list("pool__question_version__question_id", flat=True))
    assert set(cards.values_list("question_id", flat=True)) == pool
    assert all(
        c.due > timezone.now() + timedelta(hours=23) and c.last_review for c in cards
    )  # the quiz was one
    assert {c.skill_area for c in cards} == {imported.skill_area}
    assert services.cards_create(user_id=recruit.pk, module_id=imported.pk) == 0  # a second delivery
    assert cards.count() == len(pool)


def test_failing_creates_no_cards_and_an_unpassed_module_never_makes_cards(recruit_client, recruit, imported):
    attempt = start_attempt(recruit_client, imported)
    recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), {})
    assert not ModuleProgress.objects.get(user=recruit, module=imported).passed
    # A certification quiz's key must not reach a recruit before they passed it: no pass, no card.
    assert services.cards_create(user_id=recruit.pk, module_id=imported.pk) == 0
    assert not ReviewCard.objects.filter(user=recruit).exists()


def test_a_review_serves_a_masked_card_and_the_worker_schedules_it(recruit_client, recruit, imported):
    pass_module(recruit_client, imported)
    make_due(recruit)
    answer = serve(recruit_client)
    page = recruit_client.get(reverse("review_answer", args=[answer.public_id])).content.decode()
    data = answer.question_version.data
    assert "Check my answer" in page or "检查" in page
    for choice in data["choices"]:
        assert f'value="{choice["id"]}"' not in page  # tokens, never the authored ids
        assert f'value="{token_for(answer, choice["id"])}"' in page
    for secret in ("correct", "feedback", *(c.get("feedback_html") or "@@" for c in data["choices"])):
        assert secret not in page, secret
    before = card_state(answer.card_id)

    response = recruit_client.post(reverse("review_answer", args=[answer.public_id]), right_post(answer))
    assert response.status_code == 302
    answer.refresh_from_db()
    assert (answer.status, answer.correct) == (AnswerStatus.GRADED, True)
    assert answer.rating == scheduling.Rating.Easy  # answered well within FAST
    after = card_state(answer.card_id)
    assert after[3] > timezone.now() + timedelta(days=1)
    assert after[4] > before[4]
    assert after[5] == before[5] + 1
    assert answer.next_due == after[3]
    assert ReviewDay.objects.filter(user=recruit, day=timezone.localdate()).exists()
    assert RecallSummary.objects.get(user=recruit, skill_area=imported.skill_area).recall > 0.89
    result = recruit_client.get(reverse("review_answer", args=[answer.public_id])).content.decode()
    assert 'data-testid="review-result"' in result
    assert 'data-testid="review-next"' in result


def test_a_wrong_answer_is_rated_again_and_comes_back_sooner(recruit_client, recruit, imported):
    pass_module(recruit_client, imported)
    make_due(recruit)
    right = serve(recruit_client)
    recruit_client.post(reverse("review_answer", args=[right.public_id]), right_post(right))
    wrong = serve(recruit_client)
    recruit_client.post(reverse("review_answer", args=[wrong.public_id]), wrong_post(wrong))
    right.refresh_from_db()
    wrong.refresh_from_db()
    assert (wrong.correct, wrong.rating) == (False, scheduling.Rating.Again)
    assert wrong.next_due < right.next_due
    # Once graded, the card shows the key: which choices were right, and the one picked.
    page = recruit_client.get(reverse("review_answer", args=[wrong.public_id])).content.decode()
    keys = [c for c in wrong.question_version.data["choices"] if c["correct"]]
    assert page.count('class="choice right"') == len(keys)
    assert page.count('class="choice wrong"') == 1


def test_replaying_an_answer_changes_nothing(recruit_client, recruit, imported):
    pass_module(recruit_client, imported)
    make_due(recruit)
    answer = serve(recruit_client)
    url = reverse("review_answer", args=[answer.public_id])
    recruit_client.post(url, right_post(answer))
    graded = card_state(answer.card_id)
    replay = recruit_client.post(url, wrong_post(answer))
    assert replay.status_code == 400
    assert "answered already" in replay.content.decode() or "已经" in replay.content.decode()
    assert card_state(answer.card_id) == graded
    answer.refresh_from_db()
    assert answer.correct is True
    assert services.review_answer_grade(answer_id=answer.pk) is None  # a duplicate task delivery
    assert card_state(answer.card_id) == graded
    assert ReviewDay.objects.filter(user=recruit).count() == 1


def test_someone_elses_card_is_404_and_unchanged(client, recruit, other_recruit, imported):
    client.force_login(recruit)
    pass_module(client, imported)
    make_due(recruit)
    answer = serve(client)
    client.force_login(other_recruit)
    for url in (
        reverse("review_answer", args=[answer.public_id]),
        reverse("review_answer_status", args=[answer.public_id]),
    ):
        assert client.get(url).status_code == 404
    assert (
        client.post(reverse("review_answer", args=[answer.public_id]), right_post(answer)).status_code == 404
    )
    answer.refresh_from_db()
    assert answer.status == AnswerStatus.SERVED
    assert client.post(reverse("review_next")).status_code == 302  # the other recruit has no cards
    assert not ReviewAnswer.objects.filter(user=other_recruit).exists()


def test_a_card_not_due_is_refused_and_nothing_changes(recruit_client, recruit, imported):
    pass_module(recruit_client, imported)
    response = recruit_client.post(reverse("review_next"))
    assert response.url == reverse("review_home")  # nothing due on the day of passing
    assert not ReviewAnswer.objects.exists()
    make_due(recruit)
    answer = serve(recruit_client)
    ReviewCard.objects.filter(pk=answer.card_id).update(due=timezone.now() + timedelta(days=3))
    before = card_state(answer.card_id)
    refused = recruit_client.post(reverse("review_answer", args=[answer.public_id]), right_post(answer))
    assert refused.status_code == 400
    assert "not due" in refused.content.decode() or "还没到" in refused.content.decode()
    answer.refresh_from_db()
    assert (answer.status, answer.answer) == (AnswerStatus.SERVED, None)
    assert card_state(answer.card_id) == before
    # The lapsed serving does not block the review: the next due card is served instead.
    following = serve(recruit_client)
    assert following.card_id != answer.card_id
    assert not ReviewAnswer.objects.filter(pk=answer.pk).exists()


def test_tampered_and_nul_answers_are_refused(recruit_client, recruit, imported):
    pass_module(recruit_client, imported)
    make_due(recruit)
    answer = serve(recruit_client)
    url = reverse("review_answer", args=[answer.public_id])
    for body in ({"q1": "c1"}, {"q7": "x"}, {"q1": "v\x00"}):
        response = recruit_client.post(url, body)
        assert response.status_code == 400, body
        assert 'role="alert"' in response.content.decode()
    answer.refresh_from_db()
    assert (answer.status, answer.answer) == (AnswerStatus.SERVED, None)


def test_double_click_on_next_serves_one_card(recruit_client, recruit, imported):
    pass_module(recruit_client, imported)
    make_due(recruit)
    first, second = serve(recruit_client), serve(recruit_client)
    assert first.pk == second.pk
    assert ReviewAnswer.objects.filter(user=recruit).count() == 1


def _edited_tree(tmp_path, edit):
    from courses.authoring.loader import load_tree

    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    path = root / "modules" / "demo-basics.md"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    tree = load_tree(root)
    assert not tree.errors, tree.errors
    return tree


def test_a_card_follows_its_questions_successor_version(recruit_client, recruit, imported, tmp_path):
    from courses.services import content_import

    pass_module(recruit_client, imported)
    make_due(recruit)
    cards = {c.question.key: c for c in ReviewCard.objects.filter(user=recruit).select_related("question")}
    reworded = ("哪些属于社群运营的核心指标？", "哪些属于社群运营最重要的指标？")
    content_import(tree=_edited_tree(tmp_path, lambda text: text.replace(*reworded)))
    changed = [
        key
        for key, card in cards.items()
        if Question.objects.get(pk=card.question_id).versions.order_by("-pk").first().pk
        != card.question_version_id
    ]
    assert changed, "the edit made no new question version"
    served = []
    for _ in cards:
        answer = serve(recruit_client)
        served.append(answer)
        recruit_client.post(reverse("review_answer", args=[answer.public_id]), right_post(answer))
    for card in ReviewCard.objects.filter(user=recruit).select_related("question"):
        latest = card.question.versions.order_by("-pk").first()
        assert card.question_version_id == latest.pk
    assert {a.question_version.question.key for a in served if a.question_version.question.key in changed}


def test_a_retired_questions_card_is_refused_then_dropped(recruit_client, recruit, imported):
    pass_module(recruit_client, imported)
    make_due(recruit)
    answer = serve(recruit_client)
    question = answer.card.question
    Question.objects.filter(pk=question.pk).update(retired_at=timezone.now())
    refused = recruit_client.post(reverse("review_answer", args=[answer.public_id]), right_post(answer))
    assert refused.status_code == 400
    assert "retired" in refused.content.decode() or "停用" in refused.content.decode()
    answer.refresh_from_db()
    assert answer.status == AnswerStatus.SERVED
    others = ReviewCard.objects.filter(user=recruit).exclude(question=question).count()
    next_answer = serve(recruit_client)  # the refused card is not served again: it is dropped
    assert next_answer.card.question_id != question.pk
    assert not ReviewCard.objects.filter(user=recruit, question=question).exists()
    assert ReviewCard.objects.filter(user=recruit).count() == others


def test_the_session_stops_at_the_tracks_count(recruit_client, recruit, imported):
    course = Course.objects.create(slug="review-track", title="复习路径", level="foundation", review_cards=1)
    enrolment_start(user=recruit, course=course)
    pass_module(recruit_client, imported)
    make_due(recruit)
    answer = serve(recruit_client)
    recruit_client.post(reverse("review_answer", args=[answer.public_id]), right_post(answer))
    done = recruit_client.post(reverse("review_next"))
    assert done.url == reverse("review_home")
    assert ReviewAnswer.objects.filter(user=recruit).count() == 1
    page = recruit_client.get(reverse("review_home")).content.decode()
    assert 'data-testid="review-remaining">0<' in page


def test_the_daily_notification_is_sent_once_per_day_to_recruits_with_due_cards(
    recruit_client, recruit, other_recruit, imported
):
    pass_module(recruit_client, imported)
    assert services.reviews_notify_due() == 0  # nothing due yet
    make_due(recruit)
    assert services.reviews_notify_due() == 1
    assert services.reviews_notify_due() == 0
    note = Notification.objects.get(user=recruit, kind=Kind.REVIEW_DUE)
    assert note.key == f"review:{timezone.localdate().isoformat()}"
    assert note.params["due"] == ReviewCard.objects.filter(user=recruit).count()
    assert note.url == reverse("review_home")
    assert not Notification.objects.filter(user=other_recruit, kind=Kind.REVIEW_DUE).exists()


def test_backfill_creates_the_cards_a_lost_message_missed(recruit_client, recruit, imported):
    pass_module(recruit_client, imported)
    count = ReviewCard.objects.filter(user=recruit).count()
    ReviewCard.objects.all().delete()
    assert services.cards_backfill() == count
    assert services.cards_backfill() == 0


def test_home_shows_the_review_box_with_streak_and_due(recruit_client, recruit, imported):
    pass_module(recruit_client, imported)
    make_due(recruit)
    home = recruit_client.get(reverse("home")).content.decode()
    assert 'data-testid="review-box"' in home
    answer = serve(recruit_client)
    recruit_client.post(reverse("review_answer", args=[answer.public_id]), right_post(answer))
    home = recruit_client.get(reverse("home")).content.decode()
    assert 'data-testid="review-streak"' in home


def test_recall_sql_matches_fsrs_retrievability(recruit_client, recruit, imported):
    pass_module(recruit_client, imported)
    now = timezone.now()
    cards = list(ReviewCard.objects.filter(user=recruit).order_by("pk"))
    for i, card in enumerate(cards):
        card.stability, card.difficulty, card.state = 2.5 + 7 * i, 5.0, 2
        card.last_review = now - timedelta(days=3 * i + 1, hours=5)
        card.save()
    services.recall_refresh(user_ids=[recruit.pk], now=now)
    expected = sum(
        scheduling.retrievability(
            scheduling.CardFields(c.state, c.step, c.stability, c.difficulty, c.due, c.last_review), at=now
        )
        for c in cards
    ) / len(cards)
    row = RecallSummary.objects.get(user=recruit)
    assert row.recall == pytest.approx(expected, abs=1e-9)
    assert row.cards == len(cards)


def test_the_sweep_grades_an_answer_whose_message_was_lost(recruit_client, recruit, imported, monkeypatch):
    from retention import tasks

    pass_module(recruit_client, imported)
    make_due(recruit)
    answer = serve(recruit_client)
    monkeypatch.setattr(tasks.grade_review_answer, "delay", lambda *args: None)  # Redis lost the message
    recruit_client.post(reverse("review_answer", args=[answer.public_id]), right_post(answer))
    monkeypatch.undo()
    assert ReviewAnswer.objects.get(pk=answer.pk).status == AnswerStatus.SUBMITTED
    assert tasks.sweep_review_answers() == 0  # too recent: its message may still be on its way
    ReviewAnswer.objects.filter(pk=answer.pk).update(submitted_at=timezone.now() - timedelta(minutes=5))
    assert tasks.sweep_review_answers() == 1
    assert ReviewAnswer.objects.get(pk=answer.pk).status == AnswerStatus.GRADED
    assert tasks.sweep_review_answers() == 0


def test_the_review_notification_reads_in_both_languages():
    from django.utils import translation

    from notifications.texts import text_render

    with translation.override("en"):
        title, body = text_render(Kind.REVIEW_DUE, {"due": 3})
        assert title == "Today's review is ready"
        assert body.startswith("3 cards from modules you passed")
    with translation.override("zh-hans"):
        title, body = text_render(Kind.REVIEW_DUE, {"due": 1})
        assert title == "今天的复习已准备好"
        assert "1 张卡片" in body
