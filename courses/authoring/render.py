"""Markdown to safe HTML: Python-Markdown renders, nh3 removes anything a trainer could not mean to publish.

Content is written by trusted trainers, but it still goes through the sanitiser: a pasted ``<script>`` or an
``onclick`` must never reach a recruit's browser.
"""

from __future__ import annotations

import re

import markdown
import nh3

EXTENSIONS = ["tables", "fenced_code", "sane_lists", "smarty", "pymdownx.tilde"]
EXTENSION_CONFIGS = {"smarty": {"smart_quotes": False}}

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "mark", "ol", "p", "pre", "s", "small",
    "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u",
    "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
    "span": {"class"},
    "code": {"class"},
}
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
    )
