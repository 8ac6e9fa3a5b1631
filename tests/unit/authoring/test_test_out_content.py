"""The test-out keys in content: a quiz's `pretest:` and a track's `no_test_out:`, parsed and validated with
the file and line of the key."""

from __future__ import annotations

from pathlib import Path

from courses.authoring.loader import load_tree

MODULE = """---
slug: m
title: 模块
skill_area: growth
level: junior
---

# 第一课 {{#one}}

正文。

::: quiz m-quiz
draw: {draw}
pretest: {pretest}

{questions}
:::
"""

QUESTION = """::: question q{n}
tags: 拉新

第 {n} 题？

- [x] 甲 {n}
  > 对。
- [ ] 乙 {n}
  > 不对。
:::
"""

COURSE = """---
slug: t
title: 路径
level: junior
modules:
  - slug: m
no_test_out: {names}
---
说明。
"""


def tree(tmp_path: Path, *, bank: int = 4, draw: int = 2, pretest: str = "2", names: str = "[m]"):
    (tmp_path / "modules").mkdir()
    (tmp_path / "courses").mkdir()
    questions = "\n".join(QUESTION.format(n=n) for n in range(1, bank + 1))
    (tmp_path / "modules" / "m.md").write_text(
        MODULE.format(draw=draw, pretest=pretest, questions=questions), encoding="utf-8"
    )
    (tmp_path / "courses" / "t.md").write_text(COURSE.format(names=names), encoding="utf-8")
    return load_tree(tmp_path)


def texts(messages) -> list[tuple[str, int, str]]:
    return [(m.path, m.line, m.text) for m in messages]


def test_pretest_and_no_test_out_are_parsed(tmp_path) -> None:
    result = tree(tmp_path)
    assert not result.errors, result.errors
    assert result.modules[0].quizzes[0].pretest == 2
    assert result.courses[0].no_test_out == ["m"]
    assert not [m for m in result.warnings if "pretest" in m.text]


def test_a_pretest_bigger_than_the_bank_is_an_error_at_its_line(tmp_path) -> None:
    result = tree(tmp_path, pretest="5")
    assert ("modules/m.md", 14, "pretest: 5 but quiz 'm-quiz' has only 4 questions") in texts(result.errors)


def test_a_pretest_that_is_not_a_number_is_an_error(tmp_path) -> None:
    result = tree(tmp_path, pretest="some")
    assert any(m.line == 14 and "pretest" in m.text for m in result.errors), texts(result.errors)


def test_a_bank_too_small_for_pretest_and_draw_is_a_warning(tmp_path) -> None:
    result = tree(tmp_path, bank=4, draw=3, pretest="2")
    assert not result.errors
    warned = [m for m in result.warnings if "pretest (2) and draw (3) need 5 questions" in m.text]
    assert [(m.path, m.line) for m in warned] == [("modules/m.md", 14)]


def test_no_test_out_must_name_the_tracks_modules(tmp_path) -> None:
    result = tree(tmp_path, names="[m, nowhere]")
    assert ("courses/t.md", 7, "no_test_out module 'nowhere' is not one of the course's modules") in texts(
        result.errors
    )
