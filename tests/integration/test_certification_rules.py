"""Certification-grade rules at run time: the importer stores the enforced drill policy, drills are capped
and spaced like quizzes, answers stay hidden between retries, draws avoid the previous attempt's questions,
and the start pages state all of it before the recruit begins."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Attempt, AttemptStatus, Drill, Quiz
from assessments.services import attempt_start
from courses.authoring.loader import load_tree
from courses.models import Module
from courses.services import content_import
from tests.conftest import FIXTURE_DRILLS
from tests.integration.test_drills import choose, start

pytestmark = pytest.mark.django_db(transaction=True)

TRACK = """---
slug: cert-track
title: 认证路径
level: junior
modules:
  - slug: drills-demo
    required: true
certification:
  modules: [drills-demo]
  drills: [drills-demo/angry-member, drills-demo/apology]
  pass_mark: 70
  validity_months: 24
---
说明。
"""
DRILL_PAGE = 6  # whatever the number of attempts
DRILL_REVIEW = 5
BEST_CHOICE = "在群里回应，并私信了解情况"


@pytest.fixture
def cert_module(tmp_path: Path) -> Module:
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_DRILLS, root)
    path = root / "modules" / "drills-demo.md"
    text = path.read_text(encoding="utf-8")
    for drill in ("angry-member", "apology"):
        header = f"::: drill {drill}\n"
        assert header in text
        text = text.replace(header, f"{header}attempts: 2\nwait_minutes: 60\n")
    path.write_text(text, encoding="utf-8")
    (root / "courses").mkdir()
    (root / "courses" / "cert-track.md").write_text(TRACK, encoding="utf-8")
    tree = load_tree(root)
    assert not tree.errors, tree.errors
    content_import(tree=tree)
    return Module.objects.get(slug="drills-demo")


def drill(module: Module, key: str) -> Drill:
    return Drill.objects.get(version=module.current_version, key=key)


def test_the_importer_stores_the_enforced_drill_policy(cert_module):
    scenario, written, data = (drill(cert_module, k) for k in ("angry-member", "apology", "community-report"))
    assert scenario.settings["attempts_allowed"] == 2
    assert scenario.settings["wait_minutes"] == 60
    assert scenario.settings["show_answers"] == "after_last_attempt"
    assert written.data["review"] == "always"  # the file says auto; a trainer reads every response
    assert data.settings["show_answers"] == "after_grading"  # not required by the track
    assert not data.settings["certification"]


def test_a_drill_outside_a_track_keeps_its_own_review_and_shows_answers(drill_module):
    written = drill(drill_module, "apology")
    assert written.data["review"] == "auto"
    assert written.settings["show_answers"] == "after_grading"


def play_bad_path(client, module) -> Attempt:
    attempt = start(client, module, "angry-member")
    choose(client, attempt, 1)  # the bad ending: graded, not passed
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED
    assert not attempt.passed
    return attempt


def test_drill_attempts_are_capped_spaced_and_answers_wait_for_the_last(recruit_client, cert_module):
    url = reverse("drill_detail", args=[cert_module.slug, "angry-member"])
    first = play_bad_path(recruit_client, cert_module)
    review = recruit_client.get(reverse("attempt_detail", args=[first.pk]), HTTP_ACCEPT_LANGUAGE="en")
    html = review.content.decode()
    assert "移出会让其他成员觉得你们在掩盖问题。" in html  # feedback on the recruit's own turn
    assert BEST_CHOICE not in html  # but not the key, with an attempt left
    assert 'data-testid="answers-hidden"' in html

    page = recruit_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Please wait 60 minutes between attempts." in page
    assert recruit_client.post(url).status_code == 302
    assert Attempt.objects.filter(drill__key="angry-member").count() == 1

    Attempt.objects.filter(pk=first.pk).update(submitted_at=timezone.now() - timedelta(minutes=61))
    second = play_bad_path(recruit_client, cert_module)
    assert second.number == 2
    html = recruit_client.get(reverse("attempt_detail", args=[second.pk])).content.decode()
    assert BEST_CHOICE in html  # no attempt left: the key is shown
    assert BEST_CHOICE in recruit_client.get(reverse("attempt_detail", args=[first.pk])).content.decode()

    Attempt.objects.filter(pk=second.pk).update(submitted_at=timezone.now() - timedelta(minutes=61))
    page = recruit_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You have used all 2 attempts allowed." in page
    recruit_client.post(url)
    assert Attempt.objects.filter(drill__key="angry-member").count() == 2


def test_passing_a_required_drill_shows_its_answers(recruit_client, cert_module):
    attempt = start(recruit_client, cert_module, "angry-member")
    choose(recruit_client, attempt, 0)
    choose(recruit_client, attempt, 0)
    attempt.refresh_from_db()
    assert attempt.passed
    html = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    assert "The best path" in html or "最佳路径" in html


def rules_of(html: str) -> str:
    start_at = html.index('data-testid="attempt-rules"')
    return html[start_at : html.index("</section>", start_at)]


def test_the_drill_start_page_lists_the_rules(recruit_client, cert_module):
    url = reverse("drill_detail", args=[cert_module.slug, "angry-member"])
    rules = rules_of(recruit_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "Attempts: 0 of 2 used" in rules
    assert "2 attempts left" in rules
    assert "wait 60 minutes before the next one" in rules
    assert "after your last attempt, or once you pass, never between retries" in rules
    rules = rules_of(recruit_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode())
    assert "还剩 2 次" in rules
    assert "需等待 60 分钟" in rules


def test_the_quiz_start_page_lists_the_rules_and_the_bank(recruit_client, imported):
    quiz = Quiz.objects.get(version=imported.current_version, key="basics-quiz")
    pool = quiz.pool.count()
    quiz.settings = {
        **quiz.settings,
        "draw": 1,
        "attempts_allowed": 3,
        "wait_minutes": 60,
        "show_answers": "after_passing",
    }
    quiz.save(update_fields=["settings"])
    url = reverse("quiz_detail", args=[imported.slug, "basics-quiz"])
    rules = rules_of(recruit_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "3 attempts left" in rules
    assert "wait 60 minutes" in rules
    assert "shown once you pass, never between retries" in rules
    assert f"Each attempt draws 1 questions from a bank of {pool}" in rules
    quiz.settings = {**quiz.settings, "draw": 0, "attempts_allowed": 0, "wait_minutes": 0}
    quiz.save(update_fields=["settings"])
    rules = rules_of(recruit_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "Unlimited attempts." in rules
    assert f"Every attempt has the same {pool} questions." in rules
    assert "wait" not in rules


def test_a_new_attempt_avoids_the_previous_attempts_questions(recruit, imported):
    quiz = Quiz.objects.get(version=imported.current_version, key="basics-quiz")
    pool = quiz.pool.count()
    assert pool >= 2
    quiz.settings = {**quiz.settings, "draw": pool // 2, "shuffle_questions": True}
    quiz.save(update_fields=["settings"])
    previous: set[int] = set()
    for _ in range(6):
        attempt = attempt_start(user=recruit, quiz=quiz)
        served = set(attempt.responses.values_list("question_version__question_id", flat=True))
        assert len(served) == pool // 2
        assert not served & previous
        previous = served
        Attempt.objects.filter(pk=attempt.pk).update(status=AttemptStatus.GRADED)


def test_drill_start_and_review_query_counts_are_pinned(
    recruit_client, cert_module, django_assert_num_queries
):
    url = reverse("drill_detail", args=[cert_module.slug, "angry-member"])
    first = play_bad_path(recruit_client, cert_module)
    # The start page: session, user, module, drill, the attempts, the recertification cycle.
    with django_assert_num_queries(DRILL_PAGE):
        assert recruit_client.get(url).status_code == 200
    # The review: session, user, the attempt, then the reveal rule (any pass? attempts used).
    with django_assert_num_queries(DRILL_REVIEW):
        assert recruit_client.get(reverse("attempt_detail", args=[first.pk])).status_code == 200
    Attempt.objects.filter(pk=first.pk).update(submitted_at=timezone.now() - timedelta(minutes=61))
    play_bad_path(recruit_client, cert_module)
    with django_assert_num_queries(DRILL_PAGE):
        assert recruit_client.get(url).status_code == 200
    with django_assert_num_queries(DRILL_REVIEW):
        assert recruit_client.get(reverse("attempt_detail", args=[first.pk])).status_code == 200


def test_the_site_editor_holds_a_module_to_the_published_tracks_rules(imported):
    from courses.author_selectors import draft_check
    from courses.models import Course
    from tests.conftest import FIXTURE_CONTENT

    source = (FIXTURE_CONTENT / "modules" / "demo-basics.md").read_text(encoding="utf-8")
    assert draft_check(source=source, slug="demo-basics", others=[]).errors == []
    Course.objects.create(
        slug="cert-track",
        title="认证路径",
        level="junior",
        certification={"modules": ["demo-basics"], "drills": [], "pass_mark": 70, "validity_months": 24},
    )
    errors = [m.text for m in draft_check(source=source, slug="demo-basics", others=[]).errors]
    assert any("required by a certification track" in e and "attempts must be" in e for e in errors), errors


def test_publishing_one_module_under_a_published_track_stores_the_drill_policy(drill_module):
    """A module published on its own (the site editor) takes the published tracks' requirements."""
    from courses.models import Course

    Course.objects.create(
        slug="cert-track",
        title="认证路径",
        level="junior",
        certification={"modules": [], "drills": ["drills-demo/apology"], "pass_mark": 70},
    )
    tree = load_tree(FIXTURE_DRILLS)
    spec = tree.modules[0]
    for d in spec.drills:
        if d.id == "apology":
            d.options.update(attempts="2", wait_minutes="60")
    spec.source_hash = "0" * 64  # a new version
    content_import(tree=type(tree)(modules=[spec]), protect_site_versions=False)
    module = Module.objects.get(slug="drills-demo")
    written = drill(module, "apology")
    assert (written.data["review"], written.settings["show_answers"]) == ("always", "after_last_attempt")
    assert written.settings["wait_minutes"] == 60
    assert drill(module, "apology-reviewed").settings["show_answers"] == "after_grading"
