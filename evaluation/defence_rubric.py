"""The 转正答辩 rubric as content: parse and validate ``content/defence/<name>.md``. Pure Python, no ORM.

Layout (docs/authoring.md, "Defence rubrics"): YAML front matter (slug, title, title_en, pass_percent), an
optional introduction, then one ``## Title {#id}`` heading per criterion, an optional ``en: English title``
line and exactly four ``- 1: …`` … ``- 4: …`` lines describing each level. Every problem is reported with
the file and line to edit; nothing raises on bad content.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.utils.translation import gettext_noop as _

from courses.authoring.specs import Message, message

LEVELS = (1, 2, 3, 4)
MAX_LEVEL = LEVELS[-1]
MIN_CRITERIA = 2
MAX_CRITERIA = 12
MAX_TITLE_CHARS = 120
MAX_LEVEL_CHARS = 500
MAX_FILE_BYTES = 200_000
KEYS = ("slug", "title", "title_en", "pass_percent")
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,59}\Z")
HEADING_RE = re.compile(r"##\s+(?P<title>.*?)\s*(?:\{#(?P<id>[^}]*)\})?\s*\Z")
LEVEL_RE = re.compile(r"-\s*(?P<level>\d+)\s*[:：]\s*(?P<text>.*)\Z")
EN_RE = re.compile(r"en\s*[:：]\s*(?P<text>.*)\Z")


@dataclass(frozen=True)
class RubricCriterion:
    id: str
    title: str
    title_en: str
    levels: tuple[str, ...]  # the descriptions of levels 1 … 4, in order
    line: int = 0


@dataclass
class Rubric:
    slug: str
    title: str
    title_en: str
    pass_percent: int
    intro: str
    criteria: list[RubricCriterion] = field(default_factory=list)
    path: str = ""
    source_hash: str = ""

    def as_data(self) -> list[dict]:
        """The criteria as stored on a rubric version (JSON)."""
        return [
            {"id": c.id, "title": c.title, "title_en": c.title_en, "levels": list(c.levels)}
            for c in self.criteria
        ]


def source_digest(path: str, text: str) -> str:
    return hashlib.sha256(f"{path}\0{text}".encode()).hexdigest()


def _front_matter(path: str, lines: list[str], errors: list[Message]) -> tuple[dict, dict[str, int], int]:
    """(values, key -> line, index of the first body line); empty values after an error."""
    if not lines or lines[0].strip() != "---":
        errors.append(message(path, 1, _("a defence rubric starts with front matter between '---' lines")))
        return {}, {}, 0
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        errors.append(message(path, 1, _("the front matter is not closed by a '---' line")))
        return {}, {}, 0
    try:
        data = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        errors.append(message(path, line, _("the front matter is not valid YAML")))
        return {}, {}, end + 1
    if not isinstance(data, dict):
        errors.append(message(path, 2, _("the front matter must be `key: value` lines")))
        return {}, {}, end + 1
    key_lines = {}
    for i in range(1, end):
        match = re.match(r"([A-Za-z_][\w-]*)\s*:", lines[i])
        if match:
            key_lines.setdefault(match.group(1), i + 1)
    return data, key_lines, end + 1


def rubric_parse(path: str, text: str) -> tuple[Rubric | None, list[Message]]:
    """Parse and validate one rubric file; ``None`` with the messages when it has errors."""
    errors: list[Message] = []
    if "\x00" in text:
        return None, [message(path, 1, _("the file contains a NUL character"))]
    lines = text.lstrip("\ufeff").splitlines()
    data, key_lines, first = _front_matter(path, lines, errors)
    if errors:
        return None, errors

    def line_of(key: str) -> int:
        return key_lines.get(key, 1)

    for key in data:
        if key not in KEYS:
            errors.append(
                message(
                    path,
                    line_of(str(key)),
                    _("unknown rubric key '%(key)s' (known: %(known)s)"),
                    key=key,
                    known=", ".join(KEYS),
                )
            )
    slug = str(data.get("slug") or "").strip()
    if not SLUG_RE.match(slug):
        errors.append(
            message(path, line_of("slug"), _("slug must be lowercase letters, digits and '-' (at most 60)"))
        )
    title = str(data.get("title") or "").strip()
    title_en = str(data.get("title_en") or "").strip()
    if not title:
        errors.append(message(path, line_of("title"), _("the rubric needs a title")))
    for key, value in (("title", title), ("title_en", title_en)):
        if len(value) > MAX_TITLE_CHARS:
            errors.append(
                message(
                    path,
                    line_of(key),
                    _("%(key)s is longer than %(max)s characters"),
                    key=key,
                    max=MAX_TITLE_CHARS,
                )
            )
    pass_percent = data.get("pass_percent")
    if isinstance(pass_percent, bool) or not isinstance(pass_percent, int) or not 1 <= pass_percent <= 100:
        errors.append(
            message(path, line_of("pass_percent"), _("pass_percent must be a whole number from 1 to 100"))
        )
        pass_percent = 0
    criteria, intro = _criteria(path, lines, first, errors)
    if not errors and len(criteria) < MIN_CRITERIA:
        errors.append(
            message(path, len(lines) or 1, _("a rubric needs at least %(min)s criteria"), min=MIN_CRITERIA)
        )
    if len(criteria) > MAX_CRITERIA:
        errors.append(
            message(
                path,
                criteria[MAX_CRITERIA].line,
                _("a rubric has at most %(max)s criteria"),
                max=MAX_CRITERIA,
            )
        )
    if errors:
        return None, errors
    rubric = Rubric(
        slug=slug,
        title=title,
        title_en=title_en,
        pass_percent=pass_percent,
        intro=intro,
        criteria=criteria,
        path=path,
        source_hash=source_digest(path, text),
    )
    return rubric, []


def _criteria(
    path: str, lines: list[str], first: int, errors: list[Message]
) -> tuple[list[RubricCriterion], str]:
    criteria: list[RubricCriterion] = []
    seen: dict[str, int] = {}
    intro: list[str] = []
    current: dict | None = None

    def close() -> None:
        if current is None:
            return
        for level in LEVELS:
            if level not in current["levels"]:
                errors.append(
                    message(
                        path,
                        current["line"],
                        _("criterion '%(id)s' has no description for level %(number)s"),
                        id=current["id"],
                        number=level,
                    )
                )
        if all(level in current["levels"] for level in LEVELS):
            criteria.append(
                RubricCriterion(
                    id=current["id"],
                    title=current["title"],
                    title_en=current["title_en"],
                    levels=tuple(current["levels"][level] for level in LEVELS),
                    line=current["line"],
                )
            )

    for index in range(first, len(lines)):
        number = index + 1
        raw = lines[index]
        stripped = raw.strip()
        if stripped.startswith("## "):
            close()
            match = HEADING_RE.match(stripped)
            title = (match.group("title") if match else "").strip()
            crit_id = ((match.group("id") if match else None) or "").strip()
            if not SLUG_RE.match(crit_id):
                errors.append(
                    message(path, number, _("a criterion heading is `## Title {#id}` with a lowercase id"))
                )
            elif crit_id in seen:
                errors.append(
                    message(
                        path,
                        number,
                        _("criterion id '%(id)s' is used twice (first on line %(first)s)"),
                        id=crit_id,
                        first=seen[crit_id],
                    )
                )
            else:
                seen[crit_id] = number
            if not title:
                errors.append(message(path, number, _("the criterion needs a title before {#id}")))
            elif len(title) > MAX_TITLE_CHARS:
                errors.append(
                    message(
                        path,
                        number,
                        _("the criterion title is longer than %(max)s characters"),
                        max=MAX_TITLE_CHARS,
                    )
                )
            current = {"id": crit_id, "title": title, "title_en": "", "levels": {}, "line": number}
            continue
        if current is None:
            intro.append(raw)
            continue
        if not stripped:
            continue
        level_match = LEVEL_RE.match(stripped)
        en_match = EN_RE.match(stripped)
        if level_match:
            level = int(level_match.group("level"))
            text = level_match.group("text").strip()
            if level not in LEVELS:
                errors.append(message(path, number, _("levels are 1 to 4, not %(number)s"), number=level))
            elif level in current["levels"]:
                errors.append(
                    message(
                        path, number, _("level %(number)s is described twice in this criterion"), number=level
                    )
                )
            elif not text:
                errors.append(message(path, number, _("level %(number)s has no description"), number=level))
            elif len(text) > MAX_LEVEL_CHARS:
                errors.append(
                    message(
                        path,
                        number,
                        _("the description is longer than %(max)s characters"),
                        max=MAX_LEVEL_CHARS,
                    )
                )
            else:
                current["levels"][level] = text
        elif en_match and not current["levels"]:
            current["title_en"] = en_match.group("text").strip()[:MAX_TITLE_CHARS]
        else:
            errors.append(
                message(
                    path,
                    number,
                    _("unexpected line in criterion '%(id)s': levels are `- 1: …` to `- 4: …`"),
                    id=current["id"],
                )
            )
    close()
    return criteria, "\n".join(intro).strip()


def rubrics_load(root: Path) -> tuple[list[Rubric], list[Message]]:
    """Every rubric under ``root/defence/`` (name order) and the problems found; slugs must be unique."""
    folder = Path(root) / "defence"
    rubrics: list[Rubric] = []
    messages: list[Message] = []
    if not folder.is_dir():
        return rubrics, messages
    slugs: dict[str, str] = {}
    for file in sorted(folder.glob("*.md")):
        shown = str(file.relative_to(root))
        if file.stat().st_size > MAX_FILE_BYTES:
            messages.append(message(shown, 1, _("the file is larger than %(max)s bytes"), max=MAX_FILE_BYTES))
            continue
        try:
            text = file.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            messages.append(message(shown, 1, _("the file is not readable UTF-8 text")))
            continue
        rubric, found = rubric_parse(shown, text)
        messages.extend(found)
        if rubric is None:
            continue
        if rubric.slug in slugs:
            messages.append(
                message(
                    shown,
                    2,
                    _("rubric slug '%(slug)s' is also used by %(other)s"),
                    slug=rubric.slug,
                    other=slugs[rubric.slug],
                )
            )
            continue
        slugs[rubric.slug] = shown
        rubrics.append(rubric)
    return rubrics, messages
