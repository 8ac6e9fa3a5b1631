"""check_content prints item-quality findings in the chosen language and fails only on errors."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.unit.authoring.test_lint import SOURCE

COURSE = """---
slug: cert-track
title: 认证
level: junior
modules:
  - lint-demo
certification:
  modules: [lint-demo]
  pass_mark: 70
---
"""


def run(root, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("check_content", "--root", str(root), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def content(tmp_path):
    (tmp_path / "modules").mkdir()
    (tmp_path / "modules" / "lint-demo.md").write_text(SOURCE, encoding="utf-8")
    return tmp_path


def test_findings_are_warnings_in_the_chosen_language_and_do_not_fail(content):
    out, err = run(content, "--lang", "en")
    assert "modules/lint-demo.md:15: warning: key-longest: question 'q1'" in out
    assert "guessable: quiz 'q' is passed without knowing the answers by: longest 100%" in out
    assert "0 errors" in err
    out, _err = run(content, "--lang", "zh-hans")
    assert "key-longest: 题目“q1”：正确答案明显是最长的选项" in out


def test_a_certification_quiz_that_gives_its_key_away_fails_the_check(content):
    (content / "courses").mkdir()
    (content / "courses" / "cert.md").write_text(COURSE, encoding="utf-8")
    out = StringIO()
    with pytest.raises(CommandError, match="errors"):
        call_command("check_content", "--root", str(content), "--lang", "en", stdout=out, stderr=StringIO())
    assert "modules/lint-demo.md:15: error: key-longest:" in out.getvalue()
    assert "modules/lint-demo.md:12: error: guessable:" in out.getvalue()


def test_structural_messages_follow_the_chosen_language_too(tmp_path):
    """A validator message (not only the item-quality findings) is printed in the language asked for."""
    (tmp_path / "modules").mkdir()
    broken = SOURCE.replace("level: junior\n", "level: junior\npass_mark: 170\n", 1)
    assert broken != SOURCE
    (tmp_path / "modules" / "lint-demo.md").write_text(broken, encoding="utf-8")
    outputs = {}
    for lang in ("en", "zh-hans"):
        out = StringIO()
        with pytest.raises(CommandError):
            call_command(
                "check_content", "--root", str(tmp_path), "--lang", lang, stdout=out, stderr=StringIO()
            )
        outputs[lang] = [line for line in out.getvalue().splitlines() if "pass_mark" in line]
    assert outputs["en"]
    assert outputs["zh-hans"]
    assert outputs["en"] != outputs["zh-hans"]
    assert any(re.search(r"[\u4e00-\u9fff]", line.split("pass_mark", 1)[1]) for line in outputs["zh-hans"])
    assert not any(re.search(r"[\u4e00-\u9fff]", line) for line in outputs["en"])
