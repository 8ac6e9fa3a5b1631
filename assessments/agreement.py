"""Agreement between two trainers who marked the same responses: quadratic-weighted Cohen's kappa.

Pure: plain pairs of levels in, a number out. Used for double marking (issue #13 §3): a drill whose
trainers agree less than ``KAPPA_FLAG_BELOW`` is flagged on the review queue.
"""

from __future__ import annotations

from collections.abc import Iterable

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
