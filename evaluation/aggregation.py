"""Pure summaries of module ratings: distributions, averages and the trend across versions. No ORM."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

RATINGS = ("usefulness", "difficulty", "clarity")
SCALE = (1, 2, 3, 4, 5)
# Below this many answers a version shows nothing: a trainer could otherwise tell who said what.
MIN_ANSWERS = 5


@dataclass(frozen=True)
class Distribution:
    """How many answers gave each value 1–5, and their mean (None without answers)."""

    counts: tuple[int, int, int, int, int]

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def average(self) -> Decimal | None:
        return average(self.counts)

    @property
    def rows(self) -> list[tuple[int, int, int]]:
        """(value, count, whole percent of the answers) for each value of the scale."""
        total = self.total
        return [
            (value, n, round(100 * n / total) if total else 0)
            for value, n in zip(SCALE, self.counts, strict=True)
        ]


@dataclass(frozen=True)
class VersionSummary:
    number: int
    answers: int
    ratings: dict[str, Distribution]

    @property
    def shown(self) -> bool:
        return self.answers >= MIN_ANSWERS

    def average(self, rating: str) -> Decimal | None:
        return self.ratings[rating].average if self.shown else None


def distribution(values: Iterable[int]) -> Distribution:
    """Count each value of the 1–5 scale; a value outside it is a programming error."""
    counts = [0] * len(SCALE)
    for value in values:
        if value not in SCALE:
            raise ValueError(f"rating {value!r} is outside 1–5")
        counts[value - 1] += 1
    return Distribution(counts=tuple(counts))  # type: ignore[arg-type]


def average(counts: Sequence[int]) -> Decimal | None:
    """The mean value of a 1–5 distribution, to two places; None when it holds no answer."""
    total = sum(counts)
    if not total:
        return None
    weighted = sum(value * n for value, n in zip(SCALE, counts, strict=True))
    return (Decimal(weighted) / Decimal(total)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def version_summary(*, number: int, answers: Sequence[dict[str, int]]) -> VersionSummary:
    """Summarise one version's answers (each a dict with the three ratings)."""
    return VersionSummary(
        number=number,
        answers=len(answers),
        ratings={name: distribution(a[name] for a in answers) for name in RATINGS},
    )


def trend(summaries: Sequence[VersionSummary]) -> list[tuple[int, dict[str, Decimal]]]:
    """(version number, averages) of the versions with enough answers to show, oldest first."""
    return [
        (s.number, {name: s.ratings[name].average for name in RATINGS})
        for s in sorted(summaries, key=lambda s: s.number)
        if s.shown
    ]
