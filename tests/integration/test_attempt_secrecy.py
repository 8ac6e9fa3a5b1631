"""Nothing that reveals the key reaches the browser before grading; bad input is refused and changes nothing.

Uses the all-types fixture module: one question of every type in a timed quiz.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.masking import token_for
from assessments.models import Attempt, AttemptStatus, Response
from courses.models import Module

pytestmark = pytest.mark.django_db(transaction=True)


def start(client, imported) -> Attempt:
    module = Module.objects.get(slug="all-types")
    response = client.post(reverse("quiz_detail", args=[module.slug, "types-quiz"]))
    assert response.status_code == 302
    return Attempt.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))


def by_type(attempt: Attempt) -> dict[str, Response]:
    return {r.question_version.data["type"]: r for r in attempt.responses.select_related("question_version")}


def correct_post(attempt: Attempt) -> dict[str, object]:
    """What a recruit who knows every answer posts from the page, tokens included."""
    post: dict[str, object] = {}
    for kind, r in by_type(attempt).items():
        data, name = r.question_version.data, f"q{r.position}"
        if kind == "multiple":
            post[name] = [token_for(r, c["id"]) for c in data["choices"] if c["correct"]]
        elif kind in ("single", "truefalse"):
            post[name] = next(token_for(r, c["id"]) for c in data["choices"] if c["correct"])
        elif kind == "short":
            post[name] = data["accepted"][-1]
        elif kind == "numeric":
            post[name] = data["numeric"]["value"]
        elif kind == "ordering":
            authored = [i["id"] for i in data["items"]]
            for item in r.item_order:
                post[f"{name}-{token_for(r, item)}"] = str(authored.index(item) + 1)
        elif kind == "matching":
            for pair in data["pairs"]:
                post[f"{name}-{token_for(r, pair['id'])}"] = token_for(r, pair["right_id"])
    return post


def text_of(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]*>", " ", fragment)).split())


def key_material(data: dict) -> list[str]:
    """Every piece of the stored question that is part of its key or only meant for after grading."""
    pieces = [data.get(k) or "" for k in ("explanation_html", "correct_feedback_html", "wrong_feedback_html")]
    pieces += [c.get("feedback_html") or "" for c in data.get("choices") or []]
    pieces = [text_of(p) for p in pieces]
    pieces += list(data.get("accepted") or [])
    if data.get("numeric"):
        pieces += [v for v in data["numeric"].values() if v not in (None, "0")]
    return [p for p in pieces if p]


def fieldset(html: str, position: int) -> str:
    start = html.index(f'data-field="q{position}"')
    return html[start : html.index("</fieldset>", start)]


def assert_no_key(html: str, attempt: Attempt, typed: tuple[str, ...] = ()) -> None:
    assert "correct" not in html
    assert "feedback" not in html
    assert "explanation" not in html
    # Stored ordering ids follow the correct order and matching answer ids mirror their item: never sent.
    assert not re.search(r'name="q\d+-i\d+"', html)
    assert not re.search(r'value="r\d+"', html)
    for r in attempt.responses.select_related("question_version"):
        served = fieldset(html, r.position) if f'data-field="q{r.position}"' in html else html
        for secret in set(key_material(r.question_version.data)) - set(typed):
            assert secret not in html if len(secret) > 3 else secret not in served, secret


def test_the_open_attempt_page_and_its_json_carry_no_key(recruit_client, imported):
    attempt = start(recruit_client, imported)
    assert {
        r.question_version.data["type"] for r in attempt.responses.select_related("question_version")
    } == {
        "single",
        "multiple",
        "truefalse",
        "short",
        "numeric",
        "ordering",
        "matching",
    }
    html = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    assert "新成员入群后" in html  # the page did render the questions
    assert_no_key(html, attempt)

    # Everything the open page fetches: autosave answers (good and bad) and the status poll.
    autosave = reverse("attempt_autosave", args=[attempt.pk])
    post = correct_post(attempt)
    for body in (post, {"q1": "c99"}):
        reply = recruit_client.post(autosave, body)
        assert reply["Content-Type"] == "application/json"
        assert_no_key(reply.content.decode(), attempt)
        assert set(json.loads(reply.content)) <= {"ok", "changed", "error"}
    status = recruit_client.get(reverse("attempt_status", args=[attempt.pk])).content.decode()
    assert_no_key(status, attempt)
    assert "hx-trigger" not in status  # an open attempt is not polled
    # Reloading after the autosave shows the saved answers (what the recruit typed), still without the key.
    html = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    assert_no_key(html, attempt, typed=tuple(v for v in post.values() if isinstance(v, str)))
    assert html.count(" selected>") >= 4  # ordering ranks and matching picks came back


def test_answers_posted_with_the_page_tokens_grade_to_full_marks(recruit_client, imported):
    attempt = start(recruit_client, imported)
    response = recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), correct_post(attempt))
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert (attempt.status, attempt.percent) == (AttemptStatus.GRADED, 100)
    # Once graded, the review does show the key.
    html = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    assert "留存率 = 一段时间后仍然活跃的成员" in html


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("ordering", "-x9", "1"),  # a token for an item that was not served
        ("ordering", "-x1", "9"),  # a position out of range
        ("matching", "-p1", "y9"),
        ("matching", "-p1", "r99"),
        ("matching", "-p9", "y1"),
        ("single", "", "c99"),
        ("short", "", "字" * 2001),  # over the length limit
        ("numeric", "", "1" * 2001),
    ],
)
def test_a_tampered_or_oversized_answer_is_refused_and_nothing_saved(
    recruit_client, imported, kind, field, value
):
    attempt = start(recruit_client, imported)
    position = by_type(attempt)[kind].position
    body = {**correct_post(attempt), f"q{position}{field}": value}
    autosave = recruit_client.post(
        reverse("attempt_autosave", args=[attempt.pk]), body, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert autosave.status_code == 400
    assert json.loads(autosave.content)["error"].strip()
    submit = recruit_client.post(
        reverse("attempt_submit", args=[attempt.pk]), body, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert submit.status_code == 400
    assert 'role="alert"' in submit.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert not attempt.responses.filter(answer__isnull=False).exists()


def test_answers_after_the_deadline_are_not_taken_and_the_attempt_closes(recruit_client, imported):
    attempt = start(recruit_client, imported)
    assert attempt.deadline is not None  # the fixture quiz is timed
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    body = correct_post(attempt)
    autosave = recruit_client.post(
        reverse("attempt_autosave", args=[attempt.pk]), body, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert autosave.status_code == 409
    assert "Time is up" in json.loads(autosave.content)["error"]
    submit = recruit_client.post(
        reverse("attempt_submit", args=[attempt.pk]), body, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert submit.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED
    assert attempt.percent == 0
    assert not attempt.responses.filter(answer__isnull=False).exists()


def test_autosave_to_another_users_attempt_is_404(client, recruit, other_recruit, imported):
    client.force_login(recruit)
    attempt = start(client, imported)
    client.force_login(other_recruit)
    assert (
        client.post(reverse("attempt_autosave", args=[attempt.pk]), correct_post(attempt)).status_code == 404
    )
    assert not attempt.responses.filter(answer__isnull=False).exists()


def concurrently(*calls):
    """Run the calls in threads released together; each thread uses its own database connection."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(k, call):
        try:
            barrier.wait()
            results[k] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(k, call)) for k, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_submits_at_once_grade_once(require_postgres, recruit, imported, monkeypatch):
    from assessments import tasks

    queued = []
    original = tasks.grade_attempt.delay
    monkeypatch.setattr(tasks.grade_attempt, "delay", lambda *a: queued.append(a) or original(*a))
    clients = [Client(), Client()]
    for c in clients:
        c.force_login(recruit)
    attempt = start(clients[0], imported)
    body = correct_post(attempt)
    url = reverse("attempt_submit", args=[attempt.pk])
    results = concurrently(*[lambda c=c: c.post(url, body) for c in clients])
    assert [r.status_code for r in results] == [302, 302]
    assert queued == [(attempt.pk,)]
    attempt.refresh_from_db()
    assert (attempt.status, attempt.percent) == (AttemptStatus.GRADED, 100)


def test_a_submit_racing_an_autosave_keeps_the_submitted_answers(require_postgres, recruit, imported):
    clients = [Client(), Client()]
    for c in clients:
        c.force_login(recruit)
    attempt = start(clients[0], imported)
    final = correct_post(attempt)
    single = by_type(attempt)["single"]
    wrong = next(
        token_for(single, c["id"]) for c in single.question_version.data["choices"] if not c["correct"]
    )
    late = {f"q{single.position}": wrong}
    saved, submitted = concurrently(
        lambda: clients[0].post(reverse("attempt_autosave", args=[attempt.pk]), late),
        lambda: clients[1].post(reverse("attempt_submit", args=[attempt.pk]), final),
    )
    assert submitted.status_code == 302
    # Either the autosave came first and the submit replaced it, or it came second and was refused (409:
    # the attempt has moved on, and the page is sent to its result).
    assert saved.status_code in (200, 409)
    if saved.status_code == 409:
        assert json.loads(saved.content)["closed"] is True
    single.refresh_from_db()
    attempt.refresh_from_db()
    assert token_for(single, single.answer) == final[f"q{single.position}"]
    assert (attempt.status, attempt.percent) == (AttemptStatus.GRADED, 100)
