"""Carry an answer from the question version a recruit was served to a corrected version of that question.

A corrected answer key keeps the answer options and changes which of them are right, the accepted answers,
the tolerance or the points. Option ids follow authoring order (and a matching answer's id mirrors its
left-hand id), so ids are not stable across versions: options are matched by their text instead. A version
that drops or rewords an option someone could have picked is not a corrected key but a different question;
``compatibility_problem`` names the reason with one of the ``PROBLEMS`` codes and its answers are not regraded
automatically.
"""

from __future__ import annotations

from typing import Any

CHOICE_TYPES = ("single", "multiple", "truefalse")
TEXT_TYPES = ("short", "numeric")
PROBLEMS = ("type", "duplicate", "options", "items", "rights")


class Incompatible(ValueError):
    """The answer cannot be expressed in the other version's options."""


def _texts(rows: list[dict[str, Any]] | None, key: str, text: str) -> dict[str, str]:
    return {row[key]: row.get(text) or "" for row in rows or []}


def _unique(mapping: dict[str, str]) -> bool:
    return len(set(mapping.values())) == len(mapping)


def compatibility_problem(old: dict[str, Any], new: dict[str, Any]) -> str | None:
    """Why answers to ``old`` cannot be graded with ``new``'s key, a ``PROBLEMS`` code; None when they can."""
    if old.get("type") != new.get("type"):
        return "type"
    kind = old["type"]
    if kind in TEXT_TYPES:
        return None
    if kind in CHOICE_TYPES:
        before = _texts(old.get("choices"), "id", "html")
        after = _texts(new.get("choices"), "id", "html")
        if not _unique(before) or not _unique(after):
            return "duplicate"
        if not set(before.values()) <= set(after.values()):
            return "options"
        return None
    if kind == "ordering":
        before = _texts(old.get("items"), "id", "html")
        after = _texts(new.get("items"), "id", "html")
        if not _unique(before) or not _unique(after):
            return "duplicate"
        if set(before.values()) != set(after.values()):
            return "items"
        return None
    if kind == "matching":
        before = _texts(old.get("pairs"), "id", "left_html")
        after = _texts(new.get("pairs"), "id", "left_html")
        if not _unique(before) or not _unique(after):
            return "duplicate"
        if set(before.values()) != set(after.values()):
            return "items"
        rights_before = set(_texts(old.get("pairs"), "right_id", "right_html").values())
        rights_after = set(_texts(new.get("pairs"), "right_id", "right_html").values())
        if not rights_before <= rights_after:
            return "rights"
        return None
    return "type"


def _id_map(old_rows, new_rows, key: str, text: str) -> dict[str, str]:
    """old id -> the first new id with the same text."""
    by_text: dict[str, str] = {}
    for row in new_rows or []:
        by_text.setdefault(row.get(text) or "", row[key])
    return {
        row[key]: by_text[row.get(text) or ""] for row in old_rows or [] if (row.get(text) or "") in by_text
    }


def _mapped(mapping: dict[str, str], value: Any) -> str:
    try:
        return mapping[value]
    except (KeyError, TypeError):
        raise Incompatible(f"{value!r} has no counterpart in the corrected version") from None


def answer_translate(old: dict[str, Any], new: dict[str, Any], answer: Any) -> Any:
    """``answer`` (in ``old``'s ids) in ``new``'s ids; Incompatible when an option has no counterpart."""
    problem = compatibility_problem(old, new)
    if problem:
        raise Incompatible(problem)
    if answer is None or old["type"] in TEXT_TYPES:
        return answer
    kind = old["type"]
    if kind in CHOICE_TYPES:
        mapping = _id_map(old.get("choices"), new.get("choices"), "id", "html")
        if isinstance(answer, list):
            return [_mapped(mapping, a) for a in answer]
        return _mapped(mapping, answer)
    if kind == "ordering":
        mapping = _id_map(old.get("items"), new.get("items"), "id", "html")
        if not isinstance(answer, list):
            raise Incompatible("an ordering answer is a list")
        return [_mapped(mapping, a) for a in answer]
    # matching
    lefts = _id_map(old.get("pairs"), new.get("pairs"), "id", "left_html")
    rights = _id_map(old.get("pairs"), new.get("pairs"), "right_id", "right_html")
    if not isinstance(answer, dict):
        raise Incompatible("a matching answer is a mapping")
    return {_mapped(lefts, left): _mapped(rights, right) for left, right in answer.items()}


def order_translate(old: dict[str, Any], new: dict[str, Any], order: list[str], *, field: str) -> list[str]:
    """A served order of ``old``'s choices (``field="choices"``) in ``new``'s ids; new options go last."""
    rows_new = new.get(field) or []
    mapping = _id_map(old.get(field), rows_new, "id", "html")
    translated = [mapping[i] for i in order if i in mapping]
    return translated + [row["id"] for row in rows_new if row["id"] not in translated]
