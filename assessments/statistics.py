"""Item analysis on plain lists: facility, discrimination, distractors, reliability and score bins.

No Django here. An item score is a fraction of the question's points (0 to 1); an attempt's total is its
percent. Every function takes plain sequences, returns None where a statistic is undefined (too few values,
no spread) and never raises on degenerate input. ``assessments.analysis`` computes the same numbers with
SQL aggregates on PostgreSQL; these are the reference definitions (docs/item-analysis.md).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

K = TypeVar("K", bound=Hashable)

MIN_RESPONSES = 20  # answers an item needs before it is flagged: fewer say more about chance than the item
EASY_ABOVE = 0.9
HARD_BELOW = 0.2
NEGATIVE_BELOW = 0.0
GROUP_PERCENT = 27  # the upper and lower groups of the discrimination index: 27 % of the attempts each
# Below this sum of squares the attempt percents behind an item count as all equal. Percents have two
# decimals, so any real spread sums to at least 0.01² / 2; rounding noise stays far below 1e-6.
SPREAD_EPSILON = 1e-6
MIDDLE, LOWER, UPPER = 0, 1, 2
ALPHA_MIN_ATTEMPTS = 5
HISTOGRAM_EDGES: tuple[int, ...] = tuple(range(0, 101, 10))  # [0,10) … [90,100], the last bin closed

FLAG_EASY = "easy"
FLAG_HARD = "hard"
FLAG_NEGATIVE = "negative"


def mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def sample_variance(values: Sequence[float]) -> float | None:
    """The n − 1 variance; exactly 0 when every value is equal, None for fewer than two values."""
    if len(values) < 2:
        return None
    if min(values) == max(values):
        return 0.0
    centre = math.fsum(values) / len(values)
    return math.fsum((v - centre) ** 2 for v in values) / (len(values) - 1)


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r of paired values, in [-1, 1]; None for fewer than two pairs or when either is constant."""
    if len(xs) != len(ys) or len(xs) < 2 or min(xs) == max(xs) or min(ys) == max(ys):
        return None
    mx, my = math.fsum(xs) / len(xs), math.fsum(ys) / len(ys)
    sxx = math.fsum((x - mx) ** 2 for x in xs)
    syy = math.fsum((y - my) ** 2 for y in ys)
    sxy = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    if sxx <= 0 or syy <= 0:
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def facility(fractions: Sequence[float]) -> float | None:
    """Share of the points earned: the mean item score as a fraction of its maximum (1 = everyone right)."""
    return mean(fractions)


def point_biserial(item_fractions: Sequence[float], attempt_percents: Sequence[float]) -> float | None:
    """Correlation between an item's score and its attempt's total percent (the item is part of the total).

    For right/wrong items this is the point-biserial coefficient; for partial credit, the item–total r.
    """
    return pearson(item_fractions, attempt_percents)


def group_size(attempts: int) -> int:
    """Attempts in each of the upper and lower groups: 27 % of them, rounded half up (integer arithmetic)."""
    return (GROUP_PERCENT * max(attempts, 0) + 50) // 100


def attempt_groups(percents: Mapping[K, float]) -> tuple[frozenset[K], frozenset[K]]:
    """(lower, upper): the attempts with the lowest and highest percents, ties broken by key."""
    order = sorted(percents, key=lambda k: (percents[k], k))
    g = group_size(len(order))
    if g == 0:
        return frozenset(), frozenset()
    return frozenset(order[:g]), frozenset(order[-g:])


def upper_lower_index(
    scores: Iterable[tuple[K, float]], lower: frozenset[K], upper: frozenset[K]
) -> float | None:
    """Facility in the upper group minus facility in the lower group, from (attempt, fraction) pairs."""
    up: list[float] = []
    low: list[float] = []
    for attempt, fraction in scores:
        if attempt in upper:
            up.append(fraction)
        if attempt in lower:
            low.append(fraction)
    if not up or not low:
        return None
    return math.fsum(up) / len(up) - math.fsum(low) / len(low)


def alpha_from_variances(
    *,
    items_per_attempt: float,
    item_variances: Sequence[tuple[int, float | None]],
    total_variance: float | None,
    attempts: int,
) -> float | None:
    """Cronbach's alpha from (responses, score variance) per item and the variance of attempt totals.

    With k items per attempt: α = k/(k−1) · (1 − k·v̄ / σ²_total), v̄ the item variances' mean weighted by
    responses. When every attempt answers every item this is exactly Cronbach's alpha. When a quiz draws k
    of a larger pool, k·v̄ estimates the summed variance of the k items an attempt got: an approximation,
    capped at 1. None below two items per attempt, two items with a variance or ``ALPHA_MIN_ATTEMPTS``.
    """
    known = [(n, v) for n, v in item_variances if v is not None and n > 0]
    k = items_per_attempt
    if attempts < ALPHA_MIN_ATTEMPTS or k < 2 or len(known) < 2 or not total_variance or total_variance <= 0:
        return None
    weighted = math.fsum(n * v for n, v in known) / sum(n for n, _ in known)
    alpha = k / (k - 1) * (1 - k * weighted / total_variance)
    return min(alpha, 1.0)


def cronbach_alpha(
    responses: Iterable[tuple[K, Hashable, float]], totals: Mapping[K, float] | None = None
) -> float | None:
    """Alpha from (attempt, item, score in points) triples; totals default to each attempt's summed scores.

    Items are weighed by the responses each got, k is the mean number of items per attempt: see
    ``alpha_from_variances`` for why this approximates alpha when questions are drawn at random.
    """
    by_item: dict[Hashable, list[float]] = {}
    summed: Counter = Counter()
    answered: Counter = Counter()
    for attempt, item, score in responses:
        by_item.setdefault(item, []).append(score)
        summed[attempt] += score
        answered[attempt] += 1
    if not answered:
        return None
    attempt_totals = list(totals.values()) if totals is not None else list(summed.values())
    return alpha_from_variances(
        items_per_attempt=sum(answered.values()) / len(answered),
        item_variances=[(len(scores), sample_variance(scores)) for scores in by_item.values()],
        total_variance=sample_variance(attempt_totals),
        attempts=len(attempt_totals),
    )


def is_blank(answer: Any) -> bool:
    return answer is None or (isinstance(answer, str) and not answer.strip()) or answer == [] or answer == {}


@dataclass(frozen=True)
class ChoiceTally:
    counts: dict[str, int]  # choice id -> responses that picked it (a multiple answer counts once per choice)
    blank: int  # responses with no answer
    other: int  # answers naming no known choice (a choice removed by a later version, a malformed answer)


def choice_counts(answers: Iterable[tuple[Any, int]], choice_ids: Sequence[str]) -> ChoiceTally:
    """How often each choice was picked, from (answer, number of responses with that answer) pairs.

    A single or true/false answer is a choice id, a multiple answer a list of ids.
    """
    known = set(choice_ids)
    counts = dict.fromkeys(choice_ids, 0)
    blank = other = 0
    for answer, n in answers:
        if is_blank(answer):
            blank += n
            continue
        picked = {answer} if isinstance(answer, str) else set(answer) if isinstance(answer, list) else set()
        hits = {c for c in picked if isinstance(c, str) and c in known}
        if not hits:
            other += n
        for choice in hits:
            counts[choice] += n
    return ChoiceTally(counts, blank, other)


def answer_text(answer: Any) -> str:
    """A typed answer as shown to a trainer: the string itself, anything else as compact JSON-ish text."""
    if isinstance(answer, str):
        return answer.strip()
    return str(answer)


def common_answers(answers: Iterable[tuple[Any, int]], limit: int = 5) -> list[tuple[str, int]]:
    """The ``limit`` most frequent non-blank answers as (text, count), most frequent first."""
    tally: Counter = Counter()
    for answer, n in answers:
        if not is_blank(answer):
            tally[answer_text(answer)] += n
    return sorted(tally.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]


def item_flags(n: int, facility: float | None, point_biserial: float | None) -> list[str]:
    """Why a trainer should look at an item: too easy, too hard, or discriminating the wrong way.

    Nothing is flagged below ``MIN_RESPONSES`` answers.
    """
    if n < MIN_RESPONSES:
        return []
    flags = []
    if facility is not None and facility > EASY_ABOVE:
        flags.append(FLAG_EASY)
    if facility is not None and facility < HARD_BELOW:
        flags.append(FLAG_HARD)
    if point_biserial is not None and point_biserial < NEGATIVE_BELOW:
        flags.append(FLAG_NEGATIVE)
    return flags


def histogram_counts(values: Iterable[float], edges: Sequence[float] = HISTOGRAM_EDGES) -> list[int]:
    """Counts per bin [a, b), the last bin closed; values outside the edges are left out."""
    counts = [0] * max(len(edges) - 1, 0)
    if not counts:
        return counts
    for value in values:
        if not math.isfinite(value) or value < edges[0] or value > edges[-1]:
            continue
        counts[min(bisect_right(edges, value) - 1, len(counts) - 1)] += 1
    return counts


@dataclass(frozen=True)
class ItemStats:
    n: int
    facility: float | None
    score_variance: float | None  # in points, for alpha
    point_biserial: float | None
    upper_lower: float | None

    @property
    def flags(self) -> list[str]:
        return item_flags(self.n, self.facility, self.point_biserial)


def items_analyse(
    attempt_percents: Mapping[K, float], responses: Iterable[tuple[K, Hashable, float, float]]
) -> dict[Hashable, ItemStats]:
    """Statistics per item from (attempt, item, score, max score) rows; rows without a max are left out.

    Only responses of attempts in ``attempt_percents`` count; the groups are taken over those attempts.
    """
    lower, upper = attempt_groups(attempt_percents)
    rows: dict[Hashable, list[tuple[K, float, float]]] = {}
    for attempt, item, score, max_score in responses:
        if attempt in attempt_percents and max_score > 0:
            rows.setdefault(item, []).append((attempt, score, max_score))
    result: dict[Hashable, ItemStats] = {}
    for item, item_rows in rows.items():
        fractions = [score / max_score for _, score, max_score in item_rows]
        result[item] = ItemStats(
            n=len(item_rows),
            facility=facility(fractions),
            score_variance=sample_variance([score for _, score, _ in item_rows]),
            point_biserial=point_biserial(fractions, [attempt_percents[a] for a, _, _ in item_rows]),
            upper_lower=upper_lower_index(
                ((a, f) for (a, _, _), f in zip(item_rows, fractions, strict=True)), lower, upper
            ),
        )
    return result


@dataclass(frozen=True)
class ScoreGroup:
    """Responses to one item with the same score, from attempts in the same 27 % group: what one SQL
    aggregate row gives. ``mean_dp`` and ``m2_dp`` are the mean and the sum of squared deviations of the
    attempts' percents minus any fixed centre (it cancels out)."""

    score: float
    max_score: float
    group: int  # MIDDLE, LOWER or UPPER
    n: int
    mean_dp: float
    m2_dp: float


def item_stats_from_groups(groups: Sequence[ScoreGroup]) -> ItemStats | None:
    """The same statistics as ``items_analyse``, from score groups instead of single responses.

    Within a group the item score is constant, so the correlation needs only each group's count and the
    mean and spread of its attempt percents (merged with Chan's parallel formula). None without groups.
    """
    groups = [g for g in groups if g.n > 0 and g.max_score > 0]
    n = sum(g.n for g in groups)
    if not n:
        return None
    xs = [g.score / g.max_score for g in groups]
    x_mean = math.fsum(g.n * x for g, x in zip(groups, xs, strict=True)) / n
    sxx = (
        0.0
        if min(xs) == max(xs)
        else math.fsum(g.n * (x - x_mean) ** 2 for g, x in zip(groups, xs, strict=True))
    )
    d_mean = math.fsum(g.n * g.mean_dp for g in groups) / n
    spp = math.fsum(g.m2_dp + g.n * (g.mean_dp - d_mean) ** 2 for g in groups)
    sxp = math.fsum(g.n * (x - x_mean) * (g.mean_dp - d_mean) for g, x in zip(groups, xs, strict=True))
    r = None
    if n >= 2 and sxx > 0 and spp > SPREAD_EPSILON:
        r = max(-1.0, min(1.0, sxp / math.sqrt(sxx * spp)))
    scores = [g.score for g in groups]
    s_mean = math.fsum(g.n * g.score for g in groups) / n
    variance = None
    if n >= 2:
        spread = (
            0.0 if min(scores) == max(scores) else math.fsum(g.n * (g.score - s_mean) ** 2 for g in groups)
        )
        variance = spread / (n - 1)
    up = [(g.n, x) for g, x in zip(groups, xs, strict=True) if g.group == UPPER]
    low = [(g.n, x) for g, x in zip(groups, xs, strict=True) if g.group == LOWER]
    upper_lower = None
    if up and low:
        upper_lower = math.fsum(c * x for c, x in up) / sum(c for c, _ in up) - math.fsum(
            c * x for c, x in low
        ) / sum(c for c, _ in low)
    return ItemStats(n=n, facility=x_mean, score_variance=variance, point_biserial=r, upper_lower=upper_lower)


@dataclass(frozen=True)
class AttemptSummary:
    attempts: int
    mean_percent: float | None
    sd_percent: float | None
    pass_rate: float | None
    total_variance: float | None  # of the attempts' scores in points, for alpha
    histogram: list[int]


def attempts_summary(rows: Sequence[tuple[float, float | None, bool | None]]) -> AttemptSummary:
    """From (percent, score in points, passed) per attempt."""
    percents = [percent for percent, _, _ in rows]
    totals = [total for _, total, _ in rows if total is not None]
    passed = [1.0 if p else 0.0 for _, _, p in rows if p is not None]
    variance = sample_variance(percents)
    return AttemptSummary(
        attempts=len(rows),
        mean_percent=mean(percents),
        sd_percent=math.sqrt(variance) if variance is not None else None,
        pass_rate=mean(passed),
        total_variance=sample_variance(totals),
        histogram=histogram_counts(percents),
    )


def _choice_index(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1_000_000


@dataclass(frozen=True)
class PathTally:
    choices: dict[tuple[Hashable, str, int], tuple[int, int]]  # (version, step, choice) -> (taken, late)
    endings: dict[tuple[Hashable, str], int]  # (version, ending step) -> attempts that ended there


def scenario_tally(attempts: Iterable[tuple[Hashable, Any]]) -> PathTally:
    """Count a scenario's choices per step and the endings reached, from (version, attempt state) pairs.

    The state holds ``path`` = [{"step", "choice" (original index), "late"}, …] and ``current`` (the ending
    once graded); malformed entries are skipped. A step taken twice (a loop) counts twice.
    """
    choices: dict[tuple[Hashable, str, int], list[int]] = {}
    endings: Counter = Counter()
    for version, state in attempts:
        if not isinstance(state, dict):
            continue
        path = state.get("path")
        for entry in path if isinstance(path, list) else []:
            if not isinstance(entry, dict):
                continue
            step, choice = entry.get("step"), entry.get("choice")
            if not isinstance(step, str) or not _choice_index(choice):
                continue
            tally = choices.setdefault((version, step, choice), [0, 0])
            tally[0] += 1
            tally[1] += entry.get("late") is True
        current = state.get("current")
        if isinstance(current, str):
            endings[(version, current)] += 1
    return PathTally({key: (n, late) for key, (n, late) in choices.items()}, dict(endings))
