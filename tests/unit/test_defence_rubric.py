"""The 转正答辩 rubric parser and validator: pure, every problem reported at its file and line."""

from __future__ import annotations

from pathlib import Path

from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.defence_rubric import LEVELS, rubric_parse, rubrics_load

CONTENT = Path(__file__).resolve().parents[2] / "content"

GOOD = """---
slug: panel-test
title: 测试评分表
title_en: Test rubric
pass_percent: 70
---
说明文字。

## 工作成果 {#results}
en: Results

- 1: 说不出数字。
- 2: 有数字没有对比。
- 3: 有对比有目标。
- 4: 数据完整并能解释原因。

## 沟通表达 {#talk}
- 1: 答非所问。
- 2: 重点不清。
- 3: 结构清楚。
- 4: 简洁有说服力。
"""


def errors(text: str) -> list[tuple[int, str]]:
    rubric, messages = rubric_parse("defence/x.md", text)
    assert rubric is None
    return [(m.line, m.text) for m in messages]


def test_the_shipped_rubric_parses_with_four_levels_per_criterion():
    rubrics, messages = rubrics_load(CONTENT)
    assert messages == []
    [rubric] = rubrics
    assert rubric.slug == "probation-defence"
    assert 1 <= rubric.pass_percent <= 100
    assert len(rubric.criteria) >= 4
    assert all(len(c.levels) == len(LEVELS) and all(c.levels) for c in rubric.criteria)
    assert all(c.title_en for c in rubric.criteria)


def test_a_good_rubric_keeps_titles_levels_and_lines():
    rubric, messages = rubric_parse("defence/x.md", GOOD)
    assert messages == []
    assert rubric.slug == "panel-test"
    assert rubric.pass_percent == 70
    assert rubric.intro == "说明文字。"
    first, second = rubric.criteria
    assert (first.id, first.title, first.title_en, first.line) == ("results", "工作成果", "Results", 9)
    assert first.levels[0] == "说不出数字。"
    assert first.levels[3] == "数据完整并能解释原因。"
    assert (second.id, second.title_en) == ("talk", "")
    assert rubric.as_data()[1]["levels"] == ["答非所问。", "重点不清。", "结构清楚。", "简洁有说服力。"]


def test_a_changed_text_changes_the_source_hash():
    a, _ = rubric_parse("defence/x.md", GOOD)
    b, _ = rubric_parse("defence/x.md", GOOD.replace("答非所问", "答非所问了"))
    assert a.source_hash != b.source_hash


def test_missing_level_duplicate_level_and_out_of_range_level_point_at_their_lines():
    text = GOOD.replace("- 4: 简洁有说服力。\n", "- 3: 又一个三。\n- 5: 五级。\n")
    found = errors(text)
    assert (21, "level 3 is described twice in this criterion") in found
    assert (22, "levels are 1 to 4, not 5") in found
    assert (17, "criterion 'talk' has no description for level 4") in found


def test_front_matter_problems_name_their_keys_lines():
    text = GOOD.replace("pass_percent: 70", "pass_percent: 170\ncolour: blue").replace(
        "slug: panel-test", "slug: Panel Test"
    )
    found = errors(text)
    assert (2, "slug must be lowercase letters, digits and '-' (at most 60)") in found
    assert (5, "pass_percent must be a whole number from 1 to 100") in found
    assert (6, "unknown rubric key 'colour' (known: slug, title, title_en, pass_percent)") in found


def test_duplicate_and_missing_criterion_ids_and_stray_lines_are_errors():
    text = GOOD.replace("{#talk}", "{#results}").replace(
        "- 2: 有数字没有对比。", "- 2: 有数字没有对比。\n随便一行"
    )
    found = errors(text)
    assert (18, "criterion id 'results' is used twice (first on line 9)") in found
    assert (14, "unexpected line in criterion 'results': levels are `- 1: …` to `- 4: …`") in found
    assert errors(GOOD.replace(" {#talk}", ""))[0] == (
        17,
        "a criterion heading is `## Title {#id}` with a lowercase id",
    )


def test_one_criterion_is_not_a_rubric_and_no_front_matter_is_reported_at_line_1():
    one = GOOD.split("## 沟通表达")[0]
    assert errors(one) == [(16, "a rubric needs at least 2 criteria")]
    assert errors("## 只有标题 {#a}\n") == [
        (1, "a defence rubric starts with front matter between '---' lines")
    ]
    assert errors(GOOD.replace("说明文字。", "说明\x00文字。")) == [(1, "the file contains a NUL character")]


def test_messages_are_translated_where_shown():
    _, messages = rubric_parse(
        "defence/x.md", GOOD.replace("- 5", "").replace("- 4: 简洁有说服力。", "- 9: 九")
    )
    with translation.override("zh-hans"):
        localized = [m.localized() for m in messages]
    assert "levels are 1 to 4, not 9" in [m.text for m in messages]
    assert all(text != m.text for text, m in zip(localized, messages, strict=True)), localized


def test_duplicate_slugs_across_files_are_reported(tmp_path):
    (tmp_path / "defence").mkdir()
    (tmp_path / "defence" / "a.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "defence" / "b.md").write_text(GOOD, encoding="utf-8")
    rubrics, messages = rubrics_load(tmp_path)
    assert [r.path for r in rubrics] == ["defence/a.md"]
    assert [str(m) for m in messages] == [
        "defence/b.md:2: error: rubric slug 'panel-test' is also used by defence/a.md"
    ]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_body_text_gives_a_rubric_or_line_numbered_messages_never_an_exception(body):
    text = GOOD.split("说明文字。")[0] + body
    rubric, messages = rubric_parse("defence/x.md", text)
    assert (rubric is None) == bool(messages)
    line_count = max(1, len(text.splitlines()))
    assert all(1 <= m.line <= line_count for m in messages)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True),
            st.lists(
                st.text(alphabet="社群运营数据复盘沟通 abc", min_size=1, max_size=20)
                .map(str.strip)
                .filter(bool),
                min_size=4,
                max_size=4,
            ),
        ),
        min_size=2,
        max_size=6,
        unique_by=lambda t: t[0],
    )
)
def test_generated_rubrics_round_trip_their_criteria(criteria):
    body = "".join(
        f"## 维度{i} {{#{cid}}}\n" + "".join(f"- {n}: {text}\n" for n, text in enumerate(levels, start=1))
        for i, (cid, levels) in enumerate(criteria)
    )
    rubric, messages = rubric_parse("defence/x.md", GOOD.split("说明文字。")[0] + body)
    assert messages == []
    assert [(c.id, list(c.levels)) for c in rubric.criteria] == [(cid, levels) for cid, levels in criteria]
