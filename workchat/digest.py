"""The daily digest's text, from plain rows: pure, so hypothesis can vary the cohort freely."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

NAMES_MAX = 30  # per section; the rest are counted, so a large cohort still fits the platforms' limits
# Markdown and HTML marks: a display name must not turn into a link, a heading or a mention in the group.
_MARKUP = re.compile(r"[\\`*_\[\]()<>#|~!@\n\r]")


def plain(text: str) -> str:
    """``text`` without the characters the platforms' Markdown would interpret."""
    return _MARKUP.sub(" ", text).strip() or "?"


@dataclass(frozen=True)
class Person:
    name: str
    detail: str = ""


@dataclass
class Digest:
    cohort: str
    day: date
    overdue: list[Person] = field(default_factory=list)
    waiting: list[Person] = field(default_factory=list)
    certified: list[Person] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.waiting or self.certified)


def _section(heading: str, people: list[Person]) -> list[str]:
    lines = [f"**{heading}**"]
    for person in people[:NAMES_MAX]:
        lines.append(f"- {plain(person.name)}" + (f"（{plain(person.detail)}）" if person.detail else ""))
    if len(people) > NAMES_MAX:
        rest = len(people) - NAMES_MAX
        lines.append(ngettext("- and %(n)d more", "- and %(n)d more", rest) % {"n": rest})
    return lines


def digest_message(digest: Digest) -> tuple[str, list[str]]:
    """The title and lines of a cohort's digest, in the active language."""
    title = _("%(cohort)s · daily digest %(day)s") % {
        "cohort": plain(digest.cohort),
        "day": digest.day.isoformat(),
    }
    if digest.empty:
        return title, [_("Nobody is overdue, nothing waits for review, no new certificates.")]
    lines: list[str] = []
    sections = (
        (_("Overdue (%(n)d)"), digest.overdue),
        (_("Waiting for review (%(n)d)"), digest.waiting),
        (_("Certified since the last digest (%(n)d)"), digest.certified),
    )
    for heading, people in sections:
        if people:
            lines += _section(heading % {"n": len(people)}, people)
    return title, lines
