"""The 转正答辩 result: means per criterion and overall (percent of level 4), spread, disagreement, pass."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certificates.rules import ModuleEvidence, certification_rule_check
from evaluation.defence_result import DISAGREEMENT_LEVELS, defence_result

CRITERIA = ["results", "review", "methods"]
sheets_st = st.lists(
    st.fixed_dictionaries({c: st.integers(min_value=1, max_value=4) for c in CRITERIA}),
    min_size=1,
    max_size=4,
)


def test_a_worked_example():
    sheets = [{"a": 4, "b": 2}, {"a": 3, "b": 4}, {"a": 3, "b": 2}]
    result = defence_result(criterion_ids=["a", "b"], sheets=sheets, pass_percent=70)
    a, b = result.criteria
    assert (a.mean, a.percent, a.low, a.high, a.disagreement) == (
        Decimal("3.3"),
        Decimal("83.3"),
        3,
        4,
        False,
    )
    assert (b.mean, b.percent, b.spread, b.disagreement) == (Decimal("2.7"), Decimal("66.7"), 2, True)
    assert result.percent == Decimal("75.0")
    assert result.passed
    assert result.flagged
    assert result.panel_size == 3


def test_no_sheet_no_result_and_bad_levels_are_a_bug():
    assert defence_result(criterion_ids=CRITERIA, sheets=[], pass_percent=60) is None
    with pytest.raises(ValueError):
        defence_result(criterion_ids=["a"], sheets=[{"a": 5}], pass_percent=60)
    with pytest.raises(ValueError):
        defence_result(criterion_ids=["a", "b"], sheets=[{"a": 2}], pass_percent=60)


@given(sheets=sheets_st, pass_percent=st.integers(min_value=1, max_value=100))
def test_result_properties(sheets, pass_percent):
    result = defence_result(criterion_ids=CRITERIA, sheets=sheets, pass_percent=pass_percent)
    for row in result.criteria:
        levels = [s[row.id] for s in sheets]
        assert (row.low, row.high) == (min(levels), max(levels))
        assert row.disagreement == (max(levels) - min(levels) >= DISAGREEMENT_LEVELS)
        assert abs(row.percent - Decimal(sum(levels)) * 25 / len(levels)) <= Decimal("0.05")
    exact = Decimal(sum(sum(s.values()) for s in sheets)) * 25 / (len(sheets) * len(CRITERIA))
    assert abs(result.percent - exact) <= Decimal("0.05")
    assert result.passed == (exact >= pass_percent)
    assert result.flagged == any(r.disagreement for r in result.criteria)
    assert Decimal(25) <= result.percent <= Decimal(100)


@given(sheets=sheets_st)
def test_order_of_the_panel_does_not_change_the_result(sheets):
    a = defence_result(criterion_ids=CRITERIA, sheets=sheets, pass_percent=60)
    b = defence_result(criterion_ids=CRITERIA, sheets=list(reversed(sheets)), pass_percent=60)
    assert a == b


@given(defence=st.booleans(), required=st.booleans())
def test_a_rule_with_defence_needs_a_passed_defence(defence, required):
    rule = {"modules": ["m"], "drills": [], "pass_mark": 70, **({"defence": True} if required else {})}
    modules = {"m": ModuleEvidence(score=Decimal("90"), passed=True)}
    outcome = certification_rule_check(rule, modules, {}, defence_passed=defence)
    assert outcome.met == (defence or not required)
    assert ("defence" in outcome.missing) == (required and not defence)
    assert ("defence" in outcome.snapshot) == required
