"""Tracks and modules are listed by level (初级 → 中级 → 高级 → 经理); a locked module, quiz or drill says
which module to pass first, with a link, before anyone clicks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from courses.authoring.loader import load_tree
from courses.models import Course, Level, Module
from courses.services import content_import

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LEVELS = list(Level.values)


@pytest.fixture
def curriculum():
    tree = load_tree(ROOT / "content")
    assert not tree.errors, tree.errors
    content_import(tree=tree)


def test_tracks_are_listed_by_level_not_by_name(curriculum, recruit_client):
    html = recruit_client.get(reverse("course_list")).content.decode()
    slugs = re.findall(r'data-testid="track-([\w-]+)"', html)
    levels = [Course.objects.get(slug=s).level for s in slugs]
    assert len(set(levels)) == 4
    assert levels == sorted(levels, key=LEVELS.index)
    assert levels[0] == Level.JUNIOR
    assert levels[-1] == Level.MANAGER


def test_the_catalogue_lists_modules_by_level_and_shows_their_locks(curriculum, recruit_client):
    html = recruit_client.get(reverse("catalogue"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    cards = re.findall(r'<article class="card( locked)?" data-testid="module-([\w-]+)">', html)
    levels = [Module.objects.get(slug=slug).level for _locked, slug in cards]
    assert levels == sorted(levels, key=LEVELS.index)
    locked = {slug for flag, slug in cards if flag}
    assert "fundamentals" not in locked
    assert {"management", "team-leadership"} <= locked
    card = html[html.index('data-testid="module-management"') :]
    card = card[: card.index("</article>")]
    assert "Pass first:" in card
    assert f'href="{reverse("module_detail", args=["fundamentals"])}"' in card


def test_a_locked_modules_quiz_and_drills_say_why_before_a_click(curriculum, recruit_client):
    html = recruit_client.get(
        reverse("module_detail", args=["management"]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    link = f'href="{reverse("module_detail", args=["fundamentals"])}"'
    quiz_locks = re.findall(r'data-testid="locked-quiz-[\w-]+">(.*?)</p>', html, re.S)
    drill_locks = re.findall(r'data-testid="locked-drill-[\w-]+">(.*?)</p>', html, re.S)
    assert quiz_locks
    assert drill_locks
    for lock in quiz_locks + drill_locks:
        assert "Pass first:" in lock
        assert link in lock


def test_an_open_module_shows_no_lock(curriculum, recruit_client):
    html = recruit_client.get(reverse("module_detail", args=["fundamentals"])).content.decode()
    assert 'data-testid="locked' not in html


def test_the_tracks_page_links_the_prerequisite_of_a_locked_step(curriculum, recruit_client):
    junior = Course.objects.get(level=Level.JUNIOR)
    html = recruit_client.get(reverse("course_detail", args=[junior.slug])).content.decode()
    step = html[html.index('data-testid="step-management"') :]
    step = step[: step.index("</li>")]
    assert f'href="{reverse("module_detail", args=["fundamentals"])}"' in step
