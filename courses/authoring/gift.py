"""Moodle GIFT in and out: GIFT text to the question specs the Markdown parser makes, and specs back to GIFT.

Pure: no ORM, no settings. ``parse_gift`` never raises on bad input; it reports ``file:line`` messages, and
when any of them is an error it returns no questions at all, so a caller never imports half a file. What one
side can say and the other cannot is reported as a warning (import) and listed in docs/authoring.md.
Semantics follow Moodle's own importer (question/format/gift/format.php) where GIFT readers disagree.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from courses.authoring.parser import split_lines
from courses.authoring.specs import Choice, MatchingPair, Message, NumericAnswer, Question

TRUE_LABEL, FALSE_LABEL = "正确", "错误"
TRUE_WORDS = {"正确", "对", "是", "true", "t", "yes", "√", "✓"}
CHOICE_BLANK = "_____"  # Moodle's blank for a missing-word choice question
TEXT_BLANK = "[[]]"  # the Markdown parser's blank for short and numeric questions
EXPORTABLE = ("single", "multiple", "truefalse", "short", "numeric", "matching")
MAX_ID = 60

# Escaped characters become private-use placeholders while the structure is parsed, as Moodle does.
_ESCAPES = {"~": "\ue000", "=": "\ue001", "#": "\ue002", "{": "\ue003", "}": "\ue004", ":": "\ue005"}
_BACKSLASH, _NEWLINE = "\ue006", "\ue007"
_RESTORE = str.maketrans({v: k for k, v in _ESCAPES.items()} | {_BACKSLASH: "\\", _NEWLINE: "\n"})

ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\Z")
FORMAT_RE = re.compile(r"\s*\[(html|moodle|plain|markdown)\]")
WEIGHT_RE = re.compile(r"\s*%(-?\d+(?:\.\d+)?)%")
NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
RANGE_RE = re.compile(rf"\s*({NUMBER})\s*\.\.\s*({NUMBER})\s*\Z")
EXACT_RE = re.compile(rf"\s*({NUMBER})\s*(?::\s*({NUMBER})\s*)?\Z")
META_RE = re.compile(r"\[(id|tag|points|scoring):((?:\\\]|[^\]])*)\]")
STRAY_TAIL_RE = re.compile(r'\s*";\s*\Z')  # some exporters leave `";` after the closing brace
TF_WORDS = {"T": True, "TRUE": True, "F": False, "FALSE": False}
MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]{}()#+!|~])")


@dataclass
class _Chunk:
    """One question's source: text with escapes replaced, the line of every character, its comments."""

    text: str = ""
    lines: list[int] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    def add(self, text: str, line: int) -> None:
        self.text += text
        self.lines.extend([line] * len(text))

    def line_at(self, offset: int) -> int:
        if not self.lines:
            return 1
        return self.lines[min(max(offset, 0), len(self.lines) - 1)]


@dataclass
class _Answer:
    marker: str  # "=", "~" or "" (text before the first marker)
    weight: Decimal | None
    text: str  # still with placeholders
    feedback: str | None
    line: int


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path
        self.messages: list[Message] = []

    def error(self, line: int, text: str) -> None:
        self.messages.append(Message(self.path, max(line, 1), text))

    def warn(self, line: int, text: str) -> None:
        self.messages.append(Message(self.path, max(line, 1), text, "warning"))

    @property
    def failed(self) -> bool:
        return any(m.level == "error" for m in self.messages)


# ---------------------------------------------------------------- text helpers


def _restore(text: str) -> str:
    return text.translate(_RESTORE)


def _escape_markdown(text: str) -> str:
    """Plain text as Markdown that shows the same characters."""
    text = MARKDOWN_SPECIALS.sub(r"\\\1", text).replace("&", "&amp;").replace("<", "&lt;")
    out = []
    for line in text.split("\n"):
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if stripped[:1] in ("-", ">") or re.match(r"\d+[.)]", stripped):
            digits = re.match(r"\d*", stripped).group()
            stripped = digits + "\\" + stripped[len(digits) :]
        out.append(indent + stripped)
    return "\n".join(out)


def _convert(raw: str, fmt: str) -> str:
    """GIFT text (placeholders, no format marker) as Markdown, not stripped."""
    text = _restore(raw)
    return _escape_markdown(text) if fmt == "plain" else text


def _text(raw: str, fmt: str) -> str:
    """A GIFT text with an optional leading ``[format]`` marker, as stripped Markdown."""
    marker = FORMAT_RE.match(raw)
    if marker:
        fmt, raw = marker[1], raw[marker.end() :]
    return _convert(raw.strip(), fmt).strip()


def _plain(raw: str) -> str:
    """A GIFT text used as a value (an accepted or numeric answer): one line, no format marker."""
    marker = FORMAT_RE.match(raw)
    if marker:
        raw = raw[marker.end() :]
    return " ".join(_restore(raw).split())


def _decimal(text: str) -> Decimal | None:
    """A finite number written plainly (no NaN, Infinity or exponent), else None."""
    return Decimal(text.strip()) if re.fullmatch(NUMBER, text.strip()) else None


def _num(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "+0") else text


def _short(text: str, n: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _slug(title: str) -> str:
    """An ASCII id from a title; "" when the title is not Latin script (for example Chinese)."""
    title = title.strip()
    if ID_RE.match(title) and len(title) <= MAX_ID:
        return title
    decomposed = unicodedata.normalize("NFKD", title)
    if any(ord(c) > 127 and c.isalnum() for c in decomposed):
        return ""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", decomposed.encode("ascii", "ignore").decode()).strip("-").lower()
    return slug[:MAX_ID].rstrip("-")


def unique_ids(questions: list[Question], taken: set[str]) -> list[tuple[str, str]]:
    """Rename questions whose id is in ``taken`` (or repeats) to ``id-2``, ``id-3``…; returns the renames."""
    renamed = []
    for q in questions:
        new = q.id
        n = 2
        while new in taken:
            new = f"{q.id}-{n}"
            n += 1
        if new != q.id:
            renamed.append((q.id, new))
            q.id = new
        taken.add(new)
    return renamed


# ---------------------------------------------------------------- import


def _chunks(text: str, reader: _Reader) -> list[_Chunk]:
    """Split the file into questions at blank lines outside braces; report broken braces."""
    chunks: list[_Chunk] = []
    current: _Chunk | None = None
    open_line = 0  # line of the open `{`, 0 when none is open
    for no, line in enumerate(split_lines(text), start=1):
        if not line.strip():
            if open_line:
                current.add("\n", no)
            else:
                current = None
            continue
        if current is None:
            current = _Chunk()
            chunks.append(current)
        if line.lstrip().startswith("//"):
            current.comments.append(line.strip()[2:])
            continue
        out = []
        i = 0
        while i < len(line):
            ch = line[i]
            nxt = line[i + 1] if i + 1 < len(line) else ""
            if ch == "\\" and nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if ch == "\\" and nxt in ("\\", "n"):
                out.append(_BACKSLASH if nxt == "\\" else _NEWLINE)
                i += 2
                continue
            if ch == "{":
                if open_line:
                    reader.error(
                        open_line,
                        f"the answer block `{{` opened on this line is not closed before the `{{` on line "
                        f"{no}: add `}}` after its answers (write `\\{{` for a literal brace)",
                    )
                open_line = no
            elif ch == "}":
                if open_line:
                    open_line = 0
                else:
                    reader.error(no, "`}` without an opening `{`: write `\\}` for a literal brace")
            out.append(ch)
            i += 1
        current.add("".join(out) + "\n", no)
    if open_line:
        reader.error(
            open_line,
            "the answer block `{` opened on this line is never closed: add `}` after its answers "
            "(write `\\{` for a literal brace)",
        )
    return chunks


def _split_answers(
    chunk: _Chunk, inner: str, start: int, markers: str, *, weights: bool = True, feedback: bool = True
) -> list[_Answer]:
    """Split an answer block at its unescaped markers; text before the first marker gets marker ""."""
    cuts = [i for i, ch in enumerate(inner) if ch in markers]
    pieces = [] if cuts[:1] == [0] else [(0, cuts[0] if cuts else len(inner), "")]
    pieces += [
        (c + 1, cuts[k + 1] if k + 1 < len(cuts) else len(inner), inner[c]) for k, c in enumerate(cuts)
    ]
    answers = []
    for begin, end, marker in pieces:
        body = inner[begin:end]
        if not marker and not body.strip():
            continue
        line = chunk.line_at(start + begin + len(body) - len(body.lstrip()))
        weight = None
        match = WEIGHT_RE.match(body) if weights else None
        if match:
            weight = Decimal(match[1])
            body = body[match.end() :]
        text, sep, rest = body.partition("#") if feedback else (body, "", "")
        answers.append(_Answer(marker, weight, text, rest if sep else None, line))
    return answers


class _QuestionReader:
    """Turn one chunk into a Question, or report why it cannot be one."""

    def __init__(self, reader: _Reader, chunk: _Chunk, ordinal: int) -> None:
        self.reader, self.chunk, self.ordinal = reader, chunk, ordinal
        self.title = ""
        self.meta: dict[str, list[str]] = {}
        for comment in chunk.comments:
            for key, value in META_RE.findall(comment):
                self.meta.setdefault(key, []).append(value.replace("\\]", "]").strip())

    def read(self, pos: int) -> Question | None:
        chunk, s = self.chunk, self.chunk.text
        line = chunk.line_at(pos)
        if s.startswith("::", pos):
            end = s.find("::", pos + 2)
            if end < 0:
                self.reader.error(line, "the question title `::…` is never closed: add `::` after the title")
                return None
            self.title = " ".join(_restore(s[pos + 2 : end]).split())
            pos = end + 2
        opening = s.find("{", pos)
        if opening < 0:
            self.reader.warn(
                line,
                f"'{_short(self.title or _restore(s[pos:]))}' has no answer block `{{…}}`: a Moodle "
                "description is not a question, so it is skipped",
            )
            return None
        closing = s.find("}", opening)
        again = s.find("{", closing)
        if again >= 0:
            self.reader.error(
                chunk.line_at(again),
                "a question has one answer block `{…}`: put a blank line between questions, "
                "or write `\\{` for a literal brace",
            )
            return None
        before, inner, after = s[pos:opening], s[opening + 1 : closing], s[closing + 1 :]
        if after.strip() and STRAY_TAIL_RE.match(after):
            self.reader.warn(chunk.line_at(closing), 'ignored the stray `";` after the answer block')
            after = ""
        fmt = "moodle"
        marker = FORMAT_RE.match(before)
        if marker:
            fmt, before = marker[1], before[marker.end() :]
        general = ""
        cut = inner.rfind("####")
        if cut >= 0:
            general, inner = _text(inner[cut + 4 :], fmt), inner[:cut]
        q = Question(id="", type="", stem="", path=self.reader.path, line=line, explanation=general)
        body = inner.strip()
        start = opening + 1 + (len(inner) - len(inner.lstrip()))
        if not body:
            self.reader.warn(
                line,
                f"'{_short(self.title or _restore(before))}' is an essay question: quizzes here "
                "have no essay questions (use a written drill), so it is skipped",
            )
            return None
        if body.startswith("#"):
            ok = self.numeric(q, body[1:], start + 1, fmt)
        elif "~" in body:
            ok = self.choices(q, body, start, fmt)
        elif "=" in body and "->" in body:
            ok = self.matching(q, body, start, fmt)
        elif body.partition("#")[0].strip() in TF_WORDS:
            ok = self.truefalse(q, body, fmt)
        else:
            ok = self.short(q, body, start, fmt)
        if not ok:
            return None
        blank = TEXT_BLANK if q.type in ("short", "numeric") else CHOICE_BLANK
        if after.strip():
            q.stem = (_convert(before, fmt) + blank + _convert(after, fmt)).strip()
        else:
            q.stem = _convert(before, fmt).strip()
            if q.stem and blank == TEXT_BLANK:
                q.stem += "\n\n" + TEXT_BLANK  # the content format always shows where the answer goes
        if not q.stem:
            self.reader.error(line, "the question has no text before its answer block `{…}`")
            return None
        q.scoring = "partial" if q.type in ("multiple", "matching") else "all"
        self.apply_meta(q)
        return q

    def apply_meta(self, q: Question) -> None:
        q.tags = [t for t in self.meta.get("tag", []) if t]
        for value in self.meta.get("points", [])[:1]:
            points = _decimal(value)
            if points is not None and points > 0:
                q.points = points
            else:
                self.reader.warn(q.line, f"ignored `[points:{value}]`: points must be a number above 0")
        for value in self.meta.get("scoring", [])[:1]:
            if value in ("all", "partial"):
                q.scoring = value
            else:
                self.reader.warn(q.line, f"ignored `[scoring:{value}]`: scoring is all or partial")

    def question_id(self) -> str:
        slug = _slug(self.title) if self.title else ""
        if not slug:
            for value in self.meta.get("id", []):
                if ID_RE.match(value) and len(value) <= MAX_ID:
                    return value
        return slug or f"gift-{self.ordinal}"

    # ------------------------------------------------------------ question kinds

    def choices(self, q: Question, body: str, start: int, fmt: str) -> bool:
        answers = _split_answers(self.chunk, body, start, "~=")
        if answers and answers[0].marker == "":
            self.reader.error(answers[0].line, "each answer starts with `=` (right) or `~` (wrong)")
            return False
        has_equals = any(a.marker == "=" for a in answers)
        right: list[bool] = []
        for a in answers:
            text = _text(a.text, fmt)
            if not text:
                self.reader.error(a.line, "an answer has no text")
                return False
            weight = None
            if has_equals:
                correct = a.weight == 100 or (a.marker == "=" and a.weight is None)
                if not correct and a.weight is not None and a.weight != 0:
                    weight = a.weight  # partial or negative credit, kept as Moodle keeps it
            else:
                correct = a.weight is not None and a.weight > 0
                weight = a.weight if a.weight is not None else Decimal(0)  # Moodle: no weight gives 0%
            if weight is not None and not -100 <= weight <= 100:
                self.reader.error(a.line, f"'{_short(text)}': a weight is between -100% and 100%")
                return False
            right.append(correct)
            q.choices.append(
                Choice(
                    id=f"c{len(q.choices) + 1}",
                    text=text,
                    correct=correct,
                    feedback=_text(a.feedback or "", fmt),
                    line=a.line,
                    weight=weight,
                )
            )
        n = sum(right)
        if n == 0:
            self.reader.error(
                q.line, "no answer is right: mark one with `=` or give it a positive `%weight%`"
            )
            return False
        if has_equals:
            q.type = "single" if n == 1 else "multiple"
            if n > 1:
                self.reader.warn(
                    q.line,
                    "several answers are fully right: Moodle accepts any one of them; here they become a "
                    "multiple-choice question where all of them must be picked",
                )
            return True
        q.type = "multiple"
        share = Decimal(100) / n
        exact = all(
            a.weight is not None and abs(a.weight - (share if ok else -share)) < Decimal("0.01")
            for a, ok in zip(answers, right, strict=True)
        )
        if exact:
            # The weights say what the grader does without them: keep the question unweighted.
            for c in q.choices:
                c.weight = None
        return True

    def truefalse(self, q: Question, body: str, fmt: str) -> bool:
        bits = body.split("#", 2)
        is_true = TF_WORDS[bits[0].strip()]
        # Moodle: the first feedback is shown for the wrong answer, the second for the right one.
        wrong = _text(bits[1], fmt) if len(bits) > 1 else ""
        right = _text(bits[2], fmt) if len(bits) > 2 else ""
        q.type = "truefalse"
        q.choices = [
            Choice(
                id="c1", text=TRUE_LABEL, correct=is_true, feedback=right if is_true else wrong, line=q.line
            ),
            Choice(
                id="c2",
                text=FALSE_LABEL,
                correct=not is_true,
                feedback=wrong if is_true else right,
                line=q.line,
            ),
        ]
        return True

    def short(self, q: Question, body: str, start: int, fmt: str) -> bool:
        q.type = "short"
        feedbacks: list[str] = []
        for a in _split_answers(self.chunk, body, start, "="):
            text = _plain(a.text)
            feedback = _text(a.feedback or "", fmt)
            if text == "*":
                q.wrong_feedback = feedback
            elif not text:
                self.reader.error(a.line, "an answer has no text")
                return False
            elif a.weight is None or a.weight == 100:
                self.add_accepted(q, text, a.line)
                feedbacks.append(feedback)
            elif a.weight > 0:
                self.reader.warn(
                    a.line,
                    f"'{_short(text)}' gives {_num(a.weight)}% in Moodle: short answers here are right or "
                    "wrong, so it is not kept",
                )
            elif feedback:
                self.reader.warn(a.line, f"the feedback for the wrong answer '{_short(text)}' is not kept")
        if not q.accepted:
            self.reader.error(
                q.line, "no answer is fully right: give at least one `=answer` without a weight"
            )
            return False
        self.feedback_of(q, feedbacks)
        return True

    def add_accepted(self, q: Question, text: str, line: int) -> None:
        if "|" in text:
            self.reader.warn(line, f"'{_short(text)}' contains `|`, which separates answers here: split")
        for part in text.split("|"):
            if part.strip() and part.strip() not in q.accepted:
                q.accepted.append(part.strip())

    def feedback_of(self, q: Question, feedbacks: list[str]) -> None:
        distinct = list(dict.fromkeys(f for f in feedbacks if f))
        if distinct:
            q.correct_feedback = distinct[0]
        if len(distinct) > 1:
            self.reader.warn(
                q.line,
                "the right answers have different feedback: only the first is kept, as correct_feedback",
            )

    def numeric(self, q: Question, body: str, start: int, fmt: str) -> bool:
        q.type = "numeric"
        cut = body.find("~")
        right_part, wrong_part = (body, "") if cut < 0 else (body[:cut], body[cut:])
        feedbacks: list[str] = []
        for a in _split_answers(self.chunk, right_part, start, "="):
            value = _plain(a.text)
            feedback = _text(a.feedback or "", fmt)
            if value == "*":
                q.wrong_feedback = feedback
                continue
            answer = self.numeric_answer(value, a.line)
            if answer is None:
                return False
            if a.weight is not None and a.weight != 100:
                if a.weight > 0:
                    self.reader.warn(
                        a.line,
                        f"the answer {value} gives {_num(a.weight)}% in Moodle: numeric answers here are "
                        "right or wrong, so it is not kept",
                    )
                elif feedback:
                    self.reader.warn(a.line, f"the feedback for the wrong answer {value} is not kept")
            elif q.numeric is None:
                q.numeric = answer
                feedbacks.append(feedback)
            else:
                self.reader.warn(a.line, f"only the first fully right answer is kept; {value} is not")
        for a in _split_answers(self.chunk, wrong_part, start + cut, "~"):
            value = _plain(a.text)
            feedback = _text(a.feedback or "", fmt)
            if value in ("", "*"):
                q.wrong_feedback = feedback
            elif feedback:
                self.reader.warn(a.line, f"the feedback for the wrong answer {value} is not kept")
        if q.numeric is None:
            self.reader.error(
                q.line, "no numeric answer is fully right: write `{#42}`, `{#42:0.5}` or `{#40..45}`"
            )
            return False
        self.feedback_of(q, feedbacks)
        return True

    def numeric_answer(self, value: str, line: int) -> NumericAnswer | None:
        span = RANGE_RE.match(value)
        if span:
            low, high = Decimal(span[1]), Decimal(span[2])
            return NumericAnswer(min=min(low, high), max=max(low, high))
        exact = EXACT_RE.match(value)
        if exact:
            tolerance = abs(Decimal(exact[2])) if exact[2] else Decimal(0)
            return NumericAnswer(value=Decimal(exact[1]), tolerance=tolerance)
        self.reader.error(
            line, f"numeric answer '{_short(value)}' is not a number: write `42`, `42:0.5` or `40..45`"
        )
        return None

    def matching(self, q: Question, body: str, start: int, fmt: str) -> bool:
        q.type = "matching"
        for a in _split_answers(self.chunk, body, start, "=", weights=False, feedback=False):
            if not a.marker:
                self.reader.error(a.line, "each matching pair starts with `=`: `=left -> right`")
                return False
            left, sep, right = a.text.partition("->")
            if not sep:
                self.reader.error(a.line, "a matching pair is written `=left -> right`")
                return False
            left_text, right_text = " ".join(_text(left, fmt).split()), " ".join(_restore(right).split())
            if not right_text:
                self.reader.error(a.line, "a matching pair needs a right side after `->`")
                return False
            if not left_text:
                self.reader.warn(
                    a.line,
                    f"the extra right side '{_short(right_text)}' has no left side: matching here pairs "
                    "every right side with a left one, so it is not kept",
                )
                continue
            q.pairs.append(
                MatchingPair(id=f"p{len(q.pairs) + 1}", left=left_text, right=right_text, line=a.line)
            )
        return True


def _question_start(chunk: _Chunk) -> int:
    """Where the question text starts, after blank space and a `$CATEGORY:` line (categories are not kept)."""
    s = chunk.text
    pos = len(s) - len(s.lstrip())
    if s.startswith("$CATEGORY:", pos):
        end = s.find("\n", pos)
        pos = len(s) if end < 0 else end
        pos += len(s[pos:]) - len(s[pos:].lstrip())
    return pos


def parse_gift(text: str, path: str) -> tuple[list[Question], list[Message]]:
    """Parse a GIFT file into question specs; on any error, no questions and the errors as ``file:line``."""
    reader = _Reader(path)
    chunks = _chunks(text, reader)
    if reader.failed:
        return [], reader.messages
    questions: list[Question] = []
    ordinal = 0
    for chunk in chunks:
        start = _question_start(chunk)
        if start >= len(chunk.text):
            continue
        ordinal += 1
        question_reader = _QuestionReader(reader, chunk, ordinal)
        q = question_reader.read(start)
        if q is not None:
            q.id = question_reader.question_id()
            questions.append(q)
    if reader.failed:
        return [], reader.messages
    unique_ids(questions, set())
    return questions, reader.messages


# ---------------------------------------------------------------- export


def _escape(text: str) -> str:
    """Markdown text as GIFT text: control characters escaped, line breaks as ``\\n``."""
    text = text.replace("\r", "").replace("\\", "\\\\")
    for ch in "~=#{}:":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", "\\n")


def _answer_text(text: str) -> str:
    """An answer or feedback text; a leading `[` or `%` would read as a format or a weight, so mark it."""
    escaped = _escape(text)
    return "[markdown]" + escaped if text.startswith(("[", "%")) else escaped


def _feedback(text: str) -> str:
    return "#" + _answer_text(text) if text else ""


def _percent(value: Decimal) -> str:
    return _num(value.quantize(Decimal("0.00001")))


def default_scoring(qtype: str) -> str:
    return "partial" if qtype in ("multiple", "ordering", "matching") else "all"


def _true_choice(q: Question) -> tuple[Choice, Choice]:
    first, second = q.choices[0], q.choices[1]
    if second.text.strip().lower() in TRUE_WORDS and first.text.strip().lower() not in TRUE_WORDS:
        return second, first
    return first, second


def _numeric_value(n: NumericAnswer) -> str:
    if n.value is None and n.min is not None and n.max is not None:
        return f"{_num(n.min)}..{_num(n.max)}"
    value = _num(n.value if n.value is not None else Decimal(0))
    return f"{value}:{_num(n.tolerance)}" if n.tolerance else value


def _answers(q: Question) -> list[str]:
    """The lines inside the answer block."""
    if q.type == "single":
        return [
            ("=" if c.correct else "~" if c.weight is None else f"~%{_percent(c.weight)}%")
            + _answer_text(c.text)
            + _feedback(c.feedback)
            for c in q.choices
        ]
    if q.type == "multiple":
        share = _percent(Decimal(100) / max(sum(c.correct for c in q.choices), 1))
        return [
            (f"~%{_percent(c.weight)}%" if c.weight is not None else f"~%{'' if c.correct else '-'}{share}%")
            + _answer_text(c.text)
            + _feedback(c.feedback)
            for c in q.choices
        ]
    if q.type == "short":
        lines = ["=" + _answer_text(a) + _feedback(q.correct_feedback) for a in q.accepted]
        if q.wrong_feedback:
            lines.append("=%0%*" + _feedback(q.wrong_feedback))
        return lines
    if q.type == "numeric":
        lines = ["=" + _numeric_value(q.numeric or NumericAnswer()) + _feedback(q.correct_feedback)]
        if q.wrong_feedback:
            lines.append("~" + _feedback(q.wrong_feedback))
        return lines
    return ["=" + _answer_text(p.left) + " -> " + _escape(p.right) for p in q.pairs]


def _truefalse_block(q: Question) -> str:
    true, false = _true_choice(q)
    right, wrong = (true.feedback, false.feedback) if true.correct else (false.feedback, true.feedback)
    block = "TRUE" if true.correct else "FALSE"
    if wrong or right:
        block += "#" + (_answer_text(wrong) if wrong else "")
    if right:
        block += "#" + _answer_text(right)
    return block


def export_question(q: Question) -> str:
    """One question as GIFT; id as the title, tags/points/scoring in a comment Moodle ignores."""
    meta = ["[tag:" + t.replace("]", "\\]") + "]" for t in q.tags]
    if q.points != 1:
        meta.append(f"[points:{_num(q.points)}]")
    if q.scoring != default_scoring(q.type):
        meta.append(f"[scoring:{q.scoring}]")
    blank = TEXT_BLANK if q.type in ("short", "numeric") else CHOICE_BLANK
    before, found, after = q.stem.partition(blank)
    if not found:
        before, after = q.stem, ""
    elif not after.strip():
        # A blank at the end is where GIFT puts the answers anyway; a choice stem keeps its `_____`.
        before, after = (before.rstrip(), "") if blank == TEXT_BLANK else (q.stem, "")
    if q.type == "truefalse":
        inner = _truefalse_block(q)
        if q.explanation:
            inner += "####" + _answer_text(q.explanation)
        block = "{" + inner + "}"
    else:
        lines = [("#" if q.type == "numeric" else "")] + ["\t" + line for line in _answers(q)]
        if q.explanation:
            lines.append("\t####" + _answer_text(q.explanation))
        block = "{" + "\n".join(lines) + "\n}"
    text = f"::{_escape(q.id)}::[markdown]{_escape(before)}{block}{_escape(after)}"
    return (f"// {' '.join(meta)}\n" if meta else "") + text


MOODLE_SHARES = {*range(1, 11), 20}  # Moodle's grade list holds 1/n only for these n


def unwritable(q: Question) -> str:
    """Why GIFT cannot hold this question at all ("" when it can)."""
    if q.type not in EXPORTABLE:
        return f"{q.type} questions cannot be written in GIFT"
    if q.type == "short" and any(a.strip() == "*" or "->" in a for a in q.accepted):
        return "a short answer `*` or one containing `->` would read back as something else in GIFT"
    if q.type == "matching" and any("->" in p.left for p in q.pairs):
        return "a matching left side cannot contain `->` in GIFT"
    return ""


def export_losses(q: Question) -> list[str]:
    """What of this question GIFT cannot carry (the caller tells the user)."""
    reason = unwritable(q)
    if reason:
        return [f"{reason}: left out, as a comment"]
    losses = []
    if q.hint:
        losses.append("the hint is not written (GIFT has no hints)")
    if q.type in ("single", "multiple", "truefalse", "matching") and (q.correct_feedback or q.wrong_feedback):
        losses.append("correct_feedback/wrong_feedback are not written (GIFT has them per answer only)")
    if q.unit:
        losses.append("the unit is not written")
    right = sum(c.correct for c in q.choices)
    if q.type == "multiple" and right not in MOODLE_SHARES:
        losses.append(f"Moodle has no answer weight of 1/{right}: it may refuse or round the weights")
    return losses


def export_gift(questions: list[Question]) -> str:
    """Questions as a GIFT file. A question GIFT cannot hold (ordering) becomes a comment line instead."""
    blocks = []
    for q in questions:
        reason = unwritable(q)
        if reason:
            blocks.append(f"// question '{q.id}' ({q.type}) cannot be written in GIFT: skipped")
        else:
            blocks.append(export_question(q))
    return "\n\n".join(blocks) + "\n"
