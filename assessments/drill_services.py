"""Writes for case-study drills: start, a scenario's choices, a written response, grading, trainer review.

Drill attempts share the quiz lifecycle (``Attempt``): saved as ``submitted`` before grading is queued on
commit, graded once by the worker (``services.attempt_grade`` dispatches here), swept when a message is lost.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import User
from assessments.agreement import double_marking_selected, final_marks
from assessments.grading import (
    Result,
    data_question_keyed,
    grade_question,
    grade_scenario,
    grade_written_response,
    passed_scenario,
    text_length,
)
from assessments.grading.base import CENT
from assessments.grading.datasets import generate
from assessments.grading.rubric import level_points
from assessments.grading.scenario import choice_permutation
from assessments.models import (
    Attempt,
    AttemptStatus,
    Drill,
    DrillKind,
    DrillReview,
    Response,
    ReviewStatus,
    ScoreChange,
    ScoreChangeKind,
)
from assessments.rules import cycle_start, start_refusal
from trainingsite.db import rows_update
from trainingsite.text import has_nul, nul_message

# A choice posted this long after its step's deadline still counts as on time: the page and the server
# clocks, and the request itself, take a moment.
LATE_GRACE = timedelta(seconds=2)
# Written responses: what autosave accepts at most, whatever the drill allows (the rubric refuses more).
WRITTEN_HARD_LIMIT = 20_000
COMMENT_MAX = 2000


class DrillError(Exception):
    """A request the drill's rules refuse; the message is shown to the recruit or trainer."""


def _now_iso(now: datetime) -> str:
    return now.isoformat()


def drill_attempt_start(*, user: User, drill: Drill) -> Attempt:
    """Open an attempt at a drill, or return the open one: the scenario's first step, the attempt's own
    dataset, or an empty response. A module locked by its prerequisites refuses."""
    from assessments.services import lock_refusal

    refusal = lock_refusal(user=user, module=drill.version.module)
    if refusal:
        raise DrillError(refusal)
    with transaction.atomic():
        # Lock the user row: two quick clicks on "start" must not open two attempts.
        User.objects.select_for_update().only("pk").get(pk=user.pk)
        attempts = list(
            Attempt.objects.filter(user=user, module_id=drill.version.module_id, drill__key=drill.key)
        )
        open_attempt = next((a for a in attempts if a.is_open), None)
        if open_attempt:
            return open_attempt
        refusal = start_refusal(
            quiz=drill,
            attempts=attempts,
            now=timezone.now(),
            cycle_start=cycle_start(user=user, module=drill.version.module),
        )
        if refusal:
            raise DrillError(refusal)
        seed = random.SystemRandom().randrange(2**62)
        now = timezone.now()
        state: dict[str, Any] = {}
        if drill.kind == DrillKind.SCENARIO:
            state = _scenario_enter(drill=drill, step=drill.data["start"], now=now, path=[])
        elif drill.kind == DrillKind.DATA:
            state = {"dataset": generate(drill.data["generator"], drill.data["params"], seed)}
        elif drill.kind == DrillKind.WRITTEN:
            state = {"text": "", "pasted_chars": 0}
        attempt = Attempt.objects.create(
            user=user,
            drill=drill,
            module_id=drill.version.module_id,
            number=max((a.number for a in attempts), default=0) + 1,
            seed=seed,
            state=state,
        )
        if drill.kind == DrillKind.DATA:
            Response.objects.bulk_create(
                [
                    Response(
                        attempt=attempt,
                        position=position,
                        question_version=dq.question_version,
                        max_score=Decimal(dq.question_version.data["points"]),
                    )
                    for position, dq in enumerate(
                        drill.pool.select_related("question_version").order_by("position"), start=1
                    )
                ]
            )
    return attempt


def _scenario_enter(*, drill: Drill, step: str, now: datetime, path: list) -> dict[str, Any]:
    seconds = int(drill.data["steps"][step].get("time_limit_seconds") or 0)
    return {
        "current": step,
        "path": path,
        "shown_at": _now_iso(now),
        "deadline": _now_iso(now + timedelta(seconds=seconds)) if seconds else None,
    }


def _drill_attempt_lock(*, user: User, attempt_id: int, kind: str) -> Attempt:
    attempt = (
        Attempt.objects.select_for_update(of=("self",)).select_related("drill").get(pk=attempt_id, user=user)
    )
    if attempt.drill_id is None or attempt.drill.kind != kind:
        raise DrillError(_("This page does not belong to this attempt."))
    if not attempt.is_open:
        raise DrillError(_("This attempt has already been submitted."))
    return attempt


def _submit_on_commit(attempt: Attempt, now: datetime) -> None:
    from assessments.tasks import grade_attempt

    attempt.status = AttemptStatus.SUBMITTED
    attempt.submitted_at = now
    attempt.save(update_fields=["state", "status", "submitted_at"])
    transaction.on_commit(lambda: grade_attempt.delay(attempt.pk))


def scenario_choose(*, user: User, attempt_id: int, step: str, position: int) -> Attempt:
    """Take the choice shown at ``position`` on ``step``; reaching an ending submits the attempt.

    A choice for a step the recruit is not on (a replayed or out-of-order post) changes nothing. A choice
    after the step's deadline is recorded as late and scores nothing; the server's clock decides.
    """
    with transaction.atomic():
        attempt = _drill_attempt_lock(user=user, attempt_id=attempt_id, kind=DrillKind.SCENARIO)
        state = attempt.state
        if step != state.get("current"):
            raise DrillError(_("That step is already behind you: the scenario has moved on."))
        steps = attempt.drill.data["steps"]
        choices = steps[step]["choices"]
        if not 0 <= position < len(choices):
            raise DrillError(_("That choice is not one of this step's choices."))
        original = choice_permutation(attempt.seed, step, len(choices))[position]
        now = timezone.now()
        deadline = parse_datetime(state["deadline"]) if state.get("deadline") else None
        late = bool(deadline and now > deadline + LATE_GRACE)
        path = [*state.get("path", []), {"step": step, "choice": original, "late": late, "at": _now_iso(now)}]
        target = choices[original]["target"]
        if steps[target].get("ending"):
            attempt.state = {"current": target, "path": path, "shown_at": _now_iso(now), "deadline": None}
            _submit_on_commit(attempt, now)
        else:
            attempt.state = _scenario_enter(drill=attempt.drill, step=target, now=now, path=path)
            attempt.save(update_fields=["state"])
    return attempt


def _written_clean(*, attempt: Attempt, text: object, pasted_chars: object) -> tuple[str, int]:
    if not isinstance(text, str):
        raise DrillError(_("Write your response as text."))
    if has_nul(text):
        raise DrillError(nul_message())
    if len(text) > WRITTEN_HARD_LIMIT:
        raise DrillError(
            _("Your response is too long to save (at most %(n)s characters).")
            % {"n": f"{WRITTEN_HARD_LIMIT:,}"}
        )
    try:
        pasted = max(0, min(int(pasted_chars or 0), len(text)))
    except (TypeError, ValueError):
        pasted = 0
    return text, pasted


def written_save(*, user: User, attempt_id: int, text: str, pasted_chars: object = 0) -> bool:
    """Autosave a written response; returns whether it changed. Nothing is checked but the hard limit."""
    with transaction.atomic():
        attempt = _drill_attempt_lock(user=user, attempt_id=attempt_id, kind=DrillKind.WRITTEN)
        text, pasted = _written_clean(attempt=attempt, text=text, pasted_chars=pasted_chars)
        if attempt.state.get("text") == text:
            return False
        attempt.state = {
            **attempt.state,
            "text": text,
            "pasted_chars": pasted,
            "saved_at": _now_iso(timezone.now()),
        }
        attempt.save(update_fields=["state"])
    return True


def written_submit(*, user: User, attempt_id: int, text: str, pasted_chars: object = 0) -> Attempt:
    """Submit a written response within the drill's length range; a replayed submit changes nothing."""
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("drill")
            .get(pk=attempt_id, user=user)
        )
        if attempt.drill_id is None or attempt.drill.kind != DrillKind.WRITTEN:
            raise DrillError(_("This page does not belong to this attempt."))
        if not attempt.is_open:
            return attempt
        text, pasted = _written_clean(attempt=attempt, text=text, pasted_chars=pasted_chars)
        data = attempt.drill.data
        length = text_length(text)
        if not length:
            raise DrillError(_("Write your response before you submit it."))
        if data.get("min_chars") and length < data["min_chars"]:
            raise DrillError(
                _("Your response has %(n)d characters; write at least %(min)d.")
                % {"n": length, "min": data["min_chars"]}
            )
        if data.get("max_chars") and length > data["max_chars"]:
            raise DrillError(
                _("Your response has %(n)d characters; keep it to %(max)d at most.")
                % {"n": length, "max": data["max_chars"]}
            )
        attempt.state = {**attempt.state, "text": text, "pasted_chars": pasted}
        _submit_on_commit(attempt, timezone.now())
    return attempt


# Grading ----------------------------------------------------------------------------------------------------


def _percent(score: Decimal, maximum: Decimal) -> Decimal:
    return (100 * score / maximum).quantize(CENT) if maximum else Decimal(0)


def drill_attempt_grade(*, attempt: Attempt) -> None:
    """Grade a locked, submitted drill attempt in place with the pure graders (the caller saves and commits).

    A written response with low confidence, or from a drill set to "always", goes to the review queue.
    """
    drill = attempt.drill
    pass_mark = int(drill.data.get("pass_mark") or drill.version.pass_mark)
    now = timezone.now()
    if drill.kind == DrillKind.DATA:
        total, maximum = _data_responses_grade(attempt=attempt)
        attempt.result = {"kind": "data"}
        passed = _percent(total, maximum) >= pass_mark
    elif drill.kind == DrillKind.SCENARIO:
        result = grade_scenario(drill.data, attempt.state.get("path", []))
        total, maximum = result.score, result.max_score
        attempt.result = result.details
        passed = passed_scenario(result, pass_mark)
    else:
        result = grade_written_response(
            drill.data, attempt.state.get("text", ""), {"pasted_chars": attempt.state.get("pasted_chars", 0)}
        )
        attempt.result = {**result.details, "suggested_score": str(result.score)}
        reasons = list(result.details.get("review_reasons") or [])
        if reasons:
            DrillReview.objects.get_or_create(
                attempt=attempt,
                defaults={
                    "reasons": reasons,
                    "suggested_score": result.score,
                    "max_score": result.max_score,
                    "double_marked": bool(drill.data.get("certification"))
                    and double_marking_selected(attempt.pk, settings.DOUBLE_MARKING_SHARE),
                },
            )
            attempt.status = AttemptStatus.NEEDS_REVIEW
            attempt.max_score = result.max_score
            attempt.score = attempt.percent = attempt.passed = None
            return
        total, maximum = result.score, result.max_score
        passed = _percent(total, maximum) >= pass_mark
    attempt.score, attempt.max_score = total, maximum
    attempt.percent = _percent(total, maximum)
    attempt.passed = passed
    attempt.status = AttemptStatus.GRADED
    attempt.graded_at = now


def _data_responses_grade(*, attempt: Attempt) -> tuple[Decimal, Decimal]:
    """Each answer against the value its question's expression gives on this attempt's own dataset."""
    table = attempt.state["dataset"]
    responses = list(attempt.responses.select_related("question_version"))
    total = maximum = Decimal(0)
    for response in responses:
        keyed, explained = data_question_keyed(response.question_version.data, table)
        result: Result = grade_question(keyed, response.answer)
        response.score = result.score
        response.max_score = result.max_score
        response.correct = result.correct
        response.feedback_html = result.feedback
        response.details = {**result.details, **explained}
        total += result.score
        maximum += result.max_score
    rows_update(responses, ["score", "max_score", "correct", "feedback_html", "details"])
    return total, maximum


# Trainer review ---------------------------------------------------------------------------------------------


def review_decide(
    *,
    review: DrillReview,
    scores: dict[str, Any],
    comments: dict[str, str],
    comment: str,
    acting_user: User,
    levels: dict[str, int] | None = None,
) -> DrillReview:
    """A trainer scores each criterion of a written response; the result is final, audited and shown to
    the recruit. Deciding again (a correction) writes another audit row."""
    from courses.services import progress_update

    if not policy.is_trainer(acting_user):
        raise PermissionDenied
    comment = (comment or "").strip()
    if has_nul([comment, comments]):
        raise DrillError(nul_message())
    if len(comment) > COMMENT_MAX or any(len(c or "") > COMMENT_MAX for c in comments.values()):
        raise DrillError(_("Keep each comment under %(n)d characters.") % {"n": COMMENT_MAX})
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("drill__version__module", "user")
            .get(pk=review.attempt_id)
        )
        review = DrillReview.objects.select_for_update().get(pk=review.pk)
        if attempt.status not in (AttemptStatus.NEEDS_REVIEW, AttemptStatus.GRADED):
            raise DrillError(_("This response is not waiting for a review."))
        criteria = attempt.drill.data["criteria"]
        known = {c["id"] for c in criteria}
        if set(scores) - known or set(comments) - known:
            raise DrillError(_("The form names a criterion this rubric does not have."))
        decided: dict[str, dict[str, str]] = {}
        for criterion in criteria:
            raw = scores.get(criterion["id"])
            try:
                value = Decimal(str(raw).strip().replace("，", "."))
            except ArithmeticError:
                raise DrillError(_("Give every criterion a score.")) from None
            top = Decimal(criterion["points"])
            if not value.is_finite() or not Decimal(0) <= value <= top or value != value.quantize(CENT):
                raise DrillError(
                    _("The score for “%(c)s” must be between 0 and %(max)s, with at most two decimals.")
                    % {"c": criterion["id"], "max": top}
                )
            decided[criterion["id"]] = {
                "score": str(value),
                "comment": (comments.get(criterion["id"]) or "").strip(),
            }
            level = (levels or {}).get(criterion["id"])
            if criterion.get("levels") and level is not None:
                if level not in range(1, len(criterion["levels"]) + 1) or level_points(top, level) != value:
                    raise DrillError(
                        _("The score for “%(c)s” does not match its level.") % {"c": criterion["id"]}
                    )
                decided[criterion["id"]]["level"] = level
        if review.double_marked and attempt.status == AttemptStatus.NEEDS_REVIEW:
            if review.first_reviewer_id is None:
                # The first of two independent marks: stored, not final, not shown to the second trainer.
                review.first_scores = decided
                review.first_reviewer = acting_user
                review.save(update_fields=["first_scores", "first_reviewer"])
                return review
            if review.first_reviewer_id == acting_user.pk:
                raise DrillError(
                    _("You marked this response already; a second trainer marks it independently.")
                )
            review.second_scores = decided
            decided = final_marks(review.first_scores, decided)
        total = sum((Decimal(d["score"]) for d in decided.values()), Decimal(0))
        maximum = sum((Decimal(c["points"]) for c in criteria), Decimal(0))
        old = attempt.score if attempt.status == AttemptStatus.GRADED else review.suggested_score
        now = timezone.now()
        pass_mark = int(attempt.drill.data.get("pass_mark") or attempt.drill.version.pass_mark)
        attempt.score, attempt.max_score = total, maximum
        attempt.percent = _percent(total, maximum)
        attempt.passed = attempt.percent >= pass_mark
        first_decision = attempt.status == AttemptStatus.NEEDS_REVIEW
        attempt.status = AttemptStatus.GRADED
        attempt.graded_at = attempt.graded_at or now
        attempt.save(update_fields=["score", "max_score", "percent", "passed", "status", "graded_at"])
        review.status = ReviewStatus.DONE
        review.scores = decided
        review.comment = comment
        review.reviewer = acting_user
        review.decided_at = now
        review.save(update_fields=["status", "scores", "comment", "reviewer", "decided_at", "second_scores"])
        ScoreChange.objects.create(
            attempt=attempt,
            kind=ScoreChangeKind.REVIEW,
            old_score=old,
            new_score=total,
            reason=comment or _("Reviewed by a trainer."),
            changed_by=acting_user,
        )
        progress_update(user_id=attempt.user_id, module_id=attempt.module_id)
        if first_decision:
            from assessments.services import attempt_notify_graded

            attempt_notify_graded(attempt=attempt)
    return review
