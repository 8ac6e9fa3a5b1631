"""Demo data through the real services: a cohort of recruits part-way through the junior track, graded
attempts at quizzes and every drill kind, written responses in the review queue, a certificate.

Used by ``manage.py seed_demo`` (scripts/setup). Deterministic for a given start date; tasks run in-process.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from assessments import drill_services, services
from assessments.grading import evaluate
from assessments.grading.rubric import text_length
from assessments.grading.scenario import best_path, choice_permutation
from assessments.models import Attempt, AttemptStatus, Drill, DrillReview, Quiz, ReviewStatus
from courses import services as course_services
from courses.models import Cohort, CohortMembership, Course, CourseModule, ModuleProgress

COHORT_NAME = "2026 冬季新人营"
PEERS = [
    ("recruit01@demo.local", "周晓雨", 0.95, 4),
    ("recruit02@demo.local", "李明哲", 0.85, 4),
    ("recruit03@demo.local", "王思远", 0.78, 3),
    ("recruit04@demo.local", "赵一凡", 0.7, 3),
    ("recruit05@demo.local", "陈可欣", 0.62, 2),
    ("recruit06@demo.local", "刘子涵", 0.55, 2),
    ("recruit07@demo.local", "孙浩然", 0.88, 2),
    ("recruit08@demo.local", "黄诗琪", 0.45, 1),
    ("recruit09@demo.local", "吴家豪", 0.35, 1),
    ("recruit10@demo.local", "郑雅婷", 0.8, 1),
    ("recruit11@demo.local", "马俊杰", 0.5, 0),
]


@dataclass
class Learner:
    user: User
    skill: float  # the chance of answering a question well
    pace: int  # how many of the course's modules they have worked through
    rng: random.Random


def _answer(data: dict[str, Any], good: bool) -> Any:
    kind = data["type"]
    if kind in ("single", "truefalse"):
        return next(c["id"] for c in data["choices"] if c["correct"] == good)
    if kind == "multiple":
        right = [c["id"] for c in data["choices"] if c["correct"]]
        return right if good else right[:1] + [c["id"] for c in data["choices"] if not c["correct"]][:1]
    if kind == "short":
        return data["accepted"][0] if good else "不知道"
    if kind == "numeric":
        n = data["numeric"]
        return (n["value"] or n["min"]) if good else "0"
    if kind == "ordering":
        ids = [i["id"] for i in data["items"]]
        return ids if good else ids[::-1]
    rights = [p["right_id"] for p in data["pairs"]]
    if not good:
        rights = rights[1:] + rights[:1]
    return {p["id"]: r for p, r in zip(data["pairs"], rights, strict=True)}


def _quiz_take(learner: Learner, quiz: Quiz) -> Attempt:
    attempt = services.attempt_start(user=learner.user, quiz=quiz)
    answers = {
        r.position: _answer(r.question_version.data, learner.rng.random() < learner.skill)
        for r in attempt.responses.select_related("question_version")
    }
    return services.attempt_submit(user=learner.user, attempt_id=attempt.pk, answers=answers)


def _scenario_play(learner: Learner, drill: Drill) -> Attempt:
    attempt = drill_services.drill_attempt_start(user=learner.user, drill=drill)
    steps = drill.data["steps"]
    _points, best = best_path(drill.data["start"], steps)
    best_choice = dict(best)
    while attempt.is_open:
        step = attempt.state["current"]
        n = len(steps[step]["choices"])
        wanted = (
            best_choice.get(step, 0) if learner.rng.random() < learner.skill else learner.rng.randrange(n)
        )
        position = choice_permutation(attempt.seed, step, n).index(wanted)
        attempt = drill_services.scenario_choose(
            user=learner.user, attempt_id=attempt.pk, step=step, position=position
        )
    return attempt


def _data_solve(learner: Learner, drill: Drill) -> Attempt:
    attempt = drill_services.drill_attempt_start(user=learner.user, drill=drill)
    table = attempt.state["dataset"]
    answers = {}
    for r in attempt.responses.select_related("question_version"):
        value = evaluate(r.question_version.data["expr"], table)
        answers[r.position] = str(value if learner.rng.random() < learner.skill else value + 7)
    return services.attempt_submit(user=learner.user, attempt_id=attempt.pk, answers=answers)


def _written_compose(learner: Learner, drill: Drill) -> Attempt:
    """The learner's response: one of the drill's marked samples, the better the likelier the more able the
    learner is (a list of rubric words would fail the own-sentence grader, as it should)."""
    attempt = drill_services.drill_attempt_start(user=learner.user, drill=drill)
    samples = sorted(drill.data.get("samples") or [], key=lambda s: float(s.get("score") or 0))
    if samples:
        good = learner.rng.random() < learner.skill
        sample = samples[-1] if good else samples[learner.rng.randrange(max(len(samples) - 1, 1))]
        text = sample["text"]
    else:
        text = "我会先把情况核实清楚，再按流程处理，并把结果和时间告诉大家。"
    minimum = int(drill.data.get("min_chars") or 0)
    filler = "我会把每一步的进展及时告诉大家，也欢迎大家随时提出问题和建议。"
    while text_length(text) < minimum:
        text += filler
    maximum = int(drill.data.get("max_chars") or 0)
    if maximum:
        text = text[:maximum]
    return drill_services.written_submit(user=learner.user, attempt_id=attempt.pk, text=text)


def _backdate(attempt: Attempt, when: datetime) -> None:
    Attempt.objects.filter(pk=attempt.pk).update(
        started_at=when - timedelta(minutes=20), submitted_at=when, graded_at=when
    )


def _module_work(learner: Learner, module, day: datetime, trainers: list[User]) -> None:
    version = module.current_version
    for lesson in version.lessons.all():
        course_services.lesson_mark_read(user=learner.user, module=module, lesson_key=lesson.key)
    for quiz in version.quizzes.all():
        attempt = _quiz_take(learner, quiz)
        attempt.refresh_from_db()
        _backdate(attempt, day)
        if not attempt.passed and learner.skill > 0.5:
            _backdate(_quiz_take(learner, quiz), day + timedelta(days=1))
    for drill in version.drills.all():
        if drill.kind == "scenario":
            attempt = _scenario_play(learner, drill)
        elif drill.kind == "data":
            attempt = _data_solve(learner, drill)
        else:
            attempt = _written_compose(learner, drill)
        attempt.refresh_from_db()
        _backdate(attempt, day + timedelta(days=1))
        # the trainer has marked every response of the abler recruits, about half of the others'
        reviewed = learner.skill >= 0.75 or learner.rng.random() < 0.5
        if attempt.status == AttemptStatus.NEEDS_REVIEW and trainers and reviewed:
            _review_accept(attempt, trainers)


def _review_accept(attempt: Attempt, trainers: list[User]) -> None:
    """A trainer accepts the automatic suggestion, with a short comment; a response chosen for double marking
    is marked by the second trainer as well, independently."""
    scores = {c["id"]: c["score"] for c in attempt.result["criteria"]}
    for trainer in trainers:
        review = DrillReview.objects.get(attempt=attempt)
        if review.status == ReviewStatus.DONE:
            return
        drill_services.review_decide(
            review=review,
            scores=scores,
            comments={},
            comment="要点基本齐全；下次把时间安排写得更具体。",
            acting_user=trainer,
        )


def demo_populate(
    *,
    recruit: User,
    manager: User,
    trainer: User,
    second_trainer: User | None = None,
    today: date | None = None,
    password: str = "",
) -> Cohort | None:
    """Create the demo cohort on the junior track once; returns it, or None when it exists already."""
    course = Course.objects.filter(slug="junior").first()
    if course is None or Cohort.objects.filter(name=COHORT_NAME, course=course).exists():
        return None
    today = today or timezone.localdate()
    start = today - timedelta(days=24)
    with transaction.atomic():
        cohort = Cohort.objects.create(
            name=COHORT_NAME,
            course=course,
            start_date=start,
            description="本批新人 12 月入职，目标四周内完成初级认证。",
            created_by=manager,
        )
        cohort.managers.add(manager)
    learners = [Learner(recruit, 0.9, 2, random.Random(1))]  # noqa: S311 - demo data, not secrets
    for i, (email, name, skill, pace) in enumerate(PEERS, start=2):
        user, created = User.objects.get_or_create(
            email=email, defaults={"username": email, "display_name": name, "role": Role.RECRUIT}
        )
        if created:  # every demo recruit can sign in, with the demo password and a verified address
            if password:
                user.set_password(password)
            else:
                user.set_unusable_password()
            user.save(update_fields=["password"])
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
        learners.append(Learner(user, skill, pace, random.Random(i)))  # noqa: S311 - demo data
    links = list(
        CourseModule.objects.filter(course=course)
        .select_related("module__current_version")
        .order_by("position")
    )
    zone = timezone.get_current_timezone()
    for learner in learners:
        # Every demo recruit was there from the cohort's first day: their due dates count from its start.
        membership, _ = CohortMembership.objects.get_or_create(cohort=cohort, user=learner.user)
        CohortMembership.objects.filter(pk=membership.pk).update(
            joined_at=datetime.combine(start, time(9), zone)
        )
        course_services.enrolment_start(user=learner.user, course=course, cohort=cohort, start_date=start)
        for n, link in enumerate(links[: learner.pace]):
            day = datetime.combine(
                start + timedelta(days=3 + 6 * n + learner.rng.randrange(3)), time(10), zone
            )
            try:
                trainers = [u for u in (trainer, second_trainer) if u] if learner.user != recruit else []
                _module_work(learner, link.module, day, trainers)
            except (services.AttemptError, drill_services.DrillError):
                break  # a module still locked by one not passed: this learner stops here, as a real one would
    _passes_backdate(cohort)
    return cohort


def _passes_backdate(cohort: Cohort) -> None:
    """Module passes happen when their last graded attempt did, so the cohort's timeline reads true."""
    for progress in ModuleProgress.objects.filter(user__cohorts=cohort, passed=True):
        last = (
            Attempt.objects.filter(
                user_id=progress.user_id, module_id=progress.module_id, status=AttemptStatus.GRADED
            )
            .order_by("-graded_at")
            .values_list("graded_at", flat=True)
            .first()
        )
        if last:
            ModuleProgress.objects.filter(pk=progress.pk).update(passed_at=last, quiz_passed_at=last)
