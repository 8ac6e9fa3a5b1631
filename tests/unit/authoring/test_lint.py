"""The item-quality linter: each rule fires on a flawed item, stays quiet on a sound one, and is an error
only for content a certification track requires."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from courses.authoring.certification import CertificationRequirements
from courses.authoring.lint import THRESHOLDS, lint_modules, longest_by_margin, plain
from courses.authoring.loader import load_tree
from courses.authoring.parser import parse_module
from courses.authoring.specs import (
    Choice,
    Drill,
    Lesson,
    Module,
    NumericAnswer,
    Question,
    Quiz,
    ScenarioChoice,
    ScenarioStep,
)

NONE = CertificationRequirements()
STRICT = CertificationRequirements(quiz_modules=frozenset({"m"}), drills=frozenset({("m", "d")}))


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def single(qid: str, texts: list[str], key: int = 0, stem: str = "社群里出现争吵时怎么办？") -> Question:
    return Question(
        id=qid,
        type="single",
        stem=stem,
        choices=[Choice(f"c{i + 1}", t, i == key, line=10 + i) for i, t in enumerate(texts)],
        path="m.md",
        line=9,
    )


def truefalse(qid: str, true: bool) -> Question:
    return Question(
        id=qid,
        type="truefalse",
        stem="判断：群规需要公开。",
        choices=[Choice("c1", "正确", true), Choice("c2", "错误", not true)],
        path="m.md",
        line=5,
    )


def module(*, questions=(), draw=0, drills=(), lessons=()) -> Module:
    quiz = Quiz(id="q", draw=draw, questions=list(questions), path="m.md", line=3)
    return Module(
        slug="m",
        title="M",
        skill_area="crisis",
        level="junior",
        lessons=list(lessons),
        quizzes=[quiz] if questions else [],
        drills=list(drills),
        path="m.md",
    )


def rules(messages, level: str | None = None) -> list[str]:
    return [m.text.split(":", 1)[0] for m in messages if level is None or m.level == level]


def balanced_bank(n: int = 12) -> list[Question]:
    """Keys spread over positions, never the longest, no echo: a bank that gives nothing away."""
    texts = ["私聊双方了解", "公开批评双方", "等待自行平息", "双方移出群聊"]
    return [single(f"q{i}", texts, key=i % 4) for i in range(n)]


# ---------------------------------------------------------------- per question


def test_key_longest_flags_a_key_longer_by_both_margins():
    q = single("q1", ["先私聊双方了解各自的诉求，再在群里说明处理结果和群规", "公开批评", "不管", "踢人"])
    assert "key-longest" in rules(lint_modules([module(questions=[q])], NONE))


def test_key_longest_needs_both_the_ratio_and_the_characters():
    # 5 vs 4 characters: 25 % longer but only 1 character, so not flagged.
    q = single("q1", ["甲乙丙丁戊", "甲乙丙丁", "乙丙丁戊", "丙丁戊己"])
    assert "key-longest" not in rules(lint_modules([module(questions=[q])], NONE))
    assert longest_by_margin([24], [20])
    assert not longest_by_margin([23], [20])
    assert not longest_by_margin([7], [4])
    assert longest_by_margin([8], [4])


def test_lengths_ignore_markdown_emphasis_and_outer_spaces():
    assert plain("  **重要** `code` ") == "重要 code"


def test_multiple_choice_key_longest_needs_every_key_longer_than_every_distractor():
    long_keys = Question(
        id="m1",
        type="multiple",
        stem="哪些做法合适？",
        choices=[
            Choice("c1", "先私聊了解情况并记录在案", True),
            Choice("c2", "公开说明处理结果和依据", True),
            Choice("c3", "踢人", False),
            Choice("c4", "不管", False),
        ],
        path="m.md",
        line=4,
    )
    assert "key-longest" in rules(lint_modules([module(questions=[long_keys])], NONE))
    long_keys.choices[1].text = "说明"
    assert "key-longest" not in rules(lint_modules([module(questions=[long_keys])], NONE))


def test_all_or_none_of_the_above_is_flagged_at_the_choice_line():
    q = single("q1", ["私聊", "公开批评", "以上都不对", "踢人"], key=0)
    messages = [m for m in lint_modules([module(questions=[q])], NONE) if "all-none-of-above" in m.text]
    assert [m.line for m in messages] == [12]
    q = single("q2", ["Talk in private", "Ban", "All of the above", "Ignore"], key=0)
    assert "all-none-of-above" in rules(lint_modules([module(questions=[q])], NONE))


def test_absolute_word_only_in_distractors_is_flagged_but_not_when_a_key_has_one():
    q = single("q1", ["先了解情况", "总是立即踢人", "从不回应", "删帖了事"], key=0)
    assert "absolute-distractor" in rules(lint_modules([module(questions=[q])], NONE))
    q = single("q2", ["总是先了解情况", "总是立即踢人", "从不回应", "删帖了事"], key=0)
    assert "absolute-distractor" not in rules(lint_modules([module(questions=[q])], NONE))
    q = single("q3", ["Listen first", "Always ban", "Wait", "Delete"], key=0)
    assert "absolute-distractor" in rules(lint_modules([module(questions=[q])], NONE))
    q = single("q4", ["Listen first", "Ban for alwaysness", "Wait", "Delete"], key=0)
    assert "absolute-distractor" not in rules(lint_modules([module(questions=[q])], NONE))


def test_stem_echo_flags_a_stem_word_repeated_only_in_the_key():
    stem = "发现成员在群里发广告，管理员应该怎么做？"
    q = single("q1", ["先删除广告再私聊", "公开批评", "不管", "踢人"], stem=stem)
    messages = lint_modules([module(questions=[q])], NONE)
    echo = [m for m in messages if m.text.startswith("stem-echo")]
    assert echo
    assert "广告" in echo[0].text
    q = single("q2", ["先删除广告再私聊", "转发广告", "不管", "踢人"], stem=stem)
    assert "stem-echo" not in rules(lint_modules([module(questions=[q])], NONE))


# ---------------------------------------------------------------- per bank


def test_a_balanced_bank_of_the_right_size_raises_nothing():
    assert lint_modules([module(questions=balanced_bank(12), draw=4)], NONE) == []


def test_bank_key_longest_counts_the_share_of_strictly_longest_keys():
    bank = balanced_bank(12)
    for q in bank[:5]:  # 5 of 12 = 42 % > 35 %
        q.choices[[c.correct for c in q.choices].index(True)].text = "先私聊双方了解情况再说"
    assert "bank-key-longest" in rules(lint_modules([module(questions=bank, draw=4)], NONE))
    bank = balanced_bank(12)
    for q in bank[:4]:  # 4 of 12 = 33 %
        q.choices[[c.correct for c in q.choices].index(True)].text = "先私聊双方了解情况再说"
    assert "bank-key-longest" not in rules(lint_modules([module(questions=bank, draw=4)], NONE))


def test_key_position_flags_a_position_holding_more_than_its_share():
    texts = ["私聊双方了解", "公开批评双方", "等待自行平息", "双方移出群聊"]
    skewed = [single(f"q{i}", texts, key=1 if i < 5 else i % 4) for i in range(10)]
    messages = [m for m in lint_modules([module(questions=skewed, draw=3)], NONE) if "key-position" in m.text]
    assert len(messages) == 1
    assert "option 2" in messages[0].text
    # fewer than 8 single-choice questions: not enough to judge
    few = [single(f"q{i}", texts, key=1) for i in range(7)]
    assert "key-position" not in rules(lint_modules([module(questions=few, draw=2)], NONE))


def test_key_position_allows_the_chance_share_of_two_option_questions():
    """With two options half the keys sit first by chance; only well past that (65 %) is a pattern."""
    texts = ["私聊双方了解", "公开批评双方"]
    even = [single(f"q{i}", texts, key=i % 2) for i in range(10)]
    assert "key-position" not in rules(lint_modules([module(questions=even, draw=3)], NONE))
    skewed = [single(f"q{i}", texts, key=0 if i < 7 else 1) for i in range(10)]  # 70 % first
    assert "key-position" in rules(lint_modules([module(questions=skewed, draw=3)], NONE))


def test_truefalse_balance():
    skewed = [truefalse(f"t{i}", i == 0) for i in range(5)]  # 1 of 5 true = 20 %
    assert "truefalse-balance" in rules(lint_modules([module(questions=skewed)], NONE))
    even = [truefalse(f"t{i}", i % 2 == 0) for i in range(5)]  # 3 of 5 = 60 %
    assert "truefalse-balance" not in rules(lint_modules([module(questions=even)], NONE))
    three = [truefalse(f"t{i}", False) for i in range(3)]  # too few to judge
    assert "truefalse-balance" not in rules(lint_modules([module(questions=three)], NONE))


def test_bank_size_is_three_times_the_draw_and_draw_zero_means_all():
    assert "bank-size" in rules(lint_modules([module(questions=balanced_bank(11), draw=4)], NONE))
    assert "bank-size" not in rules(lint_modules([module(questions=balanced_bank(12), draw=4)], NONE))
    assert "bank-size" in rules(lint_modules([module(questions=balanced_bank(12), draw=0)], NONE))


def test_findings_are_errors_for_certification_quizzes_and_warnings_otherwise():
    bank = balanced_bank(5)
    assert set(rules(lint_modules([module(questions=bank, draw=5)], NONE), "warning")) == {"bank-size"}
    assert set(rules(lint_modules([module(questions=bank, draw=5)], STRICT), "error")) == {"bank-size"}


def test_recall_number_is_a_note_even_for_certification_quizzes():
    q = Question(
        id="n1",
        type="numeric",
        stem="退款时限是多少小时？[[]]",
        numeric=NumericAnswer(value=Decimal("48")),
        path="m.md",
        line=7,
    )
    lesson = Lesson(id="l1", title="L", body="故障后 48 小时内退款。")
    messages = lint_modules([module(questions=[q], draw=0, lessons=[lesson])], STRICT)
    assert [m.level for m in messages if "recall-number" in m.text] == ["note"]
    lesson.body = "故障后 148 小时或 4.8 天内退款。"
    assert "recall-number" not in rules(lint_modules([module(questions=[q], lessons=[lesson])], STRICT))


def test_guessable_names_the_strategy_and_is_an_error_for_certification_quizzes():
    bank = balanced_bank(12)
    for q in bank:  # every key the longest: the "longest" guesser scores 100 %
        q.choices[[c.correct for c in q.choices].index(True)].text = "先私聊双方了解情况再说"
    messages = [m for m in lint_modules([module(questions=bank, draw=4)], STRICT) if "guessable" in m.text]
    assert len(messages) == 1
    assert messages[0].level == "error"
    assert "longest 100%" in messages[0].text
    assert "guessable" not in rules(lint_modules([module(questions=balanced_bank(12), draw=4)], STRICT))


def test_guessable_scenario_is_reported_on_the_drill():
    drill = scenario([("先私聊提醒他，说明群规并给出改正的时间", 3), ("不理会", 0), ("直接踢出", 1)])
    drill.steps[1].outcome = "good"
    found = [m for m in lint_modules([module(drills=[drill])], NONE) if m.text.startswith("guessable")]
    assert found
    assert "longest-choice 100%" in found[0].text


# ---------------------------------------------------------------- drills


def scenario(labels: list[tuple[str, int]]) -> Drill:
    step = ScenarioStep(
        id="s1",
        text="群里有人刷屏。",
        choices=[
            ScenarioChoice(label, "end", Decimal(p), line=20 + i) for i, (label, p) in enumerate(labels)
        ],
        line=19,
    )
    end = ScenarioStep(id="end", text="", is_ending=True)
    return Drill(id="d", kind="scenario", start="s1", steps=[step, end], path="m.md")


def test_scenario_best_choice_longest_and_only_positive():
    drill = scenario([("先私聊提醒他，说明群规并给出改正的时间", 3), ("不理会", 0), ("直接踢出", 1)])
    found = rules(lint_modules([module(drills=[drill])], NONE))
    assert "scenario-best-longest" in found
    assert "scenario-only-positive" in found
    drill = scenario([("私聊提醒他", 3), ("不理会他", 0), ("公开点名他", 1)])
    assert rules(lint_modules([module(drills=[drill])], NONE)) == []


def test_scenario_findings_are_errors_for_a_certification_drill():
    drill = scenario([("先私聊提醒他，说明群规并给出改正的时间", 3), ("不理会", 0), ("直接踢出", 1)])
    assert {m.level for m in lint_modules([module(drills=[drill])], STRICT)} == {"error"}


@dataclass
class _Sample:
    id: str
    score: Decimal


def test_written_drill_needs_three_marked_samples():
    drill = Drill(id="d", kind="written", path="m.md", line=30)
    assert rules(lint_modules([module(drills=[drill])], STRICT), "error") == ["written-no-samples"]
    drill.samples = [_Sample(mark, Decimal(1)) for mark in ("strong", "borderline", "failing")]
    assert lint_modules([module(drills=[drill])], STRICT) == []


# ---------------------------------------------------------------- through the loader and in Chinese

SOURCE = """---
slug: lint-demo
title: 检查
skill_area: crisis
level: junior
---

# 第一课 {#l1}

正文。

::: quiz q
draw: 1

::: question q1

有人在群里争吵，你怎么做？

- [x] 先私聊双方了解各自的诉求，再在群里说明处理结果
  > 对。
- [ ] 公开批评
  > 不好。
- [ ] 不管
  > 不好。

explanation: 先了解。
:::
:::
"""


def test_validate_tree_reports_lint_findings_as_file_line_messages(tmp_path):
    (tmp_path / "modules").mkdir()
    (tmp_path / "modules" / "lint-demo.md").write_text(SOURCE, encoding="utf-8")
    tree = load_tree(tmp_path)
    found = [str(m) for m in tree.messages]
    assert "modules/lint-demo.md:15: warning: key-longest: " in "\n".join(found)
    assert any(s.startswith("modules/lint-demo.md:12: warning: bank-size: ") for s in found)
    assert not tree.errors


def test_messages_follow_the_active_language():
    spec, messages = parse_module([("m.md", SOURCE)])
    assert spec is not None
    assert not messages
    with translation.override("zh-hans"):
        text = next(m.text for m in lint_modules([spec], NONE) if m.text.startswith("key-longest"))
    assert "最长" in text


# ---------------------------------------------------------------- properties


@given(st.lists(st.integers(min_value=1, max_value=200), min_size=1, max_size=6), st.integers(1, 200))
def test_longest_by_margin_matches_its_definition(others, key):
    expected = key >= max(others) * THRESHOLDS["longest_ratio"] and key - max(others) >= 4
    assert longest_by_margin([key], others) == expected
    if expected:
        assert all(key > o for o in others)
