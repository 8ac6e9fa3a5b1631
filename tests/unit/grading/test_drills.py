"""The drill entry points: written graders by name, and data questions keyed on the attempt's own table."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from assessments.grading import (
    WRITTEN_GRADERS,
    ExpressionError,
    Result,
    data_question_keyed,
    generate,
    grade_question,
    grade_written_response,
)
from courses.authoring.loader import load_tree
from courses.authoring.serialize import question_data

CONTENT = Path(__file__).resolve().parents[3] / "content"
DATA_DRILLS = [d for m in load_tree(CONTENT).modules for d in m.drills if d.kind == "data"]
RUBRIC = {
    "criteria": [{"id": "c", "points": "2", "concepts": [["道歉"]], "required": [], "forbidden": []}],
    "min_chars": 0,
    "max_chars": 0,
    "pass_mark": 70,
    "review": "auto",
}


class EchoGrader:
    name = "echo"

    def grade(self, data: Any, text: str, signals: Any) -> Result:
        return Result(Decimal(1), Decimal(1), True, "", {"kind": "written", "text": text, "signals": signals})


def test_rubric_is_the_default_written_grader() -> None:
    assert set(WRITTEN_GRADERS) == {"rubric"}
    assert WRITTEN_GRADERS["rubric"].name == "rubric"
    answer = (
        "我们向每一位受影响的会员道歉。客服团队会继续跟进每一位会员的情况。后续进展会在群里及时同步给大家。"
    )
    assert grade_written_response(RUBRIC, answer).score == Decimal(2)
    assert grade_written_response({**RUBRIC, "grader": "rubric"}, "没有").score == 0


def test_written_responses_go_to_the_named_grader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(WRITTEN_GRADERS, "echo", EchoGrader())
    result = grade_written_response({**RUBRIC, "grader": "echo"}, "任何文字", {"pasted_chars": 3})
    assert result.details == {"kind": "written", "text": "任何文字", "signals": {"pasted_chars": 3}}


def test_unknown_written_grader_is_a_content_error() -> None:
    with pytest.raises(ValueError, match="unknown grader 'llm'"):
        grade_written_response({**RUBRIC, "grader": "llm"}, "我们道歉。")


TABLE = {"active": [700, 812], "members": [3000, 3120]}
QUESTION: dict[str, Any] = {
    "id": "rate",
    "type": "numeric",
    "points": "2",
    "scoring": "all",
    "unit": "%",
    "expr": "round(last(active) / last(members) * 100, 1)",
    "numeric": {"value": None, "tolerance": "0.1", "min": None, "max": None},
    "correct_feedback_html": "",
    "wrong_feedback_html": "",
}


def test_data_question_is_keyed_with_its_expression() -> None:
    keyed, details = data_question_keyed(QUESTION, TABLE)
    assert keyed["numeric"] == {"value": "26.0", "tolerance": "0.1", "min": None, "max": None}
    assert QUESTION["numeric"]["value"] is None  # the stored question is not changed
    assert details == {
        "expected": "26.0",
        "expr": QUESTION["expr"],
        "explain": "round(last(active) / last(members) * 100, 1) = round(812 / 3120 * 100, 1) = 26.0",
    }


@pytest.mark.parametrize(
    ("answer", "points"),
    [("26.0", "2"), ("26", "2"), ("25.9", "2"), ("26.1 %", "2"), ("25.8", "0"), ("27", "0")],
)
def test_keyed_question_grades_within_tolerance(answer: str, points: str) -> None:
    keyed, _ = data_question_keyed(QUESTION, TABLE)
    assert grade_question(keyed, answer).score == Decimal(points)


def test_keying_fails_on_a_table_the_expression_cannot_use() -> None:
    with pytest.raises(ExpressionError, match="division by zero"):
        data_question_keyed(QUESTION, {"active": [1], "members": [0]})
    with pytest.raises(ExpressionError, match="unknown column 'members'"):
        data_question_keyed(QUESTION, {"active": [1]})


@pytest.mark.parametrize("drill", DATA_DRILLS, ids=lambda d: d.id)
@pytest.mark.parametrize("seed", [0, 1, 99, 2**40])
def test_curriculum_questions_get_full_marks_for_the_expected_value(drill, seed: int) -> None:
    table = generate(drill.generator, drill.params, seed)
    for q in drill.questions:
        keyed, details = data_question_keyed(question_data(q), table)
        full = grade_question(keyed, details["expected"])
        assert full.correct
        assert full.score == Decimal(question_data(q)["points"])
        tolerance = Decimal(keyed["numeric"]["tolerance"])
        off = Decimal(details["expected"]) + tolerance + Decimal("0.01")
        assert grade_question(keyed, str(off)).score == 0
