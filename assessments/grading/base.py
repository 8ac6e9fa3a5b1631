"""The result every grader returns, the error for tampered answers, and the shared scoring arithmetic."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_TEXT_LENGTH = 2000  # characters in a typed answer


def mark(template: str) -> str:
    """Marks a message template for makemessages (imported as ``_``); grading stays free of Django."""
    return template


class Problem(str):
    """A problem's English text that keeps its template and values, so a page can show it translated."""

    template: str
    params: dict[str, object]

    def __new__(cls, template: str, **params: object) -> Problem:
        problem = super().__new__(cls, template % params)
        problem.template, problem.params = template, params
        return problem


@dataclass(frozen=True)
class Result:
    """The grade of one answer: score and maximum in points, feedback html and details for the review."""

    score: Decimal
    max_score: Decimal
    correct: bool
    feedback: str = ""
    details: dict[str, Any] = field(default_factory=dict)


class InvalidAnswer(ValueError):
    """An answer that no honest form can produce; the message can be shown to the recruit."""


def points_of(data: dict[str, Any]) -> Decimal:
    """The question's points as a Decimal rounded to 0.01; malformed points are a content bug and raise."""
    raw = data.get("points", "1")
    try:
        points = Decimal(str(raw))
    except ArithmeticError:
        raise ValueError(f"question {data.get('id')!r} has invalid points {raw!r}") from None
    if not points.is_finite() or points < 0:
        raise ValueError(f"question {data.get('id')!r} has invalid points {raw!r}")
    return points.quantize(CENT, rounding=ROUND_HALF_UP)


def share_score(max_score: Decimal, share: Fraction) -> Decimal:
    """``max_score`` × ``share`` rounded half-up to 0.01; only a full share earns the full score."""
    if share >= 1:
        return max_score
    if share <= 0 or max_score <= 0:
        return ZERO
    cents = math.floor(Fraction(max_score) * share * 100 + Fraction(1, 2))
    # A share just below 1 may round up to the maximum; keep it below so "full marks" means "fully correct".
    return min(Decimal(cents).scaleb(-2), max_score - CENT)
