"""Markdown to safe HTML: Python-Markdown renders, nh3 removes anything a trainer could not mean to publish.

Content is written by trusted trainers, but it still goes through the sanitiser: a pasted ``<script>`` or an
``onclick`` must never reach a recruit's browser.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

_TASK = re.compile(r"\[([ xX])\]\s+")
_BLOCKS = {"ul", "ol", "p", "div", "pre", "blockquote", "table", "hr", "dl"}


class _TaskList(Treeprocessor):
    """``- [ ] text`` / ``- [x] text`` items: a disabled checkbox inside a label holding the item's text,
    so a screen reader names the box; nested blocks stay outside the label (it only takes phrasing)."""

    def run(self, root: etree.Element) -> None:
        for li in list(root.iter("li")):
            holder = li
            if not (li.text or "").strip() and len(li) and li[0].tag == "p":
                holder = li[0]  # a loose list wraps the item in a paragraph
            match = _TASK.match(holder.text or "")
            if not match:
                continue
            label = etree.Element("label")
            box = etree.SubElement(label, "input", {"type": "checkbox", "disabled": "disabled"})
            if match.group(1) != " ":
                box.set("checked", "checked")
            box.tail = " " + holder.text[match.end() :]
            holder.text = None
            for child in list(holder):
                if child.tag in _BLOCKS:
                    break
                holder.remove(child)
                label.append(child)
            holder.insert(0, label)
            li.set("class", "task")


class _TaskListExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After inline parsing (20), before un-escaping (0): an escaped "\[ ]" is not a task.
        md.treeprocessors.register(_TaskList(md), "task_list", 15)


EXTENSIONS = ["tables", "fenced_code", "sane_lists", "smarty", "pymdownx.tilde", _TaskListExtension()]
EXTENSION_CONFIGS = {"smarty": {"smart_quotes": False}}

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "mark", "ol", "p", "pre", "s", "small",
    "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u",
    "ul", "input", "label",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
    "span": {"class"},
    "code": {"class"},
    "input": {"checked"},
}
# Whatever an author writes, an <input> can only be the task list's disabled checkbox. A table scrolls
# sideways on a phone rather than squeeze its columns (site.css), so a keyboard must reach it to scroll it.
FORCED_ATTRIBUTES = {"input": {"type": "checkbox", "disabled": "disabled"}, "table": {"tabindex": "0"}}
ALLOWED_CLASSES = {"li": {"task"}}
URL_SCHEMES = {"http", "https", "mailto"}

_OUTER_P = re.compile(r"\A<p>(.*)</p>\Z", re.DOTALL)


def render_markdown(text: str) -> str:
    """Render a Markdown block to sanitised HTML."""
    html = markdown.markdown(
        text, extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS, output_format="html"
    )
    return sanitize(html)


def render_inline(text: str) -> str:
    """Render one line of Markdown (a choice, a label) without the wrapping paragraph."""
    html = render_markdown(text).strip()
    match = _OUTER_P.match(html)
    if match and "<p>" not in match.group(1):
        return match.group(1)
    return html


def render_optional(text: str) -> str:
    return render_markdown(text) if text and text.strip() else ""


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        allowed_classes=ALLOWED_CLASSES,
        set_tag_attribute_values=FORCED_ATTRIBUTES,
    )
