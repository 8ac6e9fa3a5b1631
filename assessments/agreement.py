"""Agreement between two trainers who marked the same responses: quadratic-weighted Cohen's kappa.

Pure: plain pairs of levels in, a number out. Used for double marking (issue #13 §3): a drill whose
trainers agree less than ``KAPPA_FLAG_BELOW`` is flagged on the review queue.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

KAPPA_FLAG_BELOW = 0.6
LEVELS = 4  # criterion levels 1 … 4


def weighted_kappa(pairs: Iterable[tuple[int, int]], levels: int = LEVELS) -> float | None:
    """Quadratic-weighted Cohen's kappa of pairs of levels (1 … ``levels``) given by two raters.

    1 is perfect agreement, 0 agreement by chance, below 0 worse than chance (never below -1). None with no
    pairs. When every rating falls in one level the raters cannot disagree, and agreement is perfect: 1.
    """
    pairs = [(a, b) for a, b in pairs]
    if not pairs:
        return None
    if any(not (1 <= a <= levels and 1 <= b <= levels) for a, b in pairs):
        raise ValueError(f"levels must be between 1 and {levels}")
    n = len(pairs)
    rows = [0] * (levels + 1)
    cols = [0] * (levels + 1)
    observed = 0
    for a, b in pairs:
        rows[a] += 1
        cols[b] += 1
        observed += (a - b) ** 2
    expected = sum(
        rows[i] * cols[j] * (i - j) ** 2 for i in range(1, levels + 1) for j in range(1, levels + 1)
    )
    if observed == 0:
        return 1.0
    # observed and expected are both sums of squared differences; expected counts n² cells, observed n.
    return 1.0 - observed * n / expected


def double_marking_selected(attempt_id: int, share: float) -> bool:
    """Whether a response is marked by two trainers: a fixed hash of its id below ``share`` (0 … 1)."""
    digest = hashlib.sha256(f"double-marking:{attempt_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def final_marks(first: dict[str, dict], second: dict[str, dict]) -> dict[str, dict]:
    """Each criterion's final mark from two trainers: the first's when they agree, else the mean of the two
    scores (rounded half up to 0.01) with both comments."""
    final: dict[str, dict] = {}
    for cid, mark in first.items():
        other = second.get(cid, mark)
        if Decimal(mark["score"]) == Decimal(other["score"]):
            final[cid] = dict(mark)
            continue
        mean = ((Decimal(mark["score"]) + Decimal(other["score"])) / 2).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        comments = [c for c in (mark.get("comment"), other.get("comment")) if c]
        final[cid] = {"score": str(mean), "comment": " / ".join(dict.fromkeys(comments))}
    return final
