"""A defence's result from the panel's levels: means, spread, disagreement and pass. Pure, no ORM.

The rule (docs/evaluation.md, "转正答辩"): each criterion's mean level over the panel members who submitted,
as a percentage of the top level (4 → 100 %); the overall percentage is the mean of the criteria's
percentages (each criterion weighs the same). The spread of a criterion is its highest minus lowest level; a
spread of ``DISAGREEMENT_LEVELS`` or more on any criterion flags the result for a conversation. It passes
when the overall percentage reaches the rubric's ``pass_percent``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

MAX_LEVEL = 4
DISAGREEMENT_LEVELS = 2
_CENT = Decimal("0.1")


@dataclass(frozen=True)
class CriterionResult:
    id: str
    mean: Decimal  # mean level, 1 decimal
    percent: Decimal  # of the top level, 1 decimal
    low: int
    high: int

    @property
    def spread(self) -> int:
        return self.high - self.low

    @property
    def disagreement(self) -> bool:
        return self.spread >= DISAGREEMENT_LEVELS


@dataclass(frozen=True)
class DefenceResult:
    criteria: tuple[CriterionResult, ...]
    percent: Decimal
    passed: bool
    panel_size: int

    @property
    def flagged(self) -> bool:
        return any(c.disagreement for c in self.criteria)


def _round(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def defence_result(
    *, criterion_ids: Sequence[str], sheets: Sequence[Mapping[str, int]], pass_percent: int
) -> DefenceResult | None:
    """The result of the submitted score sheets (criterion id → level 1–4 each); None without any sheet.

    Raises ValueError for a sheet that misses a criterion or holds a level outside 1–4: the caller validated
    them, so this is a bug, not bad input.
    """
    if not sheets:
        return None
    rows = []
    for crit in criterion_ids:
        levels = []
        for sheet in sheets:
            level = sheet.get(crit)
            if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= MAX_LEVEL:
                raise ValueError(f"criterion {crit!r}: level {level!r} is not 1 to {MAX_LEVEL}")
            levels.append(level)
        total = Decimal(sum(levels))
        count = Decimal(len(levels))
        rows.append(
            CriterionResult(
                id=crit,
                mean=_round(total / count),
                percent=_round(total * 100 / (count * MAX_LEVEL)),
                low=min(levels),
                high=max(levels),
            )
        )
    if not rows:
        raise ValueError("a rubric without criteria has no result")
    # Exact fractions first, one rounding at the end: the overall is not the mean of rounded figures.
    exact = sum(
        (Decimal(sum(s[c] for s in sheets)) * 100 / (len(sheets) * MAX_LEVEL) for c in criterion_ids),
        Decimal(0),
    ) / Decimal(len(rows))
    percent = _round(exact)
    return DefenceResult(
        criteria=tuple(rows), percent=percent, passed=exact >= pass_percent, panel_size=len(sheets)
    )
