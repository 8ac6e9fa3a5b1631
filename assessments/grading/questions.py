"""Check and grade answers to quiz questions, one checker and one marker per question type.

A question is the dict stored by ``courses.authoring.serialize.question_data``. A checker validates the
decoded answer and returns it cleaned (None when unanswered) or raises InvalidAnswer; a marker turns a
cleaned answer into the share of the points it earns, the details for the review page and the feedback of
the chosen choices. ``grade_question`` applies the question's scoring mode and rounds.
"""

from __future__ import annotations

import html
import itertools
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any, NamedTuple

from assessments.grading.base import MAX_TEXT_LENGTH, ZERO, InvalidAnswer, Result, points_of, share_score
from assessments.grading.normalize import normalize_text, parse_number

PARTIAL_TYPES = ("multiple", "ordering", "matching")


class Marking(NamedTuple):
    share: Fraction  # of the points, in [0, 1] before the scoring mode is applied
    details: dict[str, Any]
    feedback: list[str]  # feedback html of the chosen choices


class QuestionGrader(NamedTuple):
    check: Callable[[dict[str, Any], object], Any]
    mark: Callable[[dict[str, Any], Any], Marking]


def grade_question(data: dict[str, Any], answer: object) -> Result:
    """Grade an answer; unanswered and invalid answers score 0. Malformed question data raises ValueError."""
    grader = _grader(data)
    max_score = points_of(data)
    scoring = scoring_of(data)
    head = {"type": data["type"], "scoring": scoring}
    try:
        cleaned = grader.check(data, answer)
    except InvalidAnswer as exc:
        details = {**head, "answered": True, "invalid": str(exc), "answer": None}
        return Result(ZERO, max_score, False, data.get("wrong_feedback_html") or "", details)
    marking = grader.mark(data, cleaned)
    weighted = weighted_choices(data)
    share = marking.share if scoring == "partial" or weighted else Fraction(marking.share == 1)
    correct = share == 1
    score = share_score(max_score, share)
    overall = data.get("correct_feedback_html" if correct else "wrong_feedback_html") or ""
    feedback = "\n".join(part for part in [*marking.feedback, overall] if part)
    details = {**head, "answered": cleaned is not None, **marking.details}
    return Result(score, max_score, correct, feedback, details)


def check_answer(data: dict[str, Any], answer: object) -> None:
    """Raise InvalidAnswer unless ``answer`` is a well-formed answer to this question (None = unanswered)."""
    _grader(data).check(data, answer)


def scoring_of(data: dict[str, Any]) -> str:
    """The scoring mode, "partial" or "all": only multiple, ordering and matching give partial credit."""
    if data["type"] not in PARTIAL_TYPES:
        return "all"
    return "all" if data.get("scoring") == "all" else "partial"


def weighted_choices(data: dict[str, Any]) -> bool:
    """A choice question some of whose choices carry a weight (percent of the points, -100 … 100)."""
    return data.get("type") in ("single", "multiple") and any(
        c.get("weight") not in (None, "") for c in data.get("choices") or []
    )


def _weight(choice: dict[str, Any], default: Fraction) -> Fraction:
    raw = choice.get("weight")
    if raw in (None, ""):
        return default
    try:
        value = Fraction(Decimal(str(raw))) / 100
    except (ArithmeticError, ValueError):
        return default
    return max(Fraction(-1), min(Fraction(1), value))


def _grader(data: dict[str, Any]) -> QuestionGrader:
    try:
        return QUESTION_GRADERS[data["type"]]
    except (KeyError, TypeError):
        raise ValueError(f"question {data.get('id')!r} has unknown type {data.get('type')!r}") from None


# Checkers ---------------------------------------------------------------------------------------------------


def _ids(rows: list[dict[str, Any]] | None, key: str = "id") -> list[str]:
    return [row[key] for row in rows or []]


def _check_choice(data: dict[str, Any], answer: object) -> str | None:
    if answer is None:
        return None
    if not isinstance(answer, str) or answer not in _ids(data.get("choices")):
        raise InvalidAnswer("The chosen option is not one of this question's options.")
    return answer


def _check_multiple(data: dict[str, Any], answer: object) -> list[str] | None:
    if answer is None:
        return None
    if not isinstance(answer, list | tuple):
        raise InvalidAnswer("Expected a list of chosen options.")
    ids = _ids(data.get("choices"))
    if len(answer) > len(ids) or not all(isinstance(a, str) and a in ids for a in answer):
        raise InvalidAnswer("A chosen option is not one of this question's options.")
    if len(set(answer)) != len(answer):
        raise InvalidAnswer("An option was chosen more than once.")
    return list(answer) or None


def _check_text(data: dict[str, Any], answer: object) -> str | None:
    if answer is None:
        return None
    if not isinstance(answer, str):
        raise InvalidAnswer("Expected a typed answer.")
    if len(answer) > MAX_TEXT_LENGTH:
        raise InvalidAnswer(f"Answers are limited to {MAX_TEXT_LENGTH:,} characters.")
    return answer if answer.strip() else None


def _check_ordering(data: dict[str, Any], answer: object) -> list[str] | None:
    if answer is None:
        return None
    if not isinstance(answer, list | tuple):
        raise InvalidAnswer("Expected the items as a list in your order.")
    if not answer:
        return None
    ids = _ids(data.get("items"))
    if len(answer) != len(ids) or not all(isinstance(a, str) for a in answer) or set(answer) != set(ids):
        raise InvalidAnswer("Put every item in order exactly once.")
    return list(answer)


def _check_matching(data: dict[str, Any], answer: object) -> dict[str, str] | None:
    if answer is None:
        return None
    if not isinstance(answer, dict):
        raise InvalidAnswer("Expected a match for each left-hand item.")
    pairs = data.get("pairs") or []
    lefts, rights = set(_ids(pairs)), set(_ids(pairs, "right_id"))
    for left, right in answer.items():
        if not isinstance(left, str) or left not in lefts:
            raise InvalidAnswer("An item to match is not part of this question.")
        if not isinstance(right, str) or right not in rights:
            raise InvalidAnswer("A chosen match is not one of this question's options.")
    return dict(answer) or None


# Markers ----------------------------------------------------------------------------------------------------


def _plain(fragment: str) -> str:
    """Readable text of an html fragment, for the review page's plain-text answer lines."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", fragment)).split())


def _choice_rows(data: dict[str, Any], selected: set[str]) -> tuple[list[dict[str, Any]], list[str]]:
    choices = data.get("choices") or []
    rows = [
        {"id": c["id"], "correct": bool(c.get("correct")), "selected": c["id"] in selected} for c in choices
    ]
    feedback = [c.get("feedback_html") or "" for c in choices if c["id"] in selected]
    return rows, feedback


def _mark_choice(data: dict[str, Any], answer: str | None) -> Marking:
    rows, feedback = _choice_rows(data, {answer} if answer else set())
    expected = [r["id"] for r in rows if r["correct"]]
    share = Fraction(answer is not None and answer in expected)
    if answer is not None and weighted_choices(data):
        chosen = next(c for c in data.get("choices") or [] if c["id"] == answer)
        share = max(Fraction(0), _weight(chosen, Fraction(answer in expected)))
    return Marking(share, {"answer": answer, "expected": expected, "choices": rows}, feedback)


def _mark_multiple(data: dict[str, Any], answer: list[str] | None) -> Marking:
    picked = set(answer or [])
    rows, feedback = _choice_rows(data, picked)
    expected = [r["id"] for r in rows if r["correct"]]
    right = len(picked.intersection(expected))
    wrong = len(picked) - right
    share = max(Fraction(0), Fraction(right - wrong, len(expected))) if expected else Fraction(0)
    if expected and weighted_choices(data):
        # Unweighted picks count as before: +1/k when right, −1/k when wrong (k right choices).
        unit = Fraction(1, len(expected))
        total = sum(
            (_weight(c, unit if c.get("correct") else -unit) for c in data["choices"] if c["id"] in picked),
            Fraction(0),
        )
        share = max(Fraction(0), min(Fraction(1), total))
    details = {
        "answer": answer,
        "expected": expected,
        "choices": rows,
        "right_picked": right,
        "wrong_picked": wrong,
    }
    return Marking(share, details, feedback)


def _mark_short(data: dict[str, Any], answer: str | None) -> Marking:
    accepted = list(data.get("accepted") or [])
    normalized = normalize_text(answer) if answer is not None else ""
    matched = next((a for a in accepted if normalized and normalize_text(a) == normalized), None)
    details = {
        "answer": answer,
        "normalized": normalized,
        "expected": accepted,
        "matched": matched,
        "answer_display": answer,
        "expected_display": " / ".join(accepted),
    }
    return Marking(Fraction(matched is not None), details, [])


def numeric_bounds(data: dict[str, Any]) -> tuple[Decimal | None, Decimal | None]:
    """The inclusive (low, high) of accepted values: value ± tolerance, or min..max (None = unbounded)."""
    spec = data.get("numeric")
    if not isinstance(spec, dict):
        raise ValueError(f"numeric question {data.get('id')!r} has no answer")
    with localcontext() as ctx:
        ctx.prec = 200  # exact for any number an author writes
        if spec.get("value") is not None:
            value, tolerance = Decimal(str(spec["value"])), abs(Decimal(str(spec.get("tolerance") or 0)))
            return value - tolerance, value + tolerance
        low, high = spec.get("min"), spec.get("max")
        if low is None and high is None:
            raise ValueError(f"numeric question {data.get('id')!r} has neither a value nor a range")
        return (None if low is None else Decimal(str(low))), (None if high is None else Decimal(str(high)))


def _numeric_value(answer: str, unit: str) -> Decimal | None:
    value = parse_number(answer)
    if value is None and unit:
        # Accept the question's unit typed after the number: "42 人" when the unit is "人".
        compact = "".join(unicodedata.normalize("NFKC", answer).split())
        suffix = "".join(unicodedata.normalize("NFKC", unit).split())
        if suffix and compact.endswith(suffix):
            value = parse_number(compact[: -len(suffix)])
    return value


def _numeric_display(data: dict[str, Any]) -> str:
    spec = data["numeric"]
    unit = data.get("unit") or ""
    if spec.get("value") is not None:
        tolerance = spec.get("tolerance") or "0"
        text = f"{spec['value']} ± {tolerance}" if Decimal(str(tolerance)) else str(spec["value"])
    else:
        low, high = spec.get("min"), spec.get("max")
        text = f"{'' if low is None else low}–{'' if high is None else high}"
    return f"{text} {unit}".strip()


def _mark_numeric(data: dict[str, Any], answer: str | None) -> Marking:
    low, high = numeric_bounds(data)
    value = _numeric_value(answer, data.get("unit") or "") if answer is not None else None
    inside = value is not None and (low is None or low <= value) and (high is None or value <= high)
    details = {
        "answer": answer,
        "value": None if value is None else str(value),
        "low": None if low is None else str(low),
        "high": None if high is None else str(high),
        "answer_display": answer,
        "expected_display": _numeric_display(data),
    }
    return Marking(Fraction(inside), details, [])


def _mark_ordering(data: dict[str, Any], answer: list[str] | None) -> Marking:
    items = data.get("items") or []
    expected = _ids(items)
    text = {i["id"]: _plain(i.get("html") or "") for i in items}
    position = {item: k for k, item in enumerate(answer or [])}
    pairs = [
        {"first": a, "second": b, "kept": answer is not None and position[b] == position[a] + 1}
        for a, b in itertools.pairwise(expected)
    ]
    kept = sum(p["kept"] for p in pairs)
    if answer is None:
        share = Fraction(0)
    elif not pairs:  # a single item is always in order
        share = Fraction(1)
    else:
        share = Fraction(kept, len(pairs))
    details = {
        "answer": answer,
        "expected": expected,
        "pairs": pairs,
        "pairs_kept": kept,
        "pairs_total": len(pairs),
        "answer_display": " → ".join(text[i] for i in answer) if answer else None,
        "expected_display": " → ".join(text[i] for i in expected),
    }
    return Marking(share, details, [])


def _mark_matching(data: dict[str, Any], answer: dict[str, str] | None) -> Marking:
    pairs = data.get("pairs") or []
    chosen = answer or {}
    right_html = {p["right_id"]: p.get("right_html") or "" for p in pairs}
    rows = []
    for p in pairs:
        pick = chosen.get(p["id"])
        # Two pairs may share a right-hand text (a classification); either of its ids is then a correct pick.
        ok = pick is not None and (pick == p["right_id"] or right_html.get(pick) == right_html[p["right_id"]])
        rows.append({"id": p["id"], "chosen": pick, "expected": p["right_id"], "correct": ok})
    matched = sum(r["correct"] for r in rows)
    share = Fraction(matched, len(rows)) if rows and answer is not None else Fraction(0)

    def line(p: dict[str, Any], right: str | None) -> str:
        return f"{_plain(p.get('left_html') or '')} → {_plain(right_html[right]) if right else '—'}"

    details = {
        "answer": answer,
        "expected": {p["id"]: p["right_id"] for p in pairs},
        "pairs": rows,
        "answer_display": "；".join(line(p, chosen.get(p["id"])) for p in pairs) if answer else None,
        "expected_display": "；".join(line(p, p["right_id"]) for p in pairs),
    }
    return Marking(share, details, [])


QUESTION_GRADERS: dict[str, QuestionGrader] = {
    "single": QuestionGrader(_check_choice, _mark_choice),
    "truefalse": QuestionGrader(_check_choice, _mark_choice),
    "multiple": QuestionGrader(_check_multiple, _mark_multiple),
    "short": QuestionGrader(_check_text, _mark_short),
    "numeric": QuestionGrader(_check_text, _mark_numeric),
    "ordering": QuestionGrader(_check_ordering, _mark_ordering),
    "matching": QuestionGrader(_check_matching, _mark_matching),
}
