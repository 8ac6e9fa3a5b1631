"""Branching scenarios: the graph's problems, its best path, and the grade of the path a recruit took.

Scenario data is plain: ``{"start": "s1", "steps": {"s1": {"ending": False, "outcome": "", "choices":
[{"target": "s2", "points": "3"}, ...]}, ...}}``; other keys (html, labels, time limits) are ignored.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from assessments.grading.base import CENT, ZERO, InvalidAnswer, Result
from assessments.grading.base import mark as _

MAX_STEPS = 200  # steps in one scenario; keeps the recursive searches far from Python's limit
MAX_PATH_LENGTH = 500  # steps in one played path, revisits included
MAX_SEARCH = 200_000  # paths tried by best_path in a graph with loops before it gives up


@dataclass(frozen=True)
class GraphProblem:
    step: str
    level: str  # "error" | "warning"
    message: str  # English; ``template % params``, so a page can show it translated
    choice: int | None = None  # index of the choice the problem is about, if any
    template: str = field(default="", compare=False, repr=False)
    params: dict[str, object] = field(default_factory=dict, compare=False, repr=False)


def _problem(
    sid: str, level: str, template: str, choice: int | None = None, /, **params: object
) -> GraphProblem:
    return GraphProblem(sid, level, template % params, choice, template, params)


def _choices(step: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(step.get("choices") or [])


def _points(choice: Mapping[str, Any]) -> Decimal:
    raw = choice.get("points", "0")
    try:
        points = Decimal(str(raw))
    except InvalidOperation:
        raise ValueError(f"a choice has invalid points {raw!r}") from None
    if not points.is_finite() or points < 0:
        raise ValueError(f"a choice has invalid points {raw!r}")
    return points.quantize(CENT, rounding=ROUND_HALF_UP)


def _valid_points(choice: Mapping[str, Any]) -> bool:
    try:
        _points(choice)
    except ValueError:
        return False
    return True


def _choice_problem(sid: str, index: int, choice: Mapping[str, Any], labelled: str, numbered: str, **params):
    """A problem about one choice, named by its label, or by its number when it has none."""
    label = choice.get("label")
    if label:
        return _problem(sid, "error", labelled, index, label=label, **params)
    return _problem(sid, "error", numbered, index, n=index + 1, step=sid, **params)


def _reachable(start: str, steps: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Steps reachable from ``start``, in the order they are first found (depth first)."""
    seen: dict[str, None] = {}
    todo = [start]
    while todo:
        sid = todo.pop()
        if sid in seen or sid not in steps:
            continue
        seen[sid] = None
        todo.extend(reversed([c.get("target") for c in _choices(steps[sid])]))
    return list(seen)


def graph_problems(start: str, steps: Mapping[str, Mapping[str, Any]]) -> list[GraphProblem]:
    """Everything that makes a scenario unplayable (errors) or suspicious (warnings), step by step."""
    found: list[GraphProblem] = []
    if len(steps) > MAX_STEPS:
        return [
            _problem(
                start,
                "error",
                _("a scenario has at most %(most)s steps, not %(n)s"),
                most=MAX_STEPS,
                n=len(steps),
            )
        ]
    if start not in steps:
        found.append(_problem(start, "error", _("start step '%(step)s' does not exist"), step=start))
    for sid, step in steps.items():
        choices = _choices(step)
        if step.get("ending"):
            if choices:
                found.append(_problem(sid, "error", _("ending '%(step)s' cannot offer choices"), step=sid))
            continue
        if not choices:
            found.append(
                _problem(sid, "error", _("step '%(step)s' offers no choices and is not an ending"), step=sid)
            )
        for k, choice in enumerate(choices):
            target = choice.get("target")
            if target not in steps:
                found.append(
                    _choice_problem(
                        sid,
                        k,
                        choice,
                        _("choice '%(label)s' leads to '#%(target)s', which is not a step"),
                        _("choice %(n)s of step '%(step)s' leads to '#%(target)s', which is not a step"),
                        target=target,
                    )
                )
            if not _valid_points(choice):
                found.append(
                    _choice_problem(
                        sid,
                        k,
                        choice,
                        _("choice '%(label)s' has points %(points)s: use a number ≥ 0"),
                        _("choice %(n)s of step '%(step)s' has points %(points)s: use a number ≥ 0"),
                        points=repr(choice.get("points")),
                    )
                )
    if start not in steps:
        return found
    reachable = _reachable(start, steps)
    leads_out = _reaching_an_ending(steps)
    trapped = [sid for sid in reachable if sid not in leads_out and _choices(steps[sid])]
    if trapped:
        others = ", ".join(repr(s) for s in trapped[1:])
        if trapped[0] == start:
            template = (
                _(
                    "no ending can be reached from the start step (nor from %(others)s): every way on leads "
                    "back or stops"
                )
                if others
                else _("no ending can be reached from the start step: every way on leads back or stops")
            )
        else:
            template = (
                _(
                    "no ending can be reached from step '%(step)s' (nor from %(others)s): every way on leads "
                    "back or stops"
                )
                if others
                else _("no ending can be reached from step '%(step)s': every way on leads back or stops")
            )
        found.append(_problem(trapped[0], "error", template, step=trapped[0], others=others))
    if not any(p.level == "error" for p in found):
        try:
            best_path(start, steps)
        except ValueError as exc:
            found.append(GraphProblem(start, "error", str(exc)))
    for sid in steps:
        if sid not in reachable:
            found.append(
                _problem(sid, "warning", _("step '%(step)s' cannot be reached from the start step"), step=sid)
            )
    return found


def _reaching_an_ending(steps: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """The steps from which some ending can be reached (endings included)."""
    good = {sid for sid, step in steps.items() if step.get("ending")}
    changed = True
    while changed:
        changed = False
        for sid, step in steps.items():
            if sid not in good and any(c.get("target") in good for c in _choices(step)):
                good.add(sid)
                changed = True
    return good


# Best path ------------------------------------------------------------------------------------------------

# A candidate path ranks by (more points, fewer steps, lower choice indexes in order).
_Path = tuple[Decimal, tuple[tuple[str, int], ...]]


def _better(a: _Path | None, b: _Path | None) -> bool:
    if b is None:
        return a is not None
    if a is None:
        return False
    if a[0] != b[0]:
        return a[0] > b[0]
    if len(a[1]) != len(b[1]):
        return len(a[1]) < len(b[1])
    return [k for _, k in a[1]] < [k for _, k in b[1]]


def _acyclic_from(steps: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """Steps whose reachable part has no loop: their best path does not depend on where the walk came from."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    cyclic: set[str] = set()

    def visit(sid: str) -> bool:
        state[sid] = 1
        loops = False
        for c in _choices(steps[sid]):
            target = c.get("target")
            if target not in steps:
                continue
            if state.get(target) == 1:
                loops = True
            elif state.get(target) is None:
                loops = visit(target) or loops
            elif target in cyclic:
                loops = True
        state[sid] = 2
        if loops:
            cyclic.add(sid)
        return loops

    for sid in steps:
        if sid not in state:
            visit(sid)
    # A step reaching a cyclic one is cyclic too; the walk above marks only what it met on the stack.
    changed = True
    while changed:
        changed = False
        for sid in steps:
            if sid not in cyclic and any(c.get("target") in cyclic for c in _choices(steps[sid])):
                cyclic.add(sid)
                changed = True
    return set(steps) - cyclic


def best_path(start: str, steps: Mapping[str, Mapping[str, Any]]) -> tuple[Decimal, list[tuple[str, int]]]:
    """The highest-scoring way from ``start`` to an ending, each step at most once; ties: fewer steps, then
    lower choice indexes. Raises ValueError when no ending can be reached."""
    if start not in steps:
        raise ValueError(f"start step '{start}' does not exist")
    if len(steps) > MAX_STEPS:
        raise ValueError(f"a scenario has at most {MAX_STEPS} steps, not {len(steps)}")
    acyclic = _acyclic_from(steps)
    memo: dict[str, _Path | None] = {}
    budget = [MAX_SEARCH]

    def search(sid: str, visited: frozenset[str]) -> _Path | None:
        step = steps[sid]
        if step.get("ending"):
            return ZERO, ()
        if sid in memo:
            return memo[sid]
        budget[0] -= 1
        if budget[0] < 0:
            raise ValueError("the scenario has too many paths through its loops to find the best one")
        best: _Path | None = None
        for k, choice in enumerate(_choices(step)):
            target = choice.get("target")
            if target not in steps or target in visited:
                continue
            rest = search(target, visited | {target})
            if rest is None:
                continue
            candidate = (_points(choice) + rest[0], ((sid, k), *rest[1]))
            if _better(candidate, best):
                best = candidate
        if sid in acyclic:
            memo[sid] = best
        return best

    found = search(start, frozenset({start}))
    if found is None:
        raise ValueError(f"no ending can be reached from '{start}'")
    return found[0], list(found[1])


# Grading --------------------------------------------------------------------------------------------------


def _entry(raw: object, n: int) -> tuple[str, int, bool]:
    if not isinstance(raw, Mapping):
        raise InvalidAnswer(f"Step {n} of the path is not a step and choice.")
    step, choice, late = raw.get("step"), raw.get("choice"), raw.get("late", False)
    if not isinstance(step, str) or isinstance(choice, bool) or not isinstance(choice, int):
        raise InvalidAnswer(f"Step {n} of the path needs a step id and a choice number.")
    if not isinstance(late, bool):
        raise InvalidAnswer(f"Step {n} of the path has an invalid 'late' flag.")
    return step, choice, late


def _walk(data: Mapping[str, Any], path: Sequence[Mapping[str, Any]]) -> list[tuple[str, int, bool]]:
    """The path checked against the graph: it starts at the start, follows choices and ends at an ending."""
    steps = data["steps"]
    if not isinstance(path, Sequence) or isinstance(path, str) or not path:
        raise InvalidAnswer("The path must list the steps taken, starting at the first step.")
    if len(path) > MAX_PATH_LENGTH:
        raise InvalidAnswer(f"A path is limited to {MAX_PATH_LENGTH} steps.")
    walked = [_entry(raw, n) for n, raw in enumerate(path, start=1)]
    expected = data["start"]
    if expected not in steps:
        raise ValueError(f"start step '{expected}' does not exist")
    for n, (sid, k, _when) in enumerate(walked, start=1):
        if sid != expected:
            raise InvalidAnswer(f"Step {n} of the path should be '{expected}', not '{sid}'.")
        choices = _choices(steps[sid])
        if not 0 <= k < len(choices):
            raise InvalidAnswer(f"Step '{sid}' has no choice {k}.")
        expected = choices[k].get("target")
        if expected not in steps:
            raise ValueError(f"step '{sid}': choice {k} leads to the missing step '{expected}'")
    if not steps[expected].get("ending"):
        raise InvalidAnswer("The path stops before reaching an ending.")
    return walked


def grade_scenario(data: Mapping[str, Any], path: Sequence[Mapping[str, Any]]) -> Result:
    """Grade a played path: each step scores its first choice (0 when late); the best path is the maximum."""
    steps = data["steps"]
    walked = _walk(data, path)
    max_score, best = best_path(data["start"], steps)
    best_from: dict[str, int | None] = {}
    seen: set[str] = set()
    rows = []
    total = ZERO
    for sid, k, late in walked:
        earned = ZERO if late or sid in seen else _points(_choices(steps[sid])[k])
        seen.add(sid)
        total += earned
        if sid not in best_from:
            try:
                best_from[sid] = best_path(sid, steps)[1][0][1]
            except ValueError:
                best_from[sid] = None
        rows.append(
            {"step": sid, "choice": k, "points": str(earned), "late": late, "best_choice": best_from[sid]}
        )
    # Looping back to collect a step's points cannot beat the best simple path.
    score = min(total, max_score)
    ending = _choices(steps[walked[-1][0]])[walked[-1][1]]["target"]
    details = {
        "kind": "scenario",
        "path": rows,
        "best_path": [
            {"step": sid, "choice": k, "points": str(_points(_choices(steps[sid])[k]))} for sid, k in best
        ],
        "ending": ending,
        "outcome": steps[ending].get("outcome") or "",
        "points": str(score),
        "max_points": str(max_score),
    }
    return Result(score, max_score, score == max_score, "", details)


def scenario_percent(result: Result) -> Decimal:
    """The score as a percentage of the best path, 100 when the best path is worth nothing."""
    if result.max_score <= 0:
        return Decimal(100)
    return (result.score * 100 / result.max_score).quantize(CENT, rounding=ROUND_HALF_UP)


def passed_scenario(result: Result, pass_mark: int) -> bool:
    """Passed: at least ``pass_mark`` percent of the best path's points, and not at a bad ending."""
    return scenario_percent(result) >= pass_mark and result.details.get("outcome") != "bad"


def choice_permutation(seed: int, step_id: str, n: int) -> list[int]:
    """The display order of a step's choices in one attempt: position -> original index."""
    order = list(range(n))
    # Not for security: hides the authored order (often best first), reproducible from the attempt's seed.
    random.Random(f"{seed}:{step_id}").shuffle(order)  # noqa: S311
    return order
