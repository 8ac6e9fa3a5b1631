"""Bad content is reported as file:line: message by the parser, validator and loader; nothing raises."""

from __future__ import annotations

from pathlib import Path

import pytest

from courses.authoring.loader import MAX_FILE_BYTES, load_tree
from courses.authoring.render import render_markdown

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "content" / "modules" / "demo-basics.md"


def tree_with(tmp_path: Path, files: dict[str, bytes | str]):
    for name, body in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, str):
            path.write_text(body, encoding="utf-8")
        else:
            path.write_bytes(body)
    return load_tree(tmp_path)


def errors(tree) -> list[str]:
    return [str(m) for m in tree.errors]


def good() -> str:
    return FIXTURE.read_text(encoding="utf-8")


def test_fixture_module_is_clean(tmp_path):
    tree = tree_with(tmp_path, {"modules/demo.md": good()})
    assert errors(tree) == []
    assert [m.slug for m in tree.modules] == ["demo-basics"]


def test_malformed_yaml_points_at_the_file(tmp_path):
    text = good().replace("title:", "title: [unclosed", 1)
    found = errors(tree_with(tmp_path, {"modules/demo.md": text}))
    assert found
    assert all(e.startswith("modules/demo.md:") for e in found)


def test_a_yaml_error_is_reported_at_its_line_and_the_rest_is_still_checked(tmp_path):
    lines = good().split("\n")
    assert lines[2].startswith("title:")
    lines[2] = "title 测试模块"  # no colon: YAML notices only on the next line
    lines[8] = "level: expert"  # a planted error after the broken line
    lines.insert(9, "colour: blue")  # and another
    text = "\n".join(lines).replace("::: quiz basics-quiz", "::: quiz basics-quiz\ndraw: 99", 1)
    found = errors(tree_with(tmp_path, {"modules/demo.md": text}))
    assert any(e.startswith("modules/demo.md:3: error: front matter is not valid YAML") for e in found)
    assert any(e.startswith("modules/demo.md:9:") and "level 'expert'" in e for e in found)
    assert any(e.startswith("modules/demo.md:10:") and "colour" in e for e in found)
    assert any("draw: 99" in e for e in found)


def test_an_unclosed_quote_is_reported_where_it_opens(tmp_path):
    text = (
        good()
        .replace('title_en: "Test module', 'title_en: "Test module\\', 1)
        .replace('community basics"', "community basics", 1)
    )
    found = errors(tree_with(tmp_path, {"modules/demo.md": text}))
    assert any(e.startswith("modules/demo.md:4: error: front matter is not valid YAML") for e in found)


def test_unknown_front_matter_key_names_its_line(tmp_path):
    lines = good().split("\n")
    lines.insert(2, "colour: blue")
    found = errors(tree_with(tmp_path, {"modules/demo.md": "\n".join(lines)}))
    assert any(e.startswith("modules/demo.md:3:") and "colour" in e for e in found)


def test_unclosed_block_is_an_error(tmp_path):
    text = good().rstrip()
    assert text.endswith(":::")
    found = errors(tree_with(tmp_path, {"modules/demo.md": text[: -len(":::")]}))
    assert any("modules/demo.md:" in e for e in found)


def test_no_correct_answer_and_duplicate_ids_are_reported(tmp_path):
    text = good().replace("- [x] 因共同兴趣聚在一起并持续互动的人", "- [ ] 因共同兴趣聚在一起并持续互动的人")
    text = text.replace("::: question q-kpis", "::: question q-definition")
    found = errors(tree_with(tmp_path, {"modules/demo.md": text}))
    assert any("q-definition" in e and "[x]" in e for e in found)
    assert any("already used" in e for e in found)


def test_draw_larger_than_pool_is_reported(tmp_path):
    text = good().replace("::: quiz basics-quiz\n", "::: quiz basics-quiz\ndraw: 50\n", 1)
    found = errors(tree_with(tmp_path, {"modules/demo.md": text}))
    assert any("draw: 50" in e for e in found)


def test_two_files_claiming_one_slug(tmp_path):
    found = errors(tree_with(tmp_path, {"modules/a.md": good(), "modules/b.md": good()}))
    assert sum("used by more than one module" in e for e in found) == 2


def test_non_utf8_and_binary_files_are_refused(tmp_path):
    tree = tree_with(tmp_path, {"modules/latin.md": good().encode("gb18030")})
    assert any(e.startswith("modules/latin.md:1:") and "UTF-8" in e for e in errors(tree))
    assert tree.modules == []


def test_oversized_file_is_refused(tmp_path):
    big = good() + "\n" + "很长的课文。" * (MAX_FILE_BYTES // 10)
    tree = tree_with(tmp_path, {"modules/big.md": big})
    assert any("larger than" in e for e in errors(tree))
    assert tree.modules == []


def test_course_naming_a_missing_module(tmp_path):
    course = "---\nslug: track\ntitle: 路线\nlevel: junior\nmodules:\n  - slug: nowhere\n---\n说明\n"
    found = errors(tree_with(tmp_path, {"modules/demo.md": good(), "courses/track.md": course}))
    assert any(e.startswith("courses/track.md:") and "nowhere" in e for e in found)


def test_missing_explanation_and_feedback_are_warnings_not_errors(tmp_path):
    text = good().replace("  > 人数多不等于社群。\n", "")
    tree = tree_with(tmp_path, {"modules/demo.md": text})
    assert errors(tree) == []
    assert any("no feedback" in str(w) for w in tree.warnings)


@pytest.mark.parametrize(
    ("markdown", "forbidden"),
    [
        ("<script>alert(1)</script>正文", "<script"),
        ('<img src="x.png" onerror="alert(1)">', "onerror"),
        ("[点我](javascript:alert(1))", "javascript:"),
        ('<a href="https://example.com" onclick="x()">链接</a>', "onclick"),
    ],
)
def test_renderer_strips_scripts_handlers_and_javascript_links(markdown, forbidden):
    html = render_markdown(markdown)
    assert forbidden not in html.lower()


def test_renderer_keeps_ordinary_markdown():
    html = render_markdown("**共同兴趣** 与 [链接](https://example.com)\n\n| a | b |\n| - | - |\n| 1 | 2 |")
    assert "<strong>共同兴趣</strong>" in html
    assert 'href="https://example.com"' in html
    assert '<table tabindex="0">' in html  # focusable: it may scroll sideways on a phone


def test_a_markdown_table_is_reachable_by_keyboard_so_it_can_be_scrolled_on_a_phone():
    html = render_markdown(
        '| 要素 | 说明 |\n| - | - |\n| 连接 | 成员之间 |\n\n<table tabindex="5"><tr><td>x</td></tr></table>'
    )
    assert html.count('<table tabindex="0">') == 2


def _track(extra: str) -> str:
    return (
        f"---\nslug: track\ntitle: 路线\nlevel: junior\n{extra}modules:\n  - slug: demo-basics\n---\n说明\n"
    )


def test_a_track_sets_its_daily_review_size(tmp_path):
    tree = tree_with(tmp_path, {"modules/demo.md": good(), "courses/track.md": _track("review_cards: 12\n")})
    assert errors(tree) == []
    assert tree.courses[0].review_cards == 12
    plain = tree_with(tmp_path / "plain", {"modules/demo.md": good(), "courses/track.md": _track("")})
    assert plain.courses[0].review_cards is None


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("0", "between 1 and 50"),
        ("51", "between 1 and 50"),
        ("many", "whole number"),
        ("2.5", "whole number"),
    ],
)
def test_a_bad_review_size_is_reported_at_its_line(tmp_path, value, words):
    tree = tree_with(
        tmp_path, {"modules/demo.md": good(), "courses/track.md": _track(f"review_cards: {value}\n")}
    )
    found = [e for e in errors(tree) if "review_cards" in e]
    assert len(found) == 1
    assert found[0].startswith("courses/track.md:5:")
    assert words in found[0]
