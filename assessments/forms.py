"""Turn a posted attempt form into answers keyed by question position. Tampered fields raise InvalidAnswer."""

from __future__ import annotations

import re
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from assessments.grading import InvalidAnswer
from assessments.grading.confidence import CONFIDENCE_LEVELS
from assessments.masking import ITEM, RIGHT, unmask_value
from assessments.models import Response
from trainingsite.text import has_nul, nul_message

FIELD = re.compile(r"^q(\d+)(?:-([a-z][a-z0-9]{0,15}))?$")
CONFIDENCE_FIELD = re.compile(r"^c(\d+)$")


def answers_from_post(*, responses: list[Response], post: QueryDict, legacy: bool = False) -> dict[int, Any]:
    """Read the answer fields ``q<pos>`` and ``q<pos>-<token>`` of the served questions, mapping the page's
    tokens back to stored ids (see ``assessments.masking``; ``legacy`` attempts also take stored ids).

    Only questions whose fields were posted are returned, so autosave can send one question at a time.
    """
    by_position = {r.position: r for r in responses}
    if any(name.startswith("q") and has_nul([name, *post.getlist(name)]) for name in post):
        raise InvalidAnswer(nul_message())
    parts: dict[int, dict[str, str]] = {}
    for name in post:
        if not name.startswith("q"):
            continue
        match = FIELD.match(name)
        if not match or int(match.group(1)) not in by_position:
            raise InvalidAnswer(_("The form contains an answer for a question that is not in this attempt."))
        position, sub = int(match.group(1)), match.group(2)
        if sub:
            parts.setdefault(position, {})[sub] = post.get(name, "")
        else:
            parts.setdefault(position, {})
    answers: dict[int, Any] = {}
    for position, subs in parts.items():
        response = by_position[position]
        kind = response.question_version.data["type"]
        name = f"q{position}"
        if kind == "multiple":
            answers[position] = [unmask_value(response, v, legacy=legacy) for v in post.getlist(name) if v]
        elif kind in ("single", "truefalse"):
            value = post.get(name)
            answers[position] = unmask_value(response, value, legacy=legacy) if value else None
        elif kind in ("short", "numeric"):
            value = post.get(name, "")
            answers[position] = value if value.strip() else None
        elif kind == "ordering":
            ranks = {unmask_value(response, k, legacy=legacy, prefix=ITEM): v for k, v in subs.items()}
            answers[position] = _ordering(ranks, response)
        elif kind == "matching":
            chosen = {
                unmask_value(response, k, legacy=legacy): unmask_value(
                    response, v, legacy=legacy, prefix=RIGHT
                )
                for k, v in subs.items()
                if v
            }
            answers[position] = chosen or None
    return answers


def _ordering(ranks: dict[str, str], response: Response) -> list[str] | None:
    filled = {item: value for item, value in ranks.items() if value}
    if not filled:
        return None
    try:
        numbers = {item: int(value) for item, value in filled.items()}
    except ValueError:
        raise InvalidAnswer(_("Positions must be whole numbers.")) from None
    if len(filled) != len(response.item_order) or sorted(numbers.values()) != list(
        range(1, len(response.item_order) + 1)
    ):
        raise InvalidAnswer(
            _("Give every item its own position, from 1 to %(n)d.") % {"n": len(response.item_order)}
        )
    return sorted(numbers, key=numbers.__getitem__)


def confidences_from_post(*, responses: list[Response], post: QueryDict, asked: bool) -> dict[int, str]:
    """Read the confidence fields ``c<pos>`` (low, medium or high) of the served questions.

    Only posted, non-empty fields are returned. A value outside the set, a question not in the attempt, two
    values for one question or a confidence sent to a quiz that does not ask for it raise InvalidAnswer.
    """
    positions = {r.position for r in responses}
    confidences: dict[int, str] = {}
    for name in post:
        match = CONFIDENCE_FIELD.match(name)
        if not match:
            continue
        values = post.getlist(name)
        if not asked:
            raise InvalidAnswer(_("This quiz does not ask how sure you are of your answers."))
        if int(match.group(1)) not in positions:
            raise InvalidAnswer(_("The form contains an answer for a question that is not in this attempt."))
        if len(values) > 1 or (values[0] and values[0] not in CONFIDENCE_LEVELS):
            raise InvalidAnswer(_("Confidence must be low, medium or high."))
        if values[0]:
            confidences[int(match.group(1))] = values[0]
    return confidences
