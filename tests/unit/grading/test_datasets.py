"""Seeded dataset generators: deterministic, always consistent, and different for every attempt."""

from __future__ import annotations

import hashlib
import itertools
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.grading.datasets import GENERATORS, generate, params_clean, params_problems
from assessments.grading.expressions import evaluate
from courses.authoring.loader import load_tree

CONTENT = Path(__file__).resolve().parents[3] / "content"
DATA_DRILLS = [d for m in load_tree(CONTENT).modules for d in m.drills if d.kind == "data"]
ACTIVITY_RATE = "round(last(active) / last(members) * 100, 1)"


def thousandths(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda n: str(Decimal(n).scaleb(-3)))


PARAMS = st.fixed_dictionaries(
    {
        "weeks": st.integers(4, 52).map(str),
        "start_members": st.integers(50, 1_000_000).map(str),
        "growth": thousandths(0, 500),
        "churn": thousandths(0, 500),
        "noise": thousandths(0, 500),
        "seed_offset": st.integers(0, 1_000_000).map(str),
    }
)


def test_columns_are_the_documented_ones_in_order() -> None:
    table = generate("community_weeks", {}, seed=7)
    expected = ("week", "members", "joins", "leaves", "active", "messages", "conversions", "dau", "mau")
    assert tuple(table) == expected == GENERATORS["community_weeks"].columns
    assert table["week"] == list(range(1, 13))
    assert all(len(values) == 12 for values in table.values())


def test_same_params_and_seed_give_the_same_table() -> None:
    params = {"weeks": "20", "noise": "0.3"}
    assert generate("community_weeks", params, seed=123) == generate("community_weeks", params, seed=123)
    assert generate("community_weeks", params, seed=123) != generate("community_weeks", params, seed=124)


def test_seed_offset_is_added_to_the_seed() -> None:
    assert generate("community_weeks", {"seed_offset": "5"}, seed=10) == generate(
        "community_weeks", {}, seed=15
    )


@settings(max_examples=150)
@given(PARAMS, st.integers(0, 2**63))
def test_every_row_is_consistent(params: dict[str, str], seed: int) -> None:
    table = generate("community_weeks", params, seed)
    previous = int(params["start_members"])
    assert len(table["week"]) == int(params["weeks"])
    for n, row in enumerate(zip(*table.values(), strict=True), start=1):
        week, members, joins, leaves, active, messages, conversions, dau, mau = row
        assert all(isinstance(v, int) and v >= 0 for v in row)
        assert week == n
        assert leaves <= previous
        assert members == previous + joins - leaves
        assert dau <= active <= mau <= members
        assert conversions <= active <= messages
        previous = members


def test_growth_and_churn_set_the_trend() -> None:
    growing = generate("community_weeks", {"growth": "0.1", "churn": "0.01", "noise": "0"}, seed=1)
    shrinking = generate("community_weeks", {"growth": "0.01", "churn": "0.1", "noise": "0"}, seed=1)
    assert all(a < b for a, b in itertools.pairwise(growing["members"]))
    assert all(a > b for a, b in itertools.pairwise(shrinking["members"]))


def test_different_seeds_give_different_answers() -> None:
    rates = [evaluate(ACTIVITY_RATE, generate("community_weeks", {}, seed)) for seed in range(201)]
    tolerance = Decimal("0.1")
    apart = sum(abs(a - b) > tolerance for a, b in itertools.pairwise(rates))
    assert apart >= 0.95 * 200
    assert max(rates) - min(rates) >= 10  # percentage points: the answer cannot be guessed from one attempt


@pytest.mark.parametrize("drill", DATA_DRILLS, ids=lambda d: d.id)
def test_curriculum_answers_differ_between_seeds_and_always_evaluate(drill) -> None:
    answers = []
    for seed in range(200):
        table = generate(drill.generator, drill.params, seed)
        answers.append(tuple(evaluate(q.expr, table) for q in drill.questions))
    assert len(set(answers)) >= 0.95 * len(answers)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"weeks": "3"}, "between 4 and 52"),
        ({"weeks": "53"}, "between 4 and 52"),
        ({"weeks": "12.5"}, "whole number"),
        ({"weeks": "twelve"}, "must be a number"),
        ({"weeks": "NaN"}, "must be a number"),
        ({"start_members": "49"}, "between 50 and 1000000"),
        ({"growth": "0.6"}, "between 0 and 0.5"),
        ({"churn": "-0.01"}, "between 0 and 0.5"),
        ({"noise": "0.51"}, "between 0 and 0.5"),
        ({"seed_offset": "1000001"}, "between 0 and 1000000"),
        ({"colour": "blue"}, "no parameter 'colour'"),
    ],
)
def test_out_of_range_params_are_rejected(params: dict[str, str], fragment: str) -> None:
    found = params_problems("community_weeks", params)
    assert len(found) == 1
    assert fragment in found[0]
    with pytest.raises(ValueError, match=fragment.split()[0]):
        params_clean("community_weeks", params)
    with pytest.raises(ValueError):
        generate("community_weeks", params, seed=1)


def test_unknown_generator_is_a_problem() -> None:
    assert params_problems("weather", {}) == [
        "unknown generator 'weather' (known: community_weeks, community_weeks_v2, team_workload)"
    ]
    with pytest.raises(ValueError, match="unknown generator"):
        generate("weather", {}, seed=1)


def test_params_clean_fills_defaults() -> None:
    cleaned = params_clean("community_weeks", {"weeks": "8", "growth": "0.05"})
    assert cleaned == {
        "weeks": Decimal(8),
        "start_members": Decimal(3000),
        "growth": Decimal("0.05"),
        "churn": Decimal("0.02"),
        "noise": Decimal("0.1"),
        "seed_offset": Decimal(0),
    }
    assert (
        params_problems("community_weeks", {p.name: str(p.max) for p in GENERATORS["community_weeks"].params})
        == []
    )


def test_community_weeks_v1_tables_never_change() -> None:
    # Regrades of old attempts recompute from the stored seed: the first generator is frozen.
    tables = [generate("community_weeks", {}, seed) for seed in range(20)]
    digest = hashlib.sha256(json.dumps(tables).encode()).hexdigest()
    assert digest == "356f832780e7df2b2492ef819a362f488c7f3709ec31c92f4919b9536319401a"


WORKLOAD_PARAMS = st.fixed_dictionaries(
    {
        "communities": st.integers(1, 500).map(str),
        "messages_per_community": st.integers(5, 500).map(str),
        "noise": thousandths(0, 500),
        "seed_offset": st.integers(0, 1_000_000).map(str),
    }
)


@settings(max_examples=150)
@given(WORKLOAD_PARAMS, st.integers(0, 2**63))
def test_team_workload_rows_are_consistent(params: dict[str, str], seed: int) -> None:
    table = generate("team_workload", params, seed)
    assert tuple(table) == GENERATORS["team_workload"].columns
    rows = list(zip(*table.values(), strict=True))
    assert [(r[0], r[1]) for r in rows] == [(d, s) for d in range(1, 8) for s in range(1, 4)]
    for _day, shift, hours, messages, tickets, sec, minutes, cost, orders, value in rows:
        assert hours == (4, 5, 5)[shift - 1]
        assert messages >= 1
        assert 0 <= tickets <= messages
        assert 0 <= orders <= messages
        assert 60 <= sec <= 150
        assert 6 <= minutes <= 14
        assert 38 <= cost <= 65
        assert 80 <= value <= 220
    for constant in ("sec_per_message", "min_per_ticket", "hourly_cost", "order_value"):
        assert len(set(table[constant])) == 1


def test_team_workload_follows_the_week_and_the_size() -> None:
    flat = {"noise": "0"}
    table = generate("team_workload", flat, seed=3)
    evening = table["messages"][2::3]
    assert evening[5] > evening[0]
    assert evening[6] > evening[0]
    assert all(table["messages"][k] < table["messages"][k + 2] for k in range(0, 21, 3))
    bigger = generate("team_workload", {**flat, "communities": "40"}, seed=3)
    assert sum(bigger["messages"]) > 1.9 * sum(table["messages"])
    assert generate("team_workload", {}, seed=8) == generate("team_workload", {}, seed=8)
    assert generate("team_workload", {}, seed=8) != generate("team_workload", {}, seed=9)


def test_team_workload_headcount_expression_evaluates() -> None:
    hours = "(sum(messages) * first(sec_per_message) / 3600 + sum(tickets) * first(min_per_ticket) / 60)"
    answers = {
        evaluate(f"round({hours} / (35 * 0.75), 2)", generate("team_workload", {}, s)) for s in range(50)
    }
    assert len(answers) >= 45
    assert all(answer > 0 for answer in answers)


V2_PARAMS = st.fixed_dictionaries(
    {
        "weeks": st.integers(10, 26).map(str),
        "start_members": st.integers(200, 1_000_000).map(str),
        "growth": thousandths(0, 100),
        "churn": thousandths(0, 100),
        "noise": thousandths(0, 200),
        "seed_offset": st.integers(0, 1_000_000).map(str),
    }
)


def v2_rows(table: dict[str, list[int | None]]) -> list[dict[str, int | None]]:
    return [dict(zip(table, row, strict=True)) for row in zip(*table.values(), strict=True)]


@settings(max_examples=200)
@given(V2_PARAMS, st.integers(0, 2**63))
def test_v2_every_week_is_consistent(params: dict[str, str], seed: int) -> None:
    table = generate("community_weeks_v2", params, seed)
    weeks = int(params["weeks"])
    assert tuple(table) == GENERATORS["community_weeks_v2"].columns
    assert table["week"] == list(range(1, weeks + 1))
    rows = v2_rows(table)
    for n, row in enumerate(rows, start=1):
        assert row["dau"] <= row["active"] <= row["mau"] <= row["members"]
        assert row["active"] <= row["messages"]
        assert row["buyers"] <= row["active"]
        window = [r["active"] for r in rows[max(0, n - 4) : n]]
        if n >= 4:
            assert row["mau"] <= sum(window)  # 28 days of distinct people cannot exceed four weeks' sum
        for age in range(1, 5):
            cell = row[f"cohort_w{age}"]
            assert (cell is None) == (n + age > weeks)
            assert cell is None or 0 <= cell <= row["joins"]
    # First orders come only from people who never bought: never more than everyone who was there or came.
    first = rows[0]
    assert sum(r["buyers"] for r in rows) <= first["members"] - first["joins"] + first["leaves"] + sum(
        r["joins"] for r in rows
    )
    for before, row in itertools.pairwise(rows):
        assert row["leaves"] <= before["members"]
        assert row["members"] == before["members"] + row["joins"] - row["leaves"]
        # A 28-day window moves slowly: three of its four weeks are shared; only newcomers add quickly.
        assert row["mau"] - before["mau"] <= 0.2 * before["mau"] + row["joins"] + 5
        assert before["mau"] - row["mau"] <= 0.25 * before["mau"] + 5


@settings(max_examples=100)
@given(
    st.integers(1000, 200_000),
    st.integers(10, 40).map(lambda n: str(Decimal(n).scaleb(-3))),
    st.integers(0, 2**63),
)
def test_v2_activity_is_in_the_lesson_range(start: int, growth: str, seed: int) -> None:
    # 04-data-analysis states it: a brand member community has 8–16 % of members active in a week.
    table = generate("community_weeks_v2", {"start_members": str(start), "growth": growth}, seed)
    rates = sorted(a / m for a, m in zip(table["active"], table["members"], strict=True))
    assert 0.07 <= rates[len(rates) // 2] <= 0.17
    assert all(0.04 <= rate <= 0.2 for rate in rates)
    stickiness = [d / m for d, m in zip(table["dau"], table["mau"], strict=True)]
    assert all(0.05 <= s <= 0.25 for s in stickiness)  # lowest in a bot-outage week


@settings(max_examples=100)
@given(st.integers(2000, 200_000), st.integers(0, 2**63))
def test_v2_plants_a_campaign_then_leavers_and_a_quiet_week(start: int, seed: int) -> None:
    table = generate("community_weeks_v2", {"start_members": str(start), "noise": "0.03"}, seed)
    joins, leaves = table["joins"], table["leaves"]
    spike = joins.index(max(joins))
    others = sorted(joins[:spike] + joins[spike + 1 :])
    assert joins[spike] >= 3 * others[len(others) // 2]
    assert sum(leaves[spike + 1 : spike + 3]) >= 1.3 * sum(leaves[spike - 2 : spike])
    spike_w1 = table["cohort_w1"][spike] / joins[spike]
    usual_w1 = table["cohort_w1"][spike - 1] / joins[spike - 1]
    assert spike_w1 < 0.8 * usual_w1  # the lottery joiners come back less
    assert evaluate("alerts(messages, 4, 0.8)", table) >= 1


def test_v2_stories_move_between_seeds() -> None:
    spikes = {evaluate("argmax(joins)", generate("community_weeks_v2", {}, seed)) for seed in range(60)}
    quiet = {
        evaluate("alerts(messages, 4, 0.8)", generate("community_weeks_v2", {}, seed)) for seed in range(60)
    }
    assert len(spikes) >= 5
    assert len(quiet) >= 2
