"""The ids an open attempt's page uses for ordering items and matching answers.

Ordering item ids are numbered in the authored, correct order, and a matching answer's id mirrors the id
of the item it belongs to (p2 -> r2), so sending the stored ids would give the key away. The page gets
tokens numbered by the attempt's own shuffled order instead (x1, x2, ... and y1, y2, ...); the form turns
them back into stored ids. Stored ids posted directly are still accepted: they reveal nothing posted back.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from assessments.grading import InvalidAnswer

ITEM = "x"
RIGHT = "y"


def _token(prefix: str, order: list[str], stored_id: str | None) -> str | None:
    if stored_id is None or stored_id not in order:
        return stored_id
    return f"{prefix}{order.index(stored_id) + 1}"


def mask_question(question: dict[str, Any], order: list[str]) -> dict[str, Any]:
    """A copy of a public ordering or matching question whose revealing ids are replaced by tokens."""
    if question["type"] == "ordering":
        items = [{**item, "id": _token(ITEM, order, item["id"])} for item in question["items"]]
        return {**question, "items": items}
    if question["type"] == "matching":
        rights = [{**right, "id": _token(RIGHT, order, right["id"])} for right in question["rights"]]
        lefts = [
            {**left, "selected": _token(RIGHT, order, left["selected"])} if left.get("selected") else left
            for left in question["lefts"]
        ]
        return {**question, "rights": rights, "lefts": lefts}
    return question


def unmask(prefix: str, order: list[str], value: str) -> str:
    """The stored id behind a token of ``order``; anything that is not a token is returned as it is."""
    if not value.startswith(prefix) or not value[len(prefix) :].isdigit():
        return value
    index = int(value[len(prefix) :])
    if not 1 <= index <= len(order):
        raise InvalidAnswer(_("The form contains an answer that is not one of this question's options."))
    return order[index - 1]
