"""Written responses against a rubric: words not substrings, required and forbidden phrases, review."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.grading.base import InvalidAnswer
from assessments.grading.rubric import MAX_WRITTEN_LENGTH, find, grade_written, text_length, tokenize
from courses.authoring.loader import load_tree
from courses.authoring.specs import Drill

CONTENT = Path(__file__).resolve().parents[3] / "content"
DRILLS = {d.id: d for m in load_tree(CONTENT).modules for d in m.drills}

MODEL_OUTAGE_STATEMENT = "\n\n".join(
    [
        "各位会员：",
        "关于周六下午的支付故障，我们向大家诚恳致歉。",
        (
            "发生了什么：周六 14:00～16:00 约两小时内，"
            "共有约 1,300 笔会员续费和课程购买，其中 214 笔被重复扣款，"
            "每笔多扣了一次，金额在 99～699 元之间。"
        ),
        (
            "为什么会发生：当天中午我们升级了支付系统，升级后支付结果的回调出现超时，"
            "系统把尚未确认的订单自动重新提交了一次，导致重复扣款。这是我们自己的系统问题，"
            "不是支付渠道的问题，责任在我们。"
        ),
        (
            "我们已经做了什么：16:00 已回滚这次升级，支付恢复正常，"
            "此后没有再出现重复扣款。财务已核对出全部 214 笔重复扣款，"
            "多扣的金额将原路退回，您无需申请，预计 1～3 个工作日到账。"
            "公司还将向每位受影响的会员赠送 30 天会员时长，作为补偿。"
        ),
        (
            "您需要做什么：不需要做任何操作。如果 3 个工作日后仍未收到退款，"
            "或有其他个案问题，请联系客服专线，我们会逐一处理。"
        ),
        (
            "接下来：明天 12:00 前我们会在群里同步退款进度；"
            "一周内公布这次故障的复盘和改进措施，避免类似问题再次发生。"
        ),
        "再次向受到影响的各位说一声对不起。",
    ]
)

OFF_TOPIC = (
    "周末我在家试了三种手冲咖啡的冲煮方法。第一种用浅烘的埃塞俄比亚豆子，"
    "研磨度接近细砂糖，水温九十二度，闷蒸三十秒后分三段注水，整杯萃取两分半左右，"
    "喝起来有明显的柑橘和茉莉花香。第二种换成深烘的巴西豆子，磨得稍粗一些，"
    "水温降到八十八度，一次注完，口感更厚，坚果和巧克力的味道很突出，但酸味几乎没有。"
    "第三种是冷萃，把中度烘焙的哥伦比亚豆子粗磨后泡在冷水里，放进冰箱十二个小时，"
    "第二天过滤，喝起来非常顺滑，甜感也更明显。我的结论是，夏天早上喝冷萃最舒服，"
    "周末下午有时间的话，还是浅烘手冲最有意思，可以慢慢体会不同产区豆子的风味差别。"
    "下次准备试试爱乐压，再比较一下滤纸和金属滤网的区别。"
)


def written_data(drill: Drill, pass_mark: int = 70) -> dict[str, Any]:
    """A written drill as the importer stores it."""
    return {
        "criteria": [
            {
                "id": c.id,
                "points": str(c.points),
                "concepts": c.concepts,
                "required": c.required,
                "forbidden": c.forbidden,
            }
            for c in drill.criteria
        ],
        "min_chars": drill.min_chars,
        "max_chars": drill.max_chars,
        "pass_mark": pass_mark,
        "review": drill.review,
    }


def rubric(*criteria: dict[str, Any], **settings: Any) -> dict[str, Any]:
    return {
        "criteria": list(criteria),
        "min_chars": 0,
        "max_chars": 0,
        "pass_mark": 70,
        "review": "auto",
        **settings,
    }


def criterion(cid: str = "c", points: str = "4", **parts: Any) -> dict[str, Any]:
    return {"id": cid, "points": points, "concepts": [], "required": [], "forbidden": [], **parts}


APOLOGY = criterion(
    "acknowledge",
    concepts=[["道歉", "抱歉"], ["扣款", "多扣"], ["到账"], ["补偿"]],
    required=["道歉", "抱歉"],
    forbidden=["与我们无关"],
)


def test_text_length_ignores_whitespace() -> None:
    assert text_length(" 道 歉\n\t ok ") == 4
    assert text_length("\u3000") == 0


def test_tokenize_folds_width_and_case_and_drops_punctuation() -> None:
    assert tokenize("Ｗｅ　ａｐｏｌｏｇｉｚｅ，ＫＰＩ！") == ["we", "apologize", "kpi"]
    assert tokenize("我们向大家道歉。") == ["我们", "向", "大家", "道歉"]
    assert tokenize("……！？  ") == []


@pytest.mark.parametrize(
    ("synonym", "text", "found"),
    [
        ("道歉", "我们向大家道歉。", True),
        ("账", "请检查账号安全", False),  # jieba keeps 账号 whole: 账 is not a word of this text
        ("账", "钱已经到账了", True),  # 到 + 账
        ("到账", "钱已经到账了", True),  # the same words, joined
        ("到账", "预计 3 个工作日到账", True),
        ("账号", "请检查账号安全", True),
        ("扣款", "重复扣款", True),
        ("重复扣款", "重复扣款", True),
        ("款", "重复扣款", False),
        ("与我们无关", "这与我们无关。", True),
        ("与我们无关", "这与我们，无关", True),  # punctuation between words is not a word
        ("恢复", "系统恢复正常", False),  # one jieba word: list 恢复正常 as a synonym too
        ("ＫＰＩ", "本月的 kpi 是留存", True),
        ("kpi", "本月的ＫＰＩ是留存", True),
        ("道 歉", "我们道歉", True),
        ("", "我们道歉", False),
    ],
)
def test_find_matches_whole_words(synonym: str, text: str, found: bool) -> None:
    assert find(synonym, tokenize(text)) is found


@pytest.mark.parametrize(
    ("synonym", "text", "found"),
    [
        ("refund", "We refunded every charge.", True),
        ("refund", "Refunds are on the way.", True),
        ("refund", "We are refunding now.", True),
        ("apologize", "We apologized.", True),
        ("apologize", "We are apologizing.", True),
        ("apology", "Our apologies.", True),
        ("stop", "We stopped the charges.", True),
        ("fix", "It was fixed and the fixes work.", True),
        ("refund", "refundable", False),
        ("fund", "We refunded.", False),
        ("thank you", "Thank you all.", True),
        ("thank you", "Thanks, you all.", False),
    ],
)
def test_english_words_match_with_simple_inflections(synonym: str, text: str, found: bool) -> None:
    assert find(synonym, tokenize(text)) is found


# Three sentences of the recruit's own that hit no concept: a response needs three to be graded at all.
PAD = (
    "我们已经核对了当天的全部订单记录。客服团队会继续跟进每一位会员的情况。"
    "后续进展我们会在群里及时同步给大家。"
)


def test_criterion_scores_the_share_of_concepts_hit() -> None:
    result = grade_written(rubric(APOLOGY), "非常抱歉，多扣的钱会在今天下午全部退回给大家。" + PAD)
    (row,) = result.details["criteria"]
    assert result.score == Decimal("2.00")  # 2 of 4 concepts
    assert result.max_score == Decimal("4.00")
    assert [c["matched"] for c in row["concepts"]] == ["抱歉", "多扣", None, None]
    assert row["required"] == {"synonyms": ["道歉", "抱歉"], "matched": "抱歉"}
    assert row["forbidden"] == []
    assert row["score"] == "2.00"
    assert row["max"] == "4.00"


def test_missing_required_zeroes_the_criterion() -> None:
    result = grade_written(rubric(APOLOGY), "多扣的钱预计明天就会到账，另外还有一份补偿。" + PAD)
    assert result.score == 0
    assert result.details["criteria"][0]["required"]["matched"] is None
    assert [c["matched"] for c in result.details["criteria"][0]["concepts"]] == [None, "多扣", "到账", "补偿"]


def test_forbidden_phrase_zeroes_the_criterion() -> None:
    result = grade_written(rubric(APOLOGY), "抱歉，多扣的钱会到账，也有补偿，但这与我们无关。" + PAD)
    assert result.score == 0
    assert result.details["criteria"][0]["forbidden"] == ["与我们无关"]


def test_required_alone_gives_full_points() -> None:
    only_required = criterion("r", "3", required=["复盘"])
    assert grade_written(rubric(only_required), "我们会在一周内公布这次的复盘报告。" + PAD).score == Decimal(
        "3.00"
    )
    assert grade_written(rubric(only_required), "我们会在一周内公布这次的处理结果。" + PAD).score == 0


def test_full_marks_are_correct_and_scores_add_up() -> None:
    second = criterion("timeline", "2", concepts=[["工作日"]])
    text = "非常抱歉，多扣的钱三个工作日到账，我们还会给予补偿。" + PAD
    result = grade_written(rubric(APOLOGY, second), text)
    assert result.correct
    assert result.score == result.max_score == Decimal("6.00")
    assert result.details["percent"] == "100.00"
    assert result.feedback == ""
    assert result.details["kind"] == "written"
    assert result.details["chars"] == text_length(text)


def test_html_is_never_interpreted() -> None:
    assert (
        grade_written(
            rubric(APOLOGY), "<b>抱歉</b>，我们会把多扣的钱尽快退回 <script>x</script>。" + PAD
        ).details["criteria"][0]["required"]["matched"]
        == "抱歉"
    )
    assert grade_written(rubric(APOLOGY), "&#25265;&#27465;").score == 0


@pytest.mark.parametrize(
    ("text", "settings", "fragment"),
    [
        (None, {}, "Expected a written response"),
        (["抱歉"], {}, "Expected a written response"),
        ("", {}, "empty"),
        (" \n\t\u3000", {}, "empty"),
        ("抱歉", {"min_chars": 5}, "at least 5"),
        ("抱歉" * 6, {"max_chars": 10}, "at most 10"),
        (" " * (MAX_WRITTEN_LENGTH + 1), {}, "limited to"),
    ],
)
def test_invalid_text_is_refused(text: Any, settings: dict[str, Any], fragment: str) -> None:
    with pytest.raises(InvalidAnswer, match=fragment):
        grade_written(rubric(APOLOGY, **settings), text)


def reasons(data: dict[str, Any], text: str, signals: dict[str, Any] | None = None) -> tuple[list[str], str]:
    details = grade_written(data, text, signals).details
    return details["review_reasons"], details["confidence"]


TEN = criterion("ten", "10", concepts=[[f"词{k}"] for k in range(10)])


def concept_sentences(*ks: int) -> str:
    """One sentence of the recruit's own per concept 词k."""
    return "".join(f"我们已经处理好了词{k}对应的问题。" for k in ks)


TEXT_7 = concept_sentences(*range(7))  # 70 %
TEXT_10 = concept_sentences(*range(10))  # 100 %


def test_confident_when_no_reason_applies() -> None:
    assert reasons(rubric(TEN), TEXT_10) == ([], "high")


def test_review_always_keeps_confidence_high() -> None:
    assert reasons(rubric(TEN, review="always"), TEXT_10) == (["always"], "high")


@pytest.mark.parametrize(
    ("pass_mark", "near"), [(70, True), (60, True), (80, True), (59, False), (81, False)]
)
def test_near_threshold(pass_mark: int, near: bool) -> None:
    found, confidence = reasons(rubric(TEN, pass_mark=pass_mark), TEXT_7)
    assert ("near_threshold" in found) is near
    assert confidence == ("low" if near else "high")


def test_short_text() -> None:
    n = text_length(TEXT_10)
    assert reasons(rubric(TEN, min_chars=n), TEXT_10) == (["short"], "low")
    assert reasons(rubric(TEN, min_chars=int(n / 1.25)), TEXT_10) == ([], "high")


def test_off_topic_text() -> None:
    found, confidence = reasons(rubric(TEN, pass_mark=0), "词1，别的内容")  # 1 of 10 concepts
    assert "off_topic" in found
    assert confidence == "low"
    assert "off_topic" not in reasons(rubric(TEN, pass_mark=0), concept_sentences(1, 2, 3))[0]  # 30 %


@pytest.mark.parametrize(
    ("pasted", "flagged"), [(80, True), (79, False), (0, False), ("80", False), (True, False)]
)
def test_pasted_text(pasted: Any, flagged: bool) -> None:
    text = concept_sentences(*range(10))
    assert text_length(text) == 160
    found, _ = reasons(rubric(TEN), text, {"pasted_chars": pasted})
    assert ("pasted" in found) is flagged


def test_model_answer_to_the_outage_statement_scores_well() -> None:
    drill = DRILLS["outage-statement"]
    result = grade_written(written_data(drill), MODEL_OUTAGE_STATEMENT)
    assert Decimal(result.details["percent"]) >= 80
    assert drill.min_chars <= text_length(MODEL_OUTAGE_STATEMENT) <= drill.max_chars
    assert "off_topic" not in result.details["review_reasons"]


def test_off_topic_answer_to_the_outage_statement_is_flagged() -> None:
    result = grade_written(written_data(DRILLS["outage-statement"]), OFF_TOPIC)
    assert result.score == 0
    assert "off_topic" in result.details["review_reasons"]
    assert result.details["confidence"] == "low"


WORDS = [
    "抱歉",
    "道歉",
    "多扣",
    "扣款",
    "到账",
    "账号",
    "补偿",
    "与我们无关",
    "refund",
    "Refunded",
    "，",
    " ",
    "好",
]
TEXTS = st.lists(st.sampled_from(WORDS) | st.text(max_size=4), min_size=1, max_size=30).map("".join)


@settings(max_examples=80)
@given(TEXTS, st.sampled_from(["1", "2.5", "3", "0.01"]))
def test_scores_stay_within_bounds(text: str, points: str) -> None:
    data = rubric({**APOLOGY, "points": points}, criterion("en", "1", concepts=[["refund"]]), TEN)
    if not text_length(text):
        with pytest.raises(InvalidAnswer):
            grade_written(data, text)
        return
    result = grade_written(data, text)
    assert 0 <= result.score <= result.max_score
    assert result.correct == (result.score == result.max_score)
    for row in result.details["criteria"]:
        assert 0 <= Decimal(row["score"]) <= Decimal(row["max"])
    assert 0 <= Decimal(result.details["percent"]) <= 100
