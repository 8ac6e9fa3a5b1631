"""On-the-job checklists (带教 30/60/90 days) as content: parse and validate one Markdown file. No ORM.

Layout (docs/authoring.md, "Checklist files")::

    ---
    slug: junior-90-days
    title: 初级社群运营 · 入职 90 天带教清单
    level: junior
    ---
    (an introduction in Markdown)

    ## 30
    ### weekly-report: 独立完成一次周报并发给主管
    证据：周报的链接，以及主管的回复。

A stage heading is ``## 30`` / ``## 60`` / ``## 90`` (words after the number are the heading's text);
an item is ``### id: title`` followed by its description and one ``证据：`` (or ``Evidence:``) line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_noop as _

from courses.authoring.parser import _front_matter, _join, _Reporter, _Values, split_lines
from courses.authoring.specs import LEVELS, Message

STAGES = (30, 60, 90)
CHECKLIST_KEYS = ("slug", "title", "title_en", "level")
ITEM_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,59}\Z")
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,79}\Z")
STAGE_RE = re.compile(r"##(?!#)\s*(.*)$")
ITEM_RE = re.compile(r"###(?!#)\s*(.*)$")
EVIDENCE_RE = re.compile(r"(?:证据|evidence)\s*[:：]\s*(.*)$", re.IGNORECASE)
TITLE_MAX = 200
EVIDENCE_MAX = 500
DESCRIPTION_MAX = 2000


@dataclass
class ChecklistItem:
    id: str
    stage: int
    title: str
    evidence: str
    description: str = ""  # Markdown
    line: int = 0


@dataclass
class Checklist:
    slug: str
    title: str
    level: str
    title_en: str = ""
    intro: str = ""  # Markdown
    items: list[ChecklistItem] = field(default_factory=list)
    path: str = ""
    line: int = 1
    source_hash: str = ""
    key_lines: dict[str, int] = field(default_factory=dict)

    def stage_items(self, stage: int) -> list[ChecklistItem]:
        return [item for item in self.items if item.stage == stage]


def parse_checklist(path: str, text: str) -> tuple[Checklist | None, list[Message]]:
    """Parse and check one checklist file; messages carry ``path:line``. None when the front matter is
    unreadable; otherwise the checklist, with errors among the messages when it must not be imported."""
    report = _Reporter()
    lines = split_lines(text)
    data, key_lines, _nodes, first = _front_matter(path, lines, report)
    if data is None:
        return None, report.messages
    values = _Values(path, data, key_lines, report)
    values.unknown(CHECKLIST_KEYS, _("unknown checklist key '%(key)s' (known: %(known)s)"))
    checklist = Checklist(
        slug=values.text("slug"),
        title=values.text("title"),
        title_en=values.text("title_en"),
        level=values.text("level"),
        path=path,
        key_lines=key_lines,
    )
    _front(report, checklist)
    _body(report, checklist, lines, first)
    return checklist, report.messages


def _front(report: _Reporter, c: Checklist) -> None:
    line = c.key_lines.get
    if not c.slug:
        report.error(c.path, 1, _("the front matter needs a 'slug' (lowercase letters, digits and '-')"))
    elif not SLUG_RE.match(c.slug):
        report.error(
            c.path,
            line("slug", 1),
            _("slug '%(slug)s' may only use lowercase letters, digits and '-'"),
            slug=c.slug,
        )
    if not c.title:
        report.error(c.path, 1, _("the front matter needs a 'title'"))
    elif len(c.title) > TITLE_MAX:
        report.error(
            c.path, line("title", 1), _("'title' is too long: %(max)d characters at most"), max=TITLE_MAX
        )
    if c.level not in LEVELS:
        report.error(
            c.path,
            line("level", 1),
            _("level '%(value)s' is not one of %(known)s"),
            value=c.level,
            known=", ".join(LEVELS),
        )


def _body(report: _Reporter, c: Checklist, lines: list[str], first: int) -> None:
    stage: int | None = None
    stage_lines: dict[int, int] = {}
    intro: list[str] = []
    item: ChecklistItem | None = None
    text: list[str] = []
    ids: dict[str, int] = {}

    def close() -> None:
        if item is None:
            return
        description = [row for row in text if not EVIDENCE_RE.match(row.strip())]
        evidence = [EVIDENCE_RE.match(row.strip()) for row in text]
        found = [m.group(1).strip() for m in evidence if m]
        if not found or not found[0]:
            report.error(
                c.path,
                item.line,
                _("item '%(id)s' needs a line `证据：…` saying what counts as evidence"),
                id=item.id,
            )
        elif len(found) > 1:
            report.error(c.path, item.line, _("item '%(id)s' has more than one `证据：` line"), id=item.id)
        else:
            item.evidence = found[0]
            if len(item.evidence) > EVIDENCE_MAX:
                report.error(
                    c.path,
                    item.line,
                    _("the evidence of item '%(id)s' is too long: %(max)d characters at most"),
                    id=item.id,
                    max=EVIDENCE_MAX,
                )
        item.description = _join(description)
        if len(item.description) > DESCRIPTION_MAX:
            report.error(
                c.path,
                item.line,
                _("the description of item '%(id)s' is too long: %(max)d characters at most"),
                id=item.id,
                max=DESCRIPTION_MAX,
            )
        c.items.append(item)

    for index in range(first, len(lines)):
        number = index + 1
        raw = lines[index]
        if "\x00" in raw:
            report.error(c.path, number, _("the line holds a NUL character"))
            continue
        stripped = raw.strip()
        if (heading := STAGE_RE.match(stripped)) is not None:
            close()
            item, text = None, []
            word = heading.group(1).split(maxsplit=1)
            value = int(word[0]) if word and word[0].isdigit() and len(word[0]) < 4 else None
            if value not in STAGES:
                report.error(
                    c.path,
                    number,
                    _("a stage heading is `## 30`, `## 60` or `## 90`, not `%(text)s`"),
                    text=stripped[:60],
                )
                stage = None
                continue
            if value in stage_lines:
                report.error(
                    c.path,
                    number,
                    _("stage %(stage)d is given twice (also on line %(first)d)"),
                    stage=value,
                    first=stage_lines[value],
                )
            elif stage_lines and value < max(stage_lines):
                report.error(c.path, number, _("stages go in order: 30, then 60, then 90"))
            stage_lines[value] = number
            stage = value
            continue
        if (heading := ITEM_RE.match(stripped)) is not None:
            close()
            item, text = None, []
            item_id, sep, title = heading.group(1).partition(":")
            if not sep:
                item_id, sep, title = heading.group(1).partition("：")
            item_id, title = item_id.strip(), title.strip()
            if stage is None:
                report.error(c.path, number, _("an item must come under a stage heading (`## 30`)"))
                continue
            if not sep or not ITEM_ID_RE.match(item_id):
                report.error(
                    c.path,
                    number,
                    _("an item heading is `### id: title`, the id in lowercase letters, digits and '-'"),
                )
                continue
            if item_id in ids:
                report.error(
                    c.path,
                    number,
                    _("item id '%(id)s' is used twice (also on line %(first)d)"),
                    id=item_id,
                    first=ids[item_id],
                )
                continue
            if not title or len(title) > TITLE_MAX:
                report.error(
                    c.path,
                    number,
                    _("item '%(id)s' needs a title of 1 to %(max)d characters"),
                    id=item_id,
                    max=TITLE_MAX,
                )
                continue
            ids[item_id] = number
            item = ChecklistItem(id=item_id, stage=stage, title=title, evidence="", line=number)
            continue
        if item is not None:
            text.append(raw)
        elif stage is None:
            intro.append(raw)
        elif stripped:
            report.error(c.path, number, _("text under a stage heading belongs to an item (`### id: title`)"))
    close()
    c.intro = _join(intro)
    if not c.items:
        report.error(c.path, max(first, 1), _("the checklist has no items: add `## 30` and `### id: title`"))
    for value, number in stage_lines.items():
        if not c.stage_items(value):
            report.error(c.path, number, _("stage %(stage)d has no items"), stage=value)
