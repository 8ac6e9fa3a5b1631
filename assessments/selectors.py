"""Reads on the testing side, always scoped to the requesting user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import Http404
from django.utils.dateparse import parse_datetime

from accounts.models import User
from assessments.grading.scenario import choice_permutation
from assessments.grading.translate import answer_translate, order_translate
from assessments.masking import mask_question
from assessments.models import Attempt, AttemptPurpose, Drill, Quiz, Response
from assessments.rules import skill_results
from courses.authoring.serialize import public_question
from courses.models import Module, ModuleProgress


def quiz_get(*, module: Module, key: str) -> Quiz:
    try:
        return Quiz.objects.select_related("version").get(version=module.current_version, key=key)
    except Quiz.DoesNotExist:
        raise Http404("no such quiz") from None


def module_quizzes(*, module: Module) -> list[Quiz]:
    return list(Quiz.objects.filter(version=module.current_version))


def attempt_get(*, user: User, attempt_id: int) -> Attempt:
    """The user's own attempt; anybody else's id is a 404, exactly like a missing one."""
    try:
        return Attempt.objects.select_related("quiz__version__module", "drill__version__module").get(
            pk=attempt_id, user=user
        )
    except Attempt.DoesNotExist:
        raise Http404("no such attempt") from None


def drill_get(*, module: Module, key: str) -> Drill:
    try:
        return Drill.objects.select_related("version__module").get(version=module.current_version, key=key)
    except Drill.DoesNotExist:
        raise Http404("no such drill") from None


def module_drills(*, module: Module) -> list[Drill]:
    return list(Drill.objects.filter(version=module.current_version))


def drill_titles(*, versions: list[int | None]) -> dict[tuple[int, str], str]:
    """(module version id, drill key) -> title, for the drills of these versions: one query."""
    rows = Drill.objects.filter(version_id__in=[v for v in versions if v]).values_list(
        "version_id", "key", "title"
    )
    return {(version, key): title or key for version, key, title in rows}


def drill_attempts(*, user: User, drill: Drill) -> list[Attempt]:
    """The user's attempts at this drill, at every version of it, newest first."""
    return list(
        Attempt.objects.filter(user=user, module_id=drill.version.module_id, drill__key=drill.key).order_by(
            "-started_at"
        )
    )


@dataclass
class ScenarioStepView:
    """What an open scenario shows: the situation and the choices' labels, in this attempt's order."""

    id: str
    html: str
    choices: list[str]  # label html, in display order; the form posts the display position
    deadline: datetime | None
    seconds: int
    taken: list[dict[str, str]]  # the steps already passed: situation and the label chosen, nothing more


def scenario_step(*, attempt: Attempt) -> ScenarioStepView:
    """The recruit's current step. No points, feedback, targets or authored order reach the page."""
    steps = attempt.drill.data["steps"]
    current = attempt.state["current"]
    step = steps[current]
    order = choice_permutation(attempt.seed, current, len(step["choices"]))
    taken = [
        {
            "html": steps[p["step"]]["html"],
            "label_html": steps[p["step"]]["choices"][p["choice"]]["label_html"],
        }
        for p in attempt.state.get("path", [])
    ]
    deadline = parse_datetime(attempt.state["deadline"]) if attempt.state.get("deadline") else None
    return ScenarioStepView(
        id=current,
        html=step["html"],
        choices=[step["choices"][i]["label_html"] for i in order],
        deadline=deadline,
        seconds=int(step.get("time_limit_seconds") or 0),
        taken=taken,
    )


def dataset_table(*, attempt: Attempt) -> tuple[list[str], list[list[int | None]]]:
    """A data exercise's own dataset as column names and rows, for the page and the CSV download."""
    table = attempt.state.get("dataset") or {}
    columns = list(table)
    rows = [list(values) for values in zip(*(table[c] for c in columns), strict=True)] if columns else []
    return columns, rows


def _scenario_review(attempt: Attempt) -> dict[str, Any]:
    """The recruit's path beside the best path, with each turn's feedback, from the grader's details."""
    steps = attempt.drill.data["steps"]
    details = attempt.result or {}

    def row(entry: dict[str, Any]) -> dict[str, Any]:
        step = steps[entry["step"]]
        choice = step["choices"][entry["choice"]]
        best = entry.get("best_choice")
        return {
            "step_html": step["html"],
            "label_html": choice["label_html"],
            "feedback_html": choice["feedback_html"],
            "points": entry.get("points"),
            "late": entry.get("late"),
            "was_best": best is None or best == entry["choice"],
            "best_label_html": None if best is None else step["choices"][best]["label_html"],
        }

    ending = steps.get(details.get("ending", ""), {})
    return {
        "path": [row(e) for e in details.get("path", [])],
        "best_path": [
            {
                "step_html": steps[e["step"]]["html"],
                "label_html": steps[e["step"]]["choices"][e["choice"]]["label_html"],
            }
            for e in details.get("best_path", [])
        ],
        "ending_html": ending.get("html", ""),
        "outcome": details.get("outcome", ""),
        "points": details.get("points"),
        "max_points": details.get("max_points"),
    }


def _written_review(attempt: Attempt) -> dict[str, Any]:
    """Each criterion: what the grader found (matched words, missed concepts) and, once a trainer reviewed
    the response, the trainer's score and comment, which are final."""
    criteria = attempt.drill.data["criteria"]
    found = {c["id"]: c for c in (attempt.result or {}).get("criteria", [])}
    review = getattr(attempt, "review", None) if attempt.drill.kind == "written" else None
    decided = review.scores if review and review.status == "done" else {}
    rows = []
    for criterion in criteria:
        auto = found.get(criterion["id"], {})
        rows.append(
            {
                "id": criterion["id"],
                "description_html": criterion["description_html"],
                "points": criterion["points"],
                "auto_score": auto.get("score"),
                "matched": [c["matched"] for c in auto.get("concepts", []) if c.get("matched")],
                "missed": [c["synonyms"][0] for c in auto.get("concepts", []) if not c.get("matched")],
                "required": auto.get("required"),
                "forbidden": auto.get("forbidden", []),
                "trainer": decided.get(criterion["id"]),
                "reasons": auto.get("reasons", []),
                "levels": criterion.get("levels") or [],
            }
        )
    notes = (attempt.result or {}).get("notes", [])
    return {
        "criteria": rows,
        "text": attempt.state.get("text", ""),
        "review": review,
        "too_few_sentences": "too_few_sentences" in notes,
    }


def answers_revealed(*, attempt: Attempt) -> bool:
    """Whether the recruit's review may show the correct answers, by the quiz's or drill's ``show_answers``.

    after_grading: always; after_passing: once any attempt at this quiz passed; after_last_attempt: once
    no attempt is left (with unlimited attempts, never), and for a drill also once one of its attempts
    passed; never: never. Drills a track requires are imported with after_last_attempt, others show theirs.
    """
    assessment = attempt.quiz if attempt.quiz_id else attempt.drill
    if attempt.is_pretest:
        # A pre-test's questions come back in the quiz: its key waits until the module is passed.
        return ModuleProgress.objects.filter(
            user_id=attempt.user_id, module_id=attempt.module_id, passed=True
        ).exists()
    rule = assessment.settings.get("show_answers") or "after_grading"
    if rule == "after_grading":
        return True
    if rule == "never":
        return False
    if attempt.quiz_id:
        mine = Attempt.objects.filter(
            user_id=attempt.user_id,
            module_id=attempt.module_id,
            quiz__key=assessment.key,
            purpose=AttemptPurpose.FINAL,
        )
    else:
        mine = Attempt.objects.filter(
            user_id=attempt.user_id, module_id=attempt.module_id, drill__key=assessment.key
        )
    if rule == "after_passing" or attempt.drill_id:
        if attempt.passed or mine.filter(passed=True).exists():
            return True
        if rule == "after_passing":
            return False
    allowed = assessment.attempts_allowed
    return bool(allowed) and mine.count() >= allowed


def attempt_review_context(*, attempt: Attempt, reveal: bool | None = None) -> dict[str, Any]:
    """Everything ``assessments/_review.html`` needs to show any attempt's result, for its owner, its
    trainers and the managers of its cohort (the caller has scoped the attempt). ``reveal`` (default:
    the quiz's rule for its recruit) says whether correct answers are shown; staff pass True."""
    context: dict[str, Any] = {
        "attempt": attempt,
        "questions": [],
        "scenario": None,
        "written": None,
        "unanswered": [],
    }
    context["reveal"] = answers_revealed(attempt=attempt) if reveal is None else reveal
    context["pretest_skills"] = pretest_skill_results(attempt=attempt)
    if not (attempt.is_finished or attempt.is_awaiting_review):
        return context
    kind = attempt.kind
    if kind in ("quiz", "data"):
        context["questions"] = attempt_questions(attempt=attempt)
        context["unanswered"] = [q.position for q in context["questions"] if q.answer in (None, "", [], {})]
    if kind == "data":
        context["columns"], context["rows"] = dataset_table(attempt=attempt)
    elif kind == "scenario":
        context["scenario"] = _scenario_review(attempt)
    elif kind == "written":
        context["written"] = _written_review(attempt)
    return context


def quiz_attempts(*, user: User, quiz: Quiz) -> list[Attempt]:
    """The user's quiz attempts at every version of this quiz, pre-tests not included."""
    return list(
        Attempt.objects.filter(
            user=user, module_id=quiz.version.module_id, quiz__key=quiz.key, purpose=AttemptPurpose.FINAL
        )
    )


def quiz_pretest(*, user: User, quiz: Quiz) -> Attempt | None:
    """The user's latest pre-test at this quiz (any version of it), or None."""
    return (
        Attempt.objects.filter(
            user=user, module_id=quiz.version.module_id, quiz__key=quiz.key, purpose=AttemptPurpose.PRETEST
        )
        .order_by("-started_at")
        .first()
    )


@dataclass
class ServedQuestion:
    response: Response
    position: int
    question: dict[str, Any]  # public for open attempts; the full data once graded
    answer: Any


def attempt_questions(*, attempt: Attempt) -> list[ServedQuestion]:
    """The attempt's questions in served order. Open attempts get the public form, with no answer key."""
    responses = list(attempt.responses.select_related("question_version", "graded_with"))
    served = []
    for r in responses:
        data = r.question_version.data
        if attempt.is_finished:
            answer, choice_order = r.answer, r.choice_order
            if r.graded_with_id and r.graded_with_id != r.question_version_id:
                # Regraded with a corrected key: review against that key, in the order that was served.
                answer = answer_translate(data, r.graded_with.data, r.answer)
                choice_order = order_translate(data, r.graded_with.data, r.choice_order, field="choices")
                data = r.graded_with.data
            # Only choice answers (an id or a list of ids) mark choices; ordering and matching answers do not.
            picked = (
                set(answer) if isinstance(answer, list) else {answer} if isinstance(answer, str) else set()
            )
            choices = _ordered(data.get("choices", []), choice_order)
            question = {**data, "choices": [{**c, "selected": c["id"] in picked} for c in choices]}
        else:
            question = public_question(
                data,
                choice_order=r.choice_order or None,
                item_order=r.item_order if data["type"] == "ordering" else None,
                right_order=r.item_order if data["type"] == "matching" else None,
            )
            _mark_selected(question, r.answer)
            question = mask_question(question, r, r.answer)
        served.append(ServedQuestion(r, r.position, question, r.answer))
    return served


def _ordered(items: list[dict], order: list[str]) -> list[dict]:
    by_id = {i["id"]: i for i in items}
    return [by_id[i] for i in order if i in by_id] or items


def _mark_selected(question: dict[str, Any], answer: Any) -> None:
    """Carry a saved ordering or matching answer into the served items, so a reload shows it."""
    if question["type"] == "ordering" and isinstance(answer, list):
        ranks = {item_id: i for i, item_id in enumerate(answer, start=1)}
        question["items"] = [{**item, "rank": ranks.get(item["id"])} for item in question["items"]]
    elif question["type"] == "matching" and isinstance(answer, dict):
        question["lefts"] = [{**left, "selected": answer.get(left["id"])} for left in question["lefts"]]


def pretest_skill_results(*, attempt: Attempt) -> list[dict]:
    """A graded pre-test's results per skill (its questions' tags), weakest first: what to study first."""
    if not (attempt.is_pretest and attempt.is_finished):
        return []
    rows = [
        (r.question_version.data.get("tags") or [], r.score or Decimal(0), r.max_score)
        for r in attempt.responses.select_related("question_version")
    ]
    return skill_results(rows, fallback=attempt.module.get_skill_area_display())
