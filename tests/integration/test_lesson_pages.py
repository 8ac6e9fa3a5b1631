"""Lesson pages: previous / next links and the module's contents; lesson progress shown as read/total."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _contents(html: str) -> str:
    match = re.search(r'<nav class="lesson-contents[^"]*"[^>]*>(.*?)</nav>', html, re.DOTALL)
    assert match, "the lesson page has no contents list"
    return match.group(1)


def test_the_first_lesson_lists_the_module_and_links_the_next(recruit_client, imported):
    html = recruit_client.get(reverse("lesson_detail", args=[imported.slug, "what-is-a-community"])).content
    html = html.decode()
    contents = _contents(html)
    first, second = re.findall(r"<li[^>]*>.*?</li>", contents, re.DOTALL)
    assert 'aria-current="page"' in first
    assert "什么是社群" in first
    assert 'aria-current="page"' not in second
    assert reverse("lesson_detail", args=[imported.slug, "metrics"]) in second
    next_link = re.search(r'<a[^>]*rel="next"[^>]*>', html)
    assert next_link
    assert reverse("lesson_detail", args=[imported.slug, "metrics"]) in next_link.group(0)
    assert 'rel="prev"' not in html


def test_the_last_lesson_links_the_previous_and_marks_itself(recruit_client, imported):
    html = recruit_client.get(reverse("lesson_detail", args=[imported.slug, "metrics"])).content.decode()
    first, second = re.findall(r"<li[^>]*>.*?</li>", _contents(html), re.DOTALL)
    assert 'aria-current="page"' in second
    assert 'aria-current="page"' not in first
    prev_link = re.search(r'<a[^>]*rel="prev"[^>]*>', html)
    assert prev_link
    assert reverse("lesson_detail", args=[imported.slug, "what-is-a-community"]) in prev_link.group(0)
    assert 'rel="next"' not in html


def test_progress_shows_lessons_read_of_total_before_any_reading(recruit_client, imported):
    html = recruit_client.get(reverse("progress")).content.decode()
    link = re.escape(reverse("module_detail", args=[imported.slug]))
    row = re.search(rf'<td><a href="{link}">[^<]*</a></td>\s*<td>([^<]*)</td>', html)
    assert row
    assert row.group(1) == "0/2"


@pytest.mark.parametrize("name", ["catalogue", "module_detail"])
def test_catalogue_and_module_page_show_read_of_total_before_any_reading(recruit_client, imported, name):
    args = [imported.slug] if name == "module_detail" else []
    html = recruit_client.get(reverse(name, args=args)).content.decode()
    assert "已读 0 / 2 课" in html
