"""One entry point per drill kind that needs more than its own module: written graders and data questions.

Written responses go to a grader chosen by the drill's ``grader:`` option; adding a grader (an LLM, peer
review) means adding it to ``WRITTEN_GRADERS`` and nothing else. Data questions get their answer key from
their expression evaluated on the attempt's own table.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from assessments.grading.base import Result
from assessments.grading.expressions import evaluate, explain
from assessments.grading.rubric import grade_written


class WrittenGrader(Protocol):
    name: str

    def grade(self, data: Mapping[str, Any], text: str, signals: Mapping[str, Any] | None) -> Result: ...


class RubricGrader:
    """Concepts, required and forbidden phrases matched as words (rubric.py)."""

    name = "rubric"

    def grade(self, data: Mapping[str, Any], text: str, signals: Mapping[str, Any] | None) -> Result:
        return grade_written(data, text, signals)


WRITTEN_GRADERS: dict[str, WrittenGrader] = {"rubric": RubricGrader()}


def grade_written_response(
    data: Mapping[str, Any], text: str, signals: Mapping[str, Any] | None = None
) -> Result:
    """Grade a response with the drill's grader (default "rubric"); an unknown grader raises ValueError."""
    name = data.get("grader") or "rubric"
    grader = WRITTEN_GRADERS.get(name)
    if grader is None:
        raise ValueError(f"written drill has unknown grader {name!r}")
    return grader.grade(data, text, signals)


def data_question_keyed(
    question: Mapping[str, Any], table: Mapping[str, Sequence[int]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The question with its numeric answer computed on this table, and the working for the review page.

    Raises ExpressionError when the expression cannot be evaluated on the table.
    """
    source = question.get("expr") or ""
    value = format(evaluate(source, table), "f")
    working = explain(source, table)
    keyed = copy.deepcopy(dict(question))
    numeric = dict(keyed.get("numeric") or {})
    numeric.setdefault("tolerance", "0")
    numeric.update(value=value, min=None, max=None)
    keyed["numeric"] = numeric
    return keyed, {"expected": value, "expr": source, "explain": working}
