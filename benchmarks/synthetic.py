"""Synthetic content in the real authoring format (docs/authoring.md), and answers to its questions.

A generated module has up to ``lessons_per_module`` lessons; each lesson is followed by its own quiz of
``questions_per_lesson`` questions cycling through every objective question type, with per-choice feedback,
hints and explanations, so rendering and grading see the same variety as the real curriculum.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

QUESTION_KINDS = (
    "single",
    "multiple",
    "truefalse",
    "short",
    "numeric",
    "ordering",
    "matching",
    "single",
    "multiple",
    "single",
)


def _lesson(n: int) -> str:
    return f"""# 第 {n} 课：社群运营实务 {n} {{#lesson-{n}}}

社群运营的第 {n} 个主题关注**留存**与*活跃*。一个健康的社群每周约有 {10 + n % 40}% 的成员发言，
新成员在第一周内得到回应的比例应高于 {60 + n % 30}%。参考 [运营手册](https://example.com/handbook/{n})。

## 要点

- 明确社群定位，写清楚群规第 {n % 9 + 1} 条
- 每周固定栏目：周一话题、周三答疑、周五复盘
- 用数据说话：拉新、促活、留存、转化
- 对违规行为先私聊提醒，再公开说明

## 指标一览

| 指标 | 含义 | 目标 |
| --- | --- | --- |
| 周活跃率 | 当周发言成员 ÷ 成员总数 | ≥ {15 + n % 20}% |
| 7 日留存 | 第 7 天仍活跃的新成员比例 | ≥ {30 + n % 25}% |
| 转化率 | 完成目标行为的成员比例 | ≥ {2 + n % 8}% |

> 提示：不要只看人数。{n} 个活跃成员胜过 {n * 10} 个沉默成员。

1. 先观察一周，记录每天的消息数
2. 找出最活跃的 {n % 5 + 3} 位成员并私聊感谢
3. 复盘：哪些话题带来了回复？
"""


def _question(kind: str, qid: str, n: int) -> str:
    head = f"::: question {qid}\n"
    if kind == "single":
        return (
            head + f"points: 1\ntags: 概念, 第{n}题\n\n"
            f"在第 {n} 个场景中，新成员入群后**最先**应该做什么？\n\n"
            f"- [x] 发送欢迎语并介绍群规（方案 {n}）\n  > 正确：欢迎语让新人知道规则和可以做什么。\n"
            f"- [ ] 立刻推送 {n % 7 + 2} 条广告\n  > 广告会让新人立刻退群。\n"
            "- [ ] 什么也不做，等待新人自己发言\n  > 大多数新人不会主动开口。\n"
            "- [ ] 把新人拉进另一个群\n  > 这只会让人困惑。\n\n"
            "hint: 想一想新人最需要什么。\n"
            f"explanation: 第一印象决定留存，欢迎流程是第 {n} 课的重点。\n:::\n"
        )
    if kind == "multiple":
        return (
            head + f"points: 2\ntags: 指标\n\n哪些属于社群运营的核心指标？（第 {n} 题）\n\n"
            "- [x] 留存\n  > 对，留存是核心指标之一。\n"
            "- [x] 转化\n  > 对，转化是核心指标之一。\n"
            f"- [ ] 群名称长度（{n} 个字）\n  > 群名称长度与运营效果无关。\n"
            "- [ ] 群头像颜色\n  > 头像颜色不是运营指标。\n\n"
            "explanation: 四个核心指标是拉新、促活、留存和转化。\n:::\n"
        )
    if kind == "truefalse":
        return (
            head + f"type: truefalse\n\n群成员超过 {n * 10} 人，社群就一定活跃。\n\n"
            "- [ ] 正确\n  > 不对：人数和活跃度没有必然联系。\n"
            "- [x] 错误\n  > 对：很多大群其实很安静。\n\n"
            "explanation: 活跃度取决于互动设计，不取决于人数。\n:::\n"
        )
    if kind == "short":
        return (
            head + "points: 1\n\n"
            f"社群运营的指标链通常概括为：拉新、促活、留存、[[转化|付费转化]]。（第 {n} 题）\n\n"
            "explanation: 指标链的最后一环是转化。\n"
            "correct_feedback: 正确。\nwrong_feedback: 回顾第一课的指标链。\n:::\n"
        )
    if kind == "numeric":
        members, active = 100 + n, 20 + n % 50
        rate = round(active / members * 100, 1)
        return (
            head + "points: 1\n\n"
            f"一个群有 {members} 名成员，本周有 {active} 人发言。周活跃率是多少（%，保留一位小数）？\n\n"
            f"答案：[[{rate} ± 0.1]]\n\n"
            "explanation: 周活跃率 = 当周发言成员 ÷ 成员总数 × 100。\n"
            "correct_feedback: 计算正确。\nwrong_feedback: 用发言人数除以成员总数。\n:::\n"
        )
    if kind == "ordering":
        return (
            head + f"type: ordering\npoints: 1\n\n请按先后顺序排列社群生命周期的四个阶段（第 {n} 题）。\n\n"
            "1. 引入期：确定定位，邀请种子成员\n2. 成长期：建立引导流程和栏目\n"
            "3. 成熟期：成员自发讨论，分层运营\n4. 衰退期：诊断并再激活或合并\n\n"
            "explanation: 依次为引入、成长、成熟、衰退。\n"
            "correct_feedback: 顺序正确。\nwrong_feedback: 想一想一个群从建立到老化的过程。\n:::\n"
        )
    if kind == "matching":
        return (
            head + f"type: matching\npoints: 2\n\n请把每种社群类型与最典型的例子配对（第 {n} 题）。\n\n"
            "- 兴趣社群 -> 城市夜跑爱好者群\n- 学习社群 -> 21 天英语口语训练营群\n"
            "- 交易社群 -> 小区社区团购群\n- 品牌社群 -> 某汽车品牌的车主俱乐部\n\n"
            "explanation: 区分类型的关键是成员加入的主要目的。\n"
            "correct_feedback: 配对正确。\nwrong_feedback: 看每类社群“成员为什么来”。\n:::\n"
        )
    raise ValueError(kind)


def _quiz(quiz_id: str, first_n: int, count: int) -> str:
    questions = "\n".join(
        _question(QUESTION_KINDS[i % len(QUESTION_KINDS)], f"{quiz_id}-q{i + 1}", first_n + i)
        for i in range(count)
    )
    return (
        f"::: quiz {quiz_id}\ntitle: 小测 {quiz_id}\ndraw: 0\nshuffle: choices\ntime_limit: 0\n"
        f"attempts: 0\ncounts: highest\nshow_answers: after_grading\n\n{questions}:::\n"
    )


def module_markdown(
    slug: str, first_lesson: int, lessons: int, questions_per_lesson: int, quiz_per_lesson: bool = True
) -> str:
    """One single-file module: front matter, an intro, and lessons each followed by its quiz."""
    parts = [
        f"---\nslug: {slug}\ntitle: 基准模块 {slug}\ntitle_en: Benchmark module {slug}\n"
        f"summary: 用于性能基准的合成模块。\nsummary_en: A synthetic module for benchmarks.\n"
        f"skill_area: fundamentals\nlevel: junior\nestimated_minutes: 30\npass_mark: 60\n"
        f"prerequisites: []\ntags: [基准]\n---\n\n这是模块 **{slug}** 的简介。\n"
    ]
    for i in range(lessons):
        n = first_lesson + i
        parts.append(_lesson(n))
        if quiz_per_lesson:
            parts.append(_quiz(f"quiz-{n}", n * 100, questions_per_lesson))
    if not quiz_per_lesson:
        parts.append(_quiz("quiz", first_lesson * 100, questions_per_lesson))
    return "\n".join(parts)


def tree_write(
    root: Path, *, lessons: int, lessons_per_module: int = 10, questions_per_lesson: int = 10
) -> Path:
    """Write a content folder of ``lessons`` lessons (about ``questions_per_lesson`` questions each)."""
    modules = root / "modules"
    modules.mkdir(parents=True, exist_ok=True)
    for m, start in enumerate(range(0, lessons, lessons_per_module)):
        count = min(lessons_per_module, lessons - start)
        text = module_markdown(f"bench-{m:04d}", start + 1, count, questions_per_lesson)
        (modules / f"bench-{m:04d}.md").write_text(text, encoding="utf-8")
    return root


def quiz_tree_write(root: Path, *, questions: int = 20) -> Path:
    """A content folder with one module holding one lesson and one quiz of ``questions`` questions."""
    modules = root / "modules"
    modules.mkdir(parents=True, exist_ok=True)
    text = module_markdown("bench-quiz", 1, 1, questions, quiz_per_lesson=False)
    (modules / "bench-quiz.md").write_text(text, encoding="utf-8")
    return root


def answer_for(data: dict[str, Any], rng: random.Random, right: float = 0.7) -> Any:
    """A plausible answer to a stored question: right with probability ``right``, otherwise wrong."""
    good = rng.random() < right
    kind = data["type"]
    if kind in ("single", "truefalse"):
        ids = [c["id"] for c in data["choices"] if c["correct"] == good]
        return ids[0]
    if kind == "multiple":
        right_ids = [c["id"] for c in data["choices"] if c["correct"]]
        return right_ids if good else right_ids[:1] + [c["id"] for c in data["choices"] if not c["correct"]]
    if kind == "short":
        return data["accepted"][0] if good else "拉新"
    if kind == "numeric":
        return data["numeric"]["value"] if good else "0"
    if kind == "ordering":
        ids = [i["id"] for i in data["items"]]
        return ids if good else ids[::-1]
    if kind == "matching":
        rights = [p["right_id"] for p in data["pairs"]]
        if not good:
            rights = rights[1:] + rights[:1]
        return {p["id"]: r for p, r in zip(data["pairs"], rights, strict=True)}
    raise ValueError(kind)


def answer_form(
    position: int, data: dict[str, Any], answer: Any, token: Callable[[str], str] = str
) -> list[tuple[str, str]]:
    """The form fields a browser would post for ``answer`` (assessments/forms.py reads them back); ``token``
    turns a stored id into the value the attempt's page shows (assessments.masking)."""
    kind = data["type"]
    name = f"q{position}"
    if kind == "multiple":
        return [(name, token(a)) for a in answer]
    if kind == "ordering":
        return [(f"{name}-{token(item)}", str(rank)) for rank, item in enumerate(answer, start=1)]
    if kind == "matching":
        return [(f"{name}-{token(left)}", token(right)) for left, right in answer.items()]
    if kind in ("single", "truefalse"):
        return [(name, token(str(answer)))]
    return [(name, str(answer))]
