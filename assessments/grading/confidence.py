"""Confidence-based marking (CBM), as Moodle's ``qbehaviour_deferredcbm`` scores it. Pure: no Django.

The recruit says how sure they are of each answer. A right answer earns 1, 2 or 3 times its points at low,
medium or high confidence; a wrong one costs 0, 2 or 6 times its points. Partial credit is Moodle's: any
positive share earns ``right × share``; only a score of 0 is "wrong". The table rewards honesty: the best
choice is low below 67 % chance of being right, medium from 67 % to 80 %, high above 80 %.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from assessments.grading.base import CENT

LOW, MEDIUM, HIGH = "low", "medium", "high"
CONFIDENCE_LEVELS: tuple[str, ...] = (LOW, MEDIUM, HIGH)
# Moodle's question_cbm::$rightscore and $wrongscore, per point of the question.
RIGHT = {LOW: Decimal(1), MEDIUM: Decimal(2), HIGH: Decimal(3)}
WRONG = {LOW: Decimal(0), MEDIUM: Decimal(-2), HIGH: Decimal(-6)}
# Moodle assumes low when an answered question has no confidence (question_cbm::default_certainty).
DEFAULT_CONFIDENCE = LOW
# Moodle's empirical bonus weight (Gardner-Medwin, IUPS 2013): most reliable accuracy + bonus.
BONUS_WEIGHT = Decimal("0.1")
# The probability of being right above which each level is the best bet (Moodle's optimal windows).
BEST_FROM = {LOW: Decimal(0), MEDIUM: Decimal(2) / 3, HIGH: Decimal("0.8")}


def cbm_mark(*, score: Decimal, max_score: Decimal, confidence: str) -> Decimal:
    """The CBM mark of one graded answer, in points (between −6 and 3 times ``max_score``)."""
    if confidence not in RIGHT:
        raise ValueError(f"confidence must be one of {CONFIDENCE_LEVELS}, not {confidence!r}")
    if max_score <= 0:
        return Decimal(0).quantize(CENT)
    if score <= 0:
        return (max_score * WRONG[confidence]).quantize(CENT)
    share = min(score, max_score) / max_score
    return (max_score * RIGHT[confidence] * share).quantize(CENT)


def expected_mark(*, probability: Decimal, confidence: str) -> Decimal:
    """The mark per point expected when right with ``probability`` and answering at ``confidence``."""
    return probability * RIGHT[confidence] + (1 - probability) * WRONG[confidence]


@dataclass(frozen=True)
class CbmAnswer:
    """One served question: its graded score, maximum, and the confidence given (None: not answered)."""

    score: Decimal
    max_score: Decimal
    confidence: str | None


@dataclass(frozen=True)
class CbmSummary:
    """An attempt's CBM figures as Moodle reports them.

    ``average``: CBM marks over the attempt's points (−6 … 3); ``accuracy``: % right, ignoring confidence;
    ``bonus``: percentage points for telling reliable from unreliable answers (negative when overconfident).
    """

    average: Decimal
    accuracy: Decimal
    bonus: Decimal

    @property
    def accuracy_and_bonus(self) -> Decimal:
        return self.accuracy + self.bonus


def cbm_summary(answers: Iterable[CbmAnswer]) -> CbmSummary:
    """Average CBM mark, accuracy and CBM bonus of an attempt (Moodle's ``calculate_bonus``).

    An unanswered question counts in the points but earns no mark, as in Moodle.
    """
    answers = list(answers)
    points = sum((a.max_score for a in answers), Decimal(0))
    if points <= 0:
        zero = Decimal(0).quantize(CENT)
        return CbmSummary(average=zero, accuracy=zero, bonus=zero)
    raw = sum((max(Decimal(0), min(a.score, a.max_score)) for a in answers), Decimal(0))
    marks = sum(
        (
            cbm_mark(score=a.score, max_score=a.max_score, confidence=a.confidence)
            for a in answers
            if a.confidence is not None
        ),
        Decimal(0),
    )
    accuracy = raw / points
    average = marks / points
    expected = max(expected_mark(probability=accuracy, confidence=c) for c in CONFIDENCE_LEVELS)
    bonus = BONUS_WEIGHT * (average - expected)
    return CbmSummary(
        average=average.quantize(CENT),
        accuracy=(100 * accuracy).quantize(CENT),
        bonus=(100 * bonus).quantize(CENT),
    )


def confidently_wrong(*, score: Decimal | None, confidence: str | None) -> bool:
    """A misconception: answered wrong (no points at all) while sure of it (high confidence)."""
    return confidence == HIGH and score is not None and score <= 0
