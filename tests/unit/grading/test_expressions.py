"""The data-drill expression language: grammar, functions, errors with positions, and exact arithmetic."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from assessments.grading.expressions import (
    FUNCTIONS,
    MAX_SOURCE_LENGTH,
    ExpressionError,
    evaluate,
    explain,
    names,
    parse,
    problems,
)

TABLE = {
    "week": [1, 2, 3, 4, 5],
    "members": [3000, 3050, 3080, 3100, 3120],
    "active": [790, 812, 801, 830, 812],
    "leaves": [40, 55, 55, 38, 51],
    "zero": [0, 0, 0, 0, 0],
    "empty": [],
}
COLUMNS = set(TABLE)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", "7"),
        ("(1 + 2) * 3", "9"),
        ("10 - 4 - 3", "3"),
        ("8 / 4 / 2", "1"),
        ("2 * 3 + 4 * 5", "26"),
        ("-2 * 3", "-6"),
        ("2 - -3", "5"),
        ("-(1 + 2) * -2", "6"),
        (".5 + 0.5", "1.0"),
        ("((7))", "7"),
        ("1 - 2 * 3 / 4", "-0.5"),
        ("-(1 - 1)", "0"),
    ],
)
def test_precedence_and_parentheses(source: str, expected: str) -> None:
    assert evaluate(source, TABLE) == Decimal(expected)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("sum(active)", "4045"),
        ("sum(leaves, 2, 4)", "148"),
        ("mean(leaves)", "47.8"),
        ("mean(active, 4, 5)", "821"),
        ("min(active)", "790"),
        ("max(active)", "830"),
        ("count(active)", "5"),
        ("first(members)", "3000"),
        ("last(members)", "3120"),
        ("at(members, 3)", "3080"),
        ("argmax(leaves)", "2"),  # the first of the tied maxima
        ("argmin(active)", "1"),
        ("argmax(active)", "4"),
        ("round(2.5, 0)", "3"),
        ("round(-2.5, 0)", "-3"),
        ("round(0.125, 2)", "0.13"),
        ("round(26.04999, 1)", "26.0"),
        ("round(7)", "7"),
        ("abs(-3.5)", "3.5"),
        ("abs(4)", "4"),
        ("sum(empty)", "0"),
        ("count(empty)", "0"),
        ("at(members, argmax(leaves))", "3050"),
        ("round(last(active) / last(members) * 100, 1)", "26.0"),
    ],
)
def test_every_function(source: str, expected: str) -> None:
    result = evaluate(source, TABLE)
    assert result == Decimal(expected)
    assert str(result) == expected


def test_function_set_is_fixed() -> None:
    assert {
        "sum",
        "mean",
        "min",
        "max",
        "count",
        "first",
        "last",
        "at",
        "argmax",
        "argmin",
        "round",
        "abs",
        "alerts",
        "ceil",
    } == (FUNCTIONS)


def test_round_keeps_its_digits_and_argmax_is_an_integer() -> None:
    assert str(evaluate("round(3120 / 3120 * 100, 1)", TABLE)) == "100.0"
    assert evaluate("argmax(active)", TABLE).as_tuple().exponent == 0


def test_results_are_not_longer_than_28_digits() -> None:
    assert len(evaluate("1 / 3", TABLE).as_tuple().digits) == 28


@pytest.mark.parametrize(
    ("source", "position", "fragment"),
    [
        ("1 +", 3, "end of the expression"),
        ("1 + * 2", 4, "expected a number"),
        ("last(active", 11, "')'"),
        ("sum(active))", 11, "expected an operator"),
        ("2 3", 2, "expected an operator"),
        ("active $ 2", 7, "unexpected character '$'"),
        ("3.", 1, "digits after"),
        ("3x", 1, "after the number"),
        ("", 0, "empty"),
        ("1 ** 2", 2, "powers"),
    ],
)
def test_syntax_errors_carry_positions(source: str, position: int, fragment: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(source)
    assert caught.value.position == position
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("source", "position", "fragment"),
    [
        ("last(active) / last(zero)", 13, "division by zero"),
        ("at(members, 6)", 0, "out of range"),
        ("at(members, 0)", 12, "row number"),
        ("at(members, 2.5)", 12, "whole number"),
        ("sum(active, 4, 9)", 0, "out of range"),
        ("1 + nope", 4, "unknown column 'nope'"),
        ("last(nope)", 5, "unknown column"),
        ("active + 1", 7, "'active' is a column: use last(active), at(active, 4), sum(active)"),
        ("-active", 0, "is a column"),
        ("active", 0, "the result is a column"),
        ("sum + 1", 0, "'sum' is a function"),
        ("foo(active)", 0, "unknown function 'foo'"),
        ("sum(1)", 0, "needs a column"),
        ("round(active, 1)", 0, "must be a number, not a column"),
        ("last(active, 2)", 0, "takes 1 argument"),
        ("round(1, 7)", 9, "digits must be a whole number from 0 to 6"),
        ("round(1, count(active) + 2)", 0, "digits"),
        ("mean(empty)", 0, "has no rows"),
        ("last(empty)", 0, "has no rows"),
    ],
)
def test_evaluation_errors_carry_positions(source: str, position: int, fragment: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate(source, TABLE)
    assert caught.value.position == position
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os')",
        "__import__(os)",
        "_x",
        "a.b",
        "active.real",
        "x[0]",
        "lambda x: x",
        "'text'",
        '"text"',
        "2 ** 3",
        "1 if 1 else 2",
        "a == b",
        "a; b",
        "f(x=1)",
        "1e5",
        "０ + 1",
        "{}",
        "not x",
    ],
)
def test_nothing_outside_the_grammar_parses(source: str) -> None:
    with pytest.raises(ExpressionError):
        parse(source)
    assert problems(source, COLUMNS)


def test_long_and_deep_expressions_are_refused_cleanly() -> None:
    with pytest.raises(ExpressionError, match="longer than"):
        parse("1 + " * 125 + "1")
    with pytest.raises(ExpressionError, match="nested"):
        parse("(" * 200 + "1" + ")" * 200)
    with pytest.raises(ExpressionError, match="nested"):
        parse("-" * 450 + "1")
    assert len("1" + " + 1" * 124) <= MAX_SOURCE_LENGTH
    assert evaluate("1" + " + 1" * 124, TABLE) == 125


def test_names_splits_columns_and_functions() -> None:
    assert names("round(last(active) / at(members, 3) * 100, 1)") == (
        {"active", "members"},
        {"round", "last", "at"},
    )


def test_problems_names_every_unknown_column_and_function() -> None:
    found = problems("foo(activ) + last(memberz) + bar(1)", COLUMNS)
    text = "\n".join(found)
    assert "unknown function 'foo'" in text
    assert "unknown function 'bar'" in text
    assert "unknown column 'activ'" in text
    assert "unknown column 'memberz'" in text
    assert all("(at character " in line for line in found)


def test_problems_checks_arity_and_argument_kinds_and_constants() -> None:
    assert problems("round(last(active) / last(members) * 100, 1)", COLUMNS) == []
    assert any("takes 2 arguments" in p for p in problems("at(active)", COLUMNS))
    assert any("needs a column" in p for p in problems("argmax(3)", COLUMNS))
    assert any("row number" in p for p in problems("at(active, 0.5)", COLUMNS))
    assert any("starts at row 4" in p for p in problems("sum(active, 4, 2)", COLUMNS))
    assert any("digits" in p for p in problems("round(1, -1)", COLUMNS))
    assert any("is a column" in p for p in problems("active * 2", COLUMNS))
    assert problems("at(members, argmax(leaves))", COLUMNS) == []


def test_explain_shows_the_values_and_the_result() -> None:
    text = explain("round(last(active) / last(members) * 100, 1)", TABLE)
    assert text == "round(last(active) / last(members) * 100, 1) = round(812 / 3120 * 100, 1) = 26.0"
    assert (
        explain("sum(leaves, 2, 4) - at(leaves, 1)", TABLE)
        == "sum(leaves, 2, 4) - at(leaves, 1) = 148 - 40 = 108"
    )
    assert explain("argmax(leaves)", TABLE) == "argmax(leaves) = 2"
    assert explain("1 + 2", TABLE) == "1 + 2 = 3"
    assert explain("last(active) / 3", TABLE) == "last(active) / 3 = 812 / 3 ≈ 270.666667"


# Random expression trees against a reference computed exactly with fractions -----------------------------


class Reject(Exception):
    """The tree is too close to the limits of 40-digit arithmetic for an exact comparison."""


LIMIT = Fraction(10**12)
SERIES = {"a": [3, 1, 4, 1, 5, 9, 2, 6], "b": [2, 7, 1, 8, 2, 8]}


def column_leaf() -> st.SearchStrategy[Any]:
    name = st.sampled_from(sorted(SERIES))
    simple = st.tuples(st.sampled_from(["sum", "mean", "min", "max", "count", "first", "last"]), name)
    rows = st.tuples(st.just("at"), name, st.integers(1, 6))
    return st.one_of(simple, rows).map(lambda t: ("col", *t))


LEAVES = st.one_of(
    st.integers(0, 999).map(lambda n: ("num", str(n))),
    st.decimals(min_value=0, max_value=100, places=2, allow_nan=False).map(lambda d: ("num", str(d))),
    column_leaf(),
)
TREES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.tuples(st.sampled_from("+-*/"), inner, inner).map(lambda t: ("bin", *t)),
        inner.map(lambda t: ("neg", t)),
        inner.map(lambda t: ("group", t)),
        st.tuples(inner, st.integers(0, 6)).map(lambda t: ("round", *t)),
        inner.map(lambda t: ("abs", t)),
    ),
    max_leaves=10,
)


def render(node: tuple) -> str:
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "col":
        return f"{node[1]}({node[2]}, {node[3]})" if node[1] == "at" else f"{node[1]}({node[2]})"
    if kind == "bin":
        return f"({render(node[2])} {node[1]} {render(node[3])})"
    if kind == "neg":
        return f"-{render(node[1])}"
    if kind == "group":
        return f"({render(node[1])})"
    if kind == "round":
        return f"round({render(node[1])}, {node[2]})"
    return f"abs({render(node[1])})"


def reference(node: tuple) -> Fraction:
    value = _reference(node)
    if abs(value) > LIMIT:
        raise Reject
    return value


def _reference(node: tuple) -> Fraction:
    kind = node[0]
    if kind == "num":
        return Fraction(node[1])
    if kind == "col":
        name, column = node[1], node[2]
        values = [Fraction(v) for v in SERIES[column]]
        if name == "at":
            if node[3] > len(values):
                raise Reject
            return values[node[3] - 1]
        return {
            "sum": sum(values),
            "mean": sum(values) / len(values),
            "min": min(values),
            "max": max(values),
            "count": Fraction(len(values)),
            "first": values[0],
            "last": values[-1],
        }[name]
    if kind == "bin":
        left, right = reference(node[2]), reference(node[3])
        if node[1] == "+":
            return left + right
        if node[1] == "-":
            return left - right
        if node[1] == "*":
            return left * right
        if abs(right) < Fraction(1, 1000):
            raise Reject
        return left / right
    if kind == "neg":
        return -reference(node[1])
    if kind == "group":
        return reference(node[1])
    if kind == "round":
        x, scale = reference(node[1]), 10 ** node[2]
        scaled = abs(x) * scale
        if abs(scaled - math.floor(scaled) - Fraction(1, 2)) < Fraction(1, 10**15):
            raise Reject  # a tie the 40-digit computation may see from either side
        return (1 if x >= 0 else -1) * Fraction(math.floor(scaled + Fraction(1, 2)), scale)
    return abs(reference(node[1]))


@given(TREES)
def test_random_trees_match_exact_fractions(tree: tuple) -> None:
    try:
        expected = reference(tree)
    except Reject:
        assume(False)
        return
    source = render(tree)
    assume(len(source) <= MAX_SOURCE_LENGTH)
    result = evaluate(source, SERIES)
    assert abs(Fraction(result) - expected) <= Fraction(1, 10**9)
    assert problems(source, SERIES) == []


COHORT = {"active": [100, 104, 98, 102, 60, 101, 79], "cohort_w2": [30, 28, None, None, None, None, None]}


def test_alerts_counts_rows_below_a_share_of_the_preceding_mean() -> None:
    # Row 5: 60 < 0.8 × 101 → alert. Row 6: 101 ≥ 0.8 × 91. Row 7: 79 < 0.9 × 90.25 but ≥ 0.8 × 90.25.
    assert evaluate("alerts(active, 4, 0.8)", COHORT) == 1
    assert evaluate("alerts(active, 4, 0.9)", COHORT) == 2
    assert evaluate("alerts(active, 1, 0.5)", COHORT) == 0


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("alerts(active, 8, 0.8)", "out of range"),
        ("alerts(active, 4, 0)", "ratio must be above 0"),
        ("alerts(active, 4)", "takes 3 arguments"),
    ],
)
def test_alerts_refuses_impossible_windows(source: str, fragment: str) -> None:
    with pytest.raises(ExpressionError, match=fragment):
        evaluate(source, COHORT)


def test_alerts_window_must_be_a_whole_row_count() -> None:
    assert any("whole number from 1" in p for p in problems("alerts(active, 0, 0.8)", set(COHORT)))


def test_empty_cells_are_read_only_one_by_one() -> None:
    assert evaluate("at(cohort_w2, 2)", COHORT) == 28
    assert evaluate("sum(cohort_w2, 1, 2)", COHORT) == 58
    for source in ("at(cohort_w2, 3)", "sum(cohort_w2)", "max(cohort_w2)", "last(cohort_w2)"):
        with pytest.raises(ExpressionError, match="row 3 of 'cohort_w2' is empty"):
            evaluate(source, COHORT)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("ceil(8.01)", "9"),
        ("ceil(8)", "8"),
        ("ceil(-2.5)", "-2"),
        ("ceil(-0.5)", "0"),
        ("ceil(235 / 28)", "9"),
    ],
)
def test_ceil_rounds_up_to_a_whole_number(source: str, expected: str) -> None:
    # Headcount is rounded up: 8.4 people of work needs 9 people.
    assert str(evaluate(source, COHORT)) == expected


def test_ceil_takes_one_number() -> None:
    assert any("takes 1 argument" in p for p in problems("ceil(1, 2)", set(COHORT)))
    assert any("must be a number, not a column" in p for p in problems("ceil(active)", set(COHORT)))


@given(
    st.lists(st.integers(0, 10_000), min_size=2, max_size=30),
    st.integers(1, 6),
    st.integers(1, 150).map(lambda n: Decimal(n) / 100),
)
def test_alerts_matches_counting_by_hand(values: list[int], window: int, ratio: Decimal) -> None:
    assume(window <= len(values))
    expected = sum(
        1
        for k in range(window, len(values))
        if Fraction(values[k]) < Fraction(ratio) * Fraction(sum(values[k - window : k]), window)
    )
    assert evaluate(f"alerts(v, {window}, {ratio})", {"v": values}) == expected
