"""Markdown task lists in lessons render as disabled checkboxes, not as a literal "[ ]" / "[x]"."""

import re

from courses.authoring.render import render_markdown


def test_task_list_items_become_disabled_checkboxes_labelled_by_their_text():
    html = render_markdown("- [ ] 建群公告\n- [x] 欢迎新人 **当天**\n- 普通条目")
    assert "[ ]" not in html
    assert "[x]" not in html
    items = re.findall(r"<li[^>]*>.*?</li>", html, re.DOTALL)
    assert len(items) == 3
    first = re.search(r"<label>(<input[^>]*>) 建群公告</label>", items[0])
    second = re.search(r"<label>(<input[^>]*>) 欢迎新人 <strong>当天</strong></label>", items[1])
    assert first
    assert second
    for box in (first.group(1), second.group(1)):
        assert 'type="checkbox"' in box
        assert "disabled" in box
    assert "checked" not in first.group(1)
    assert "checked" in second.group(1)
    assert 'class="task"' in items[0]
    assert 'class="task"' in items[1]
    assert "<input" not in items[2]
    assert 'class="task"' not in items[2]


def test_loose_and_nested_task_lists_keep_their_blocks_outside_the_label():
    html = render_markdown("- [X] 第一步\n\n    - [ ] 子任务\n\n- [ ] 第二步\n")
    assert html.count('type="checkbox"') == 3
    assert html.count("checked") == 1
    # A nested list is not phrasing content, so it must not end up inside a <label>.
    assert not re.search(r"<label>(?:(?!</label>).)*<ul", html, re.DOTALL)


def test_brackets_elsewhere_and_escaped_brackets_stay_text():
    html = render_markdown("见 [ ] 与 [x] 两种写法\n\n- \\[ ] 不是任务\n- [y] 也不是")
    assert "<input" not in html
    assert "[ ]" in html
    assert "[y]" in html


def test_authors_cannot_smuggle_other_inputs_through_the_sanitiser():
    smuggled = '<input type="text" name="pw" value="x" onfocus="alert(1)"><label for="p">x</label>'
    html = render_markdown(smuggled)
    assert 'type="text"' not in html
    assert "onfocus" not in html
    assert "name=" not in html
    assert "value=" not in html
    assert "for=" not in html
    for tag in re.findall(r"<input[^>]*>", html):
        assert 'type="checkbox"' in tag
        assert "disabled" in tag
