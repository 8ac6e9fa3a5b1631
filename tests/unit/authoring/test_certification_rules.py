"""check_content refuses a quiz or drill that a track requires when its settings break the certification-grade
rules (answers only after the last attempt or passing, capped attempts, a wait, a fresh draw from a big bank),
at the line of the setting; the same content outside any track is only held to the ordinary rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from courses.authoring.certification import CertificationRequirements
from courses.authoring.loader import load_tree
from courses.authoring.validate import validate_tree

MODULE = """---
slug: cert-demo
title: 认证演示
skill_area: crisis
level: junior
---

# 第一课 {#lesson-one}

正文。
"""

QUIZ_HEADER = {
    "draw": "10",
    "shuffle": "questions, choices",
    "attempts": "3",
    "wait_minutes": "60",
    "show_answers": "after_passing",
}

DRILL_HEADER = {"attempts": "3", "wait_minutes": "60"}

SCENARIO = """::: drill cert-scenario
kind: scenario
title: 情景
{header}

简介。

::: step s1

怎么办？

- [好的做法](#end-good) {{points=3}}
- [差的做法](#end-bad) {{points=0}}
:::

::: ending end-good
outcome: good

好结局。
:::

::: ending end-bad
outcome: bad

坏结局。
:::
:::
"""

COURSE = """---
slug: cert-track
title: 认证路径
level: junior
modules:
  - slug: cert-demo
    required: true
certification:
  modules: [cert-demo]
  drills: [cert-demo/cert-scenario]
  pass_mark: 70
  validity_months: 24
---
说明。
"""


def _choices(n: int) -> list[str]:
    """Two options of one length; the key's position alternates, so the bank gives nothing away."""
    key, other = [f"- [x] 做法甲{n}", "  > 对。"], [f"- [ ] 做法乙{n}", "  > 不对。"]
    return [*key, *other] if n % 2 else [*other, *key]


def quiz(header: dict[str, str], questions: int = 30) -> str:
    lines = ["::: quiz cert-quiz", "title: 认证测验", *(f"{k}: {v}" for k, v in header.items()), ""]
    for n in range(1, questions + 1):
        lines += [
            f"::: question cq-{n}",
            "",
            f"第 {n} 题：下面哪个做法正确？",
            "",
            *_choices(n),
            "",
            "explanation: 解释。",
            ":::",
            "",
        ]
    return "\n".join([*lines, ":::", ""])


def write(root: Path, *, quiz_header=QUIZ_HEADER, drill_header=DRILL_HEADER, questions=30, course=True):
    folder = root / "modules" / "cert-demo"
    folder.mkdir(parents=True)
    (folder / "module.md").write_text(MODULE, encoding="utf-8")
    (folder / "quiz.md").write_text(quiz(quiz_header, questions), encoding="utf-8")
    header = "\n".join(f"{k}: {v}" for k, v in drill_header.items())
    (folder / "drill.md").write_text(SCENARIO.format(header=header), encoding="utf-8")
    if course:
        (root / "courses").mkdir()
        (root / "courses" / "cert-track.md").write_text(COURSE, encoding="utf-8")
    return root


def errors(root: Path) -> list[str]:
    return [str(m).removeprefix("modules/cert-demo/") for m in load_tree(root).errors]


def line_of(root: Path, file: str, key: str) -> int:
    text = (root / "modules" / "cert-demo" / file).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(text, start=1) if line.startswith(f"{key}:"))


def test_settings_that_follow_the_rules_pass(tmp_path: Path) -> None:
    assert errors(write(tmp_path)) == []


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("show_answers", "after_grading", "show_answers must be after_passing or after_last_attempt"),
        ("attempts", "0", "attempts must be between 1 and 5, not 0"),
        ("attempts", "6", "attempts must be between 1 and 5, not 6"),
        ("wait_minutes", "59", "wait_minutes must be at least 60, not 59"),
        ("draw", "0", "draw must be at least 10, not 0"),
        ("draw", "9", "draw must be at least 10, not 9"),
        ("draw", "11", "fewer than 3 × draw (33)"),
    ],
)
def test_a_required_quiz_breaking_a_rule_is_an_error_at_the_setting(tmp_path, key, value, says) -> None:
    root = write(tmp_path, quiz_header={**QUIZ_HEADER, key: value})
    found = errors(root)
    line = line_of(root, "quiz.md", key)
    assert [e for e in found if e.startswith(f"quiz.md:{line}: error:") and says in e], found
    assert len(found) == 1, found


@pytest.mark.parametrize("rule", ["after_last_attempt", "never"])
def test_other_answer_rules_that_wait_for_the_last_attempt_pass(tmp_path: Path, rule: str) -> None:
    assert errors(write(tmp_path, quiz_header={**QUIZ_HEADER, "show_answers": rule})) == []


def test_a_quiz_setting_left_out_is_reported_at_the_quiz(tmp_path: Path) -> None:
    header = {k: v for k, v in QUIZ_HEADER.items() if k != "wait_minutes"}
    found = errors(write(tmp_path, quiz_header=header))
    assert [e for e in found if e.startswith("quiz.md:1: error:") and "wait_minutes must be at least 60" in e]


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("attempts", "0", "attempts must be between 1 and 3, not 0"),
        ("attempts", "4", "attempts must be between 1 and 3, not 4"),
        ("wait_minutes", "0", "wait_minutes must be at least 60, not 0"),
    ],
)
def test_a_required_drill_breaking_a_rule_is_an_error_at_the_setting(tmp_path, key, value, says) -> None:
    root = write(tmp_path, drill_header={**DRILL_HEADER, key: value})
    found = errors(root)
    line = line_of(root, "drill.md", key)
    assert [e for e in found if e.startswith(f"drill.md:{line}: error:") and says in e], found
    assert len(found) == 1, found


def test_a_drill_without_attempts_or_wait_is_reported_at_the_drill(tmp_path: Path) -> None:
    found = errors(write(tmp_path, drill_header={}))
    assert len([e for e in found if e.startswith("drill.md:1: error: drill 'cert-scenario'")]) == 2, found


def test_the_same_content_outside_a_track_is_not_held_to_the_rules(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        quiz_header={"draw": "0", "attempts": "0", "show_answers": "after_grading"},
        drill_header={"attempts": "0"},
        course=False,
    )
    assert errors(root) == []


def test_drill_wait_minutes_must_be_a_whole_number(tmp_path: Path) -> None:
    root = write(tmp_path, drill_header={"attempts": "2", "wait_minutes": "an hour"}, course=False)
    line = line_of(root, "drill.md", "wait_minutes")
    assert errors(root) == [
        f"drill.md:{line}: error: drill 'cert-scenario': wait_minutes must be a whole number (0 or more), "
        "not 'an hour'"
    ]


def test_requirements_given_from_outside_the_tree_apply(tmp_path: Path) -> None:
    """The site editor validates one module with the published tracks' requirements."""
    tree = load_tree(write(tmp_path, quiz_header={**QUIZ_HEADER, "attempts": "0"}, course=False))
    assert tree.errors == []
    tree.messages.clear()
    validate_tree(tree, requirements=CertificationRequirements(quiz_modules=frozenset({"cert-demo"})))
    assert [m.text for m in tree.errors if "attempts must be between 1 and 5" in m.text]


WRITTEN = """::: drill cert-written
kind: written
title: 书面
min_chars: 100
max_chars: 1000
review: auto
attempts: 3
wait_minutes: 60

简介。

::: criterion apology
points: 2
levels: 没有致歉 | 致歉敷衍 | 致歉并说明退款 | 致歉、说明退款和时限
concepts: 道歉|抱歉; 退款

致歉。
:::
:::
"""


def test_a_required_written_drill_that_says_review_auto_is_warned(tmp_path: Path) -> None:
    root = write(tmp_path)
    (root / "modules" / "cert-demo" / "written.md").write_text(WRITTEN, encoding="utf-8")
    course = root / "courses" / "cert-track.md"
    course.write_text(
        COURSE.replace("[cert-demo/cert-scenario]", "[cert-demo/cert-scenario, cert-demo/cert-written]"),
        encoding="utf-8",
    )
    tree = load_tree(root)
    # the rule under test only warns; the drill's missing samples are the linter's own error
    assert [e for e in tree.errors if not e.text.startswith("written-no-samples")] == []
    line = line_of(root, "written.md", "review")
    assert [
        m for m in tree.messages if m.level == "warning" and m.line == line and "review: always" in m.text
    ], tree.messages
