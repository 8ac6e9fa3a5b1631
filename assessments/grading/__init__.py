"""Pure graders: no Django, no ORM, no settings. Each takes stored question or drill data and an answer.

Quiz questions are graded by type through ``QUESTION_GRADERS``; drill graders (scenario, data, written)
belong in ``drills.py`` with a ``DRILL_GRADERS`` registry by kind and a ``grade_drill``, exported here too.
Every grader returns a ``Result``.
"""

from assessments.grading.base import MAX_TEXT_LENGTH, InvalidAnswer, Result
from assessments.grading.normalize import normalize_text, parse_number
from assessments.grading.questions import QUESTION_GRADERS, check_answer, grade_question

__all__ = [
    "MAX_TEXT_LENGTH",
    "QUESTION_GRADERS",
    "InvalidAnswer",
    "Result",
    "check_answer",
    "grade_question",
    "normalize_text",
    "parse_number",
]
