"""Question specs back to the content Markdown (docs/authoring.md), so imported banks live in ``content/``.

Pure. ``to_markdown`` writes what ``parser.parse_module`` reads back into an equal question; text that the
block syntax would misread (a stem line starting ``hint:`` or ``- [x]``, a line starting ``:::``) is written
so it renders the same but cannot be taken for syntax. A question the format cannot hold raises
``MarkdownOutError``.
"""

from __future__ import annotations

import re
from decimal import Decimal

from courses.authoring.specs import NumericAnswer, Question

TEXT_BLANK = "[[]]"
DEFAULT_SCORING = {"multiple": "partial", "ordering": "partial", "matching": "partial"}

_FENCE_RE = re.compile(r" {0,3}(`{3,}|~{3,})")
_TAIL_RE = re.compile(r"(hint|explanation|correct_feedback|wrong_feedback|expr):")
_CHOICE_RE = re.compile(r"[-*+][ \t]*\[[^\]]?\]")  # what the parser reads as a (malformed) choice
_ANSWER_RE = {
    "matching": re.compile(r"[-*][ \t]+.+?->"),
    "ordering": re.compile(r"\d{1,9}[.)][ \t]"),
}


class MarkdownOutError(ValueError):
    """The question cannot be written in the content Markdown."""


def _num(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "+0") else text


def _guard(line: str, qtype: str = "") -> str:
    """A line that renders the same but is never read as block syntax (or, with qtype, stem syntax)."""
    stripped = line.lstrip()
    if stripped.startswith(":::"):
        return line[: len(line) - len(stripped)] + "&#58;" + stripped[1:]
    answer = _ANSWER_RE.get(qtype)
    if qtype and (_TAIL_RE.match(line) or _CHOICE_RE.match(line) or (answer and answer.match(line))):
        return " " + line
    return line


def _block_lines(text: str, qtype: str) -> list[str]:
    """Lines of a question stem, guarded outside fenced code."""
    out, fence = [], ""
    for line in text.split("\n"):
        opening = _FENCE_RE.match(line)
        if fence:
            if opening and opening[1][0] == fence[0] and len(opening[1]) >= len(fence):
                fence = ""
            out.append(line)
        elif opening:
            fence = opening[1]
            out.append(line)
        else:
            out.append(_guard(line, qtype))
    return out


def _inline(text: str, what: str, q: Question) -> str:
    """Text that must stay on one line (a matching side)."""
    if "\n" in text:
        raise MarkdownOutError(f"question '{q.id}': a {what} cannot span lines in Markdown")
    return text


def _numeric(n: NumericAnswer | None) -> str:
    if n is None:
        return ""
    if n.value is None and n.min is not None and n.max is not None:
        return f"{_num(n.min)}..{_num(n.max)}"
    value = _num(n.value if n.value is not None else Decimal(0))
    return f"{value} ± {_num(n.tolerance)}" if n.tolerance else value


def _blank(q: Question) -> str:
    if q.type == "numeric":
        return "[[" + _numeric(q.numeric) + "]]"
    for answer in q.accepted:
        text = answer.strip()
        if not text or "|" in text or "]]" in text or text.endswith("]") or "\n" in text:
            raise MarkdownOutError(
                f"question '{q.id}': the accepted answer '{answer}' cannot be written inside `[[…]]`"
            )
    return "[[" + "|".join(a.strip() for a in q.accepted) + "]]"


def _stem(q: Question) -> list[str]:
    def escaped(text: str) -> str:
        return text.replace("[[", "\\[\\[")

    if q.type not in ("short", "numeric"):
        return _block_lines(escaped(q.stem), q.type)
    before, found, after = q.stem.partition(TEXT_BLANK)
    if found:
        return _block_lines(escaped(before) + _blank(q) + escaped(after), q.type)
    return [*_block_lines(escaped(q.stem), q.type), "", _blank(q)]


def _continued(first: str, text: str) -> list[str]:
    """A value whose first line follows ``first`` and whose other lines are indented by two spaces."""
    lines = text.split("\n")
    return [f"{first}{lines[0]}".rstrip(), *[("  " + _guard(line)).rstrip() for line in lines[1:]]]


def _choice(correct: bool, text: str, feedback: str, weight: Decimal | None = None) -> list[str]:
    lines = [line for line in text.split("\n") if line.strip()]
    out = [f"- [{'x' if correct else ' '}] {lines[0].strip()}"]
    if weight is not None:
        out[0] += f" {{weight={_weight_text(weight)}}}"
    for line in lines[1:]:
        body = line.lstrip()
        indent = line[: len(line) - len(body)]
        out.append("  " + indent + ("\\" + body if body.startswith(">") else _guard(body)))
    for line in feedback.split("\n") if feedback else []:
        out.append(f"  > {line}".rstrip())
    return out


def _weight_text(weight: Decimal) -> str:
    text = format(weight.normalize(), "f")
    return text


def _answers(q: Question) -> list[str]:
    out: list[str] = []
    if q.type in ("single", "multiple", "truefalse"):
        for c in q.choices:
            out += _choice(c.correct, c.text, c.feedback, c.weight)
    elif q.type == "ordering":
        for n, item in enumerate(q.items, start=1):
            out.append(f"{n}. {_inline(item.text, 'ordering item', q)}")
    elif q.type == "matching":
        for p in q.pairs:
            left, right = _inline(p.left, "matching side", q), _inline(p.right, "matching side", q)
            if "->" in left:
                raise MarkdownOutError(f"question '{q.id}': the left side '{left}' cannot contain `->`")
            escape = "\\" if left.startswith("[") else ""
            out.append(f"- {escape}{left} -> {right}")
    return out


def to_markdown(q: Question) -> str:
    """One ``::: question`` block, ending with its closing ``:::`` line."""
    lines = [f"::: question {q.id}", f"type: {q.type}"]
    if q.points != 1:
        lines.append(f"points: {_num(q.points)}")
    if q.tags:
        if any(re.search(r"[,，、]|\s#", tag) for tag in q.tags):
            raise MarkdownOutError(f"question '{q.id}': a tag cannot contain a comma or ' #'")
        lines.append("tags: " + ", ".join(q.tags))
    if q.scoring != DEFAULT_SCORING.get(q.type, "all"):
        lines.append(f"scoring: {q.scoring}")
    if q.unit:
        lines.append(f"unit: {q.unit}")
    lines += ["", *_stem(q)]
    answers = _answers(q)
    if answers:
        lines += ["", *answers]
    tails = [
        (key, getattr(q, key))
        for key in ("hint", "explanation", "correct_feedback", "wrong_feedback")
        if getattr(q, key)
    ]
    if tails:
        lines.append("")
        for key, value in tails:
            lines += _continued(f"{key}: ", value)
    lines.append(":::")
    return "\n".join(lines) + "\n"


def quiz_to_markdown(quiz_id: str, questions: list[Question], *, title: str = "") -> str:
    """A whole ``::: quiz`` block holding the questions."""
    head = [f"::: quiz {quiz_id}"]
    if title:
        head.append(f"title: {' '.join(title.split())}")
    return "\n".join(head) + "\n\n" + "\n".join(to_markdown(q) for q in questions) + ":::\n"
