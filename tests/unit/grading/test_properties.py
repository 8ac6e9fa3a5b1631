"""Property tests: random valid questions and random (often tampered) answers."""

from __future__ import annotations

import itertools
import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from assessments.grading import InvalidAnswer, check_answer, grade_question, normalize_text

POINTS = st.one_of(
    st.integers(1, 20).map(str),
    st.integers(1, 10_000).map(lambda cents: str(Decimal(cents).scaleb(-2))),
)
WORDS = st.text(alphabet="社群运营转化率留存活跃用户abcXYZ019 ，。/", min_size=1, max_size=8).filter(
    lambda s: normalize_text(s) != ""
)
AMOUNTS = st.decimals(min_value=-10_000, max_value=10_000, places=2, allow_nan=False, allow_infinity=False)
JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=8,
)


def base(qtype: str, points: str, scoring: str) -> dict[str, Any]:
    return {
        "id": "q",
        "type": qtype,
        "points": points,
        "scoring": scoring,
        "tags": [],
        "stem_html": "",
        "hint_html": "",
        "explanation_html": "",
        "correct_feedback_html": "<p>ok</p>",
        "wrong_feedback_html": "<p>no</p>",
        "choices": [],
        "accepted": [],
        "numeric": None,
        "items": [],
        "pairs": [],
        "unit": "",
        "expr": "",
    }


@st.composite
def choice_questions(draw: st.DrawFn, qtype: str | None = None) -> dict[str, Any]:
    qtype = qtype or draw(st.sampled_from(["single", "truefalse", "multiple"]))
    n = 2 if qtype == "truefalse" else draw(st.integers(2, 7))
    if qtype == "multiple":
        flags = draw(st.lists(st.booleans(), min_size=n, max_size=n).filter(any))
    else:
        right = draw(st.integers(0, n - 1))
        flags = [k == right for k in range(n)]
    data = base(qtype, draw(POINTS), draw(st.sampled_from(["partial", "all"])))
    data["choices"] = [
        {"id": f"c{k}", "html": f"<p>{k}</p>", "correct": ok, "feedback_html": ""}
        for k, ok in enumerate(flags, start=1)
    ]
    return data


@st.composite
def short_questions(draw: st.DrawFn) -> dict[str, Any]:
    data = base("short", draw(POINTS), "all")
    data["accepted"] = draw(st.lists(WORDS, min_size=1, max_size=3))
    return data


@st.composite
def numeric_questions(draw: st.DrawFn) -> dict[str, Any]:
    data = base("numeric", draw(POINTS), "all")
    if draw(st.booleans()):
        tolerance = draw(st.decimals(min_value=0, max_value=100, places=2))
        data["numeric"] = {"value": str(draw(AMOUNTS)), "tolerance": str(tolerance), "min": None, "max": None}
    else:
        low, high = sorted([draw(AMOUNTS), draw(AMOUNTS)])
        data["numeric"] = {"value": None, "tolerance": "0", "min": str(low), "max": str(high)}
    return data


@st.composite
def ordering_questions(draw: st.DrawFn) -> dict[str, Any]:
    data = base("ordering", draw(POINTS), draw(st.sampled_from(["partial", "all"])))
    data["items"] = [{"id": f"i{k}", "html": f"<p>{k}</p>"} for k in range(1, draw(st.integers(1, 7)) + 1)]
    return data


@st.composite
def matching_questions(draw: st.DrawFn) -> dict[str, Any]:
    data = base("matching", draw(POINTS), draw(st.sampled_from(["partial", "all"])))
    n = draw(st.integers(1, 6))
    data["pairs"] = [
        {"id": f"p{k}", "left_html": f"<p>L{k}</p>", "right_id": f"r{k}", "right_html": f"<p>R{k}</p>"}
        for k in range(1, n + 1)
    ]
    return data


QUESTIONS = st.one_of(
    choice_questions(),
    short_questions(),
    numeric_questions(),
    ordering_questions(),
    matching_questions(),
)


def expected_score(points: str, right: int, total: int) -> Decimal:
    """The documented partial score, computed independently: points × right / total, half-up to cents."""
    full = Decimal(points)
    score = (full * right / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return min(score, full - Decimal("0.01")) if right < total else full


def correct_answer(data: dict[str, Any]) -> object:
    qtype = data["type"]
    if qtype in ("single", "truefalse"):
        return next(c["id"] for c in data["choices"] if c["correct"])
    if qtype == "multiple":
        return [c["id"] for c in data["choices"] if c["correct"]]
    if qtype == "short":
        return data["accepted"][0]
    if qtype == "numeric":
        return data["numeric"]["value"] or data["numeric"]["min"]
    if qtype == "ordering":
        return [i["id"] for i in data["items"]]
    return {p["id"]: p["right_id"] for p in data["pairs"]}


def plausible_answers(data: dict[str, Any]) -> st.SearchStrategy[object]:
    """Answers a form could send for this question, plus a few near misses."""
    qtype = data["type"]
    choice_ids = [c["id"] for c in data["choices"]]
    if qtype in ("single", "truefalse"):
        return st.sampled_from([*choice_ids, "c99"])
    if qtype == "multiple":
        return st.lists(st.sampled_from([*choice_ids, "c99"]), max_size=len(choice_ids) + 1)
    if qtype == "short":
        return st.sampled_from(data["accepted"]) | WORDS
    if qtype == "numeric":
        return AMOUNTS.map(str) | st.text(alphabet="0123456789.,-+%１２．", max_size=8)
    if qtype == "ordering":
        ids = [i["id"] for i in data["items"]]
        return st.permutations(ids) | st.lists(st.sampled_from(ids), max_size=len(ids) + 1)
    lefts = [p["id"] for p in data["pairs"]]
    rights = [p["right_id"] for p in data["pairs"]]
    return st.dictionaries(
        st.sampled_from([*lefts, "p99"]), st.sampled_from([*rights, "r99"]), max_size=len(lefts)
    )


def check_error(data: dict[str, Any], answer: object) -> str | None:
    try:
        check_answer(data, answer)
    except InvalidAnswer as exc:
        return str(exc)
    return None


@given(QUESTIONS, st.data())
def test_any_answer_scores_within_bounds(data: dict[str, Any], drawn: st.DataObject) -> None:
    answer = drawn.draw(st.none() | plausible_answers(data) | JUNK)
    result = grade_question(data, answer)
    assert Decimal(0) <= result.score <= result.max_score == Decimal(data["points"])
    assert result.score.as_tuple().exponent == -2
    assert result.correct == (result.score == result.max_score)
    assert json.loads(json.dumps(result.details)) == result.details
    problem = check_error(data, answer)
    assert result.details.get("invalid") == problem
    if problem is not None:
        assert problem.strip()
        assert result.score == 0


@given(QUESTIONS)
def test_the_correct_answer_gets_exactly_the_points(data: dict[str, Any]) -> None:
    answer = correct_answer(data)
    check_answer(data, answer)
    result = grade_question(data, answer)
    assert result.correct
    assert result.score == Decimal(data["points"])
    assert result.feedback == "<p>ok</p>"


@given(choice_questions("single") | choice_questions("truefalse"), st.data())
def test_a_wrong_single_answer_gets_zero(data: dict[str, Any], drawn: st.DataObject) -> None:
    wrong = drawn.draw(st.sampled_from([c["id"] for c in data["choices"] if not c["correct"]]))
    result = grade_question(data, wrong)
    assert (result.score, result.correct) == (0, False)


@given(choice_questions("multiple"), st.data())
def test_multiple_partial_is_monotone(data: dict[str, Any], drawn: st.DataObject) -> None:
    data["scoring"] = "partial"
    ids = [c["id"] for c in data["choices"]]
    wrong_ids = [c["id"] for c in data["choices"] if not c["correct"]]
    right_ids = [c["id"] for c in data["choices"] if c["correct"]]
    picked = drawn.draw(st.lists(st.sampled_from(ids), unique=True))
    before = grade_question(data, picked).score
    unpicked_wrong = [i for i in wrong_ids if i not in picked]
    if unpicked_wrong:
        assert grade_question(data, [*picked, drawn.draw(st.sampled_from(unpicked_wrong))]).score <= before
    unpicked_right = [i for i in right_ids if i not in picked]
    if unpicked_right:
        assert grade_question(data, [*picked, drawn.draw(st.sampled_from(unpicked_right))]).score >= before


@given(choice_questions("multiple"), st.data())
def test_multiple_all_or_nothing_gives_points_only_for_the_exact_set(
    data: dict[str, Any], drawn: st.DataObject
) -> None:
    data["scoring"] = "all"
    picked = drawn.draw(st.lists(st.sampled_from([c["id"] for c in data["choices"]]), unique=True))
    result = grade_question(data, picked)
    exact = set(picked) == {c["id"] for c in data["choices"] if c["correct"]}
    assert result.score == (Decimal(data["points"]) if exact else 0)


@given(AMOUNTS, st.decimals(min_value=0, max_value=100, places=2), st.sampled_from(["0.01", "0.001", "1E-9"]))
def test_numeric_tolerance_boundaries(value: Decimal, tolerance: Decimal, step: str) -> None:
    data = base("numeric", "1", "all")
    data["numeric"] = {"value": str(value), "tolerance": str(tolerance), "min": None, "max": None}
    epsilon = Decimal(step)
    for inside in (value - tolerance, value + tolerance, value):
        assert grade_question(data, f"{inside:f}").correct, inside
    for outside in (value - tolerance - epsilon, value + tolerance + epsilon):
        assert not grade_question(data, f"{outside:f}").correct, outside


@given(AMOUNTS, AMOUNTS, st.sampled_from(["0.01", "0.001", "1E-9"]))
def test_numeric_range_boundaries(a: Decimal, b: Decimal, step: str) -> None:
    low, high = sorted([a, b])
    data = base("numeric", "1", "all")
    data["numeric"] = {"value": None, "tolerance": "0", "min": str(low), "max": str(high)}
    epsilon = Decimal(step)
    assert grade_question(data, f"{low:f}").correct
    assert grade_question(data, f"{high:,f}").correct
    assert not grade_question(data, f"{low - epsilon:f}").correct
    assert not grade_question(data, f"{high + epsilon:f}").correct


@given(ordering_questions(), st.data())
def test_ordering_full_marks_only_for_the_correct_order(data: dict[str, Any], drawn: st.DataObject) -> None:
    expected = [i["id"] for i in data["items"]]
    answer = drawn.draw(st.permutations(expected))
    result = grade_question(data, answer)
    assert result.correct == (answer == expected)
    if data["scoring"] == "all" and answer != expected:
        assert result.score == 0


@given(ordering_questions(), st.data())
def test_ordering_share_counts_kept_neighbours(data: dict[str, Any], drawn: st.DataObject) -> None:
    assume(len(data["items"]) > 1)
    data["scoring"] = "partial"
    expected = [i["id"] for i in data["items"]]
    answer = drawn.draw(st.permutations(expected))
    kept = sum(1 for a, b in itertools.pairwise(answer) if expected.index(b) == expected.index(a) + 1)
    result = grade_question(data, answer)
    assert result.details["pairs_kept"] == kept
    assert result.score == expected_score(data["points"], kept, len(expected) - 1)


@given(matching_questions(), st.data())
def test_matching_full_marks_only_for_the_correct_mapping(data: dict[str, Any], drawn: st.DataObject) -> None:
    lefts = [p["id"] for p in data["pairs"]]
    rights = drawn.draw(st.permutations([p["right_id"] for p in data["pairs"]]))
    keep = drawn.draw(st.lists(st.booleans(), min_size=len(lefts), max_size=len(lefts)))
    answer = {left: right for left, right, k in zip(lefts, rights, keep, strict=True) if k}
    result = grade_question(data, answer)
    exact = answer == {p["id"]: p["right_id"] for p in data["pairs"]}
    assert result.correct == exact
    right_count = sum(answer.get(p["id"]) == p["right_id"] for p in data["pairs"])
    if data["scoring"] == "partial" and answer:
        assert result.score == expected_score(data["points"], right_count, len(lefts))
    else:
        assert result.score == (Decimal(data["points"]) if exact else 0)


@given(short_questions(), st.data())
def test_short_answers_match_regardless_of_width_case_and_spacing(
    data: dict[str, Any], drawn: st.DataObject
) -> None:
    accepted = drawn.draw(st.sampled_from(data["accepted"]))
    fullwidth = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})
    variant = "\u3000" + " ".join(accepted.upper().translate(fullwidth)) + "。"
    assert grade_question(data, variant).correct
