"""Test-out (#17 part 2): a pre-test drawn from the quiz bank, graded like every attempt; at or above the
pass mark the module is passed as tested out, below it the recruit sees the skill areas to study first.
Tracks can forbid it; the certificate rule then refuses a tested-out pass."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from assessments.masking import token_for
from assessments.models import Attempt, AttemptPurpose, AttemptStatus, Quiz
from assessments.pretest_services import pretest_start
from assessments.services import AttemptError, attempt_start
from certificates.models import Certificate
from courses.authoring.loader import load_tree
from courses.models import Course, Module, ModuleProgress, PassedVia
from courses.services import content_import, enrolment_start

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = """::: question {key}
points: 1
tags: {tag}

第 {n} 题：哪一项正确？

{choices}

explanation: 解析{n}号
:::
"""


def question(n: int, tag: str) -> str:
    right, wrong = f"- [x] 甲方案 {n}\n  > 对。", f"- [ ] 乙方案 {n}\n  > 不对。"
    # The key sits first and second in turn: the certification lint refuses a key always in one place.
    choices = f"{right}\n{wrong}" if n % 2 else f"{wrong}\n{right}"
    return QUESTION.format(key=f"q{n}", tag=tag, n=n, choices=choices)


def module_source(
    *,
    slug: str = "testout",
    bank: int = 30,
    draw: int = 10,
    pretest: int = 10,
    prereq: str = "",
    wait: int = 60,
) -> str:
    tags = ["留存", "拉新", "转化"]
    questions = "\n".join(question(n, tags[n % 3]) for n in range(1, bank + 1))
    return f"""---
slug: {slug}
title: 免修测试模块 {slug}
skill_area: fundamentals
level: junior
pass_mark: 60
prerequisites: [{prereq}]
---

# 第一课 {{#one}}

内容。

::: quiz {slug}-quiz
title: 模块测验
draw: {draw}
shuffle: none
attempts: 3
wait_minutes: {wait}
show_answers: after_passing
pretest: {pretest}

{questions}
:::
"""


def track_source(
    *, slug: str, modules: list[str], no_test_out: list[str], certify: bool = True, certified: list[str] = ()
) -> str:
    listed = "\n".join(f"  - slug: {m}" for m in modules)
    forbid = f"no_test_out: [{', '.join(no_test_out)}]\n" if no_test_out else ""
    required = ", ".join(certified or modules)
    rule = f"certification:\n  modules: [{required}]\n  pass_mark: 60\n" if certify else ""
    return f"""---
slug: {slug}
title: 路径 {slug}
level: junior
modules:
{listed}
{forbid}{rule}---
说明。
"""


def import_content(tmp_path: Path, modules: dict[str, str], courses: dict[str, str]) -> None:
    (tmp_path / "modules").mkdir(exist_ok=True)
    (tmp_path / "courses").mkdir(exist_ok=True)
    for name, text in modules.items():
        (tmp_path / "modules" / f"{name}.md").write_text(text, encoding="utf-8")
    for name, text in courses.items():
        (tmp_path / "courses" / f"{name}.md").write_text(text, encoding="utf-8")
    tree = load_tree(tmp_path)
    assert not tree.errors, tree.errors
    content_import(tree=tree)


@pytest.fixture
def world(tmp_path):
    """Module ``testout`` (bank 6, draw 3, pre-test 3) on track ``open`` and, forbidden, on ``strict``."""
    import_content(
        tmp_path,
        {"testout": module_source(), "later": module_source(slug="later", prereq="testout")},
        {
            "open": track_source(slug="open", modules=["testout"], no_test_out=[]),
            "strict": track_source(
                slug="strict", modules=["testout", "later"], no_test_out=["testout"], certified=["testout"]
            ),
        },
    )
    return Module.objects.get(slug="testout")


def quiz_of(module: Module) -> Quiz:
    return Quiz.objects.get(version=module.current_version)


def answers(attempt: Attempt, *, right: int) -> dict[str, str]:
    """The POST body answering the first ``right`` questions correctly and the rest wrongly."""
    post = {}
    for i, r in enumerate(attempt.responses.select_related("question_version").order_by("position")):
        choices = r.question_version.data["choices"]
        pick = next(c for c in choices if c["correct"] == (i < right))
        post[f"q{r.position}"] = token_for(r, pick["id"])
    return post


def enrol(user, slug: str) -> None:
    enrolment_start(user=user, course=Course.objects.get(slug=slug))


def take_pretest(client, module: Module, *, right: int) -> Attempt:
    response = client.post(reverse("pretest_start", args=[module.slug, f"{module.slug}-quiz"]))
    assert response.status_code == 302, response
    attempt = Attempt.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    assert attempt.purpose == AttemptPurpose.PRETEST
    client.post(reverse("attempt_submit", args=[attempt.pk]), answers(attempt, right=right))
    attempt.refresh_from_db()
    return attempt


def test_import_stores_the_pretest_size_and_the_tracks_test_out_flags(world):
    assert quiz_of(world).settings["pretest"] == 10
    strict = Course.objects.get(slug="strict")
    flags = dict(strict.course_modules.values_list("module__slug", "test_out"))
    assert flags == {"testout": False, "later": True}
    assert strict.certification["no_test_out"] == ["testout"]
    assert Course.objects.get(slug="open").course_modules.get().test_out is True


def test_passing_pretest_marks_the_module_tested_out_with_its_score(world, recruit, recruit_client):
    enrol(recruit, "open")
    page = recruit_client.get(reverse("quiz_detail", args=[world.slug, "testout-quiz"])).content.decode()
    assert 'data-testid="pretest"' in page
    assert "从本测验题库中抽取 10 道题的诊断性前测。得分达到 60% 即按免修通过本模块" in page  # zh_Hans
    attempt = take_pretest(recruit_client, world, right=10)
    assert attempt.status == AttemptStatus.GRADED
    assert (attempt.number, attempt.percent, attempt.passed) == (0, 100, True)
    assert attempt.responses.count() == 10
    progress = ModuleProgress.objects.get(user=recruit, module=world)
    assert progress.passed
    assert progress.passed_via == PassedVia.TEST_OUT
    assert progress.tested_out
    assert (progress.test_out_score, progress.quiz_score, progress.quiz_attempts) == (100, 100, 0)
    result = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    assert 'data-testid="tested-out"' in result
    assert 'data-testid="pretest-skills"' not in result
    # The quiz's own allowance is untouched: three attempts are left.
    page = recruit_client.get(reverse("quiz_detail", args=[world.slug, "testout-quiz"])).content.decode()
    assert 'data-testid="pretest-refusal"' in page  # already passed: no second pre-test


def test_failing_pretest_lists_skill_areas_weakest_first_and_hides_the_key(world, recruit, recruit_client):
    enrol(recruit, "open")
    attempt = take_pretest(recruit_client, world, right=1)
    assert attempt.status == AttemptStatus.GRADED
    assert not attempt.passed
    progress = ModuleProgress.objects.get(user=recruit, module=world)
    assert not progress.passed
    assert progress.passed_via == PassedVia.NOT_YET
    assert progress.test_out_score is None
    assert progress.quiz_score is None
    page = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    assert 'data-testid="pretest-skills"' in page
    assert "建议优先学习" in page
    tags = [r.question_version.data["tags"][0] for r in attempt.responses.order_by("position")]
    first_wrong, first_right = tags[1], tags[0]
    section = page[page.index('data-testid="pretest-skills"') :]
    if first_wrong != first_right:
        assert section.index(first_wrong) < section.index(first_right)
    # Not passed: no question review at all (right/wrong marks, correct answers, explanations).
    assert 'data-testid="review-1"' not in page
    assert "解析" not in page
    assert "correct answer" not in page
    assert attempt.responses.count() == 10


def test_pretest_key_stays_hidden_until_the_module_is_passed(world, recruit, recruit_client):
    from assessments.selectors import answers_revealed

    enrol(recruit, "open")
    attempt = take_pretest(recruit_client, world, right=0)
    assert answers_revealed(attempt=attempt) is False
    final = attempt_start(user=recruit, quiz=quiz_of(world))
    recruit_client.post(reverse("attempt_submit", args=[final.pk]), answers(final, right=10))
    final.refresh_from_db()
    assert final.passed
    progress = ModuleProgress.objects.get(user=recruit, module=world)
    assert progress.passed_via == PassedVia.STUDY
    assert answers_revealed(attempt=attempt) is True


def test_final_quiz_avoids_pretest_questions_when_the_bank_allows(tmp_path, recruit, recruit_client):
    import_content(
        tmp_path,
        {"roomy": module_source(slug="roomy", bank=6, draw=3, pretest=3, wait=0)},
        {"t": track_source(slug="t", modules=["roomy"], no_test_out=[], certify=False)},
    )
    module = Module.objects.get(slug="roomy")
    enrol(recruit, "t")
    pretest = take_pretest(recruit_client, module, right=0)
    seen = set(pretest.responses.values_list("question_version__question_id", flat=True))
    assert len(seen) == 3
    for _ in range(3):  # every attempt: 6 in the bank, 3 seen in the pre-test, draw 3 → only the others
        final = attempt_start(user=recruit, quiz=quiz_of(module))
        served = set(final.responses.values_list("question_version__question_id", flat=True))
        assert len(served) == 3
        assert not served & seen
        recruit_client.post(reverse("attempt_submit", args=[final.pk]), answers(final, right=0))


def test_final_quiz_repeats_only_as_many_pretest_questions_as_the_small_bank_needs(
    tmp_path, recruit, recruit_client
):
    import_content(
        tmp_path,
        {"small": module_source(slug="small", bank=4, draw=3, pretest=3, wait=0)},
        {"t": track_source(slug="t", modules=["small"], no_test_out=[], certify=False)},
    )
    module = Module.objects.get(slug="small")
    enrol(recruit, "t")
    pretest = take_pretest(recruit_client, module, right=0)
    seen = set(pretest.responses.values_list("question_version__question_id", flat=True))
    final = attempt_start(user=recruit, quiz=quiz_of(module))
    served = set(final.responses.values_list("question_version__question_id", flat=True))
    assert len(served) == 3
    assert len(served & seen) == 2  # the one unseen question, topped up with two of the pre-test's


def test_forbidding_track_offers_no_pretest(world, recruit, recruit_client):
    enrol(recruit, "strict")
    page = recruit_client.get(reverse("quiz_detail", args=[world.slug, "testout-quiz"])).content.decode()
    assert 'data-testid="pretest"' not in page
    response = recruit_client.post(reverse("pretest_start", args=[world.slug, "testout-quiz"]), follow=True)
    assert "no test-out" in response.content.decode() or "免修" in response.content.decode()
    assert not Attempt.objects.filter(user=recruit).exists()


def test_tested_out_pass_does_not_count_toward_a_track_that_forbids_it(world, recruit, recruit_client):
    enrol(recruit, "open")
    enrol(recruit, "strict")  # enrolled on both: the open track offers the pre-test
    take_pretest(recruit_client, world, right=10)
    assert ModuleProgress.objects.get(user=recruit, module=world).tested_out
    certified = set(Certificate.objects.filter(user=recruit).values_list("course__slug", flat=True))
    assert "open" in certified
    assert "strict" not in certified
    snapshot = Certificate.objects.get(user=recruit, course__slug="open").scores["modules"]["testout"]
    assert snapshot["tested_out"] is True


@pytest.mark.parametrize("case", ["not enrolled", "locked", "second", "after the quiz"])
def test_refused_pretests_change_nothing(world, recruit, recruit_client, case):
    module = world
    if case == "locked":
        enrol(recruit, "strict")
        module = Module.objects.get(slug="later")  # needs testout passed first
    elif case != "not enrolled":
        enrol(recruit, "open")
    if case == "second":
        take_pretest(recruit_client, world, right=0)
    if case == "after the quiz":
        attempt_start(user=recruit, quiz=quiz_of(world))
    before = list(Attempt.objects.filter(user=recruit).values_list("pk", "status"))
    url = reverse("pretest_start", args=[module.slug, f"{module.slug}-quiz"])
    response = recruit_client.post(url)
    assert response.status_code == 302
    assert response.url == reverse("quiz_detail", args=[module.slug, f"{module.slug}-quiz"])
    page = recruit_client.get(response.url).content.decode()
    assert 'class="messages' in page or 'role="alert"' in page or "error" in page
    assert list(Attempt.objects.filter(user=recruit).values_list("pk", "status")) == before
    with pytest.raises(AttemptError):
        pretest_start(user=recruit, quiz=quiz_of(module))


def test_replayed_pretest_start_and_submit_change_nothing(world, recruit, recruit_client):
    enrol(recruit, "open")
    url = reverse("pretest_start", args=[world.slug, "testout-quiz"])
    first = recruit_client.post(url)
    again = recruit_client.post(url)
    assert first.url == again.url  # the open pre-test is resumed, not doubled
    attempt = Attempt.objects.get(user=recruit, purpose=AttemptPurpose.PRETEST)
    body = answers(attempt, right=0)
    recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), body)
    attempt.refresh_from_db()
    graded = (attempt.status, attempt.percent, attempt.graded_at)
    replay = recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), answers(attempt, right=10))
    assert replay.status_code == 302
    attempt.refresh_from_db()
    assert (attempt.status, attempt.percent, attempt.graded_at) == graded
    assert not ModuleProgress.objects.get(user=recruit, module=world).passed


def test_one_pretest_per_quiz_version_is_a_database_constraint(world, recruit):
    quiz = quiz_of(world)
    Attempt.objects.create(user=recruit, quiz=quiz, module=world, purpose="pretest", number=0, seed=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(user=recruit, quiz=quiz, module=world, purpose="pretest", number=0, seed=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(user=recruit, quiz=quiz, module=world, purpose="pretest", number=1, seed=3)


def test_other_users_pretest_is_404(world, recruit, other_recruit, client):
    enrol(recruit, "open")
    attempt = pretest_start(user=recruit, quiz=quiz_of(world))
    client.force_login(other_recruit)
    assert client.get(reverse("attempt_detail", args=[attempt.pk])).status_code == 404
    assert client.post(reverse("attempt_submit", args=[attempt.pk]), {}).status_code == 404


@pytest.mark.services
@pytest.mark.worker
def test_pretest_is_graded_by_the_worker_process_and_tests_out(
    celery_worker_process, tmp_path, recruit, client
):
    from tests.conftest import wait_for

    import_content(
        tmp_path,
        {"testout": module_source()},
        {"open": track_source(slug="open", modules=["testout"], no_test_out=[])},
    )
    module = Module.objects.get(slug="testout")
    enrol(recruit, "open")
    client.force_login(recruit)
    response = client.post(reverse("pretest_start", args=[module.slug, "testout-quiz"]))
    attempt = Attempt.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    client.post(reverse("attempt_submit", args=[attempt.pk]), answers(attempt, right=7))
    # Not graded in this process: the worker does it.
    assert Attempt.objects.get(pk=attempt.pk).status == AttemptStatus.SUBMITTED
    graded = wait_for(
        lambda: Attempt.objects.filter(pk=attempt.pk, status=AttemptStatus.GRADED).first(), timeout=60
    )
    assert (graded.percent, graded.passed) == (70, True)
    progress = ModuleProgress.objects.get(user=recruit, module=module)
    assert progress.tested_out
    assert progress.test_out_score == 70
    page = client.get(reverse("attempt_status", args=[attempt.pk])).content.decode()
    assert 'data-testid="tested-out"' in page


def test_managers_and_the_certificate_show_tested_out_apart_from_passed(
    world, recruit, recruit_client, client
):
    from accounts.models import Role
    from courses.manager_services import cohort_join
    from courses.models import Cohort

    enrol(recruit, "open")
    take_pretest(recruit_client, world, right=10)
    manager = type(recruit).objects.create_user(
        username="mgr", email="mgr@example.com", password="x" * 12, role=Role.MANAGER
    )
    cohort = Cohort.objects.create(
        name="一期", course=Course.objects.get(slug="open"), start_date=date(2026, 1, 5)
    )
    cohort.managers.add(manager)
    cohort_join(cohort=cohort, user=recruit)
    client.force_login(manager)
    detail = client.get(reverse("manager_recruit", args=[cohort.pk, recruit.pk])).content.decode()
    assert 'data-testid="tested-out"' in detail
    dashboard = client.get(reverse("manager_cohort", args=[cohort.pk])).content.decode()
    assert "flag-testout" in dashboard
    export = client.post(
        reverse("manager_export", args=[cohort.pk]), {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    tested_out_column = next(i for i, h in enumerate(rows[0]) if h.endswith(": tested out (1 = yes)"))
    assert rows[1][tested_out_column] == "1"
    assert rows[1][tested_out_column - 1] == "1"  # passed, too
    certificate = Certificate.objects.get(user=recruit, course__slug="open")
    client.force_login(recruit)  # recruit_client is the same client, signed in as the manager above
    page = client.get(reverse("certificate_detail", args=[certificate.code])).content.decode()
    assert 'data-testid="tested-out"' in page


def test_item_analysis_leaves_pretests_out_and_progress_page_says_tested_out(world, recruit, recruit_client):
    from assessments.analysis import statistics_compute

    enrol(recruit, "open")
    take_pretest(recruit_client, world, right=10)
    assert statistics_compute(module_id=world.pk, key="testout-quiz").attempts_count == 0
    final = attempt_start(user=recruit, quiz=quiz_of(world))
    recruit_client.post(reverse("attempt_submit", args=[final.pk]), answers(final, right=4))
    stats = statistics_compute(module_id=world.pk, key="testout-quiz")
    assert (stats.attempts_count, stats.responses_count) == (1, 10)
    # The failed quiz does not take the test-out away; the recruit's pages say how the module was passed.
    assert ModuleProgress.objects.get(user=recruit, module=world).tested_out
    page = recruit_client.get(reverse("progress")).content.decode()
    assert "免修通过" in page


def test_quiz_page_with_a_pretest_runs_a_fixed_number_of_queries(tmp_path, recruit, recruit_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import_content(
        tmp_path,
        {"roomy": module_source(slug="roomy", bank=6, draw=3, pretest=3, wait=0)},
        {"t": track_source(slug="t", modules=["roomy"], no_test_out=[], certify=False)},
    )
    module = Module.objects.get(slug="roomy")
    enrol(recruit, "t")
    url = reverse("quiz_detail", args=[module.slug, "roomy-quiz"])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert recruit_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    offered = count()
    # The quiz page's 7, + the offer, my pre-test, the module and its version for the lock, my tracks, my
    # attempts and my progress.
    assert offered == 14
    take_pretest(recruit_client, module, right=0)
    counts = []
    for _ in range(2):
        final = attempt_start(user=recruit, quiz=quiz_of(module))
        recruit_client.post(reverse("attempt_submit", args=[final.pk]), answers(final, right=0))
        counts.append(count())
    assert counts[0] == counts[1] <= offered  # more history, same queries
