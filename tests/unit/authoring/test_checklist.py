"""On-the-job checklist files: the parser reads stages and items, and every problem is a file:line message;
the curriculum's own checklists are valid; random input never raises."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from courses.authoring.checklist import STAGES, parse_checklist
from courses.authoring.loader import load_tree

CONTENT = Path(__file__).resolve().parents[3] / "content"
PATH = "checklists/demo.md"

GOOD = """---
slug: demo-90
title: 演示清单
level: junior
---
开头的说明。

## 30 天
### weekly-report: 独立完成一次周报
写清本周数据。
证据：周报链接。

## 60
### host-sharing: 主持一次群内分享
Evidence: 纪要链接。
"""


def errors(text: str) -> list[str]:
    _checklist, messages = parse_checklist(PATH, text)
    return [str(m) for m in messages if m.level == "error"]


def test_a_good_file_gives_its_items_by_stage_with_evidence_and_lines():
    checklist, messages = parse_checklist(PATH, GOOD)
    assert messages == []
    assert (checklist.slug, checklist.level, checklist.intro) == ("demo-90", "junior", "开头的说明。")
    assert [(i.id, i.stage, i.evidence, i.line) for i in checklist.items] == [
        ("weekly-report", 30, "周报链接。", 9),
        ("host-sharing", 60, "纪要链接。", 14),
    ]
    assert checklist.items[0].description == "写清本周数据。"


def test_each_problem_is_reported_at_its_line():
    text = GOOD.replace("证据：周报链接。", "").replace("## 60", "## 45")
    assert errors(text) == [
        f"{PATH}:9: error: item 'weekly-report' needs a line `证据：…` saying what counts as evidence",
        f"{PATH}:13: error: a stage heading is `## 30`, `## 60` or `## 90`, not `## 45`",
        f"{PATH}:14: error: an item must come under a stage heading (`## 30`)",
    ]


def test_duplicate_ids_stages_out_of_order_and_bad_front_matter_are_errors():
    text = GOOD.replace("host-sharing", "weekly-report").replace("level: junior", "level: expert")
    text += "\n## 30\n### later: 后来\n证据：有。\n"
    found = errors(text)
    assert f"{PATH}:4: error: level 'expert' is not one of junior, intermediate, senior, manager" in found
    assert f"{PATH}:14: error: item id 'weekly-report' is used twice (also on line 9)" in found
    assert f"{PATH}:17: error: stage 30 is given twice (also on line 8)" in found


def test_an_empty_stage_text_outside_items_and_a_nul_are_errors():
    text = GOOD + "\n## 90\n"
    assert f"{PATH}:17: error: stage 90 has no items" in errors(text)
    stray = GOOD.replace("## 60\n", "## 60\n随手写的一行\n")
    assert any(":14: error: text under a stage heading" in e for e in errors(stray))
    assert any(":6: error: the line holds a NUL" in e for e in errors(GOOD.replace("开头", "开\x00头")))


def test_the_curriculum_checklists_are_valid_and_cover_every_stage():
    tree = load_tree(CONTENT)
    assert [m for m in tree.messages if m.path.startswith("checklists/")] == []
    assert {c.slug for c in tree.checklists} >= {"junior-90-days", "intermediate-90-days"}
    for checklist in tree.checklists:
        assert all(checklist.stage_items(stage) for stage in STAGES), checklist.slug
        assert all(item.evidence for item in checklist.items)


def checklist_errors(root: Path) -> list[str]:
    return [str(m) for m in load_tree(root).errors if "checklist" in m.text]


def test_a_track_naming_a_missing_checklist_or_stage_is_an_error(tmp_path):
    (tmp_path / "checklists").mkdir()
    (tmp_path / "checklists" / "demo.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "courses").mkdir()
    course = (
        "---\nslug: t\ntitle: 路径\nlevel: junior\ncertification:\n"
        "  checklist: {slug}\n  checklist_stage: {stage}\n---\n"
    )
    (tmp_path / "courses" / "t.md").write_text(course.format(slug="demo-90", stage=90), encoding="utf-8")
    assert checklist_errors(tmp_path) == [
        "courses/t.md:5: error: checklist 'demo-90' has no items for stage 90"
    ]
    (tmp_path / "courses" / "t.md").write_text(course.format(slug="nope", stage=30), encoding="utf-8")
    assert checklist_errors(tmp_path) == [
        "courses/t.md:5: error: certification checklist 'nope' is not in content/checklists"
    ]
    (tmp_path / "courses" / "t.md").write_text(course.format(slug="demo-90", stage=30), encoding="utf-8")
    tree = load_tree(tmp_path)
    assert checklist_errors(tmp_path) == []
    assert (tree.courses[0].certification.checklist, tree.courses[0].certification.checklist_stage) == (
        "demo-90",
        30,
    )


ids = st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True)
titles = st.text(alphabet="社群运营周报分享abc 123", min_size=1, max_size=30).map(str.strip).filter(bool)


@st.composite
def checklists(draw):
    stages = sorted(draw(st.sets(st.sampled_from(STAGES), min_size=1)))
    item_ids = draw(st.lists(ids, min_size=len(stages), max_size=8, unique=True))
    rows, expected = [], []
    for index, item_id in enumerate(item_ids):
        stage = stages[min(index, len(stages) - 1)]
        if not expected or expected[-1][1] != stage:
            rows.append(f"## {stage}")
        title, evidence = draw(titles), draw(titles)
        rows += [f"### {item_id}: {title}", f"证据：{evidence}"]
        expected.append((item_id, stage, title, evidence))
    return "---\nslug: gen\ntitle: 生成\nlevel: junior\n---\n" + "\n".join(rows) + "\n", expected


@settings(max_examples=150, deadline=None)
@given(checklists())
def test_any_well_formed_checklist_parses_back_to_its_items(case):
    text, expected = case
    checklist, messages = parse_checklist(PATH, text)
    assert messages == []
    assert [(i.id, i.stage, i.title, i.evidence) for i in checklist.items] == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["#", " ", "\n", "3", "0", "9", ":", "证据：", "a", "-", "---", "\x00"])))
def test_any_text_gives_messages_with_lines_in_the_file_never_an_exception(parts):
    text = "---\nslug: s\ntitle: t\nlevel: junior\n---\n" + "".join(parts)
    _checklist, messages = parse_checklist(PATH, text)
    total = len(text.split("\n"))
    assert all(m.path == PATH and 1 <= m.line <= total for m in messages)
