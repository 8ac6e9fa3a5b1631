"""Nothing in an open attempt's page orders the key (#13 section 0).

A script that reads only the HTML of many attempts tries every way of picking a value (lowest, highest,
first or last on the page, shortest, longest, alphabetically first); none does better than chance. The
fixture is written the way the shipped banks leaked: the key is always the first authored choice(s).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.urls import reverse

from assessments.masking import token_for
from assessments.models import Attempt, AttemptStatus
from courses.authoring.loader import load_tree
from courses.models import Module
from courses.services import content_import

pytestmark = pytest.mark.django_db(transaction=True)

ATTEMPTS = 60
OPTIONS = ["甲方案：先发欢迎语", "乙方案：私信", "丙方案：什么都不做，等成员自己开口", "丁"]


def _question(n: int, kind: str) -> str:
    keys = 1 if kind == "single" else 2
    lines = [f"::: question k-{kind}-{n}", f"type: {kind}", "points: 1", "", f"第 {n} 题：哪个做法更好？", ""]
    lines += [f"- [{'x' if i < keys else ' '}] {text}{n}" for i, text in enumerate(OPTIONS)]
    return "\n".join([*lines, ":::", ""])


MODULE = """---
slug: keyed-first
title: 键在第一位的测验
summary: 每道题的正确答案都写在第一位。
skill_area: fundamentals
level: junior
estimated_minutes: 5
pass_mark: 60
prerequisites: []
---

# 一课 {#only}

正文。

::: quiz first-keyed
title: 第一位是答案
draw: 0
shuffle: choices
attempts: 0
show_answers: after_last_attempt

%s
:::
"""


@pytest.fixture
def keyed_first(tmp_path: Path) -> Module:
    root = tmp_path / "content"
    (root / "modules").mkdir(parents=True)
    body = "".join(_question(n, "single") for n in range(1, 5)) + "".join(
        _question(n, "multiple") for n in range(1, 3)
    )
    (root / "modules" / "keyed-first.md").write_text(MODULE % body, encoding="utf-8")
    tree = load_tree(root)
    assert not tree.errors, tree.errors
    content_import(tree=tree)
    return Module.objects.get(slug="keyed-first")


FIELD = re.compile(r'<input type="(?:radio|checkbox)" name="q(\d+)" value="([^"]*)"')

STRATEGIES: dict[str, Callable[[list[str]], list[str]]] = {
    "lowest value": sorted,
    "highest value": lambda values: sorted(values, reverse=True),
    "first in page order": list,
    "last in page order": lambda values: values[::-1],
    "shortest value": lambda values: sorted(values, key=len),
    "longest value": lambda values: sorted(values, key=len, reverse=True),
    "alphabetical first": lambda values: sorted(values, key=str.lower),
}


def upper_tail(chances: list[float], hits: int) -> float:
    """P(at least ``hits`` successes) of independent trials with these chances (Poisson binomial)."""
    dist = [1.0]
    for p in chances:
        dist = [
            (dist[k] if k < len(dist) else 0) * (1 - p) + (dist[k - 1] * p if k else 0)
            for k in range(len(dist) + 1)
        ]
    return sum(dist[hits:])


def test_no_strategy_that_reads_only_the_page_beats_chance(recruit_client, keyed_first):
    url = reverse("quiz_detail", args=[keyed_first.slug, "first-keyed"])
    hits = dict.fromkeys(STRATEGIES, 0)
    chances: list[float] = []
    for _ in range(ATTEMPTS):
        start = recruit_client.post(url)
        assert start.status_code == 302
        attempt = Attempt.objects.get(pk=int(start.url.rstrip("/").split("/")[-1]))
        html = recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
        page: dict[int, list[str]] = {}
        for position, value in FIELD.findall(html):
            page.setdefault(int(position), []).append(value)
        responses = {r.position: r for r in attempt.responses.select_related("question_version")}
        assert set(page) == set(responses)
        for position, values in page.items():
            response = responses[position]
            choices = response.question_version.data["choices"]
            key = {token_for(response, c["id"]) for c in choices if c["correct"]}
            assert not {c["id"] for c in choices} & set(values), "an authored id is in the page"
            assert len({len(v) for v in values}) == 1, "values differ in length"
            # Generous to the script: it knows how many options are keys.
            chances.append(1 / math.comb(len(values), len(key)))
            for name, strategy in STRATEGIES.items():
                hits[name] += set(strategy(values)[: len(key)]) == key
        # Close the attempt without grading, so the next start draws a new one.
        Attempt.objects.filter(pk=attempt.pk).update(status=AttemptStatus.GRADED)
    expected = sum(chances)
    for name, count in hits.items():
        # One in a million: a strategy this lucky by chance would make the test flaky once in 10^6 runs.
        assert upper_tail(chances, count) > 1e-6, (name, count, expected)
    # The same check does catch a leak: the authored order (the key first) would be found every time.
    assert upper_tail(chances, len(chances)) < 1e-6


def authored_post(attempt: Attempt) -> dict[str, object]:
    post: dict[str, object] = {}
    for r in attempt.responses.select_related("question_version"):
        right = [c["id"] for c in r.question_version.data["choices"] if c["correct"]]
        post[f"q{r.position}"] = right if r.question_version.data["type"] == "multiple" else right[0]
    return post


def test_a_new_attempt_refuses_authored_ids_posted_blind(recruit_client, keyed_first):
    start = recruit_client.post(reverse("quiz_detail", args=[keyed_first.slug, "first-keyed"]))
    attempt = Attempt.objects.get(pk=int(start.url.rstrip("/").split("/")[-1]))
    response = recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), authored_post(attempt))
    assert response.status_code == 400
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert not attempt.responses.filter(answer__isnull=False).exists()


def test_an_attempt_started_before_tokens_still_takes_what_its_page_posted(recruit_client, keyed_first):
    start = recruit_client.post(reverse("quiz_detail", args=[keyed_first.slug, "first-keyed"]))
    attempt = Attempt.objects.get(pk=int(start.url.rstrip("/").split("/")[-1]))
    Attempt.objects.filter(pk=attempt.pk).update(state={})  # as served before this change
    response = recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), authored_post(attempt))
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert (attempt.status, attempt.percent) == (AttemptStatus.GRADED, 100)
