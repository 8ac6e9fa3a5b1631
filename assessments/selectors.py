"""Reads on the testing side, always scoped to the requesting user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404

from accounts.models import User
from assessments.grading.translate import answer_translate, order_translate
from assessments.masking import mask_question
from assessments.models import Attempt, Quiz, Response
from courses.authoring.serialize import public_question
from courses.models import Module


def quiz_get(*, module: Module, key: str) -> Quiz:
    try:
        return Quiz.objects.select_related("version").get(version=module.current_version, key=key)
    except Quiz.DoesNotExist:
        raise Http404("no such quiz") from None


def module_quizzes(*, module: Module) -> list[Quiz]:
    return list(Quiz.objects.filter(version=module.current_version))


def attempt_get(*, user: User, attempt_id: int) -> Attempt:
    """The user's own attempt; anybody else's id is a 404, exactly like a missing one."""
    try:
        return Attempt.objects.select_related("quiz__version__module").get(pk=attempt_id, user=user)
    except Attempt.DoesNotExist:
        raise Http404("no such attempt") from None


def quiz_attempts(*, user: User, quiz: Quiz) -> list[Attempt]:
    return list(Attempt.objects.filter(user=user, module_id=quiz.version.module_id, quiz__key=quiz.key))


@dataclass
class ServedQuestion:
    response: Response
    position: int
    question: dict[str, Any]  # public for open attempts; the full data once graded
    answer: Any


def attempt_questions(*, attempt: Attempt) -> list[ServedQuestion]:
    """The attempt's questions in served order. Open attempts get the public form, with no answer key."""
    responses = list(attempt.responses.select_related("question_version", "graded_with"))
    served = []
    for r in responses:
        data = r.question_version.data
        if attempt.is_finished:
            answer, choice_order = r.answer, r.choice_order
            if r.graded_with_id and r.graded_with_id != r.question_version_id:
                # Regraded with a corrected key: review against that key, in the order that was served.
                answer = answer_translate(data, r.graded_with.data, r.answer)
                choice_order = order_translate(data, r.graded_with.data, r.choice_order, field="choices")
                data = r.graded_with.data
            # Only choice answers (an id or a list of ids) mark choices; ordering and matching answers do not.
            picked = (
                set(answer) if isinstance(answer, list) else {answer} if isinstance(answer, str) else set()
            )
            choices = _ordered(data.get("choices", []), choice_order)
            question = {**data, "choices": [{**c, "selected": c["id"] in picked} for c in choices]}
        else:
            question = public_question(
                data,
                choice_order=r.choice_order or None,
                item_order=r.item_order if data["type"] == "ordering" else None,
                right_order=r.item_order if data["type"] == "matching" else None,
            )
            _mark_selected(question, r.answer)
            question = mask_question(question, r.item_order)
        served.append(ServedQuestion(r, r.position, question, r.answer))
    return served


def _ordered(items: list[dict], order: list[str]) -> list[dict]:
    by_id = {i["id"]: i for i in items}
    return [by_id[i] for i in order if i in by_id] or items


def _mark_selected(question: dict[str, Any], answer: Any) -> None:
    """Carry a saved ordering or matching answer into the served items, so a reload shows it."""
    if question["type"] == "ordering" and isinstance(answer, list):
        ranks = {item_id: i for i, item_id in enumerate(answer, start=1)}
        question["items"] = [{**item, "rank": ranks.get(item["id"])} for item in question["items"]]
    elif question["type"] == "matching" and isinstance(answer, dict):
        question["lefts"] = [{**left, "selected": answer.get(left["id"])} for left in question["lefts"]]
