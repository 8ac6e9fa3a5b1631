"""The values an open attempt's page posts: opaque per-attempt tokens, never the authored ids.

Authored ids follow the author's order (``c1`` is often the key; ordering items are numbered in the correct
order; a matching answer's id mirrors its item's, p2 -> r2), so the page gets, for every choice, ordering item
and matching answer, a token: a keyed hash of the attempt, the question's position and the stored id. Tokens
are random-looking, all the same length and say nothing about the authored order; the form maps them back
through the ids the attempt stored, so answers, grading and statistics keep the authored ids.

Attempts started before tokens existed (no ``OPAQUE`` flag in their state) still accept what their pages
posted then: stored ids and the positional tokens x1, y1, …
"""

from __future__ import annotations

from typing import Any

from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from assessments.grading import InvalidAnswer

# Set in the state of every quiz attempt started with tokens: such an attempt accepts nothing else.
OPAQUE = "opaque_values"
TOKEN_LENGTH = 12
# Legacy positional tokens (attempts started before OPAQUE).
ITEM = "x"
RIGHT = "y"


def value_token(*, attempt_id: int, position: int, stored_id: str) -> str:
    """The token standing for ``stored_id`` of the question at ``position`` in one attempt."""
    digest = salted_hmac("assessments.masking", f"{attempt_id}:{position}:{stored_id}").hexdigest()
    return "v" + digest[: TOKEN_LENGTH - 1]


def response_tokens(response) -> dict[str, str]:
    """Stored id -> token for every choice, ordering item, matching item and answer of one served question."""
    lefts = [p["id"] for p in response.question_version.data.get("pairs") or []]
    ids = list(response.choice_order or []) + list(response.item_order or []) + lefts
    return {
        stored: value_token(attempt_id=response.attempt_id, position=response.position, stored_id=stored)
        for stored in ids
    }


def mask_question(question: dict[str, Any], response, answer: Any = None) -> dict[str, Any]:
    """A copy of a public question whose choice, item and answer ids are tokens; ``checked`` marks the
    choices of a saved answer so a reload shows them."""
    tokens = response_tokens(response)

    def tok(stored: str | None) -> str | None:
        return tokens.get(stored, stored) if stored is not None else None

    picked = set(answer) if isinstance(answer, list) else {answer} if isinstance(answer, str) else set()
    masked = {**question}
    masked["choices"] = [
        {**c, "id": tok(c["id"]), "checked": c["id"] in picked} for c in question.get("choices", [])
    ]
    masked["items"] = [{**item, "id": tok(item["id"])} for item in question.get("items", [])]
    masked["rights"] = [{**right, "id": tok(right["id"])} for right in question.get("rights", [])]
    masked["lefts"] = [
        {**left, "id": tok(left["id"]), "selected": tok(left.get("selected"))}
        for left in question.get("lefts", [])
    ]
    return masked


def unmask_value(response, value: str, *, legacy: bool, prefix: str = "") -> str:
    """The stored id behind a posted value of one served question.

    A token of another question or attempt is refused. ``legacy`` attempts also take stored ids and the old
    positional tokens (``prefix`` x or y)."""
    back = {token: stored for stored, token in response_tokens(response).items()}
    if value in back:
        return back[value]
    if legacy:
        if prefix and value.startswith(prefix) and value[len(prefix) :].isdigit():
            return unmask(prefix, list(response.item_order or []), value)
        return value
    raise InvalidAnswer(_("The form contains an answer that is not one of this question's options."))


def unmask(prefix: str, order: list[str], value: str) -> str:
    """The stored id behind a legacy positional token of ``order``; anything else is returned as it is."""
    if not value.startswith(prefix) or not value[len(prefix) :].isdigit():
        return value
    index = int(value[len(prefix) :])
    if not 1 <= index <= len(order):
        raise InvalidAnswer(_("The form contains an answer that is not one of this question's options."))
    return order[index - 1]


def token_for(response, stored_id: str) -> str:
    """The token the page shows for ``stored_id`` of this served question (for tests and tools)."""
    return response_tokens(response)[stored_id]
