"""Written responses that game the rubric: keyword lists, stock phrases, copies of the brief, false claims."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.grading.rubric import (
    MIN_OWN_SENTENCES,
    NOTE_TOO_FEW_SENTENCES,
    STOCK_PHRASES,
    find,
    grade_written,
    level_of,
    sentences,
)

BRIEF = "周六 14:00～16:00 支付系统升级后回调超时，214 笔订单被重复扣款。多扣的钱要在 48 小时内原路退回。"
APOLOGY = {"id": "tone", "points": "4", "concepts": [["道歉", "抱歉"], ["影响", "不便"]], "required": []}
FACTS = {
    "id": "facts",
    "points": "4",
    "concepts": [["退回", "退款"]],
    "facts": [
        {"id": "window", "pattern": r"48\s*(小时|个小时|h)|两天内", "reason": "没有写明 48 小时内退款。"}
    ],
    "forbids": [
        {
            "id": "amount",
            "pattern": r"赔[偿付]?\s*\d+\s*元|每人.{0,6}\d+\s*元",
            "reason": "承诺了简报中没有的赔偿金额。",
        },
        {
            "id": "blame",
            "pattern": r"(支付|第三方)渠道.{0,8}(问题|责任|导致)",
            "reason": "把责任推给了第三方。",
        },
    ],
}


def data(*criteria: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"criteria": list(criteria) or [APOLOGY, FACTS], "pass_mark": 70, "brief": BRIEF, **extra}


GOOD = (
    "我们向每一位会员诚恳道歉，这次故障给大家带来了很多不便。\n"
    "原因是我们自己升级系统时出了错，责任在我们。\n"
    "多扣的钱会在 48 小时内原路退回，你不需要做任何操作。\n"
    "明天中午前我们会在群里同步退款进度。"
)


def test_a_good_answer_scores_full_marks() -> None:
    result = grade_written(data(), GOOD)
    assert result.score == result.max_score == Decimal("8.00")
    assert result.details["notes"] == []
    assert result.details["own_sentences"] == 4


@pytest.mark.parametrize(
    "text",
    [
        "道歉、影响、退款、48小时、多学习、多总结、全面提升",
        "- 道歉\n- 影响\n- 退款\n- 48 小时\n- 全面提升",
        "道歉，影响，退款，48小时，不便，抱歉，退回，道歉，影响，退款",
        "1. 道歉\n2. 不便\n3. 退款 48 小时\n4. 多学习、多总结、全面提升",
    ],
)
def test_a_bag_of_keywords_scores_nothing(text: str) -> None:
    result = grade_written(data(), text)
    assert result.score == 0
    assert result.details["notes"] == [NOTE_TOO_FEW_SENTENCES]
    assert result.details["own_sentences"] < MIN_OWN_SENTENCES


def test_stock_phrases_do_not_make_a_sentence() -> None:
    text = "我们要道歉。" + "。".join(STOCK_PHRASES[:12]) + "。退款要多学习、多总结、全面提升。"
    assert grade_written(data(), text).score == 0
    assert all(not s.own for s in sentences(data(), "多学习多总结全面提升不断进步持续优化加强沟通。"))


def test_a_copy_of_the_brief_is_not_the_recruits_own() -> None:
    copied = [s for s in sentences(data(), BRIEF + "\n" + GOOD) if s.why == "copied"]
    assert len(copied) == 2
    assert grade_written(data(), BRIEF + "\n我们道歉。").score == 0


def test_a_concept_counts_only_inside_an_own_sentence() -> None:
    # "不便" appears only in a list line: the tone criterion gets half its concepts.
    text = GOOD.replace("这次故障给大家带来了很多不便", "感谢大家耐心地等待处理结果") + "\n- 不便"
    rows = {r["id"]: r for r in grade_written(data(), text).details["criteria"]}
    assert rows["tone"]["score"] == "2.00"
    assert rows["tone"]["concepts"][1]["matched"] is None


def test_a_missing_fact_zeroes_its_criterion_with_the_reason() -> None:
    text = GOOD.replace("48 小时内", "尽快")
    rows = {r["id"]: r for r in grade_written(data(), text).details["criteria"]}
    assert rows["facts"]["score"] == "0.00"
    assert rows["facts"]["facts_missing"] == ["window"]
    assert rows["facts"]["reasons"] == ["没有写明 48 小时内退款。"]
    assert rows["tone"]["score"] == "4.00"


def test_a_fact_in_full_width_digits_counts() -> None:
    rows = grade_written(data(), GOOD.replace("48", "４８")).details["criteria"]
    assert rows[1]["score"] == "4.00"


@pytest.mark.parametrize(
    ("extra", "forbid"),
    [
        ("今晚全部到账，每人赔100元。", "amount"),
        ("另外每人再补偿 50 元现金给大家。", "amount"),
        ("这次问题是支付渠道的问题导致的，不是我们。", "blame"),
    ],
)
def test_a_forbidden_claim_zeroes_its_criterion(extra: str, forbid: str) -> None:
    rows = {r["id"]: r for r in grade_written(data(), GOOD + "\n" + extra).details["criteria"]}
    assert rows["facts"]["score"] == "0.00"
    assert rows["facts"]["forbids_found"] == [forbid]
    assert rows["facts"]["reasons"]


def test_a_forbidden_claim_counts_even_inside_a_list() -> None:
    rows = grade_written(data(), GOOD + "\n- 每人赔100元").details["criteria"]
    assert rows[1]["forbids_found"] == ["amount"]


def test_a_bad_pattern_never_crashes_grading() -> None:
    broken = {**FACTS, "facts": [{"id": "x", "pattern": "(", "reason": "r"}], "forbids": []}
    assert grade_written(data(APOLOGY, broken), GOOD).details["criteria"][1]["score"] == "0.00"


def test_synonyms_never_match_across_sentences() -> None:
    crit = {"id": "c", "points": "1", "concepts": [["到账"]]}
    text = (
        "我们已经把钱退回到。账户里面的情况请大家自己检查一下。客服团队会继续跟进每一位会员。后续进展会同步。"
    )
    assert grade_written(data(crit), text).details["criteria"][0]["concepts"][0]["matched"] is None


def test_levels_are_suggested_from_the_share() -> None:
    leveled = {**APOLOGY, "levels": ["无", "差", "中", "好"]}
    half = GOOD.replace("这次故障给大家带来了很多不便", "感谢大家耐心地等待处理结果")
    assert grade_written(data(leveled), GOOD).details["criteria"][0]["level"] == 4
    assert grade_written(data(leveled), half).details["criteria"][0]["level"] == 3
    assert "level" not in grade_written(data(APOLOGY), GOOD).details["criteria"][0]


@given(st.fractions(min_value=0, max_value=1))
def test_level_of_stays_within_one_to_four(share: Fraction) -> None:
    level = level_of(share)
    assert 1 <= level <= 4
    assert abs(Fraction(level - 1, 3) - share) <= Fraction(1, 6)


@settings(max_examples=50)
@given(
    st.lists(
        st.sampled_from(["道歉", "影响", "退款", "48小时", "、", "，", "\n", "- ", "多学习"]), max_size=40
    )
)
def test_keywords_and_separators_alone_never_score(parts: list[str]) -> None:
    text = "".join(parts)
    if not text.strip(" ，、-\n"):
        return
    assert grade_written(data(), text + "。").score == 0


def test_find_is_linear_on_repeated_prefixes() -> None:
    # The old matcher copied the token list at every start: quadratic. A miss on 40,000 tokens must finish.
    assert find("到账了吗", ["到账"] * 40_000) is False
