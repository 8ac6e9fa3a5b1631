"""Regrading a corrected question and overriding one answer: audited, totals and progress redone."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from accounts.models import Role
from assessments.masking import token_for
from assessments.models import (
    Attempt,
    AttemptStatus,
    Question,
    QuestionVersion,
    RegradeJob,
    RegradeStatus,
    Response,
    ScoreChange,
    ScoreChangeKind,
)
from courses.authoring.loader import load_tree
from courses.models import ModuleProgress
from courses.services import content_import
from tests.conftest import FIXTURE_CONTENT, wait_for
from tests.integration.test_quiz_flow import start_attempt

pytestmark = pytest.mark.django_db(transaction=True)

WRONG_UNDER_OLD_KEY = "任何人数超过 500 的群"
RIGHT_UNDER_OLD_KEY = "因共同兴趣聚在一起并持续互动的人"


@pytest.fixture
def trainer(django_user_model):
    return django_user_model.objects.create_user(
        email="trainer@example.com", password="pw-trainer-123", role=Role.TRAINER
    )


@pytest.fixture
def trainer_client(client, trainer):
    client.force_login(trainer)
    return client


@pytest.fixture
def content_root(tmp_path):
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    return root


def choice_id(response: Response, text: str) -> str:
    return next(
        token_for(response, c["id"]) for c in response.question_version.data["choices"] if c["html"] == text
    )


def take_quiz(client, module, *, definition: str, kpis: bool, true_false: bool) -> Attempt:
    """Answer the demo quiz: ``definition`` is the chosen option's text; the others right or wrong."""
    attempt = start_attempt(client, module)
    post: dict[str, object] = {}
    for r in attempt.responses.select_related("question_version"):
        data = r.question_version.data
        if data["id"] == "q-definition":
            post[f"q{r.position}"] = choice_id(r, definition)
        else:
            ok = kpis if data["id"] == "q-kpis" else true_false
            picked = [token_for(r, c["id"]) for c in data["choices"] if c["correct"] == ok]
            post[f"q{r.position}"] = picked if data["type"] == "multiple" else picked[0]
    assert client.post(reverse("attempt_submit", args=[attempt.pk]), post).status_code == 302
    return wait_for(lambda: Attempt.objects.filter(pk=attempt.pk, status=AttemptStatus.GRADED).first())


def publish(root, old: str, new: str) -> None:
    path = root / "modules" / "demo-basics.md"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    content_import(tree=load_tree(root))


def correct_the_definition_key(root) -> None:
    """Publish the corrected key: the option the first version marked wrong is the right one."""
    publish(
        root,
        f"- [x] {RIGHT_UNDER_OLD_KEY}\n  > 正确：共同点和持续互动缺一不可。\n- [ ] {WRONG_UNDER_OLD_KEY}",
        f"- [ ] {RIGHT_UNDER_OLD_KEY}\n  > 正确：共同点和持续互动缺一不可。\n- [x] {WRONG_UNDER_OLD_KEY}",
    )


def definition_response(attempt: Attempt) -> Response:
    return attempt.responses.select_related("question_version").get(
        question_version__question__key="q-definition"
    )


@pytest.fixture
def two_attempts(content_root, client, recruit, other_recruit):
    content_import(tree=load_tree(content_root))
    from courses.models import Module

    module = Module.objects.get(slug="demo-basics")
    client.force_login(recruit)
    # 1 + 0 + 1 of 4 points: 50%, not passed. The corrected key makes it 3 of 4.
    failing = take_quiz(client, module, definition=WRONG_UNDER_OLD_KEY, kpis=True, true_false=False)
    client.force_login(other_recruit)
    passing = take_quiz(client, module, definition=RIGHT_UNDER_OLD_KEY, kpis=True, true_false=True)
    client.logout()
    return module, failing, passing


def test_regrade_changes_scores_audits_them_and_redoes_totals_and_progress(
    two_attempts, content_root, trainer_client, trainer, recruit
):
    module, failing, passing = two_attempts
    assert (failing.percent, failing.passed, passing.percent) == (Decimal("50.00"), False, Decimal("100.00"))
    assert ModuleProgress.objects.get(user=recruit, module=module).quiz_passed is False
    correct_the_definition_key(content_root)
    question = Question.objects.get(module=module, key="q-definition")
    assert question.versions.count() == 2

    url = reverse("trainer_regrade", args=[question.pk])
    page = trainer_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Regrade 2 attempts" in page
    response = trainer_client.post(url, {"reason": "The key marked the wrong option"})
    job = RegradeJob.objects.get(question=question)
    assert response.status_code == 302
    assert response.url == reverse("trainer_regrade_job", args=[job.pk])

    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.changed) == (RegradeStatus.DONE, 2, 2, 2)
    failing.refresh_from_db()
    passing.refresh_from_db()
    assert (failing.score, failing.percent, failing.passed) == (Decimal("3.00"), Decimal("75.00"), True)
    assert (passing.score, passing.percent, passing.passed) == (Decimal("3.00"), Decimal("75.00"), True)
    changes = {c.attempt_id: c for c in ScoreChange.objects.filter(kind=ScoreChangeKind.REGRADE, job=job)}
    assert set(changes) == {failing.pk, passing.pk}
    assert (changes[failing.pk].old_score, changes[failing.pk].new_score) == (
        Decimal("0.00"),
        Decimal("1.00"),
    )
    assert (changes[passing.pk].old_score, changes[passing.pk].new_score) == (
        Decimal("1.00"),
        Decimal("0.00"),
    )
    assert {c.reason for c in changes.values()} == {"The key marked the wrong option"}
    assert {c.changed_by for c in changes.values()} == {trainer}
    # Only the corrected question changed: the other answers keep their score and have no audit row.
    assert ScoreChange.objects.count() == 2
    regraded = definition_response(failing)
    new_key = QuestionVersion.objects.filter(question=question).latest("pk")
    assert regraded.graded_with == new_key
    assert regraded.question_version != new_key  # what the recruit was shown stays
    progress = ModuleProgress.objects.get(user=recruit, module=module)
    assert (progress.quiz_passed, progress.quiz_score) == (True, Decimal("75.00"))

    progress_html = trainer_client.get(
        reverse("trainer_regrade_progress", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "2 of 2 attempts regraded" in progress_html
    assert "hx-trigger" not in progress_html  # finished: the page stops polling


def test_the_recruit_review_shows_the_corrected_key(two_attempts, content_root, trainer, client, recruit):
    from assessments.services import regrade_job_start

    module, failing, _passing = two_attempts
    correct_the_definition_key(content_root)
    question = Question.objects.get(module=module, key="q-definition")
    regrade_job_start(question=question, reason="Corrected key", acting_user=trainer)
    client.force_login(recruit)
    html = client.get(reverse("attempt_detail", args=[failing.pk])).content.decode()
    assert "75.00%" in html
    position = definition_response(failing).position
    review = html[html.index(f'data-testid="review-{position}"') :]
    review = review[: review.index(f'data-testid="review-{position + 1}"')]
    assert 'data-testid="regraded-note"' in review
    right = re.findall(r'class="choice right">(.*?)</div>', review, re.S)
    assert len(right) == 1
    assert WRONG_UNDER_OLD_KEY in right[0]  # the corrected key, not the one the recruit was first graded with
    assert RIGHT_UNDER_OLD_KEY not in right[0]


def test_regrading_twice_changes_nothing_more(two_attempts, content_root, trainer_client):
    module, _failing, _passing = two_attempts
    correct_the_definition_key(content_root)
    question = Question.objects.get(module=module, key="q-definition")
    url = reverse("trainer_regrade", args=[question.pk])
    trainer_client.post(url, {"reason": "first"})
    assert ScoreChange.objects.count() == 2
    page = trainer_client.get(url).content.decode()
    assert 'data-testid="nothing-to-regrade"' in page
    again = trainer_client.post(url, {"reason": "second"})
    assert again.status_code == 400
    assert RegradeJob.objects.count() == 1
    assert ScoreChange.objects.count() == 2


def test_a_duplicate_delivery_of_a_finished_job_does_nothing(two_attempts, content_root, trainer):
    from assessments.regrade_tasks import regrade_question
    from assessments.services import regrade_job_start

    module, _failing, _passing = two_attempts
    correct_the_definition_key(content_root)
    job = regrade_job_start(
        question=Question.objects.get(module=module, key="q-definition"), reason="r", acting_user=trainer
    )
    regrade_question.apply(args=[job.pk])
    job.refresh_from_db()
    assert (job.done, job.changed) == (2, 2)
    assert ScoreChange.objects.count() == 2


def test_a_delivery_under_the_task_old_name_still_runs_the_job(two_attempts, content_root, trainer):
    """``assessments.regrade_question`` was the task's name until it was renamed: kept for one release."""
    from assessments.services import regrade_job_start
    from trainingsite.celery import app

    module, _failing, _passing = two_attempts
    correct_the_definition_key(content_root)
    job = regrade_job_start(
        question=Question.objects.get(module=module, key="q-definition"), reason="r", acting_user=trainer
    )
    app.tasks["assessments.regrade_question"].apply(args=[job.pk])
    job.refresh_from_db()
    assert (job.done, job.changed) == (2, 2)
    assert ScoreChange.objects.count() == 2


def test_an_interrupted_job_resumes_after_the_last_whole_attempt(two_attempts, content_root, trainer):
    from assessments.services import regrade_job_run

    module, failing, passing = two_attempts
    correct_the_definition_key(content_root)
    question = Question.objects.get(module=module, key="q-definition")
    new_key = QuestionVersion.objects.filter(question=question).latest("pk")
    # A job left behind by a worker that died after its first attempt.
    first, second = sorted([failing, passing], key=lambda a: a.pk)
    job = RegradeJob.objects.create(
        question=question,
        to_version=new_key,
        reason="r",
        total=2,
        status=RegradeStatus.RUNNING,
        created_by=trainer,
    )
    from assessments.services import _attempt_regrade

    _attempt_regrade(
        job_id=job.pk, attempt_id=first.pk, from_version_ids=[definition_response(first).question_version_id]
    )
    job.refresh_from_db()
    assert (job.done, job.last_attempt_id) == (1, first.pk)
    assert regrade_job_run(job_id=job.pk) is False
    job.refresh_from_db()
    assert (job.status, job.done, job.changed) == (RegradeStatus.DONE, 2, 2)
    assert ScoreChange.objects.filter(attempt=second).count() == 1
    assert ScoreChange.objects.filter(attempt=first).count() == 1


def test_a_version_that_changed_the_options_is_not_regraded(two_attempts, content_root, trainer_client):
    module, _failing, _passing = two_attempts
    publish(content_root, "- [ ] 群名称长度", "- [ ] 群名称的字数")
    question = Question.objects.get(module=module, key="q-kpis")
    url = reverse("trainer_regrade", args=[question.pk])
    page = trainer_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "an option was removed or reworded" in page
    response = trainer_client.post(url, {"reason": "try"})
    assert response.status_code == 400
    assert not RegradeJob.objects.exists()
    assert not ScoreChange.objects.exists()


def test_override_sets_the_score_with_a_reason_the_recruit_sees(
    two_attempts, trainer_client, trainer, client, recruit
):
    module, failing, _passing = two_attempts
    answer = definition_response(failing)
    url = reverse("trainer_override", args=[failing.pk, answer.pk])
    prefix = f"r{answer.pk}"
    response = trainer_client.post(url, {f"{prefix}-score": "0.5", f"{prefix}-reason": "两个选项都说得通"})
    assert response.status_code == 302
    answer.refresh_from_db()
    failing.refresh_from_db()
    assert (answer.score, answer.correct, answer.override_reason) == (
        Decimal("0.50"),
        False,
        "两个选项都说得通",
    )
    assert (failing.score, failing.percent) == (Decimal("2.50"), Decimal("62.50"))
    assert failing.passed
    change = ScoreChange.objects.get()
    assert (change.kind, change.old_score, change.new_score, change.changed_by) == (
        ScoreChangeKind.OVERRIDE,
        Decimal("0.00"),
        Decimal("0.50"),
        trainer,
    )
    assert ModuleProgress.objects.get(user=recruit, module=module).quiz_passed
    trainer_page = trainer_client.get(reverse("trainer_attempt", args=[failing.pk])).content.decode()
    assert "两个选项都说得通" in trainer_page
    assert 'data-testid="score-changes"' in trainer_page

    client.force_login(recruit)
    html = client.get(reverse("attempt_detail", args=[failing.pk])).content.decode()
    note = html[html.index('data-testid="override-note"') :]
    assert "两个选项都说得通" in note[: note.index("</div>")]
    assert "62.50%" in html


@pytest.mark.parametrize(
    ("score", "reason", "message"),
    [
        ("1.5", "too much", "between 0 and 1.00"),
        ("-1", "negative", "greater than or equal to 0"),
        ("0.5", "   ", "required"),
        ("abc", "not a number", "Enter a number"),
        ("0.123", "three decimals", "2 decimal places"),
    ],
)
def test_a_bad_override_is_refused_and_changes_nothing(two_attempts, trainer_client, score, reason, message):
    _module, failing, _passing = two_attempts
    answer = definition_response(failing)
    prefix = f"r{answer.pk}"
    response = trainer_client.post(
        reverse("trainer_override", args=[failing.pk, answer.pk]),
        {f"{prefix}-score": score, f"{prefix}-reason": reason},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    answer.refresh_from_db()
    assert (answer.score, answer.override_reason) == (Decimal("0.00"), "")
    assert not ScoreChange.objects.exists()


def test_an_overridden_answer_is_kept_by_a_later_regrade(two_attempts, content_root, trainer_client, trainer):
    from assessments.services import response_override

    module, failing, passing = two_attempts
    answer = definition_response(passing)
    response_override(response=answer, score=Decimal("1"), reason="Looked at it myself", acting_user=trainer)
    correct_the_definition_key(content_root)
    question = Question.objects.get(module=module, key="q-definition")
    trainer_client.post(reverse("trainer_regrade", args=[question.pk]), {"reason": "Corrected key"})
    answer.refresh_from_db()
    assert answer.score == Decimal("1.00")
    assert answer.graded_with is None
    assert ScoreChange.objects.filter(attempt=passing, kind=ScoreChangeKind.REGRADE).count() == 0
    assert ScoreChange.objects.filter(attempt=failing, kind=ScoreChangeKind.REGRADE).count() == 1


def test_an_answer_of_another_attempt_is_404(two_attempts, trainer_client):
    _module, failing, passing = two_attempts
    other = definition_response(passing)
    prefix = f"r{other.pk}"
    url = reverse("trainer_override", args=[failing.pk, other.pk])
    assert trainer_client.post(url, {f"{prefix}-score": "0", f"{prefix}-reason": "x"}).status_code == 404
    assert not ScoreChange.objects.exists()


@pytest.mark.parametrize("role", [Role.RECRUIT, Role.MANAGER])
def test_trainer_pages_are_404_for_everybody_else(two_attempts, client, django_user_model, role):
    module, failing, _passing = two_attempts
    user = django_user_model.objects.create_user(
        email=f"{role}-someone@example.com", password="pw-123-abc", role=role
    )
    client.force_login(user)
    question = Question.objects.get(module=module, key="q-definition")
    answer = definition_response(failing)
    job = RegradeJob.objects.create(question=question, to_version=answer.question_version, reason="r")
    for url in (
        reverse("trainer_questions"),
        reverse("trainer_regrade", args=[question.pk]),
        reverse("trainer_regrade_job", args=[job.pk]),
        reverse("trainer_regrade_progress", args=[job.pk]),
        reverse("trainer_attempts"),
        reverse("trainer_attempt", args=[failing.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("trainer_regrade", args=[question.pk]), {"reason": "x"}).status_code == 404
    assert client.post(reverse("trainer_regrade_resume", args=[job.pk])).status_code == 404
    prefix = f"r{answer.pk}"
    override = reverse("trainer_override", args=[failing.pk, answer.pk])
    assert client.post(override, {f"{prefix}-score": "1", f"{prefix}-reason": "x"}).status_code == 404
    assert not ScoreChange.objects.exists()
    assert RegradeJob.objects.count() == 1


def test_staff_admins_may_use_the_trainer_pages(two_attempts, client, django_user_model):
    _module, failing, _passing = two_attempts
    admin = django_user_model.objects.create_user(
        email="admin@example.com", password="pw-123-abc", is_staff=True
    )
    client.force_login(admin)
    assert client.get(reverse("trainer_attempt", args=[failing.pk])).status_code == 200
    assert client.get(reverse("trainer_attempts")).status_code == 200


# Query counts: session + user (2), then a fixed number per page whatever the data.
# Each trainer page also counts the review queue once for its header badge (context_processors).
TRAINER_PINNED = {"questions": 4, "regrade": 9, "job": 4, "progress": 3, "attempts": 4, "attempt": 6}


def trainer_urls(module, attempt, job) -> dict[str, str]:
    question = Question.objects.get(module=module, key="q-definition")
    return {
        "questions": reverse("trainer_questions"),
        "regrade": reverse("trainer_regrade", args=[question.pk]),
        "job": reverse("trainer_regrade_job", args=[job.pk]),
        "progress": reverse("trainer_regrade_progress", args=[job.pk]),
        "attempts": reverse("trainer_attempts"),
        "attempt": reverse("trainer_attempt", args=[attempt.pk]),
    }


def measure(client, urls: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, url in urls.items():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200, name
        counts[name] = len(ctx.captured_queries)
    return counts


def test_trainer_page_query_counts_are_pinned_and_do_not_grow(
    two_attempts, content_root, trainer_client, trainer, recruit
):
    from assessments.services import regrade_job_start, response_override

    module, failing, _passing = two_attempts
    correct_the_definition_key(content_root)
    question = Question.objects.get(module=module, key="q-definition")
    job = regrade_job_start(question=question, reason="r", acting_user=trainer)
    urls = trainer_urls(module, failing, job)
    before = measure(trainer_client, urls)
    assert before == TRAINER_PINNED
    # More attempts, more versions, overrides and another job: the same number of queries.
    other = Client()
    other.force_login(recruit)
    for _ in range(3):
        take_quiz(other, module, definition=RIGHT_UNDER_OLD_KEY, kpis=False, true_false=True)
    for answer in failing.responses.all():
        response_override(response=answer, score=Decimal("0"), reason="check", acting_user=trainer)
    publish(content_root, "社群的核心是关系与互动", "社群的核心是关系与持续互动")
    regrade_job_start(question=question, reason="again", acting_user=trainer)
    assert measure(trainer_client, urls) == before


@pytest.mark.worker
def test_a_real_worker_regrades_and_the_progress_page_follows(
    celery_worker_process, content_root, client, recruit, trainer
):
    from courses.models import Module

    content_import(tree=load_tree(content_root))
    module = Module.objects.get(slug="demo-basics")
    client.force_login(recruit)
    attempts = [
        take_quiz(client, module, definition=WRONG_UNDER_OLD_KEY, kpis=True, true_false=True)
        for _ in range(3)
    ]
    for attempt in attempts:
        wait_for(lambda a=attempt: Attempt.objects.get(pk=a.pk).status == AttemptStatus.GRADED)
    correct_the_definition_key(content_root)
    question = Question.objects.get(module=module, key="q-definition")
    client.force_login(trainer)
    response = client.post(reverse("trainer_regrade", args=[question.pk]), {"reason": "Corrected key"})
    job = RegradeJob.objects.get()
    assert response.url == reverse("trainer_regrade_job", args=[job.pk])
    wait_for(lambda: RegradeJob.objects.get(pk=job.pk).status == RegradeStatus.DONE, timeout=60)
    job.refresh_from_db()
    assert (job.done, job.total, job.changed) == (3, 3, 3)
    assert set(Attempt.objects.values_list("percent", flat=True)) == {Decimal("100.00")}
    html = client.get(reverse("trainer_regrade_progress", args=[job.pk])).content.decode()
    assert 'data-status="done"' in html


def test_an_attempt_still_open_during_a_regrade_is_picked_up_by_the_next_one(
    two_attempts, content_root, trainer_client, recruit
):
    module, _failing, _passing = two_attempts
    client = Client()
    client.force_login(recruit)
    still_open = start_attempt(client, module)  # served the first version, not graded yet
    correct_the_definition_key(content_root)
    question = Question.objects.get(module=module, key="q-definition")
    url = reverse("trainer_regrade", args=[question.pk])
    assert 'data-testid="unfinished"' in trainer_client.get(url).content.decode()
    trainer_client.post(url, {"reason": "first pass"})
    assert RegradeJob.objects.get().done == 2

    answer = definition_response(still_open)
    client.post(
        reverse("attempt_submit", args=[still_open.pk]),
        {f"q{answer.position}": choice_id(answer, WRONG_UNDER_OLD_KEY)},
    )
    still_open.refresh_from_db()
    assert (still_open.status, still_open.score) == (AttemptStatus.GRADED, Decimal("0.00"))
    page = trainer_client.get(url).content.decode()
    assert 'data-testid="unfinished"' not in page
    trainer_client.post(url, {"reason": "second pass"})
    still_open.refresh_from_db()
    assert still_open.score == Decimal("1.00")
    assert ScoreChange.objects.get(attempt=still_open).reason == "second pass"


def test_a_regrade_whose_message_was_lost_can_be_resumed(
    two_attempts, content_root, trainer_client, monkeypatch
):
    from kombu.exceptions import OperationalError as BrokerUnavailable

    from assessments.regrade_tasks import regrade_question

    module, failing, _passing = two_attempts
    correct_the_definition_key(content_root)
    question = Question.objects.get(module=module, key="q-definition")

    def broker_down(*args):
        raise BrokerUnavailable("connection refused")

    with monkeypatch.context() as patched:
        patched.setattr(regrade_question, "delay", broker_down)
        started = trainer_client.post(
            reverse("trainer_regrade", args=[question.pk]), {"reason": "Corrected key"}
        )
    assert started.status_code == 302  # the job is saved; only the doorbell failed
    job = RegradeJob.objects.get()
    assert (job.status, job.done) == (RegradeStatus.PENDING, 0)
    progress = reverse("trainer_regrade_progress", args=[job.pk])
    assert 'data-testid="resume"' not in trainer_client.get(progress).content.decode()
    RegradeJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(minutes=2))
    assert 'data-testid="resume"' in trainer_client.get(progress).content.decode()

    assert trainer_client.post(reverse("trainer_regrade_resume", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert (job.status, job.done, job.changed) == (RegradeStatus.DONE, 2, 2)
    failing.refresh_from_db()
    assert failing.percent == Decimal("75.00")
    # Resuming a finished job does nothing.
    trainer_client.post(reverse("trainer_regrade_resume", args=[job.pk]))
    assert ScoreChange.objects.count() == 2


def test_each_attempt_costs_the_same_queries_to_regrade(content_root, recruit, trainer):
    from assessments.services import _attempt_regrade
    from courses.models import Module

    content_import(tree=load_tree(content_root))
    module = Module.objects.get(slug="demo-basics")
    client = Client()
    client.force_login(recruit)
    attempts = [
        take_quiz(client, module, definition=WRONG_UNDER_OLD_KEY, kpis=k % 2 == 0, true_false=True)
        for k in range(4)
    ]
    correct_the_definition_key(content_root)
    question = Question.objects.get(module=module, key="q-definition")
    old = definition_response(attempts[0]).question_version_id
    job = RegradeJob.objects.create(
        question=question,
        to_version=QuestionVersion.objects.filter(question=question).latest("pk"),
        reason="r",
        total=4,
        status=RegradeStatus.RUNNING,
        created_by=trainer,
    )
    counts = []
    for attempt in sorted(attempts, key=lambda a: a.pk):
        with CaptureQueriesContext(connection) as ctx:
            _attempt_regrade(job_id=job.pk, attempt_id=attempt.pk, from_version_ids=[old])
        counts.append(len(ctx.captured_queries))
    assert len(set(counts)) == 1, counts  # the fourth attempt costs what the first did
    assert ScoreChange.objects.filter(job=job).count() == 4


def test_regrade_page_names_versions_by_number_date_and_question(two_attempts, content_root, trainer_client):
    module, _failing, _passing = two_attempts
    correct_the_definition_key(content_root)
    question = Question.objects.get(module=module, key="q-definition")
    old, new = question.versions.order_by("pk")
    page = trainer_client.get(reverse("trainer_regrade", args=[question.pk]), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    stem = strip_tags(new.data["stem_html"]).strip()[:20]
    for version in (old, new):
        assert version.content_hash[:8] not in html
    assert "current key (version 2)" in html
    row = re.search(r'<tr data-testid="version-row">(.*?)</tr>', html, re.S).group(1)
    assert "v1" in row
    assert timezone.localtime(old.created_at).strftime("%Y-%m-%d %H:%M") in row
    assert strip_tags(old.data["stem_html"]).strip()[:20] in row
    assert stem in html.split("<h1>", 1)[1].split("</h1>", 1)[0]
