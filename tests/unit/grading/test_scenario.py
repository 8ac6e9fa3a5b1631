"""Branching scenarios: graph problems, the best path, and grading of played paths."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.grading.base import InvalidAnswer
from assessments.grading.scenario import (
    GraphProblem,
    best_path,
    choice_permutation,
    grade_scenario,
    graph_problems,
    passed_scenario,
)
from courses.authoring.loader import load_tree
from courses.authoring.validate import scenario_graph

CONTENT = Path(__file__).resolve().parents[3] / "content"
SCENARIOS = [d for m in load_tree(CONTENT).modules for d in m.drills if d.kind == "scenario"]


def step(*choices: tuple[str, int | str]) -> dict[str, Any]:
    return {"ending": False, "outcome": "", "choices": [{"target": t, "points": str(p)} for t, p in choices]}


def ending(outcome: str = "good") -> dict[str, Any]:
    return {"ending": True, "outcome": outcome, "choices": [], "html": "<p>ignored</p>"}


def scenario(start: str = "s1", **steps: dict[str, Any]) -> dict[str, Any]:
    return {"start": start, "steps": steps}


def walk(*moves: tuple[str, int] | tuple[str, int, bool]) -> list[dict[str, Any]]:
    return [{"step": m[0], "choice": m[1], "late": m[2] if len(m) > 2 else False} for m in moves]


# s1 -> s2 (3) | end-bad (0);  s2 -> end-good (3) | end-ok (1)
SIMPLE = scenario(
    s1=step(("s2", 3), ("end-bad", 0)),
    s2=step(("end-good", 3), ("end-ok", 1)),
    **{"end-good": ending("good"), "end-ok": ending("neutral"), "end-bad": ending("bad")},
)


def errors(problems: list[GraphProblem]) -> list[GraphProblem]:
    return [p for p in problems if p.level == "error"]


def test_a_sound_graph_has_no_problems() -> None:
    assert graph_problems(SIMPLE["start"], SIMPLE["steps"]) == []


def test_missing_start() -> None:
    found = graph_problems("s0", SIMPLE["steps"])
    assert found == [GraphProblem("s0", "error", "start step 's0' does not exist")]


def test_choice_to_a_missing_step_names_the_choice() -> None:
    steps = {**SIMPLE["steps"], "s2": step(("end-good", 3), ("s9", 1))}
    steps["s2"]["choices"][1]["label"] = "去别处"
    found = errors(graph_problems("s1", steps))
    assert found == [GraphProblem("s2", "error", "choice '去别处' leads to '#s9', which is not a step", 1)]


def test_dead_end_and_ending_with_choices() -> None:
    steps = {
        **SIMPLE["steps"],
        "s2": step(),
        "end-ok": {**ending(), "choices": [{"target": "s1", "points": "0"}]},
    }
    messages = {(p.step, p.message) for p in errors(graph_problems("s1", steps))}
    assert ("s2", "step 's2' offers no choices and is not an ending") in messages
    assert ("end-ok", "ending 'end-ok' cannot offer choices") in messages


def test_trap_cycle_is_named() -> None:
    steps = {
        "s1": step(("s2", 1), ("end", 0)),
        "s2": step(("s3", 1)),
        "s3": step(("s4", 1)),
        "s4": step(("s2", 1)),
        "end": ending(),
    }
    (trap,) = errors(graph_problems("s1", steps))
    assert trap.step == "s2"
    assert "no ending can be reached from step 's2'" in trap.message
    assert "'s3'" in trap.message
    assert "'s4'" in trap.message


def test_start_that_reaches_no_ending() -> None:
    steps = {"s1": step(("s2", 1)), "s2": step(("s1", 1)), "end": ending()}
    found = graph_problems("s1", steps)
    assert any(p.level == "error" and "from the start step" in p.message for p in found)
    assert GraphProblem("end", "warning", "step 'end' cannot be reached from the start step") in found


def test_unreachable_step_is_a_warning() -> None:
    steps = {**SIMPLE["steps"], "s3": step(("end-good", 1))}
    assert graph_problems("s1", steps) == [
        GraphProblem("s3", "warning", "step 's3' cannot be reached from the start step")
    ]


def test_negative_points_are_an_error() -> None:
    steps = {**SIMPLE["steps"], "s2": step(("end-good", -1), ("end-ok", 1))}
    (problem,) = graph_problems("s1", steps)
    assert problem.choice == 0
    assert "≥ 0" in problem.message


def test_a_loop_with_a_way_out_is_fine() -> None:
    steps = {"s1": step(("s2", 1)), "s2": step(("s1", 0), ("end", 2)), "end": ending()}
    assert graph_problems("s1", steps) == []
    assert best_path("s1", steps) == (Decimal(3), [("s1", 0), ("s2", 1)])


@pytest.mark.parametrize("drill", SCENARIOS, ids=lambda d: d.id)
def test_real_drills_have_no_graph_problems_and_their_best_path_gets_full_marks(drill) -> None:
    steps = scenario_graph(drill)
    assert graph_problems(drill.start, steps) == []
    points, path = best_path(drill.start, steps)
    assert points > 0
    result = grade_scenario({"start": drill.start, "steps": steps}, walk(*path))
    assert result.correct
    assert result.score == result.max_score == points
    assert result.details["outcome"] == "good"
    assert passed_scenario(result, 100)


def test_best_path_prefers_points_then_fewer_steps_then_lower_indexes() -> None:
    assert best_path("s1", SIMPLE["steps"]) == (Decimal(6), [("s1", 0), ("s2", 0)])
    shorter = {"s1": step(("s2", 1), ("end", 2)), "s2": step(("end", 1)), "end": ending()}
    assert best_path("s1", shorter) == (Decimal(2), [("s1", 1)])
    tie = {"s1": step(("end", 2), ("end", 2)), "end": ending()}
    assert best_path("s1", tie) == (Decimal(2), [("s1", 0)])


def test_best_path_visits_each_step_once() -> None:
    # s2's 5 points lead back to s1, which a path cannot visit again.
    steps = {"s1": step(("s2", 0), ("end", 1)), "s2": step(("s1", 5), ("end", 0)), "end": ending()}
    assert best_path("s1", steps) == (Decimal(1), [("s1", 1)])


def test_grade_records_each_step_and_the_best_path() -> None:
    result = grade_scenario(SIMPLE, walk(("s1", 0), ("s2", 1)))
    assert result.score == Decimal("4.00")
    assert result.max_score == Decimal("6.00")
    assert not result.correct
    assert result.feedback == ""
    assert result.details == {
        "kind": "scenario",
        "path": [
            {"step": "s1", "choice": 0, "points": "3.00", "late": False, "best_choice": 0},
            {"step": "s2", "choice": 1, "points": "1.00", "late": False, "best_choice": 0},
        ],
        "best_path": [
            {"step": "s1", "choice": 0, "points": "3.00"},
            {"step": "s2", "choice": 0, "points": "3.00"},
        ],
        "ending": "end-ok",
        "outcome": "neutral",
        "points": "4.00",
        "max_points": "6.00",
    }


def test_late_choices_score_nothing() -> None:
    result = grade_scenario(SIMPLE, walk(("s1", 0, True), ("s2", 0)))
    assert result.score == Decimal(3)
    assert result.details["path"][0]["points"] == "0.00"
    assert result.details["path"][0]["late"] is True


def test_revisited_steps_count_once() -> None:
    steps = {"s1": step(("s2", 2)), "s2": step(("s1", 0), ("end", 1)), "end": ending()}
    result = grade_scenario({"start": "s1", "steps": steps}, walk(("s1", 0), ("s2", 0), ("s1", 0), ("s2", 1)))
    assert [row["points"] for row in result.details["path"]] == ["2.00", "0.00", "0.00", "0.00"]
    assert result.score == Decimal(2)
    assert result.max_score == Decimal(3)


def test_looping_cannot_beat_the_best_path() -> None:
    steps = {"s1": step(("s2", 1), ("end", 0)), "s2": step(("s1", 5)), "end": ending()}
    data = {"start": "s1", "steps": steps}
    assert best_path("s1", steps) == (Decimal(0), [("s1", 1)])
    result = grade_scenario(data, walk(("s1", 0), ("s2", 0), ("s1", 1)))
    assert result.score == result.max_score == 0
    assert result.correct


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ([], "starting at the first step"),
        ("s1", "starting at the first step"),
        (walk(("s2", 0)), "should be 's1'"),
        (walk(("s1", 2)), "no choice 2"),
        (walk(("s1", -1)), "no choice -1"),
        ([{"step": "s1", "choice": True}], "choice number"),
        ([{"step": "s1", "choice": "0"}], "choice number"),
        ([{"step": "s1", "choice": 0, "late": "no"}], "late"),
        (["s1"], "not a step"),
        (walk(("s1", 0)), "stops before"),
        (walk(("s1", 0), ("s1", 0)), "should be 's2'"),
        (walk(("s1", 1), ("s2", 0)), "should be 'end-bad'"),
        (walk(("s1", 0), ("s2", 0), ("end-good", 0)), "no choice 0"),
        (walk(*[("s1", 0)] * 501), "limited to 500"),
    ],
)
def test_invalid_paths_are_refused(path: Any, fragment: str) -> None:
    with pytest.raises(InvalidAnswer, match=fragment):
        grade_scenario(SIMPLE, path)


def test_passing_needs_the_mark_and_not_a_bad_ending() -> None:
    good = grade_scenario(SIMPLE, walk(("s1", 0), ("s2", 1)))  # 4 of 6 points
    assert passed_scenario(good, 60)
    assert not passed_scenario(good, 70)
    steps = {
        "s1": step(("end-bad", 3), ("end-good", 1)),
        "end-bad": ending("bad"),
        "end-good": ending("good"),
    }
    bad = grade_scenario({"start": "s1", "steps": steps}, walk(("s1", 0)))
    assert bad.correct
    assert not passed_scenario(bad, 0)


def test_choice_permutation_is_a_stable_shuffle() -> None:
    order = choice_permutation(42, "s1", 5)
    assert sorted(order) == [0, 1, 2, 3, 4]
    assert choice_permutation(42, "s1", 5) == order
    orders = {tuple(choice_permutation(seed, "s1", 5)) for seed in range(50)}
    assert len(orders) > 20
    assert {tuple(choice_permutation(42, sid, 5)) for sid in ("s1", "s2", "s3", "s4", "s5")} != {tuple(order)}
    assert choice_permutation(1, "s1", 0) == []


# Random graphs and random walks ---------------------------------------------------------------------------


@st.composite
def graphs_and_walks(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A graph where every step has a forward choice (an ending is always reachable), and a walk in it."""
    n = draw(st.integers(1, 7))
    endings = [f"e{k}" for k in range(draw(st.integers(1, 3)))]
    ids = [f"s{k}" for k in range(n)]
    steps: dict[str, Any] = {e: ending(draw(st.sampled_from(["good", "neutral", "bad"]))) for e in endings}
    forward: dict[str, int] = {}
    for k, sid in enumerate(ids):
        onward = draw(st.sampled_from(ids[k + 1 :] + endings))
        extra = draw(st.lists(st.sampled_from(ids + endings), max_size=3))
        targets = [*extra]
        at = draw(st.integers(0, len(targets)))
        targets.insert(at, onward)
        forward[sid] = at
        points = draw(st.lists(st.integers(0, 5), min_size=len(targets), max_size=len(targets)))
        steps[sid] = step(*zip(targets, points, strict=True))
    moves: list[dict[str, Any]] = []
    current = "s0"
    for _ in range(draw(st.integers(0, 30))):
        if current in endings:
            break
        k = draw(st.integers(0, len(steps[current]["choices"]) - 1))
        moves.append({"step": current, "choice": k, "late": draw(st.booleans())})
        current = steps[current]["choices"][k]["target"]
    while current not in endings:
        moves.append({"step": current, "choice": forward[current], "late": False})
        current = steps[current]["choices"][forward[current]]["target"]
    return {"start": "s0", "steps": steps}, moves


@given(graphs_and_walks())
def test_any_valid_walk_scores_between_zero_and_the_best_path(case: tuple[dict[str, Any], list]) -> None:
    data, moves = case
    assert errors(graph_problems(data["start"], data["steps"])) == []
    best, path = best_path(data["start"], data["steps"])
    result = grade_scenario(data, moves)
    assert 0 <= result.score <= result.max_score == best
    assert result.correct == (result.score == best)
    assert grade_scenario(data, walk(*path)).score == best
    assert len({sid for sid, _ in path}) == len(path)
