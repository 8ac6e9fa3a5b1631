"""Pure graders: no Django, no ORM, no settings. Each takes stored question or drill data and an answer.

Quiz questions are graded by type through ``QUESTION_GRADERS``. Drills: ``grade_scenario`` for a played
path, ``data_question_keyed`` then ``grade_question`` for data questions on the attempt's ``generate``d
table, and ``grade_written_response`` through ``WRITTEN_GRADERS`` for written responses.
Every grader returns a ``Result``.
"""

from assessments.grading.base import MAX_TEXT_LENGTH, InvalidAnswer, Result
from assessments.grading.datasets import GENERATORS, generate, params_clean, params_problems
from assessments.grading.drills import (
    WRITTEN_GRADERS,
    WrittenGrader,
    data_question_keyed,
    grade_written_response,
)
from assessments.grading.expressions import FUNCTIONS, ExpressionError, evaluate, explain
from assessments.grading.normalize import normalize_text, parse_number
from assessments.grading.questions import QUESTION_GRADERS, check_answer, grade_question
from assessments.grading.rubric import grade_written, text_length
from assessments.grading.scenario import (
    GraphProblem,
    best_path,
    choice_permutation,
    grade_scenario,
    graph_problems,
    passed_scenario,
    scenario_percent,
)

__all__ = [
    "FUNCTIONS",
    "GENERATORS",
    "MAX_TEXT_LENGTH",
    "QUESTION_GRADERS",
    "WRITTEN_GRADERS",
    "ExpressionError",
    "GraphProblem",
    "InvalidAnswer",
    "Result",
    "WrittenGrader",
    "best_path",
    "check_answer",
    "choice_permutation",
    "data_question_keyed",
    "evaluate",
    "explain",
    "generate",
    "grade_question",
    "grade_scenario",
    "grade_written",
    "grade_written_response",
    "graph_problems",
    "normalize_text",
    "params_clean",
    "params_problems",
    "parse_number",
    "passed_scenario",
    "scenario_percent",
    "text_length",
]
