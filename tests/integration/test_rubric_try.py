"""rubric_try: a trainer grades any text file with a published written drill's rubric, one JSON line out.

Built on the fixture module (tests/fixtures/drills), whose `apology` drill has facts, forbidden claims and
marked samples. Also: the samples are answer keys and never reach a recruit's page.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from assessments.models import Attempt

pytestmark = pytest.mark.django_db

KEYWORDS = "道歉、扣款、退款、工作日、到账、原路、抱歉\n多学习、多总结、全面提升、不断进步\n- 道歉\n- 退款"
OVER_PROMISE = (
    "非常抱歉，这次是支付渠道的问题，有些会员被多扣了一次费用。\n"
    "多扣的钱今晚全部到账，我们还会给每人赔100元。\n"
    "再有人在群里刷屏抱怨的，我们会直接移出群聊。"
)
GOOD = (
    "非常抱歉，周六的系统升级出了问题，有些会员被多扣了一次费用。\n"
    "我们已经核对了每一笔订单，多扣的钱会原路退回。\n"
    "预计三个工作日内到账，到时候请大家查看一下账户。\n"
    "如果还有疑问，可以随时在群里找我。"
)


def try_rubric(tmp_path: Path, text: str, drill: str = "drills-demo/apology") -> dict:
    path = tmp_path / "answer.txt"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("rubric_try", drill, str(path), stdout=out)
    (line,) = out.getvalue().splitlines()
    return json.loads(line)


def test_a_keyword_list_fails(drill_module, tmp_path: Path) -> None:
    result = try_rubric(tmp_path, KEYWORDS)
    assert result["score"] == "0.00"
    assert result["max_score"] == "4.00"
    assert result["passed"] is False
    assert result["notes"] == ["too_few_sentences"]
    assert [c["score"] for c in result["criteria"]] == ["0.00", "0.00"]


def test_an_over_promising_statement_fails_with_the_reasons(drill_module, tmp_path: Path) -> None:
    result = try_rubric(tmp_path, OVER_PROMISE)
    action = {c["id"]: c for c in result["criteria"]}["action"]
    assert action["score"] == "0.00"
    assert action["reasons"] == ["承诺了简报中没有的赔偿金额。", "承诺了简报中没有的到账时间。"]
    assert result["passed"] is False


def test_a_good_answer_passes(drill_module, tmp_path: Path) -> None:
    result = try_rubric(tmp_path, GOOD)
    assert result == {
        "score": "4.00",
        "max_score": "4.00",
        "percent": "100.00",
        "passed": True,
        "criteria": [
            {"id": "acknowledge", "score": "2.00", "max": "2.00", "level": 4, "reasons": []},
            {"id": "action", "score": "2.00", "max": "2.00", "level": 4, "reasons": []},
        ],
        "notes": [],
        "own_sentences": 4,
    }


@pytest.mark.parametrize(
    "drill",
    ["drills-demo/nope", "nope/apology", "drills-demo", "drills-demo/demo-scenario", "/apology", ""],
)
def test_an_unknown_drill_is_a_one_line_error_with_status_2(drill_module, tmp_path: Path, drill: str) -> None:
    path = tmp_path / "answer.txt"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(CommandError, match="no published written drill") as error:
        call_command("rubric_try", drill, str(path), stdout=io.StringIO())
    assert error.value.returncode == 2
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("content", [None, b"\xff\xfe\x00bad", "dir"])
def test_an_unreadable_file_is_a_one_line_error_with_status_2(drill_module, tmp_path: Path, content) -> None:
    path = tmp_path / "answer.txt"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content == "dir":
        path.mkdir()
    with pytest.raises(CommandError, match="cannot read") as error:
        call_command("rubric_try", "drills-demo/apology", str(path), stdout=io.StringIO())
    assert error.value.returncode == 2
    assert "\n" not in str(error.value)


def test_a_text_the_drill_refuses_is_an_error_with_status_2(drill_module, tmp_path: Path) -> None:
    path = tmp_path / "answer.txt"
    path.write_text("太短了", encoding="utf-8")
    with pytest.raises(CommandError, match="write at least 20") as error:
        call_command("rubric_try", "drills-demo/apology", str(path), stdout=io.StringIO())
    assert error.value.returncode == 2


def test_marked_samples_are_stored_but_never_reach_a_recruit(drill_module, recruit_client) -> None:
    drill = drill_module.current_version.drills.get(key="apology")
    samples = drill.data["samples"]
    assert [s["id"] for s in samples] == ["strong", "borderline", "failing"]
    page = recruit_client.get(reverse("drill_detail", args=[drill_module.slug, "apology"])).content.decode()
    response = recruit_client.post(reverse("drill_detail", args=[drill_module.slug, "apology"]))
    attempt = Attempt.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    page += recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    own = "我们向大家道歉，部分会员被重复扣款。\n退款会原路退回，三个工作日到账。\n有问题请联系客服。"
    assert recruit_client.post(reverse("attempt_submit", args=[attempt.pk]), {"text": own}).status_code == 302
    page += recruit_client.get(reverse("attempt_detail", args=[attempt.pk])).content.decode()
    for sample in samples:
        for line in sample["text"].splitlines():
            assert line not in page
    assert "promise-amount" not in page
    assert "今晚" not in page
