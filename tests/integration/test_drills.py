"""Case-study drills through the web views: scenarios, data exercises and written responses, graded by the
same pipeline as quizzes (in-process here; tests/integration/test_drills_worker.py uses a real worker)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from assessments.grading import evaluate
from assessments.grading.datasets import generate
from assessments.grading.scenario import choice_permutation
from assessments.models import Attempt, AttemptStatus, DrillReview, ReviewStatus, ScoreChange, ScoreChangeKind
from courses.models import Module, ModuleProgress
from notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db(transaction=True)


def start(client, module: Module, key: str) -> Attempt:
    response = client.post(reverse("drill_detail", args=[module.slug, key]))
    assert response.status_code == 302, response.content.decode()[:500]
    return Attempt.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))


def choose(client, attempt: Attempt, original_index: int):
    """Post the displayed position of the choice with this authored index on the current step."""
    attempt.refresh_from_db()
    step = attempt.state["current"]
    n = len(attempt.drill.data["steps"][step]["choices"])
    position = choice_permutation(attempt.seed, step, n).index(original_index)
    return client.post(reverse("scenario_choose", args=[attempt.pk]), {"step": step, "choice": position})


# Scenario ---------------------------------------------------------------------------------------------------


def test_best_path_scores_full_marks_and_passes_the_drill(recruit_client, recruit, drill_module):
    attempt = start(recruit_client, drill_module, "angry-member")
    assert recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).status_code == 200
    assert choose(recruit_client, attempt, 0).status_code == 302
    assert choose(recruit_client, attempt, 0).status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED
    assert (attempt.score, attempt.max_score, attempt.percent) == (Decimal(6), Decimal(6), Decimal(100))
    assert attempt.passed
    assert [p["step"] for p in attempt.state["path"]] == ["s1", "s2"]
    progress = ModuleProgress.objects.get(user=recruit, module=drill_module)
    assert progress.drill_results["angry-member"]["passed"] is True
    page = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    assert "道歉、行动、时限，三样都有。" in page  # the feedback of the turn taken
    assert "问题当天解决" in page  # the ending reached


def test_a_weaker_path_scores_less_and_shows_the_best_choice(recruit_client, drill_module):
    attempt = start(recruit_client, drill_module, "angry-member")
    choose(recruit_client, attempt, 0)
    choose(recruit_client, attempt, 1)  # "耐心等待": 1 point, neutral ending
    attempt.refresh_from_db()
    assert attempt.score == Decimal(4)
    assert attempt.percent == Decimal("66.67")
    page = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    assert "没有时限的“等待”只会让他更生气。" in page
    assert "当场道歉，联系客服主管，给出处理时限" in page  # the best choice, shown beside theirs


def test_a_bad_ending_fails_whatever_the_points(recruit_client, drill_module):
    attempt = start(recruit_client, drill_module, "angry-member")
    choose(recruit_client, attempt, 1)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED
    assert attempt.passed is False
    assert attempt.result["outcome"] == "bad"


def test_the_open_step_carries_no_points_feedback_targets_or_authored_order(recruit_client, drill_module):
    attempt = start(recruit_client, drill_module, "angry-member")
    html = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    assert "在群里回应，并私信了解情况" in html
    for secret in ("公开回应让大家看到你在处理", "points=", "#s2", "#end-bad", "移出会让其他成员"):
        assert secret not in html
    assert 'name="choice" value="0"' in html
    assert 'name="choice" value="1"' in html


def test_a_replayed_or_out_of_order_choice_changes_nothing(recruit_client, drill_module):
    attempt = start(recruit_client, drill_module, "angry-member")
    choose(recruit_client, attempt, 0)
    attempt.refresh_from_db()
    before = attempt.state
    replay = recruit_client.post(reverse("scenario_choose", args=[attempt.pk]), {"step": "s1", "choice": 0})
    assert replay.status_code == 400
    assert "已经" in replay.content.decode() or "moved on" in replay.content.decode()
    for bad in (
        {"step": "end-good", "choice": 0},
        {"step": "s2", "choice": 7},
        {"step": "s2", "choice": "x"},
    ):
        assert recruit_client.post(reverse("scenario_choose", args=[attempt.pk]), bad).status_code == 400
    attempt.refresh_from_db()
    assert attempt.state == before
    assert attempt.status == AttemptStatus.IN_PROGRESS


def test_a_choice_after_the_step_deadline_counts_as_late_and_scores_nothing(recruit_client, drill_module):
    attempt = start(recruit_client, drill_module, "angry-member")
    assert attempt.state["deadline"]  # s1 has a 60 s limit
    attempt.state["deadline"] = (timezone.now() - timedelta(seconds=30)).isoformat()
    attempt.save(update_fields=["state"])
    choose(recruit_client, attempt, 0)
    choose(recruit_client, attempt, 0)
    attempt.refresh_from_db()
    assert attempt.state["path"][0]["late"] is True
    assert attempt.score == Decimal(3)  # only s2's points
    page = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    assert "too late" in page or "超时" in page or "太晚" in page


def test_another_recruits_drill_attempt_is_not_found(client, other_recruit, drill_module, recruit):
    client.force_login(recruit)
    attempt = start(client, drill_module, "angry-member")
    client.force_login(other_recruit)
    assert client.get(reverse("attempt_detail", args=[attempt.pk])).status_code == 404
    assert (
        client.post(reverse("scenario_choose", args=[attempt.pk]), {"step": "s1", "choice": 0}).status_code
        == 404
    )
    assert client.get(reverse("dataset_csv", args=[attempt.pk])).status_code == 404
    assert client.post(reverse("written_autosave", args=[attempt.pk]), {"text": "x"}).status_code == 404
    attempt.refresh_from_db()
    assert attempt.state["path"] == []


# Data exercise ----------------------------------------------------------------------------------------------


def _answers(attempt: Attempt, *, offset: Decimal = Decimal(0)) -> dict[str, str]:
    post = {}
    for r in attempt.responses.select_related("question_version"):
        value = evaluate(r.question_version.data["expr"], attempt.state["dataset"]) + offset
        post[f"q{r.position}"] = str(value)
    return post


def test_each_attempt_gets_its_own_dataset_and_is_graded_against_it(
    recruit_client, drill_module, other_recruit
):
    from django.test import Client

    client = Client()
    attempt = start(recruit_client, drill_module, "community-report")
    page = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    assert 'data-testid="dataset"' in page
    assert str(attempt.state["dataset"]["members"][-1]) in page
    assert "expr" not in page
    assert "argmax" not in page
    client.force_login(other_recruit)
    other = start(client, drill_module, "community-report")
    assert other.state["dataset"] != attempt.state["dataset"]
    assert (
        recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), _answers(attempt)).status_code
        == 302
    )
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED
    assert attempt.percent == 100
    review = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    assert "round(" in review  # how the expected value is computed, with this attempt's numbers
    # The other recruit's answers, computed from the first dataset, are wrong on theirs (almost surely).
    client.post(reverse("attempt_submit", args=[other.pk]), {"q1": _answers(attempt)["q1"]})
    other.refresh_from_db()
    if other.state["dataset"]["active"][-1] * 1000 // other.state["dataset"]["members"][-1] != (
        attempt.state["dataset"]["active"][-1] * 1000 // attempt.state["dataset"]["members"][-1]
    ):
        assert other.percent < 100


def test_an_answer_outside_the_tolerance_scores_nothing(recruit_client, drill_module):
    attempt = start(recruit_client, drill_module, "community-report")
    recruit_client.post(
        reverse("attempt_submit", args=[attempt.pk]), _answers(attempt, offset=Decimal("0.5"))
    )
    attempt.refresh_from_db()
    assert attempt.score == 0
    assert attempt.passed is False


def test_the_dataset_downloads_as_csv_for_its_owner(recruit_client, drill_module):
    attempt = start(recruit_client, drill_module, "community-report")
    response = recruit_client.get(reverse("dataset_csv", args=[attempt.pk]))
    assert response.status_code == 200
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == list(attempt.state["dataset"])
    assert len(rows) == 1 + len(attempt.state["dataset"]["week"])
    assert [int(v) for v in rows[-1]] == [values[-1] for values in attempt.state["dataset"].values()]


def test_empty_cohort_cells_show_as_a_dash_and_download_empty(recruit_client, drill_module):
    attempt = start(recruit_client, drill_module, "community-report")
    attempt.state = {"dataset": generate("community_weeks_v2", {}, 5)}
    attempt.save(update_fields=["state"])
    body = recruit_client.get(reverse("dataset_csv", args=[attempt.pk])).content.decode("utf-8")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][-4:] == ["cohort_w1", "cohort_w2", "cohort_w3", "cohort_w4"]
    assert rows[-1][-4:] == ["", "", "", ""]  # the last week's joiners have no later weeks yet
    assert all(cell.isdigit() for cell in rows[-5][-4:])  # four weeks back: every cohort week is known
    page = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    assert "<td>—</td>" in page
    assert "None" not in page


# Written response -------------------------------------------------------------------------------------------

GOOD = "非常抱歉，这次支付故障导致部分会员被重复扣款。多扣的钱会原路退回，预计三个工作日内到账，请大家放心。"


def test_a_written_response_within_the_range_is_graded_with_its_reasons(
    recruit_client, recruit, drill_module
):
    attempt = start(recruit_client, drill_module, "apology")
    page = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    assert "与我们无关" not in page  # the rubric's words stay on the server
    assert recruit_client.post(reverse("written_autosave", args=[attempt.pk]), {"text": GOOD[:10]}).json()[
        "ok"
    ]
    response = recruit_client.post(
        reverse("attempt_submit", args=[attempt.pk]), {"text": GOOD, "pasted_chars": 0}
    )
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status in (AttemptStatus.GRADED, AttemptStatus.NEEDS_REVIEW)
    assert attempt.result["criteria"][0]["required"]["matched"] == "抱歉"
    if attempt.status == AttemptStatus.GRADED:
        review = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
        assert "抱歉" in review
        assert Notification.objects.filter(
            user=recruit, kind=Kind.GRADED, key=f"attempt:{attempt.pk}"
        ).exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [("太短了", "20"), ("", ""), ("好" * 301, "300"), ("x" * 20_001, "20,000")],
    ids=["short", "empty", "long", "oversized"],
)
def test_a_response_outside_the_length_range_is_refused_and_kept(recruit_client, drill_module, text, message):
    attempt = start(recruit_client, drill_module, "apology")
    response = recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), {"text": text})
    assert response.status_code == 400
    assert message in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert attempt.submitted_at is None


def test_pasted_html_is_kept_as_text_and_shown_escaped(recruit_client, drill_module, trainer, client):
    attempt = start(recruit_client, drill_module, "apology-reviewed")
    text = GOOD + '<script>alert("x")</script><img src=x onerror=alert(1)>'
    recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), {"text": text})
    attempt.refresh_from_db()
    assert attempt.state["text"] == text
    page = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
    client.force_login(trainer)
    review = client.get(reverse("trainer_review", args=[attempt.review.pk])).content.decode()
    assert "<script>alert" not in review
    assert "&lt;img src=x onerror=alert(1)&gt;" in review


def test_an_always_reviewed_response_waits_then_the_trainer_decides(client, recruit, drill_module, trainer):
    client.force_login(recruit)
    attempt = start(client, drill_module, "apology-reviewed")
    client.post(reverse("attempt_submit", args=[attempt.pk]), {"text": GOOD})
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.NEEDS_REVIEW
    assert attempt.score is None
    review = DrillReview.objects.get(attempt=attempt)
    assert review.reasons[0] == "always"
    assert "awaiting-review" in client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    progress = ModuleProgress.objects.get(user=recruit, module=drill_module)
    assert progress.awaiting_review == 1
    assert Notification.objects.filter(user=trainer, kind=Kind.REVIEW_NEEDED).count() == 1

    client.force_login(trainer)
    queue = client.get(reverse("trainer_reviews")).content.decode()
    assert reverse("trainer_review", args=[review.pk]) in queue
    bad = client.post(reverse("trainer_review", args=[review.pk]), {"score_acknowledge": "5", "comment": "x"})
    assert bad.status_code == 400
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING
    ok = client.post(
        reverse("trainer_review", args=[review.pk]),
        {
            "score_acknowledge": "1.5",
            "comment_acknowledge": "提到了扣款，但道歉可以更具体。",
            "comment": "整体不错",
        },
    )
    assert ok.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED
    assert attempt.score == Decimal("1.5")
    assert attempt.percent == Decimal(75)
    change = ScoreChange.objects.get(attempt=attempt)
    assert change.kind == ScoreChangeKind.REVIEW
    assert change.changed_by == trainer
    assert change.old_score == review.suggested_score

    client.force_login(recruit)
    page = client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    assert "提到了扣款，但道歉可以更具体。" in page
    assert "整体不错" in page
    assert (
        Notification.objects.filter(user=recruit, kind=Kind.GRADED, key=f"attempt:{attempt.pk}").count() == 1
    )
    progress.refresh_from_db()
    assert progress.awaiting_review == 0
    assert progress.drill_results["apology-reviewed"]["passed"] is True


def test_review_pages_are_not_found_for_recruits(client, recruit, drill_module):
    client.force_login(recruit)
    attempt = start(client, drill_module, "apology-reviewed")
    client.post(reverse("attempt_submit", args=[attempt.pk]), {"text": GOOD})
    review = DrillReview.objects.get(attempt=attempt)
    assert client.get(reverse("trainer_reviews")).status_code == 404
    assert client.get(reverse("trainer_review", args=[review.pk])).status_code == 404
    assert (
        client.post(reverse("trainer_review", args=[review.pk]), {"score_acknowledge": "2"}).status_code
        == 404
    )
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING


# Module, progress, locks ------------------------------------------------------------------------------------


def test_the_module_passes_only_when_every_drill_passes(recruit_client, recruit, drill_module):
    for key in ("angry-member",):
        attempt = start(recruit_client, drill_module, key)
        choose(recruit_client, attempt, 0)
        choose(recruit_client, attempt, 0)
    progress = ModuleProgress.objects.get(user=recruit, module=drill_module)
    assert progress.drills_total == 4
    assert progress.drills_passed == 1
    assert progress.passed is False
    page = recruit_client.get(reverse("module_detail", args=[drill_module.slug])).content.decode()
    assert 'data-testid="drill-angry-member"' in page


def test_prerequisites_lock_the_module_with_the_reason(recruit_client, drill_module, imported):
    version = drill_module.current_version
    version.prerequisites = [imported.slug]
    version.save(update_fields=["prerequisites"])
    page = recruit_client.get(reverse("module_detail", args=[drill_module.slug])).content.decode()
    assert 'data-testid="locked"' in page
    assert imported.display_title in page
    response = recruit_client.post(reverse("drill_detail", args=[drill_module.slug, "angry-member"]))
    assert response.status_code == 302
    assert not Attempt.objects.filter(drill__isnull=False).exists()
    lesson = recruit_client.get(reverse("lesson_detail", args=[drill_module.slug, "before"]))
    assert lesson.status_code == 302


@pytest.mark.parametrize("key", ["angry-member", "community-report", "apology"])
def test_drill_pages_query_counts_do_not_grow(
    recruit_client, drill_module, key, django_assert_max_num_queries
):
    attempt = start(recruit_client, drill_module, key)
    with django_assert_max_num_queries(12):
        assert recruit_client.get(reverse("drill_detail", args=[drill_module.slug, key])).status_code == 200
    with django_assert_max_num_queries(12):
        assert recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).status_code == 200


def test_a_corrected_data_key_regrades_each_attempt_against_its_own_dataset(
    recruit_client, drill_module, trainer, tmp_path
):
    import shutil

    from assessments.models import Question
    from assessments.services import regrade_job_start
    from courses.authoring.loader import load_tree
    from courses.services import content_import
    from tests.conftest import FIXTURE_DRILLS

    attempt = start(recruit_client, drill_module, "community-report")
    table = attempt.state["dataset"]
    # The recruit answers the peak question with the week of the *fewest* leaves: wrong under today's key.
    lowest = min(range(len(table["leaves"])), key=lambda i: (table["leaves"][i], i)) + 1
    right = _answers(attempt)
    right["q2"] = str(lowest)
    recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), right)
    attempt.refresh_from_db()
    before = attempt.score
    # The trainer decides the question meant the quietest week and corrects the expression.
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_DRILLS, root)
    path = root / "modules" / "drills-demo.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace("expr: argmax(leaves)", "expr: argmin(leaves)"), "utf-8"
    )
    content_import(tree=load_tree(root))
    question = Question.objects.get(module=drill_module, key="dr-peak")
    job = regrade_job_start(
        question=question, reason="The question asks for the quietest week", acting_user=trainer
    )
    job.refresh_from_db()
    assert job.status == "done"
    attempt.refresh_from_db()
    assert attempt.score == before + 1  # the peak question now earns its point
    assert attempt.percent == 100
    review = attempt.responses.get(position=2).details
    assert review["expr"] == "argmin(leaves)"
    assert review["expected"] == str(lowest)


def test_review_pages_query_counts_are_pinned_and_do_not_grow(
    client, recruit, other_recruit, drill_module, trainer
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queue_queries() -> int:
        client.force_login(trainer)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("trainer_reviews")).status_code == 200
        return len(ctx.captured_queries)

    reviews = []
    for person in (recruit, other_recruit):
        client.force_login(person)
        attempt = start(client, drill_module, "apology-reviewed")
        client.post(reverse("attempt_submit", args=[attempt.pk]), {"text": GOOD})
        reviews.append(DrillReview.objects.get(attempt=attempt))
        if person == recruit:
            one = queue_queries()
    assert queue_queries() == one == REVIEW_QUEUE_QUERIES
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("trainer_review", args=[reviews[0].pk])).status_code == 200
    assert len(ctx.captured_queries) == REVIEW_PAGE_QUERIES


REVIEW_QUEUE_QUERIES = 6  # pending, decided, double-marking agreement, session, user, header badge count
REVIEW_PAGE_QUERIES = 5  # session, user, the review with its attempt, its score changes, header badge


def test_a_reviewed_response_shows_the_automatic_score_beside_the_trainers(
    client, recruit, drill_module, trainer
):
    from accounts.models import Role
    from courses import manager_services
    from courses.models import Course, CourseModule, Level
    from tests.integration.test_manager_helpers import logged_in, make_user

    client.force_login(recruit)
    attempt = start(client, drill_module, "apology-reviewed")
    client.post(reverse("attempt_submit", args=[attempt.pk]), {"text": GOOD})
    review = DrillReview.objects.get(attempt=attempt)
    client.force_login(trainer)
    client.post(reverse("trainer_review", args=[review.pk]), {"score_acknowledge": "1.5", "comment": "好"})
    attempt.refresh_from_db()
    auto = (100 * review.suggested_score / review.max_score).quantize(Decimal("0.01"))
    expected = f"自动评分 {auto}% · 培训师评分 {attempt.percent}%"

    client.force_login(recruit)
    page = client.get(reverse("attempt_detail", args=[attempt.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert expected in page.content.decode()

    manager = make_user("polish-manager@example.com", Role.MANAGER)
    course = Course.objects.create(slug="drills-course", title="演练课程", level=Level.JUNIOR)
    CourseModule.objects.create(course=course, module=drill_module, position=0, due_days=7)
    cohort = manager_services.cohort_create(
        acting_user=manager, name="演练批次", course=course, start_date=timezone.localdate()
    )
    manager_services.cohort_join(cohort=cohort, user=recruit)
    person = logged_in(manager).get(
        reverse("manager_recruit", args=[cohort.pk, recruit.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert expected in person.content.decode()


def test_review_page_names_criteria_by_their_description_not_their_id(client, recruit, drill_module, trainer):
    client.force_login(recruit)
    attempt = start(client, drill_module, "apology-reviewed")
    client.post(reverse("attempt_submit", args=[attempt.pk]), {"text": GOOD})
    review = DrillReview.objects.get(attempt=attempt)
    client.force_login(trainer)
    html = client.get(reverse("trainer_review", args=[review.pk])).content.decode()
    criteria = attempt.drill.data["criteria"]
    legends = re.findall(r'class="card criterion"[^>]*>\s*<legend>(.*?)</legend>', html, re.S)
    assert len(legends) == len(criteria)
    for legend, criterion in zip(legends, criteria, strict=True):
        assert criterion["id"] not in legend
        assert strip_tags(criterion["description_html"]).strip()[:20] in legend
