"""Writes on the testing side: the attempt lifecycle from start to graded."""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import User
from assessments.analysis import statistics_request_on_commit
from assessments.drill_services import drill_attempt_grade
from assessments.grading import InvalidAnswer, check_answer, data_question_keyed, grade_question
from assessments.grading.confidence import (
    CONFIDENCE_LEVELS,
    DEFAULT_CONFIDENCE,
    HIGH,
    CbmAnswer,
    cbm_mark,
    cbm_summary,
    confidently_wrong,
)
from assessments.grading.translate import Incompatible, answer_translate
from assessments.masking import OPAQUE
from assessments.models import (
    Attempt,
    AttemptStatus,
    Question,
    QuestionVersion,
    Quiz,
    RegradeJob,
    RegradeStatus,
    Response,
    ScoreChange,
    ScoreChangeKind,
)
from assessments.rules import cycle_start, questions_draw, start_refusal
from trainingsite.db import rows_update
from trainingsite.text import has_nul, nul_message

logger = logging.getLogger(__name__)

ORDERED_TYPES = ("single", "multiple", "truefalse")


class AttemptError(Exception):
    """A request the attempt's rules refuse; the message is shown to the recruit."""


def lock_refusal(*, user: User, module) -> str | None:
    """Why ``user`` may not start the module's assessments yet (its prerequisites), or None."""
    from courses.selectors import module_lock

    missing = module_lock(user=user, module=module)
    if not missing:
        return None
    return _("Pass these modules first: %(names)s.") % {"names": ", ".join(m.display_title for m in missing)}


def attempt_start(*, user: User, quiz: Quiz) -> Attempt:
    """Open an attempt, or return the one already open: draw, shuffle and store exactly what is served.

    An open attempt past its deadline is closed as saved and returned. A module locked by its prerequisites
    refuses."""
    refusal = lock_refusal(user=user, module=quiz.version.module)
    if refusal:
        raise AttemptError(refusal)
    with transaction.atomic():
        # Lock the user row: two quick clicks on "start" must not open two attempts.
        User.objects.select_for_update().only("pk").get(pk=user.pk)
        # Attempts at every version of this quiz count together: a new version is not a fresh allowance.
        attempts = list(
            Attempt.objects.filter(user=user, module_id=quiz.version.module_id, quiz__key=quiz.key)
        )
        open_attempt = next((a for a in attempts if a.is_open), None)
        if open_attempt and not past_deadline(open_attempt, timezone.now()):
            return open_attempt
        if open_attempt:
            # Its time is up: close it as saved, under its own lock, and send the recruit to its result.
            locked = Attempt.objects.select_for_update(of=("self",)).get(pk=open_attempt.pk)
            _expire_locked(attempt=locked, now=timezone.now())
            return locked
        refusal = start_refusal(
            quiz=quiz,
            attempts=attempts,
            now=timezone.now(),
            cycle_start=cycle_start(user=user, module=quiz.version.module),
        )
        if refusal:
            raise AttemptError(refusal)

        seed = random.SystemRandom().randrange(2**62)
        rng = random.Random(seed)  # noqa: S311 - reproducible draws, not secrets
        pool = list(quiz.pool.select_related("question_version").order_by("position"))
        by_question = {qq.question_version.question_id: qq for qq in pool}
        last = max(attempts, key=lambda a: a.number, default=None)
        previous = (
            set(last.responses.values_list("question_version__question_id", flat=True))
            if last and quiz.draw and quiz.draw < len(pool)
            else set()
        )
        served = [
            by_question[question]
            for question in questions_draw(
                list(by_question),
                draw=quiz.draw,
                previous=previous,
                rng=rng,
                shuffle=bool(quiz.settings.get("shuffle_questions")),
            )
        ]
        now = timezone.now()
        minutes = quiz.time_limit_minutes
        attempt = Attempt.objects.create(
            user=user,
            quiz=quiz,
            module_id=quiz.version.module_id,
            number=max((a.number for a in attempts), default=0) + 1,
            seed=seed,
            deadline=now + timedelta(minutes=minutes) if minutes else None,
            state={OPAQUE: True},
        )
        responses = []
        for position, qq in enumerate(served, start=1):
            data = qq.question_version.data
            choice_order = [c["id"] for c in data.get("choices", [])]
            item_order = [i["id"] for i in data.get("items", [])] or [
                p["right_id"] for p in data.get("pairs", [])
            ]
            if (
                quiz.settings.get("shuffle_choices")
                and data["type"] in ORDERED_TYPES
                and data["type"] != "truefalse"
            ):
                rng.shuffle(choice_order)
            if item_order:
                # Ordering items and matching answers are always shuffled: served order must not be the key.
                rng.shuffle(item_order)
            responses.append(
                Response(
                    attempt=attempt,
                    position=position,
                    question_version=qq.question_version,
                    choice_order=choice_order,
                    item_order=item_order,
                    max_score=Decimal(data["points"]),
                )
            )
        Response.objects.bulk_create(responses)
    return attempt


def _answers_store(
    *,
    attempt: Attempt,
    answers: dict[int, Any],
    confidences: dict[int, str] | None = None,
    final: bool = False,
) -> list[Response]:
    """Check every answer and confidence first, then write the changed ones: a bad one saves nothing.

    ``final`` (submit): a quiz that asks for confidence needs one for every answered question."""
    confidences = confidences or {}
    responses = {r.position: r for r in attempt.responses.select_related("question_version")}
    unknown = (set(answers) | set(confidences)) - set(responses)
    if has_nul(list(answers.values())):
        raise InvalidAnswer(nul_message())
    if unknown:
        raise InvalidAnswer(_("This attempt has no question number %(n)s.") % {"n": min(unknown)})
    asked = bool(attempt.quiz_id and attempt.quiz.asks_confidence)
    if confidences and not asked:
        raise InvalidAnswer(_("This quiz does not ask how sure you are of your answers."))
    if any(value not in CONFIDENCE_LEVELS for value in confidences.values()):
        raise InvalidAnswer(_("Confidence must be low, medium or high."))
    for position, answer in answers.items():
        if answer is not None:
            check_answer(responses[position].question_version.data, answer)
    if final and asked:
        missing = [
            position
            for position, response in sorted(responses.items())
            if answers.get(position, response.answer) is not None
            and not confidences.get(position, response.confidence)
        ]
        if missing:
            raise InvalidAnswer(
                _("Say how sure you are of each answer: question %(list)s has no confidence yet.")
                % {"list": ", ".join(str(p) for p in missing)}
            )
    changed = []
    now = timezone.now()
    for position, response in responses.items():
        answer = answers.get(position, response.answer)
        confidence = confidences.get(position, response.confidence)
        if response.answer != answer or response.confidence != confidence:
            response.answer = answer
            response.confidence = confidence
            response.answered_at = now
            changed.append(response)
    rows_update(changed, ["answer", "confidence", "answered_at"])
    return changed


# Answers in flight when the page's countdown reaches zero (a last autosave, the page's own submit) still
# count; past this the server closes the attempt with what was saved.
DEADLINE_GRACE = timedelta(seconds=5)


class AttemptClosed(AttemptError):
    """The attempt was past its deadline when touched: it has been submitted with its saved answers."""

    def __init__(self, attempt: Attempt) -> None:
        super().__init__(_("Time is up: the answers you had saved were submitted."))
        self.attempt = attempt


def past_deadline(attempt: Attempt, now) -> bool:
    """Whether ``attempt`` is beyond its deadline and the grace for answers in flight."""
    return bool(attempt.deadline and now > attempt.deadline + DEADLINE_GRACE)


def _expire_locked(*, attempt: Attempt, now) -> bool:
    """Submit a locked, open attempt that is past its deadline, as saved; True when it was."""
    from assessments.tasks import grade_attempt

    if not attempt.is_open or not past_deadline(attempt, now):
        return False
    attempt.status = AttemptStatus.SUBMITTED
    attempt.submitted_at = now
    attempt.save(update_fields=["status", "submitted_at"])
    transaction.on_commit(lambda pk=attempt.pk: grade_attempt.delay(pk))
    return True


def attempt_expire(*, attempt_id: int, now=None) -> bool:
    """Close one attempt past its deadline with its saved answers and queue grading; True when this call did.

    Any touch calls it (the page, autosave, submit, the sweeper), so a timed attempt ends without Celery
    beat; a second call, or a call before the deadline, changes nothing.
    """
    with transaction.atomic():
        # Lock the attempt: the recruit's own submit or autosave may be racing this close.
        attempt = Attempt.objects.select_for_update(of=("self",)).get(pk=attempt_id)
        return _expire_locked(attempt=attempt, now=now or timezone.now())


def _open_attempt_lock(*, user: User, attempt_id: int) -> Attempt:
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("drill", "quiz")
        .get(pk=attempt_id, user=user)
    )
    if attempt.drill_id and attempt.drill.kind != "data":
        raise AttemptError(_("This attempt is not answered with this form."))
    if not attempt.is_open:
        raise AttemptError(_("This attempt has already been submitted."))
    return attempt


def attempt_save(
    *, user: User, attempt_id: int, answers: dict[int, Any], confidences: dict[int, str] | None = None
) -> int:
    """Autosave answers (and confidences) of an open attempt; returns how many answers changed.

    Past the deadline nothing is saved: the attempt is submitted as saved and AttemptClosed raised."""
    with transaction.atomic():
        attempt = _open_attempt_lock(user=user, attempt_id=attempt_id)
        closed = _expire_locked(attempt=attempt, now=timezone.now())
        if not closed:
            return len(_answers_store(attempt=attempt, answers=answers, confidences=confidences))
    raise AttemptClosed(attempt)


def attempt_submit(
    *, user: User, attempt_id: int, answers: dict[int, Any], confidences: dict[int, str] | None = None
) -> Attempt:
    """Save the final answers, mark the attempt submitted and queue grading once the row is committed.

    A replayed or double-clicked submit finds the attempt already submitted and changes nothing. Past the
    deadline the posted answers are ignored: the saved ones are submitted and AttemptClosed raised.
    """
    from assessments.tasks import grade_attempt

    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("drill", "quiz")
            .get(pk=attempt_id, user=user)
        )
        if attempt.drill_id and attempt.drill.kind != "data":
            raise AttemptError(_("This attempt is not answered with this form."))
        if not attempt.is_open:
            return attempt
        closed = _expire_locked(attempt=attempt, now=timezone.now())
        if not closed:
            _answers_store(attempt=attempt, answers=answers, confidences=confidences, final=True)
            attempt.status = AttemptStatus.SUBMITTED
            attempt.submitted_at = timezone.now()
            attempt.save(update_fields=["status", "submitted_at"])
            transaction.on_commit(lambda: grade_attempt.delay(attempt.pk))
    if closed:
        raise AttemptClosed(attempt)
    return attempt


def attempt_grade(*, attempt_id: int, max_tries: int | None = None) -> Attempt:
    """Grade a submitted attempt with the pure graders. Anything not ``submitted`` is left alone.

    Two deliveries of the same task race for the row lock; the second finds the attempt graded and does
    nothing, so there is one score and one progress update. ``max_tries`` parks an attempt whose grading
    keeps being cut off (the worker killed mid-way each time) as an error instead of looping for ever.
    """
    from django.db.models import F

    from courses.services import progress_update

    # Counted in its own commit, before the lock: a start that never finishes still counts. Waits for a
    # concurrent grader's commit, then matches nothing because the attempt is no longer submitted.
    Attempt.objects.filter(pk=attempt_id, status=AttemptStatus.SUBMITTED).update(
        grading_tries=F("grading_tries") + 1
    )
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("quiz__version", "drill__version", "module")
            .get(pk=attempt_id)
        )
        if attempt.status != AttemptStatus.SUBMITTED:
            logger.info("attempt %s is %s: nothing to grade", attempt_id, attempt.status)
            return attempt
        if max_tries is not None and attempt.grading_tries > max_tries:
            attempt.status = AttemptStatus.ERROR
            attempt.error = (
                f"grading started {attempt.grading_tries} times without finishing "
                "(worker killed, out of memory or past the hard time limit)"
            )
            attempt.save(update_fields=["status", "error"])
            logger.error("attempt %s: %s", attempt_id, attempt.error)
            return attempt
        if attempt.drill_id:
            drill_attempt_grade(attempt=attempt)
        else:
            _quiz_attempt_grade(attempt=attempt)
        attempt.error = ""
        attempt.save(
            update_fields=[
                "score",
                "max_score",
                "percent",
                "passed",
                "cbm_average",
                "cbm_bonus",
                "confident_answers",
                "confidently_wrong",
                "status",
                "graded_at",
                "error",
                "result",
            ]
        )
        progress_update(user_id=attempt.user_id, module_id=attempt.module_id)
        attempt_notify_graded(attempt=attempt)
        _statistics_request(attempt=attempt)
    logger.info("attempt %s graded: %s/%s", attempt_id, attempt.score, attempt.max_score)
    return attempt


def _quiz_attempt_grade(*, attempt: Attempt) -> None:
    """Grade a locked, submitted quiz attempt in place (the caller saves and commits)."""
    responses = list(attempt.responses.select_related("question_version"))
    total = Decimal(0)
    maximum = Decimal(0)
    for response in responses:
        result = grade_question(response.question_version.data, response.answer)
        response.score = result.score
        response.max_score = result.max_score
        response.correct = result.correct
        response.feedback_html = result.feedback
        response.details = result.details
        total += result.score
        maximum += result.max_score
    fields = ["score", "max_score", "correct", "feedback_html", "details"]
    if attempt.quiz.asks_confidence:
        _cbm_grade(attempt=attempt, responses=responses)
        fields.append("cbm_mark")
    rows_update(responses, fields)
    attempt.score = total
    attempt.max_score = maximum
    attempt.percent = (100 * total / maximum).quantize(Decimal("0.01")) if maximum else Decimal(0)
    # Pass/fail stays on accuracy: a certification decides whether they know it, not how well they bet.
    attempt.passed = attempt.percent >= attempt.quiz.version.pass_mark
    attempt.status = AttemptStatus.GRADED
    attempt.graded_at = timezone.now()


def _cbm_grade(*, attempt: Attempt, responses: list[Response]) -> None:
    """Confidence-based marks of graded responses and the attempt's CBM average and bonus (Moodle's).

    An answered question without a confidence (an attempt closed by its time limit) counts as low, as in
    Moodle; an unanswered one earns no mark."""
    rows = []
    for response in responses:
        confidence = None
        if response.answer is not None:
            confidence = response.confidence or DEFAULT_CONFIDENCE
        response.cbm_mark = (
            cbm_mark(score=response.score, max_score=response.max_score, confidence=confidence)
            if confidence
            else None
        )
        rows.append(CbmAnswer(score=response.score, max_score=response.max_score, confidence=confidence))
    summary = cbm_summary(rows)
    attempt.cbm_average = summary.average
    attempt.cbm_bonus = summary.bonus
    attempt.confident_answers = sum(1 for row in rows if row.confidence == HIGH)
    attempt.confidently_wrong = sum(
        1 for row in rows if confidently_wrong(score=row.score, confidence=row.confidence)
    )


def attempt_notify_graded(*, attempt: Attempt) -> None:
    """Tell the recruit their result is ready, once; a response queued for review tells the trainers."""
    from notifications.models import Kind
    from notifications.services import notification_create

    assessment = attempt.assessment
    module = attempt.module
    params = {
        "title": assessment.title or assessment.key,
        "module": module.title,
        "percent": None if attempt.percent is None else str(attempt.percent),
        "passed": bool(attempt.passed),
        "awaiting_review": attempt.status == AttemptStatus.NEEDS_REVIEW,
    }
    url = reverse("attempt_detail", args=[attempt.pk])
    if attempt.status == AttemptStatus.GRADED:
        notification_create(
            user_id=attempt.user_id, kind=Kind.GRADED, key=f"attempt:{attempt.pk}", params=params, url=url
        )
    elif attempt.status == AttemptStatus.NEEDS_REVIEW:
        review_params = {"title": params["title"], "module": module.title, "recruit": str(attempt.user)}
        review_url = reverse("trainer_review", args=[attempt.review.pk])
        for trainer_id in _trainer_ids():
            notification_create(
                user_id=trainer_id,
                kind=Kind.REVIEW_NEEDED,
                key=f"attempt:{attempt.pk}",
                params=review_params,
                url=review_url,
            )


def _trainer_ids() -> list[int]:
    """Everyone who may grade written answers (policy.is_trainer), as ids."""
    from django.db.models import Q

    from accounts.models import Role

    return list(
        User.objects.filter(Q(role=Role.TRAINER) | Q(is_staff=True), is_active=True).values_list(
            "pk", flat=True
        )
    )


def _statistics_request(*, attempt: Attempt) -> None:
    statistics_request_on_commit(module_id=attempt.module_id, key=attempt.assessment.key)


def attempt_mark_error(*, attempt_id: int, reason: str) -> bool:
    """Park an attempt the graders cannot handle, with the reason, so the worker carries on.

    Only a ``submitted`` attempt changes; returns whether this call marked it.
    """
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt_id)
        if attempt.status != AttemptStatus.SUBMITTED:
            return False
        attempt.status = AttemptStatus.ERROR
        attempt.error = reason[:2000]
        attempt.save(update_fields=["status", "error"])
    logger.error("attempt %s marked error: %s", attempt_id, reason[:200])
    return True


def attempt_retry(*, attempt_id: int) -> bool:
    """Send an attempt whose grading failed back to the graders; returns False unless it was in error.

    The attempt becomes ``submitted`` again (so the sweeper covers a lost message too) with its tries reset.
    """
    from assessments.tasks import grade_attempt

    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt_id)
        if attempt.status != AttemptStatus.ERROR:
            return False
        attempt.status = AttemptStatus.SUBMITTED
        attempt.error = ""
        attempt.grading_tries = 0
        attempt.save(update_fields=["status", "error", "grading_tries"])
        transaction.on_commit(lambda: grade_attempt.delay(attempt_id))
    return True


def attempts_expire(*, now=None) -> list[int]:
    """Submit every open attempt past its deadline with what was saved; returns their ids."""
    now = now or timezone.now()
    expired = []
    with transaction.atomic():
        # skip_locked: an attempt being submitted by its recruit right now is theirs to finish.
        for attempt in Attempt.objects.select_for_update(skip_locked=True).filter(
            status=AttemptStatus.IN_PROGRESS, deadline__lt=now - DEADLINE_GRACE
        ):
            if _expire_locked(attempt=attempt, now=now):
                expired.append(attempt.pk)
    return expired


def attempts_sweep(*, stale_after: timedelta, limit: int = 5000) -> list[int]:
    """Ids of attempts left ``submitted`` longer than ``stale_after``, oldest first: their message may have
    been lost (Redis restarted without persistence, a send that failed, a worker killed)."""
    cutoff = timezone.now() - stale_after
    return list(
        Attempt.objects.filter(status=AttemptStatus.SUBMITTED, submitted_at__lt=cutoff)
        .order_by("submitted_at")
        .values_list("pk", flat=True)[:limit]
    )


# Regrades and overrides -------------------------------------------------------------------------------------

CENT = Decimal("0.01")
REASON_MAX = 1000
REGRADE_BATCH = 50


class ScoreChangeError(Exception):
    """A regrade or override the rules refuse; the message is shown to the trainer."""


def _reason_clean(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ScoreChangeError(_("Give a reason: the recruit sees it next to the changed score."))
    if len(reason) > REASON_MAX:
        raise ScoreChangeError(_("Keep the reason under %(n)d characters.") % {"n": REASON_MAX})
    return reason


def _pass_mark(attempt: Attempt) -> int:
    """The mark an attempt passes at: the module's, or the one its drill was published with."""
    if attempt.drill_id:
        return int(attempt.drill.data.get("pass_mark") or attempt.drill.version.pass_mark)
    return attempt.quiz.version.pass_mark


def _attempt_totals_refresh(*, attempt: Attempt) -> bool:
    """Recompute a graded attempt's score, percent and pass from its answers; True when the result changed."""
    rows = list(attempt.responses.values_list("score", "max_score"))
    total = sum((score or Decimal(0) for score, _max in rows), Decimal(0))
    maximum = sum((m for _score, m in rows), Decimal(0))
    percent = (100 * total / maximum).quantize(CENT) if maximum else Decimal(0)
    passed = percent >= _pass_mark(attempt)
    before = (attempt.score, attempt.max_score, attempt.percent, attempt.passed)
    attempt.score, attempt.max_score, attempt.percent, attempt.passed = total, maximum, percent, passed
    fields = ["score", "max_score", "percent", "passed"]
    if attempt.quiz_id and attempt.quiz.asks_confidence:
        # A changed score changes its confidence-based mark too.
        responses = list(attempt.responses.all())
        _cbm_grade(attempt=attempt, responses=responses)
        rows_update(responses, ["cbm_mark"])
        fields += ["cbm_average", "cbm_bonus", "confident_answers", "confidently_wrong"]
    attempt.save(update_fields=fields)
    return before != (total, maximum, percent, passed)


def response_override(*, response: Response, score: Decimal, reason: str, acting_user: User) -> Response:
    """A trainer sets one answer's score, with a reason the recruit sees; audited, totals redone."""
    from courses.services import progress_update

    if not policy.is_trainer(acting_user):
        raise PermissionDenied
    reason = _reason_clean(reason)
    if not isinstance(score, Decimal) or not score.is_finite() or score != score.quantize(CENT):
        raise ScoreChangeError(_("Give the score as a number with at most two decimals."))
    with transaction.atomic():
        # Lock the attempt: a regrade or another override of the same attempt waits for this one.
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("quiz__version", "drill__version")
            .get(pk=response.attempt_id)
        )
        if attempt.status != AttemptStatus.GRADED:
            raise ScoreChangeError(_("Only the answers of a graded attempt can be given another score."))
        response = Response.objects.get(pk=response.pk)
        if not Decimal(0) <= score <= response.max_score:
            raise ScoreChangeError(
                _("The score must be between 0 and %(max)s points.") % {"max": response.max_score}
            )
        ScoreChange.objects.create(
            response=response,
            attempt=attempt,
            kind=ScoreChangeKind.OVERRIDE,
            old_score=response.score,
            new_score=score,
            reason=reason,
            changed_by=acting_user,
        )
        response.score = score
        response.correct = score == response.max_score
        response.override_reason = reason
        response.overridden_at = timezone.now()
        response.save(update_fields=["score", "correct", "override_reason", "overridden_at"])
        if _attempt_totals_refresh(attempt=attempt):
            progress_update(user_id=attempt.user_id, module_id=attempt.module_id)
    return response


def regrade_job_start(
    *,
    question: Question,
    reason: str,
    acting_user: User,
    from_version: QuestionVersion | None = None,
) -> RegradeJob:
    """Queue a regrade of ``question``'s graded answers with its current key; returns a running one as is."""
    from assessments.trainer_selectors import regrade_plan

    if not policy.is_trainer(acting_user):
        raise PermissionDenied
    reason = _reason_clean(reason)
    with transaction.atomic():
        # Lock the question: two trainers pressing "regrade" at once start one job. Read its module afresh:
        # the key to regrade with is the one in the module's current version.
        question = (
            Question.objects.select_for_update(of=("self",)).select_related("module").get(pk=question.pk)
        )
        plan = regrade_plan(question=question, from_version=from_version)
        if plan.active_job:
            return plan.active_job
        if plan.to_version is None:
            raise ScoreChangeError(
                _("This question is not in its module's current version, so there is no key to regrade with.")
            )
        if not plan.attempts:
            raise ScoreChangeError(_("No graded answer needs regrading with the current key."))
        job = RegradeJob.objects.create(
            question=question,
            to_version=plan.to_version,
            from_version=from_version,
            reason=reason,
            total=plan.attempts,
            created_by=acting_user,
        )
        transaction.on_commit(lambda: _regrade_send(job_id=job.pk))
    return job


def _regrade_send(*, job_id: int) -> None:
    """Queue the job; with the broker down the job stays pending and the trainer can resume it later."""
    from kombu.exceptions import OperationalError as BrokerUnavailable

    from assessments.regrade_tasks import regrade_question

    try:
        regrade_question.delay(job_id)
    except BrokerUnavailable as exc:
        logger.warning("regrade job %s not queued (%s); it can be resumed from its page", job_id, exc)


def regrade_job_resume(*, job: RegradeJob, acting_user: User) -> bool:
    """Queue a job that stopped moving (its message was lost) again; a job that is done is left alone.

    Running it twice is harmless: each attempt is regraded once, under the job's lock.
    """
    if not policy.is_trainer(acting_user):
        raise PermissionDenied
    job = RegradeJob.objects.get(pk=job.pk)
    if not job.is_active:
        return False
    transaction.on_commit(lambda: _regrade_send(job_id=job.pk))
    return True


def _attempt_regrade(*, job_id: int, attempt_id: int, from_version_ids: list[int]) -> None:
    """Regrade one attempt's answers for a job, audit each changed score and advance the job, atomically."""
    from assessments.trainer_selectors import responses_to_regrade
    from courses.services import progress_update

    with transaction.atomic():
        job = RegradeJob.objects.select_for_update().select_related("to_version").get(pk=job_id)
        if not job.is_active or attempt_id <= job.last_attempt_id:
            return  # a duplicate delivery got here first
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("quiz__version", "drill__version")
            .get(pk=attempt_id)
        )
        key = job.to_version
        responses = []
        if attempt.status == AttemptStatus.GRADED:
            responses = list(
                responses_to_regrade(to_version=key, from_version_ids=from_version_ids)
                .filter(attempt=attempt)
                .select_related("question_version")
            )
        changes = []
        for response in responses:
            try:
                answer = answer_translate(response.question_version.data, key.data, response.answer)
            except Incompatible:
                logger.warning("regrade %s: answer %s has no counterpart in the key", job.pk, response.pk)
                continue
            keyed, explained = key.data, {}
            if attempt.drill_id:
                # A data exercise's key is its expression, evaluated on this attempt's own dataset.
                keyed, explained = data_question_keyed(key.data, attempt.state["dataset"])
            result = grade_question(keyed, answer)
            if result.score != response.score:
                changes.append(
                    ScoreChange(
                        response=response,
                        attempt=attempt,
                        kind=ScoreChangeKind.REGRADE,
                        old_score=response.score,
                        new_score=result.score,
                        reason=job.reason,
                        job=job,
                        changed_by=job.created_by,
                    )
                )
            response.score = result.score
            response.max_score = result.max_score
            response.correct = result.correct
            response.feedback_html = result.feedback
            response.details = {**result.details, **explained}
            response.graded_with = key
        rows_update(responses, ["score", "max_score", "correct", "feedback_html", "details", "graded_with"])
        ScoreChange.objects.bulk_create(changes)
        if responses and _attempt_totals_refresh(attempt=attempt):
            progress_update(user_id=attempt.user_id, module_id=attempt.module_id)
        job.done += 1
        job.changed += len(changes)
        job.total = max(job.total, job.done)
        job.last_attempt_id = attempt_id
        job.save(update_fields=["done", "changed", "total", "last_attempt_id", "updated_at"])


def regrade_job_run(*, job_id: int, time_budget: float = 20.0) -> bool:
    """Work through a regrade job, one transaction per attempt, for about ``time_budget`` seconds.

    Returns True when attempts remain (the caller queues the job again). Safe to run twice at once.
    """
    from assessments.grading.translate import compatibility_problem
    from assessments.trainer_selectors import responses_to_regrade

    started = time.monotonic()
    with transaction.atomic():
        job = RegradeJob.objects.select_for_update().select_related("to_version").get(pk=job_id)
        if not job.is_active:
            return False
        if job.status == RegradeStatus.PENDING:
            job.status = RegradeStatus.RUNNING
            job.save(update_fields=["status", "updated_at"])
    versions = QuestionVersion.objects.filter(question_id=job.question_id).exclude(pk=job.to_version_id)
    if job.from_version_id:
        versions = versions.filter(pk=job.from_version_id)
    from_version_ids = [v.pk for v in versions if not compatibility_problem(v.data, job.to_version.data)]
    while True:
        job.refresh_from_db(fields=["last_attempt_id", "status"])
        if not job.is_active:
            return False
        batch = list(
            responses_to_regrade(to_version=job.to_version, from_version_ids=from_version_ids)
            .filter(attempt_id__gt=job.last_attempt_id)
            .order_by("attempt_id")
            .values_list("attempt_id", flat=True)
            .distinct()[:REGRADE_BATCH]
        )
        if not batch:
            break
        for attempt_id in batch:
            _attempt_regrade(job_id=job.pk, attempt_id=attempt_id, from_version_ids=from_version_ids)
        if time.monotonic() - started > time_budget:
            return True
    with transaction.atomic():
        job = RegradeJob.objects.select_for_update().get(pk=job_id)
        if job.is_active:
            job.status = RegradeStatus.DONE
            job.total = job.done  # answers overridden or regraded by hand meanwhile are not left "to do"
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "total", "finished_at", "updated_at"])
    return False


def regrade_job_fail(*, job_id: int, reason: str) -> None:
    """Stop a job the worker cannot finish; the attempts it regraded stay regraded, each one whole."""
    with transaction.atomic():
        job = RegradeJob.objects.select_for_update().get(pk=job_id)
        if job.is_active:
            job.status = RegradeStatus.FAILED
            job.error = reason[:2000]
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "error", "finished_at", "updated_at"])
