"""seed_demo: a short summary with the demo logins last, no emails or task logs flooding the terminal."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from django.core.management import call_command

from courses.authoring.loader import load_tree
from courses.demo import COHORT_NAME
from courses.management.commands.seed_demo import DEMO_USERS
from courses.models import Cohort
from courses.services import content_import

# Real commits: seeding grades and certifies in on-commit callbacks, which run inside the command as they do
# from a terminal.
pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def seeded(settings, capsys, caplog):
    tree = load_tree(ROOT / "content")
    assert not tree.errors, tree.errors
    content_import(tree=tree)
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    caplog.set_level(logging.INFO)
    capsys.readouterr()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue(), capsys.readouterr(), caplog.records


def test_seed_demo_prints_a_short_summary_with_the_logins_last(seeded):
    out, captured, records = seeded
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) <= 12, out
    assert COHORT_NAME in out
    cohort = Cohort.objects.get(name=COHORT_NAME)
    assert f"{cohort.members.count()} recruits" in out
    assert "attempts" in out
    assert "certificate(s)" in out
    assert [line.split()[0] for line in lines[-len(DEMO_USERS) :]] == [email for email, *_ in DEMO_USERS]
    # No console emails and no task logs while it runs.
    assert "Subject:" not in captured.out + captured.err
    assert not [r for r in records if r.levelno <= logging.INFO], [r.getMessage() for r in records][:5]


def test_the_demo_certifies_someone_and_every_demo_recruit_can_sign_in(seeded, client):
    from certificates.models import Certificate
    from courses.management.commands.seed_demo import DEMO_PASSWORD

    cohort = Cohort.objects.get(name=COHORT_NAME)
    certified = Certificate.objects.filter(user__in=cohort.members.all()).select_related("user")
    assert certified.exists()  # through the real services: written drills marked by two trainers
    for user in cohort.members.all():
        client.logout()
        response = client.post("/accounts/login/", {"login": user.email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, (user.email, response.content.decode()[:300])
        assert client.get("/").context["user"] == user


def test_the_demo_feedback_fills_the_trainers_report_once(seeded, client):
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.urls import reverse

    from evaluation.models import ModuleFeedback

    assert not ModuleFeedback.objects.exists()
    out = io.StringIO()
    call_command("seed_demo_feedback", stdout=out)
    counts = ModuleFeedback.objects.values("version_id", "module__slug").annotate(n=Count("id"))
    shown = [row for row in counts if row["n"] >= 5]
    assert shown, list(counts)  # at least one version a trainer can see
    recorded = ModuleFeedback.objects.count()
    assert f"{recorded} rating(s) recorded" in out.getvalue()
    client.force_login(get_user_model().objects.get(email="trainer@demo.local"))
    html = client.get(
        reverse("evaluation_trainer_module", args=[shown[0]["module__slug"]]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    from evaluation.management.commands.seed_demo_feedback import ANSWERS

    # Comments are shown once a version has 5 answers.
    assert any(comment and comment in html for *_ratings, comment, _name in ANSWERS)
    assert 'data-testid="not-enough"' not in html
    again = io.StringIO()
    call_command("seed_demo_feedback", stdout=again)
    assert "0 rating(s) recorded" in again.getvalue()
    assert ModuleFeedback.objects.count() == recorded


def test_the_demo_mentor_has_checklists_in_progress_once(seeded, client):
    from evaluation.mentor_services import checklists_publish
    from evaluation.models import ItemEvent, ItemStatus, RecruitChecklist

    checklists_publish(specs=load_tree(ROOT / "content").checklists)
    call_command("seed_demo_mentors", stdout=io.StringIO())
    runs = RecruitChecklist.objects.filter(mentorship__mentor__email="trainer@demo.local")
    assert runs.count() == 4
    statuses = set(runs.values_list("items__status", flat=True))
    assert {ItemStatus.SIGNED_OFF, ItemStatus.SUBMITTED, ItemStatus.SENT_BACK, ItemStatus.OPEN} <= statuses
    events = ItemEvent.objects.count()
    call_command("seed_demo_mentors", stdout=io.StringIO())
    assert ItemEvent.objects.count() == events
    client.force_login(runs.first().mentorship.mentor)
    assert client.get("/mentor/").status_code == 200
