"""Unit tests for grade_question and check_answer, one group per question type and rule."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from assessments.grading import MAX_TEXT_LENGTH, InvalidAnswer, Result, check_answer, grade_question


def question(qtype: str, **overrides: Any) -> dict[str, Any]:
    """A question dict shaped like serialize.question_data, with empty answer parts."""
    data: dict[str, Any] = {
        "id": "q1",
        "type": qtype,
        "points": "1",
        "scoring": "partial" if qtype in ("multiple", "ordering", "matching") else "all",
        "tags": [],
        "stem_html": "<p>题干</p>",
        "hint_html": "",
        "explanation_html": "",
        "correct_feedback_html": "<p>对了</p>",
        "wrong_feedback_html": "<p>错了</p>",
        "choices": [],
        "accepted": [],
        "numeric": None,
        "items": [],
        "pairs": [],
        "unit": "",
        "expr": "",
    }
    data.update(overrides)
    return data


def choices(*correct: bool) -> list[dict[str, Any]]:
    return [
        {"id": f"c{n}", "html": f"<p>选项{n}</p>", "correct": ok, "feedback_html": f"<p>反馈{n}</p>"}
        for n, ok in enumerate(correct, start=1)
    ]


def numeric(
    value: str | None = None, tolerance: str = "0", low: str | None = None, high: str | None = None
) -> dict:
    return {"value": value, "tolerance": tolerance, "min": low, "max": high}


def items(n: int) -> list[dict[str, str]]:
    return [{"id": f"i{k}", "html": f"<p>步骤{k}</p>"} for k in range(1, n + 1)]


def pairs(*rights: str) -> list[dict[str, str]]:
    return [
        {"id": f"p{k}", "left_html": f"<p>左{k}</p>", "right_id": f"r{k}", "right_html": f"<p>{right}</p>"}
        for k, right in enumerate(rights, start=1)
    ]


SINGLE = question("single", points="2", choices=choices(False, True, False))
TRUEFALSE = question("truefalse", choices=choices(True, False))
MULTIPLE = question("multiple", points="3", choices=choices(True, True, True, False, False))
SHORT = question("short", accepted=["转化", "转化率", "DAU/MAU"])
NUMERIC = question("numeric", points="2", numeric=numeric("42", "0.5"))
RANGE = question("numeric", numeric=numeric(low="40", high="45"))
ORDERING = question("ordering", points="3", items=items(4))
MATCHING = question("matching", points="4", pairs=pairs("甲", "乙", "丙", "丁"))


def score(data: dict[str, Any], answer: object) -> Decimal:
    return grade_question(data, answer).score


# Result shape


def test_result_is_frozen_and_quantised() -> None:
    result = grade_question(question("single", points="1.5", choices=choices(True, False)), "c1")
    assert isinstance(result, Result)
    assert result.score == Decimal("1.50")
    assert result.score.as_tuple().exponent == -2
    assert result.max_score.as_tuple().exponent == -2
    with pytest.raises(AttributeError):
        result.score = Decimal(0)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("data", "answer"),
    [
        (SINGLE, "c2"),
        (SINGLE, None),
        (MULTIPLE, ["c1", "c4"]),
        (SHORT, "转化"),
        (NUMERIC, "42.5"),
        (ORDERING, ["i2", "i1", "i3", "i4"]),
        (MATCHING, {"p1": "r1"}),
        (MATCHING, {"p9": "r1"}),
    ],
)
def test_details_are_json_serialisable(data: dict[str, Any], answer: object) -> None:
    details = grade_question(data, answer).details
    assert json.loads(json.dumps(details)) == details
    assert details["type"] == data["type"]


def test_unknown_type_is_a_content_bug() -> None:
    with pytest.raises(ValueError, match="unknown type"):
        grade_question(question("essay"), "x")
    with pytest.raises(ValueError, match="unknown type"):
        check_answer(question("essay"), "x")


@pytest.mark.parametrize("points", ["-1", "NaN", "abc", "Infinity"])
def test_malformed_points_are_a_content_bug(points: str) -> None:
    with pytest.raises(ValueError, match="invalid points"):
        grade_question(question("single", points=points, choices=choices(True, False)), "c1")


def test_points_with_more_decimals_round_half_up() -> None:
    result = grade_question(question("single", points="1.005", choices=choices(True, False)), "c1")
    assert result.max_score == result.score == Decimal("1.01")


# Single and true/false


def test_single_right_choice_scores_full_with_its_feedback() -> None:
    result = grade_question(SINGLE, "c2")
    assert (result.score, result.max_score, result.correct) == (Decimal("2.00"), Decimal("2.00"), True)
    assert result.feedback == "<p>反馈2</p>\n<p>对了</p>"
    assert result.details["answer"] == "c2"
    assert result.details["expected"] == ["c2"]
    assert result.details["choices"][1] == {"id": "c2", "correct": True, "selected": True}


def test_single_wrong_choice_scores_zero() -> None:
    result = grade_question(SINGLE, "c3")
    assert (result.score, result.correct) == (Decimal("0.00"), False)
    assert result.feedback == "<p>反馈3</p>\n<p>错了</p>"


def test_single_ignores_partial_scoring_setting() -> None:
    assert score({**SINGLE, "scoring": "partial"}, "c1") == 0


def test_truefalse() -> None:
    assert score(TRUEFALSE, "c1") == 1
    assert score(TRUEFALSE, "c2") == 0


def test_unanswered_scores_zero_with_wrong_feedback() -> None:
    result = grade_question(SINGLE, None)
    assert (result.score, result.correct, result.feedback) == (0, False, "<p>错了</p>")
    assert result.details["answered"] is False
    assert result.details["expected"] == ["c2"]


def test_missing_feedback_gives_empty_string() -> None:
    data = question("single", choices=choices(True, False), correct_feedback_html="")
    data["choices"][0]["feedback_html"] = ""
    assert grade_question(data, "c1").feedback == ""


@pytest.mark.parametrize("answer", ["c9", "", 1, ["c2"], {"id": "c2"}, True, "C2"])
def test_single_tampered(answer: object) -> None:
    with pytest.raises(InvalidAnswer, match="not one of this question's options"):
        check_answer(SINGLE, answer)
    result = grade_question(SINGLE, answer)
    assert (result.score, result.correct) == (0, False)
    assert result.details["invalid"]
    assert result.details["answer"] is None


def test_valid_answers_pass_check() -> None:
    for data, answer in [
        (SINGLE, "c1"),
        (SINGLE, None),
        (MULTIPLE, []),
        (MULTIPLE, ["c5", "c1"]),
        (SHORT, "x" * MAX_TEXT_LENGTH),
        (NUMERIC, "not a number"),
        (ORDERING, ["i4", "i3", "i2", "i1"]),
        (MATCHING, {"p1": "r2"}),
        (MATCHING, {"p1": "r2", "p2": "r2"}),
    ]:
        check_answer(data, answer)


# Multiple


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (["c1", "c2", "c3"], "3.00"),  # all right
        (["c3", "c1", "c2"], "3.00"),  # order does not matter
        (["c1", "c2"], "2.00"),  # 2/3
        (["c1"], "1.00"),  # 1/3
        (["c1", "c2", "c3", "c4"], "2.00"),  # (3 - 1) / 3
        (["c1", "c2", "c4"], "1.00"),  # (2 - 1) / 3
        (["c1", "c4"], "0.00"),  # (1 - 1) / 3
        (["c1", "c4", "c5"], "0.00"),  # max(0, (1 - 2) / 3)
        (["c4", "c5"], "0.00"),
        (["c1", "c2", "c3", "c4", "c5"], "1.00"),  # picking everything is not a free pass
        ([], "0.00"),
        (None, "0.00"),
    ],
)
def test_multiple_partial(answer: list[str] | None, expected: str) -> None:
    result = grade_question(MULTIPLE, answer)
    assert result.score == Decimal(expected)
    assert result.correct == (result.score == result.max_score)


def test_multiple_partial_rounds_half_up_to_cents() -> None:
    data = question("multiple", points="1", choices=choices(True, True, True, False))
    assert score(data, ["c1"]) == Decimal("0.33")
    assert score(data, ["c1", "c2"]) == Decimal("0.67")
    eighths = question("multiple", points="0.1", choices=choices(*[True] * 8))
    assert score(eighths, ["c1"]) == Decimal("0.01")  # 0.0125 → 0.01
    assert score(eighths, ["c1", "c2", "c3"]) == Decimal("0.04")  # 0.0375 → 0.04
    assert score(eighths, [f"c{k}" for k in range(1, 6)]) == Decimal("0.06")  # 0.0625 → 0.06


def test_partial_score_just_below_full_is_not_rounded_up_to_full() -> None:
    data = question("multiple", points="1", choices=choices(*[True] * 300))
    result = grade_question(data, [f"c{k}" for k in range(1, 300)])  # 299/300 of a point
    assert (result.score, result.correct) == (Decimal("0.99"), False)


def test_multiple_all_or_nothing() -> None:
    data = {**MULTIPLE, "scoring": "all"}
    assert score(data, ["c1", "c2", "c3"]) == 3
    assert score(data, ["c1", "c2"]) == 0
    assert score(data, ["c1", "c2", "c3", "c4"]) == 0
    assert grade_question(data, ["c1", "c2"]).details["scoring"] == "all"


def test_multiple_feedback_lists_every_picked_choice() -> None:
    result = grade_question(MULTIPLE, ["c4", "c1"])
    assert result.feedback == "<p>反馈1</p>\n<p>反馈4</p>\n<p>错了</p>"
    assert (result.details["right_picked"], result.details["wrong_picked"]) == (1, 1)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("c1", "list"),
        ({"c1": True}, "list"),
        (["c1", "c1"], "more than once"),
        (["c1", "c9"], "not one of"),
        (["c1", 2], "not one of"),
        ([["c1"]], "not one of"),
        (["c1"] * 100, "not one of"),
    ],
)
def test_multiple_tampered(answer: object, message: str) -> None:
    with pytest.raises(InvalidAnswer, match=message):
        check_answer(MULTIPLE, answer)
    assert score(MULTIPLE, answer) == 0


# Short text


@pytest.mark.parametrize(
    "answer",
    [
        "转化",
        "转化率",
        " 转 化 ",
        "转化。",
        "「转化」",
        "dau/mau",
        "ＤＡＵ／ＭＡＵ",
        "DAU MAU",
        "Dau-Mau",
        "dau／mau！",
    ],
)
def test_short_accepts_normalised_variants(answer: str) -> None:
    result = grade_question(SHORT, answer)
    assert result.correct, answer
    assert result.score == 1
    assert result.feedback == "<p>对了</p>"


@pytest.mark.parametrize("answer", ["转化率高", "留存", "dau", "", "   ", "。", None])
def test_short_rejects_other_text(answer: str | None) -> None:
    result = grade_question(SHORT, answer)
    assert (result.score, result.correct) == (0, False)


def test_short_details_for_review() -> None:
    details = grade_question(SHORT, "ＤＡＵ／ＭＡＵ").details
    assert details["matched"] == "DAU/MAU"
    assert details["normalized"] == "daumau"
    assert details["answer_display"] == "ＤＡＵ／ＭＡＵ"
    assert details["expected_display"] == "转化 / 转化率 / DAU/MAU"
    assert grade_question(SHORT, "  ").details["answered"] is False


def test_short_accepted_that_normalises_to_nothing_never_matches() -> None:
    data = question("short", accepted=["？"])
    assert score(data, "？") == 0


@pytest.mark.parametrize("answer", [42, ["转化"], {"a": 1}, "x" * (MAX_TEXT_LENGTH + 1)])
def test_short_tampered(answer: object) -> None:
    with pytest.raises(InvalidAnswer):
        check_answer(SHORT, answer)
    assert score(SHORT, answer) == 0


def test_short_over_length_message() -> None:
    with pytest.raises(InvalidAnswer, match="2,000 characters"):
        check_answer(SHORT, "转" * 2001)


# Numeric


@pytest.mark.parametrize(
    ("answer", "ok"),
    [
        ("42", True),
        ("42.0", True),
        ("41.5", True),
        ("42.5", True),
        ("42.50000", True),
        ("42.51", False),
        ("41.49", False),
        ("42.5000001", False),
        ("４２．５", True),
        ("42%", True),
        (" 42 ", True),
        ("+42", True),
        ("-42", False),
        ("42 人", False),
        ("约42", False),
        ("4.2e1", False),
        ("NaN", False),
        ("", False),
        (None, False),
    ],
)
def test_numeric_tolerance_boundaries_are_inclusive(answer: str | None, ok: bool) -> None:
    result = grade_question(NUMERIC, answer)
    assert result.correct is ok
    assert result.score == (Decimal("2.00") if ok else 0)


@pytest.mark.parametrize(
    ("answer", "ok"),
    [("40", True), ("45", True), ("42.7", True), ("39.999", False), ("45.001", False), ("4,0", False)],
)
def test_numeric_range_boundaries_are_inclusive(answer: str, ok: bool) -> None:
    assert grade_question(RANGE, answer).correct is ok


def test_numeric_open_range() -> None:
    data = question("numeric", numeric=numeric(low="0"))
    assert grade_question(data, "1,000,000").correct
    assert not grade_question(data, "-0.01").correct


def test_numeric_zero_tolerance_and_negative_values() -> None:
    data = question("numeric", numeric=numeric("-3.5"))
    assert grade_question(data, "−3.5").correct  # U+2212 minus
    assert grade_question(data, "－３．５").correct
    assert not grade_question(data, "-3.51").correct


def test_numeric_thousands_and_percent() -> None:
    data = question("numeric", numeric=numeric("1234.5", "0"))
    assert grade_question(data, "1,234.5").correct
    assert grade_question(data, "１，２３４．５％").correct
    assert not grade_question(data, "12,34.5").correct


def test_numeric_accepts_the_question_unit() -> None:
    data = question("numeric", numeric=numeric("42"), unit="人")
    assert grade_question(data, "42人").correct
    assert grade_question(data, "42 人").correct
    assert not grade_question(data, "42元").correct


def test_numeric_details() -> None:
    details = grade_question(NUMERIC, "４２．５").details
    assert (details["value"], details["low"], details["high"]) == ("42.5", "41.5", "42.5")
    assert details["expected_display"] == "42 ± 0.5"
    assert grade_question(RANGE, "x").details["value"] is None
    assert grade_question(RANGE, "x").details["expected_display"] == "40–45"
    unit = question("numeric", numeric=numeric("12"), unit="%")
    assert grade_question(unit, "12").details["expected_display"] == "12 %"


def test_numeric_with_a_long_answer_compares_exactly() -> None:
    data = question("numeric", numeric=numeric("1", "0"))
    assert not grade_question(data, "1." + "0" * 40 + "1").correct
    assert grade_question(data, "1." + "0" * 1900).correct


def test_numeric_without_an_answer_key_is_a_content_bug() -> None:
    with pytest.raises(ValueError, match="no answer"):
        grade_question(question("numeric"), "1")
    with pytest.raises(ValueError, match="neither"):
        grade_question(question("numeric", numeric=numeric()), "1")


@pytest.mark.parametrize("answer", [42, 42.0, ["42"], "4" * (MAX_TEXT_LENGTH + 1)])
def test_numeric_tampered(answer: object) -> None:
    with pytest.raises(InvalidAnswer):
        check_answer(NUMERIC, answer)
    assert score(NUMERIC, answer) == 0


# Ordering


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (["i1", "i2", "i3", "i4"], "3.00"),  # 3 of 3 neighbouring pairs
        (["i2", "i3", "i4", "i1"], "2.00"),  # i2-i3, i3-i4 kept
        (["i3", "i4", "i1", "i2"], "2.00"),  # i3-i4, i1-i2 kept
        (["i1", "i3", "i2", "i4"], "0.00"),  # no pair adjacent and in order
        (["i4", "i3", "i2", "i1"], "0.00"),  # reversed: adjacent but out of order
        (["i2", "i1", "i3", "i4"], "1.00"),  # only i3-i4
        (None, "0.00"),
        ([], "0.00"),
    ],
)
def test_ordering_partial_counts_neighbouring_pairs(answer: list[str] | None, expected: str) -> None:
    assert score(ORDERING, answer) == Decimal(expected)


def test_ordering_all_or_nothing() -> None:
    data = {**ORDERING, "scoring": "all"}
    assert score(data, ["i1", "i2", "i3", "i4"]) == 3
    assert score(data, ["i2", "i3", "i4", "i1"]) == 0


def test_ordering_single_item() -> None:
    data = question("ordering", items=items(1))
    assert score(data, ["i1"]) == 1
    assert score(data, None) == 0


def test_ordering_details() -> None:
    details = grade_question(ORDERING, ["i2", "i3", "i4", "i1"]).details
    assert (details["pairs_kept"], details["pairs_total"]) == (2, 3)
    assert details["pairs"][0] == {"first": "i1", "second": "i2", "kept": False}
    assert details["answer_display"] == "步骤2 → 步骤3 → 步骤4 → 步骤1"
    assert details["expected_display"] == "步骤1 → 步骤2 → 步骤3 → 步骤4"


@pytest.mark.parametrize(
    "answer",
    [
        "i1",
        ["i1", "i2", "i3"],
        ["i1", "i2", "i3", "i3"],
        ["i1", "i2", "i3", "i4", "i4"],
        ["i1", "i2", "i3", "i9"],
        ["i1", "i2", "i3", 4],
        {"i1": 1},
    ],
)
def test_ordering_tampered(answer: object) -> None:
    with pytest.raises(InvalidAnswer):
        check_answer(ORDERING, answer)
    assert score(ORDERING, answer) == 0


# Matching


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"p1": "r1", "p2": "r2", "p3": "r3", "p4": "r4"}, "4.00"),
        ({"p1": "r1", "p2": "r2", "p3": "r4", "p4": "r3"}, "2.00"),
        ({"p1": "r1", "p2": "r2", "p3": "r3"}, "3.00"),  # one left unanswered
        ({"p1": "r1", "p2": "r1"}, "1.00"),  # the same right twice: only p1 is right
        ({"p1": "r2", "p2": "r1", "p3": "r4", "p4": "r3"}, "0.00"),
        ({}, "0.00"),
        (None, "0.00"),
    ],
)
def test_matching_partial_counts_correct_pairs(answer: dict[str, str] | None, expected: str) -> None:
    assert score(MATCHING, answer) == Decimal(expected)


def test_matching_all_or_nothing() -> None:
    data = {**MATCHING, "scoring": "all"}
    assert score(data, {"p1": "r1", "p2": "r2", "p3": "r3", "p4": "r4"}) == 4
    assert score(data, {"p1": "r1", "p2": "r2", "p3": "r3"}) == 0


def test_matching_pairs_with_the_same_right_text_are_interchangeable() -> None:
    data = question("matching", pairs=pairs("活跃指标", "活跃指标", "收入指标"))
    assert score(data, {"p1": "r2", "p2": "r1", "p3": "r3"}) == 1
    assert score(data, {"p1": "r1", "p2": "r1", "p3": "r3"}) == 1
    assert score(data, {"p1": "r3", "p2": "r1", "p3": "r2"}) == Decimal("0.33")


def test_matching_details() -> None:
    details = grade_question(MATCHING, {"p1": "r1", "p2": "r3"}).details
    assert details["expected"] == {"p1": "r1", "p2": "r2", "p3": "r3", "p4": "r4"}
    assert details["pairs"][1] == {"id": "p2", "chosen": "r3", "expected": "r2", "correct": False}
    assert details["pairs"][2]["chosen"] is None
    assert details["answer_display"] == "左1 → 甲；左2 → 丙；左3 → —；左4 → —"
    assert details["expected_display"] == "左1 → 甲；左2 → 乙；左3 → 丙；左4 → 丁"


@pytest.mark.parametrize(
    "answer",
    [
        ["r1", "r2"],
        "p1",
        {"p9": "r1"},
        {"p1": "r9"},
        {"p1": "p1"},
        {"p1": 1},
        {"p1": None},
        {"p1": ["r1"]},
    ],
)
def test_matching_tampered(answer: object) -> None:
    with pytest.raises(InvalidAnswer):
        check_answer(MATCHING, answer)
    assert score(MATCHING, answer) == 0


# Scoring modes


def test_missing_scoring_defaults_to_partial_for_partial_types() -> None:
    data = dict(MULTIPLE)
    del data["scoring"]
    assert score(data, ["c1"]) == 1
    assert grade_question(data, ["c1"]).details["scoring"] == "partial"


def test_zero_point_question() -> None:
    data = question("single", points="0", choices=choices(True, False))
    right, wrong = grade_question(data, "c1"), grade_question(data, "c2")
    assert (right.score, right.max_score, right.correct) == (0, 0, True)
    assert (wrong.score, wrong.max_score, wrong.correct) == (0, 0, False)  # correct follows the answer
