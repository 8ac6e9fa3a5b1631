"""Could a guesser pass? The expected score of simple test-wise strategies on a quiz pool or a scenario.

Pure: works on the stored question and scenario data (``courses.authoring.serialize``), grades with the real
graders, and returns exact expectations: ties between options, shuffled positions and the random draw are
averaged over, never sampled. A strategy "passes" when its expected percentage reaches the pass mark.
"""

from __future__ import annotations

import html
import itertools
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from assessments.grading.questions import grade_question
from assessments.grading.scenario import grade_scenario, scenario_percent

QUIZ_STRATEGIES = ("longest", "shortest", "first", "last", "always-false", "always-true")
SCENARIO_STRATEGIES = ("longest-choice", "shortest-choice", "not-longest")
TRUE_LABELS = ("正确", "对", "是", "true", "yes")
FALSE_LABELS = ("错误", "错", "否", "false", "no")
MAX_SUBSETS = 5_000  # ties and shuffles are enumerated exactly up to this many answers per question
MAX_BRANCHES = 1_000  # scenario paths followed through ties


@dataclass(frozen=True)
class StrategyScore:
    strategy: str
    percent: Fraction  # expected score, 0 … 100
    passes: bool

    def as_json(self) -> dict[str, Any]:
        return {"strategy": self.strategy, "percent": round(float(self.percent), 1), "passes": self.passes}


def plain_length(fragment: str) -> int:
    """Characters of an option as a recruit sees it: tags and emphasis removed, spaces around stripped."""
    text = html.unescape(re.sub(r"<[^>]*>", "", fragment or ""))
    return len(unicodedata.normalize("NFKC", re.sub(r"[*_`~]+", "", text)).strip())


def _choice_text(choice: Mapping[str, Any]) -> str:
    return str(
        choice.get("html") or choice.get("text") or choice.get("label_html") or choice.get("label") or ""
    )


def _label_is(choice: Mapping[str, Any], words: tuple[str, ...]) -> bool:
    text = html.unescape(re.sub(r"<[^>]*>", "", _choice_text(choice))).strip().lower().rstrip("。.!！")
    return text in words


def _by_rank(values: Sequence[int], k: int, *, largest: bool) -> list[tuple[int, ...]]:
    """Every k-subset of indexes that a ranking by ``values`` may pick, ties broken at random."""
    order = sorted(range(len(values)), key=lambda i: -values[i] if largest else values[i])
    if k >= len(values):
        return [tuple(range(len(values)))]
    edge = values[order[k - 1]]
    sure = [i for i in order if (values[i] > edge if largest else values[i] < edge)]
    tied = [i for i in order if values[i] == edge]
    need = k - len(sure)
    if math.comb(len(tied), need) > MAX_SUBSETS:
        return [tuple(sorted(sure + tied[:need]))]
    return [tuple(sorted(sure + list(extra))) for extra in itertools.combinations(tied, need)]


def _positions(n: int, k: int, *, first: bool, shuffled: bool) -> list[tuple[int, ...]]:
    if shuffled:
        if math.comb(n, k) > MAX_SUBSETS:
            return [tuple(range(k))]
        return list(itertools.combinations(range(n), k))
    return [tuple(range(k))] if first else [tuple(range(n - k, n))]


def _picks(data: Mapping[str, Any], strategy: str, *, shuffled: bool) -> list[tuple[int, ...]]:
    choices = list(data.get("choices") or [])
    n = len(choices)
    k = 1 if data.get("type") != "multiple" else max(1, math.ceil(n / 2))
    if data.get("type") == "truefalse" and strategy in ("always-false", "always-true"):
        words = FALSE_LABELS if strategy == "always-false" else TRUE_LABELS
        found = [i for i, c in enumerate(choices) if _label_is(c, words)]
        if found:
            return [(found[0],)]
        # Unlabelled true/false: "true" is the first option as authored.
        return [(1 if strategy == "always-false" else 0,)] if n == 2 else []
    lengths = [plain_length(_choice_text(c)) for c in choices]
    if strategy in ("longest", "always-false", "always-true"):
        return _by_rank(lengths, k, largest=True)
    if strategy == "shortest":
        return _by_rank(lengths, k, largest=False)
    return _positions(n, k, first=strategy == "first", shuffled=shuffled)


def question_share(data: Mapping[str, Any], strategy: str, *, shuffled: bool = False) -> Fraction:
    """The expected share (0 … 1) of a question's points a strategy earns; 0 for questions it cannot guess."""
    kind = data.get("type")
    choices = list(data.get("choices") or [])
    if kind not in ("single", "truefalse", "multiple") or len(choices) < 2:
        return Fraction(0)
    picks = _picks(data, strategy, shuffled=shuffled)
    if not picks:
        return Fraction(0)
    total = Fraction(0)
    for pick in picks:
        ids = [choices[i]["id"] for i in pick]
        result = grade_question(dict(data), ids if kind == "multiple" else ids[0])
        if result.max_score > 0:
            total += Fraction(result.score) / Fraction(result.max_score)
    return total / len(picks)


def _points(data: Mapping[str, Any]) -> Fraction:
    try:
        return max(Fraction(Decimal(str(data.get("points") or 1))), Fraction(0))
    except ArithmeticError:
        return Fraction(1)


def quiz_guessing(
    questions: Sequence[Mapping[str, Any]], *, pass_mark: int, shuffle_choices: bool = False
) -> list[StrategyScore]:
    """Each strategy's expected percentage on a pool. A uniform random draw keeps each question's chance of
    being asked equal, so the expectation over the draw is the points-weighted mean over the pool."""
    weight = sum((_points(q) for q in questions), Fraction(0))
    scores = []
    for strategy in QUIZ_STRATEGIES:
        if weight <= 0:
            percent = Fraction(0)
        else:
            earned = sum(
                (_points(q) * question_share(q, strategy, shuffled=shuffle_choices) for q in questions),
                Fraction(0),
            )
            percent = earned * 100 / weight
        scores.append(StrategyScore(strategy, percent, percent >= pass_mark))
    return scores


def _scenario_options(step: Mapping[str, Any], strategy: str) -> list[int]:
    """The choices a strategy takes at one step, each equally likely.

    ``longest-choice`` and ``shortest-choice`` take the longest (shortest) label; ``not-longest`` takes any
    choice but the strictly longest one, the guess of a recruit who has learned that the longest is a trap."""
    choices = list(step.get("choices") or [])
    lengths = [plain_length(_choice_text(c)) for c in choices]
    if not lengths:
        return []
    if strategy == "shortest-choice":
        return [i for i, n in enumerate(lengths) if n == min(lengths)]
    longest = [i for i, n in enumerate(lengths) if n == max(lengths)]
    if strategy == "not-longest":
        if len(longest) == 1 and len(lengths) > 1:
            return [i for i in range(len(lengths)) if i != longest[0]]
        return list(range(len(lengths)))
    return longest


def _scenario_strategy(data: Mapping[str, Any], strategy: str, *, pass_mark: int) -> StrategyScore:
    steps = data.get("steps") or {}
    start = data.get("start")
    walks: list[tuple[Fraction, list[dict[str, Any]]]] = []
    pending: list[tuple[Fraction, str, list[dict[str, Any]]]] = [(Fraction(1), str(start), [])]
    dead = Fraction(0)
    while pending:
        chance, sid, path = pending.pop()
        step = steps.get(sid)
        if step is None or len(path) > len(steps) or len(walks) + len(pending) > MAX_BRANCHES:
            dead += chance
            continue
        if step.get("ending"):
            walks.append((chance, path))
            continue
        options = _scenario_options(step, strategy)
        if not options:
            dead += chance
            continue
        for k in options:
            target = str(step["choices"][k].get("target"))
            pending.append((chance / len(options), target, [*path, {"step": sid, "choice": k}]))
    percent = Fraction(0)
    passing = Fraction(0)
    for chance, path in walks:
        try:
            result = grade_scenario(data, path)
        except ValueError:
            continue
        percent += chance * Fraction(scenario_percent(result))
        passing += chance * (result.details.get("outcome") != "bad")
    return StrategyScore(strategy, percent, percent >= pass_mark and passing * 2 > 1)


def scenario_guessing(data: Mapping[str, Any], *, pass_mark: int) -> list[StrategyScore]:
    """Each scenario strategy's expected percentage (ties and random picks averaged over every walk); a walk
    that loops past every step or stops short of an ending scores 0. A strategy passes when the expected
    percentage reaches the pass mark and its walk usually ends somewhere other than a bad ending."""
    return [_scenario_strategy(data, s, pass_mark=pass_mark) for s in SCENARIO_STRATEGIES]


def passing_strategies(scores: Sequence[StrategyScore]) -> list[str]:
    return [s.strategy for s in scores if s.passes]
