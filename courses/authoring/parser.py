"""Turn content Markdown (docs/authoring.md) into spec objects; never raises, always reports file:line.

The parser checks syntax and converts values (numbers, lists, shuffle); the validator checks what the values
mean (allowed words, ranges, references). Line numbers always point at the real source file and line.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml
from django.utils.translation import gettext_noop as _

from courses.authoring.specs import (
    QUESTION_TYPES,
    Certification,
    Choice,
    Course,
    CourseModule,
    Criterion,
    Drill,
    Lesson,
    MatchingPair,
    Message,
    Module,
    NumericAnswer,
    OrderingItem,
    Question,
    Quiz,
    RubricPattern,
    Sample,
    ScenarioChoice,
    ScenarioStep,
    message,
)

MODULE_KEYS = (
    "slug",
    "title",
    "title_en",
    "summary",
    "summary_en",
    "skill_area",
    "level",
    "estimated_minutes",
    "pass_mark",
    "prerequisites",
    "tags",
)
COURSE_KEYS = (
    "slug",
    "title",
    "title_en",
    "summary",
    "summary_en",
    "level",
    "modules",
    "certification",
    "no_test_out",
    "review_cards",
)
# The daily spaced review's size a track may set (docs/retention.md); unset means the default, 5.
REVIEW_CARDS_RANGE = (1, 50)
COURSE_MODULE_KEYS = ("slug", "required", "due_days")
CERTIFICATION_KEYS = (
    "modules",
    "drills",
    "pass_mark",
    "validity_months",
    "checklist",
    "checklist_stage",
    "defence",
    "renewal_recall",
)

# Extra drill settings a drill kind may interpret; they are kept in ``Drill.options``.
DRILL_OPTIONS: tuple[str, ...] = ("attempts", "wait_minutes", "grader")

BLOCK_SETTINGS = {
    "quiz": (
        "title",
        "draw",
        "shuffle",
        "time_limit",
        "attempts",
        "wait_minutes",
        "counts",
        "show_answers",
        "confidence",
        "pretest",
    ),
    "question": ("type", "points", "tags", "scoring", "tolerance", "unit"),
    "drill": (
        "kind",
        "title",
        "start",
        "generator",
        "params",
        "min_chars",
        "max_chars",
        "review",
        "tolerance",
        *DRILL_OPTIONS,
    ),
    "step": ("time_limit",),
    "ending": ("outcome",),
    "criterion": ("points", "concepts", "required", "forbidden", "levels"),
    "fact": ("pattern", "reason"),
    "forbid": ("pattern", "reason"),
    "sample": ("score",),
}
BLOCK_PARENTS = {
    "quiz": (None,),
    "drill": (None,),
    "question": ("quiz", "drill"),
    "step": ("drill",),
    "ending": ("drill",),
    "criterion": ("drill",),
    "fact": ("criterion",),
    "forbid": ("criterion",),
    "sample": ("drill",),
}
TAIL_KEYS = ("hint", "explanation", "correct_feedback", "wrong_feedback", "expr")
CHOICE_TYPES = ("single", "multiple", "truefalse")

ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\Z")
OPEN_RE = re.compile(r":::[ \t]*([A-Za-z_-]+)(?:[ \t]+(\S+))?[ \t]*\Z")
CLOSE_RE = re.compile(r":::[ \t]*\Z")
HEADER_RE = re.compile(r"([a-z][a-z0-9_]*):(?:[ \t]+(.*?))?[ \t]*\Z")
COMMENT_RE = re.compile(r"[ \t]+#.*\Z")
HEADING_RE = re.compile(r"#(?!#)[ \t]*(.*?)[ \t]*\Z")
HEADING_ID_RE = re.compile(r"(.*?)[ \t]*\{#([^}]*)\}\Z")
FENCE_RE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)\Z")
TAIL_RE = re.compile(r"(hint|explanation|correct_feedback|wrong_feedback|expr):(?:[ \t]+(.*?))?[ \t]*\Z")
CHOICE_RE = re.compile(r"[-*][ \t]+\[([ xX])\][ \t]+(.*?)[ \t]*\Z")
CHOICE_WEIGHT_RE = re.compile(r"[ \t]*\{weight=([-+]?\d{1,3}(?:\.\d{1,2})?)\}\Z")
BAD_CHOICE_RE = re.compile(r"[-*+][ \t]*\[[^\]]?\](?!\()")
ITEM_RE = re.compile(r"\d{1,9}[.)][ \t]+(.*?)[ \t]*\Z")
PAIR_RE = re.compile(r"[-*][ \t]+(.+?)[ \t]*->[ \t]*(.+?)[ \t]*\Z")
BLANK_RE = re.compile(r"\[\[(.*?)\]\]")
NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
NUMBER_RE = re.compile(rf"{NUMBER}\Z")
EXACT_RE = re.compile(rf"\s*({NUMBER})\s*%?\s*(?:(?:±|\+-|\+/-)\s*({NUMBER})\s*%?\s*)?\Z")
RANGE_RE = re.compile(rf"\s*({NUMBER})\s*%?\s*\.\.\s*({NUMBER})\s*%?\s*\Z")
SCENARIO_START_RE = re.compile(r"[-*][ \t]+\[[^\]]*\]\(#")
SCENARIO_CHOICE_RE = re.compile(
    r"[-*][ \t]+\[(?P<label>[^\]]+)\]\(#(?P<target>[^)\s]+)\)"
    r"[ \t]*(?:\{[ \t]*points[ \t]*=[ \t]*(?P<points>[^}\s]*)[ \t]*\})?[ \t]*\Z"
)
PARAM_RE = re.compile(r"([A-Za-z_]\w*)[ \t]*=[ \t]*(.*?)[ \t]*\Z")
LIST_SPLIT_RE = re.compile(r"[,，、]")


@dataclass(frozen=True)
class _Line:
    path: str
    no: int
    text: str
    fenced: bool = False


@dataclass
class _Frame:
    kind: str  # a block kind, or "skip" for a block whose content is ignored
    id: str
    path: str
    line: int
    settings: dict[str, tuple[str, int]] = field(default_factory=dict)
    in_header: bool = True
    body: list[_Line] = field(default_factory=list)
    children: list[Any] = field(default_factory=list)
    stray_reported: bool = False


def split_lines(text: str) -> list[str]:
    """Split text into lines the way editors number them (\\n, \\r\\n or \\r)."""
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _join(lines: list[str]) -> str:
    """Join lines, dropping blank lines at both ends."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end])


def _split_list(value: str) -> list[str]:
    """Split a comma separated header value (ASCII or Chinese commas)."""
    return [part.strip() for part in LIST_SPLIT_RE.split(value) if part.strip()]


def _number(value: str) -> Decimal | None:
    """A finite decimal number, or None when the text is not one."""
    value = value.strip()
    return Decimal(value) if NUMBER_RE.match(value) else None


def _sub_block(kind: str, block_id: str) -> str:
    return f"`::: {kind} {block_id}`" if block_id else f"`::: {kind}`"


class _Reporter:
    """Collects messages."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    def error(self, path: str, line: int, template: str, **params: object) -> None:
        # English ``text``, translated where a page shows it (validate.py explains ``_``).
        self.messages.append(message(path, max(line, 1), template, **params))


# ---------------------------------------------------------------- front matter


MAX_YAML_RECOVERY = 20  # broken front-matter lines left out before giving up on the rest


def _front_matter(
    path: str, lines: list[str], report: _Reporter
) -> tuple[dict[str, Any] | None, dict[str, int], dict[str, Any], int]:
    """Read the YAML front matter: (data or None, key lines, value nodes, index of the first body line)."""
    if not lines or lines[0].rstrip() != "---":
        report.error(
            path, 1, _("the file must start with front matter: a line `---`, `key: value` lines, `---`")
        )
        return None, {}, {}, 0
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        report.error(
            path, 1, _("front matter is not closed: add a line `---` after the last `key: value` line")
        )
        return None, {}, {}, len(lines)
    yaml_lines = list(lines[1:end])
    for _attempt in range(MAX_YAML_RECOVERY):
        try:
            node, data = _load_yaml("\n".join(yaml_lines))
            break
        except yaml.MarkedYAMLError as exc:
            index = _yaml_error_index(exc, len(yaml_lines))
            problem = exc.problem or exc.context or "invalid YAML"
            report.error(path, index + 2, _("front matter is not valid YAML: %(problem)s"), problem=problem)
            if not yaml_lines[index].strip():
                return None, {}, {}, end + 1
            # Leave the broken line out and read the rest, so every other problem is still reported.
            yaml_lines[index] = ""
        except Exception as exc:  # YAML reader errors, deeply nested input
            report.error(
                path, 1, _("front matter is not valid YAML: %(problem)s"), problem=type(exc).__name__
            )
            return None, {}, {}, end + 1
    else:
        return None, {}, {}, end + 1
    if data is None:
        return {}, {}, {}, end + 1
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        report.error(path, 2, _("front matter must be `key: value` lines"))
        return None, {}, {}, end + 1
    key_lines: dict[str, int] = {}
    value_nodes: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else ""
        line = key_node.start_mark.line + 2
        if key in key_lines:
            report.error(
                path,
                line,
                _("front matter key '%(key)s' is given twice (also on line %(first)s)"),
                key=key,
                first=key_lines[key],
            )
        key_lines[key] = line
        value_nodes[key] = value_node
    return data, key_lines, value_nodes, end + 1


def _load_yaml(source: str) -> tuple[Any, Any]:
    loader = yaml.SafeLoader(source)
    try:
        node = loader.get_single_node()
        return node, loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


def _yaml_error_index(exc: yaml.MarkedYAMLError, count: int) -> int:
    """The front-matter line (0-based) a YAML error is about. A scanner that runs off a line (a key without
    ':', an unclosed quote or bracket) marks the next line; the line it started scanning on is the one."""
    context = exc.context or ""
    use_context = exc.context_mark is not None and (
        context.startswith("while scanning") or context.startswith("while parsing a flow")
    )
    mark = exc.context_mark if use_context else (exc.problem_mark or exc.context_mark)
    index = mark.line if mark is not None else 0
    return max(0, min(index, count - 1))


class _Values:
    """Typed access to front-matter values; wrong types are reported at the key's line."""

    SCALARS = (str, int, float, datetime.date)

    def __init__(
        self, path: str, data: dict[str, Any], key_lines: dict[str, int], report: _Reporter, line: int = 1
    ) -> None:
        self.path, self.data, self.key_lines, self.report, self.default_line = (
            path,
            data,
            key_lines,
            report,
            line,
        )

    def line(self, key: str) -> int:
        return self.key_lines.get(key, self.default_line)

    def text(self, key: str) -> str:
        value = self.data.get(key)
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, self.SCALARS):
            self.report.error(self.path, self.line(key), _("'%(key)s' must be text"), key=key)
            return ""
        return str(value).strip()

    def integer(self, key: str, default: int) -> int:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,18}\s*", value):
            return int(value)
        self.report.error(self.path, self.line(key), _("'%(key)s' must be a whole number"), key=key)
        return default

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        self.report.error(self.path, self.line(key), _("'%(key)s' must be true or false"), key=key)
        return default

    def strings(self, key: str) -> list[str]:
        value = self.data.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return _split_list(value)
        if isinstance(value, list) and all(
            isinstance(v, self.SCALARS) and not isinstance(v, bool) for v in value
        ):
            return [str(v).strip() for v in value if str(v).strip()]
        self.report.error(self.path, self.line(key), _("'%(key)s' must be a list like [a, b]"), key=key)
        return []

    def unknown(self, known: tuple[str, ...], template: str) -> None:
        """Report each key not in ``known`` with ``template`` (its values: key, known)."""
        for key in self.data:
            if key not in known:
                self.report.error(self.path, self.line(str(key)), template, key=key, known=", ".join(known))


# ---------------------------------------------------------------- module body


class _ModuleParser:
    """A line-based block parser for the module body, fed file by file."""

    def __init__(self, report: _Reporter) -> None:
        self.report = report
        self.intro: list[str] = []
        self.lessons: list[Lesson] = []
        self.lesson_lines: list[list[str]] = []
        self.quizzes: list[Quiz] = []
        self.drills: list[Drill] = []
        self.stack: list[_Frame] = []
        self.in_lesson = False
        self.after_block = False
        self.stray_reported = False

    def error(self, path: str, line: int, template: str, **params: object) -> None:
        self.report.error(path, line, template, **params)

    def feed(self, path: str, lines: list[str], first: int) -> None:
        """Parse lines[first:] of one file; blocks must be closed in the file that opens them."""
        fence: tuple[str, int, int] | None = None
        for index in range(first, len(lines)):
            text = lines[index]
            no = index + 1
            if fence:
                closing = FENCE_RE.match(text)
                if (
                    closing
                    and closing[1][0] == fence[0]
                    and len(closing[1]) >= fence[1]
                    and not closing[2].strip()
                ):
                    fence = None
                self.content(_Line(path, no, text, fenced=True))
                continue
            opening = FENCE_RE.match(text)
            if opening and not (opening[1][0] == "`" and "`" in opening[2]):
                fence = (opening[1][0], len(opening[1]), no)
                self.content(_Line(path, no, text, fenced=True))
                continue
            self.line(_Line(path, no, text))
        if fence:
            self.error(path, fence[2], _("code block is never closed: add a closing fence line"))
        while self.stack:
            frame = self.stack[-1]
            if frame.kind != "skip":
                self.error(
                    path,
                    frame.line,
                    _("%(block)s is never closed: add a line `:::`"),
                    block=_sub_block(frame.kind, frame.id),
                )
            self.close()

    def line(self, line: _Line) -> None:
        text = line.text.rstrip()
        if text.startswith(":::"):
            opening = OPEN_RE.match(text)
            if opening:
                self.open(line, opening[1].lower(), opening[2] or "")
            elif CLOSE_RE.match(text):
                if self.stack:
                    self.close()
                else:
                    self.error(line.path, line.no, _("stray `:::`: no block is open here"))
            else:
                self.error(
                    line.path,
                    line.no,
                    _("malformed block line: write `::: quiz <id>` to open, `:::` to close"),
                )
            return
        stripped = text.lstrip()
        if stripped.startswith(":::") and len(text) - len(stripped) <= 3:
            self.error(line.path, line.no, _("block lines (`:::`) must start at the beginning of the line"))
            return
        frame = self.stack[-1] if self.stack else None
        if frame and frame.in_header:
            header = HEADER_RE.match(text)
            if header and not (frame.kind == "question" and header[1] in TAIL_KEYS):
                self.setting(frame, line, header[1], COMMENT_RE.sub("", header[2] or "").strip())
                return
            frame.in_header = False
        self.content(line)

    def setting(self, frame: _Frame, line: _Line, key: str, value: str) -> None:
        known = BLOCK_SETTINGS[frame.kind]
        if key not in known:
            self.error(
                line.path,
                line.no,
                _("unknown %(kind)s setting '%(key)s' (known: %(known)s)"),
                kind=frame.kind,
                key=key,
                known=", ".join(known),
            )
        elif key in frame.settings:
            self.error(
                line.path,
                line.no,
                _("'%(key)s' is set twice (also on line %(first)s)"),
                key=key,
                first=frame.settings[key][1],
            )
        else:
            frame.settings[key] = (value, line.no)

    def content(self, line: _Line) -> None:
        if self.stack:
            frame = self.stack[-1]
            frame.in_header = False
            if frame.kind == "skip":
                return
            blank = not line.text.strip()
            if frame.kind == "quiz" or (frame.kind == "drill" and frame.children):
                if not blank and not frame.stray_reported:
                    if frame.kind == "quiz":
                        self.error(
                            line.path, line.no, _("text in a quiz must be inside a `::: question` block")
                        )
                    else:
                        self.error(
                            line.path,
                            line.no,
                            _("text in a drill must be inside a block or before the first one"),
                        )
                frame.stray_reported = frame.stray_reported or not blank
                return
            frame.body.append(line)
            return
        heading = None if line.fenced else HEADING_RE.match(line.text.rstrip())
        if heading:
            self.lesson(line, heading[1])
        elif self.in_lesson:
            self.lesson_lines[-1].append(line.text)
        elif not self.after_block:
            self.intro.append(line.text)
        elif line.text.strip() and not self.stray_reported:
            self.error(
                line.path, line.no, _("text after a block must start with a lesson heading `# Title {#id}`")
            )
            self.stray_reported = True

    def lesson(self, line: _Line, heading: str) -> None:
        match = HEADING_ID_RE.match(heading)
        title, lesson_id = (match[1], match[2].strip()) if match else (heading, "")
        if match and not ID_RE.match(lesson_id):
            self.error(
                line.path,
                line.no,
                _("bad lesson id '%(id)s': use letters, digits, '-' and '_'"),
                id=lesson_id,
            )
        self.lessons.append(Lesson(id=lesson_id, title=title.strip(), body="", path=line.path, line=line.no))
        self.lesson_lines.append([])
        self.in_lesson = True
        self.after_block = False
        self.stray_reported = False

    def open(self, line: _Line, kind: str, block_id: str) -> None:
        if self.stack and self.stack[-1].kind == "skip":
            self.stack.append(_Frame("skip", "", line.path, line.no, in_header=False))
            return
        if kind not in BLOCK_PARENTS:
            self.error(
                line.path,
                line.no,
                _("unknown block `::: %(kind)s` (known: %(known)s)"),
                kind=kind,
                known=", ".join(BLOCK_PARENTS),
            )
            self.stack.append(_Frame("skip", "", line.path, line.no, in_header=False))
            return
        if not block_id:
            self.error(
                line.path,
                line.no,
                _("`::: %(kind)s` needs an id, e.g. `::: %(kind)s my-%(kind)s`"),
                kind=kind,
            )
        elif not ID_RE.match(block_id):
            self.error(
                line.path,
                line.no,
                _("bad %(kind)s id '%(id)s': use letters, digits, '-' and '_'"),
                kind=kind,
                id=block_id,
            )
        parents = BLOCK_PARENTS[kind]
        kinds = [None, *(frame.kind for frame in self.stack)]
        depth = max((i for i, k in enumerate(kinds) if k in parents), default=-1)
        if depth < 0:
            inside = " or ".join(f"`::: {p}`" for p in parents)
            self.error(
                line.path,
                line.no,
                _("`::: %(kind)s` must be inside a %(inside)s block"),
                kind=kind,
                inside=inside,
            )
            self.stack.append(_Frame("skip", "", line.path, line.no, in_header=False))
            return
        while len(self.stack) > depth:
            frame = self.stack[-1]
            self.error(
                frame.path,
                frame.line,
                _("%(block)s is not closed: add a line `:::` before line %(before)s"),
                block=_sub_block(frame.kind, frame.id),
                before=line.no,
            )
            self.close()
        if not self.stack:
            self.in_lesson = False
            self.after_block = True
            self.stray_reported = False
        if self.stack:
            self.stack[-1].stray_reported = False
        self.stack.append(_Frame(kind, block_id, line.path, line.no))

    def close(self) -> None:
        frame = self.stack.pop()
        parent = self.stack[-1] if self.stack else None
        if frame.kind == "skip":
            return
        build = getattr(self, f"build_{frame.kind}")
        spec = build(frame)
        if parent is not None:
            parent.children.append(spec)
            parent.stray_reported = False
        elif isinstance(spec, Quiz):
            self.quizzes.append(spec)
        else:
            self.drills.append(spec)

    # ------------------------------------------------------------ values

    def integer(self, frame: _Frame, key: str, default: int = 0) -> int:
        if key not in frame.settings:
            return default
        value, line = frame.settings[key]
        if re.fullmatch(r"\d{1,12}", value):
            return int(value)
        self.error(
            frame.path,
            line,
            _("'%(key)s' must be a whole number (0 or more), not '%(value)s'"),
            key=key,
            value=value,
        )
        return default

    def decimal(self, frame: _Frame, key: str) -> Decimal | None:
        if key not in frame.settings:
            return None
        value, line = frame.settings[key]
        number = _number(value)
        if number is None:
            self.error(
                frame.path, line, _("'%(key)s' must be a number, not '%(value)s'"), key=key, value=value
            )
        return number

    def text(self, frame: _Frame, key: str, default: str = "") -> str:
        return frame.settings[key][0] if key in frame.settings else default

    # ------------------------------------------------------------ blocks

    def build_quiz(self, frame: _Frame) -> Quiz:
        quiz = Quiz(id=frame.id, path=frame.path, line=frame.line)
        quiz.setting_lines = {key: line for key, (_value, line) in frame.settings.items()}
        quiz.title = self.text(frame, "title")
        quiz.draw = self.integer(frame, "draw")
        quiz.time_limit_minutes = self.integer(frame, "time_limit")
        quiz.attempts_allowed = self.integer(frame, "attempts")
        quiz.wait_minutes = self.integer(frame, "wait_minutes")
        quiz.counts = self.text(frame, "counts", quiz.counts)
        quiz.show_answers = self.text(frame, "show_answers", quiz.show_answers)
        if "confidence" in frame.settings:
            value, line = frame.settings["confidence"]
            word = value.strip().lower()
            if word in ("yes", "no"):
                quiz.confidence = word == "yes"
            else:
                self.error(frame.path, line, _("confidence must be yes or no, not '%(value)s'"), value=value)
        quiz.pretest = self.integer(frame, "pretest")
        if "shuffle" in frame.settings:
            value, line = frame.settings["shuffle"]
            words = set(re.split(r"[\s,，、]+", value.strip())) - {""}
            if words == {"none"}:
                pass
            elif words and words <= {"questions", "choices"}:
                quiz.shuffle_questions = "questions" in words
                quiz.shuffle_choices = "choices" in words
            else:
                self.error(
                    frame.path,
                    line,
                    _("shuffle must be none, questions, choices or 'questions, choices', not '%(value)s'"),
                    value=value,
                )
        for child in frame.children:
            if isinstance(child, Question):
                quiz.questions.append(child)
        return quiz

    def build_drill(self, frame: _Frame) -> Drill:
        drill = Drill(id=frame.id, kind=self.text(frame, "kind"), path=frame.path, line=frame.line)
        drill.setting_lines = {key: line for key, (_value, line) in frame.settings.items()}
        drill.title = self.text(frame, "title")
        drill.intro = _join([line.text for line in frame.body])
        drill.generator = self.text(frame, "generator")
        drill.min_chars = self.integer(frame, "min_chars")
        drill.max_chars = self.integer(frame, "max_chars")
        drill.review = self.text(frame, "review", drill.review)
        drill.options = {key: value for key, (value, _line) in frame.settings.items() if key in DRILL_OPTIONS}
        if "params" in frame.settings:
            value, line = frame.settings["params"]
            for part in _split_list(value):
                param = PARAM_RE.match(part)
                if param:
                    drill.params[param[1]] = param[2]
                else:
                    self.error(
                        frame.path,
                        line,
                        _("params are written `name=value, name=value`; bad part '%(part)s'"),
                        part=part,
                    )
        for child in frame.children:
            if isinstance(child, Question):
                drill.questions.append(child)
            elif isinstance(child, ScenarioStep):
                drill.steps.append(child)
            elif isinstance(child, Sample):
                drill.samples.append(child)
            else:
                drill.criteria.append(child)
        tolerance = self.decimal(frame, "tolerance")
        if tolerance is not None:
            drill.tolerance = tolerance
        drill.start = self.text(frame, "start") or (drill.steps[0].id if drill.steps else "")
        return drill

    def build_step(self, frame: _Frame, is_ending: bool = False) -> ScenarioStep:
        step = ScenarioStep(id=frame.id, text="", is_ending=is_ending, line=frame.line)
        step.time_limit_seconds = self.integer(frame, "time_limit")
        step.outcome = self.text(frame, "outcome")
        start = next(
            (
                i
                for i, line in enumerate(frame.body)
                if not line.fenced and SCENARIO_START_RE.match(line.text)
            ),
            len(frame.body),
        )
        step.text = _join([line.text for line in frame.body[:start]])
        feedback: list[str] = []
        for line in frame.body[start:]:
            text = line.text.rstrip()
            if not text.strip():
                continue
            if line.fenced or text[0] in " \t":
                if not step.choices:
                    continue
                body = text.strip()
                feedback.append(body[1:].strip() if body.startswith(">") and not line.fenced else body)
                step.choices[-1].feedback = _join(feedback)
                continue
            choice = SCENARIO_CHOICE_RE.match(text)
            if not choice:
                self.error(line.path, line.no, _("malformed choice: write `- [label](#step-id) {points=3}`"))
                continue
            feedback = []
            points = Decimal(0)
            if choice["points"] is not None:
                number = _number(choice["points"])
                if number is None:
                    self.error(
                        line.path,
                        line.no,
                        _("points must be a number, not '%(value)s'"),
                        value=choice["points"],
                    )
                else:
                    points = number
            step.choices.append(
                ScenarioChoice(
                    label=choice["label"].strip(), target=choice["target"], points=points, line=line.no
                )
            )
        return step

    def build_ending(self, frame: _Frame) -> ScenarioStep:
        return self.build_step(frame, is_ending=True)

    def build_criterion(self, frame: _Frame) -> Criterion:
        criterion = Criterion(
            id=frame.id, description=_join([line.text for line in frame.body]), line=frame.line
        )
        points = self.decimal(frame, "points")
        if points is not None:
            criterion.points = points
        criterion.concepts = [
            synonyms
            for concept in re.split(r"[;；]", self.text(frame, "concepts"))
            if (synonyms := [s.strip() for s in concept.split("|") if s.strip()])
        ]
        criterion.required = [s.strip() for s in self.text(frame, "required").split("|") if s.strip()]
        criterion.forbidden = [s.strip() for s in self.text(frame, "forbidden").split("|") if s.strip()]
        if "levels" in frame.settings:
            value, criterion.levels_line = frame.settings["levels"]
            criterion.levels = [s.strip() for s in value.split("|")]
        for child in frame.children:
            (criterion.facts if child.kind == "fact" else criterion.forbids).append(child)
        return criterion

    def build_fact(self, frame: _Frame, kind: str = "fact") -> RubricPattern:
        spec = RubricPattern(id=frame.id, kind=kind, line=frame.line)
        spec.pattern = self.text(frame, "pattern")
        spec.pattern_line = frame.settings["pattern"][1] if "pattern" in frame.settings else frame.line
        spec.reason = self.text(frame, "reason")
        if any(line.text.strip() for line in frame.body):
            first = next(line for line in frame.body if line.text.strip())
            self.error(
                frame.path, first.no, _("`::: %(kind)s` takes only `pattern:` and `reason:` lines"), kind=kind
            )
        return spec

    def build_forbid(self, frame: _Frame) -> RubricPattern:
        return self.build_fact(frame, "forbid")

    def build_sample(self, frame: _Frame) -> Sample:
        sample = Sample(id=frame.id, text=_join([line.text for line in frame.body]), line=frame.line)
        sample.score = self.decimal(frame, "score")
        return sample

    def build_question(self, frame: _Frame) -> Question:
        return _QuestionBuilder(self, frame).build()


class _QuestionBuilder:
    """Split a question body into stem, answer part and tail, then fill a Question."""

    def __init__(self, parser: _ModuleParser, frame: _Frame) -> None:
        self.parser, self.frame = parser, frame
        self.error = parser.error

    def build(self) -> Question:
        frame = self.frame
        declared = self.parser.text(frame, "type").lower()
        known = declared if declared in QUESTION_TYPES else ""
        q = Question(id=frame.id, type=declared, stem="", path=frame.path, line=frame.line)
        points = self.parser.decimal(frame, "points")
        if points is not None:
            q.points = points
        q.tags = _split_list(self.parser.text(frame, "tags"))
        q.unit = self.parser.text(frame, "unit")

        body = frame.body
        tail_at = next(
            (i for i, line in enumerate(body) if not line.fenced and TAIL_RE.match(line.text)), len(body)
        )
        self.tail(q, body[tail_at:])
        before = body[:tail_at]
        for line in before:
            if not line.fenced and BAD_CHOICE_RE.match(line.text) and not CHOICE_RE.match(line.text):
                self.error(line.path, line.no, _("malformed choice: write `- [x] text` or `- [ ] text`"))
        answer_at = next(
            (i for i, line in enumerate(before) if not line.fenced and self.starts_answer(line.text, known)),
            len(before),
        )
        stem_lines = before[:answer_at]
        blank = self.stem(q, stem_lines)
        self.answers(q, before[answer_at:], known)

        if not known and not declared:
            known = self.infer(q, blank)
        if declared and declared not in QUESTION_TYPES:
            q.type = declared
        else:
            q.type = known
        q.scoring = self.parser.text(frame, "scoring") or (
            "partial" if q.type in ("multiple", "ordering", "matching") else "all"
        )
        self.check_parts(q, blank, known)
        if known == "short" and blank:
            q.accepted = [a.strip() for a in blank[0].split("|") if a.strip()]
        if known == "numeric":
            q.numeric = self.numeric(q, blank)
        elif "tolerance" in frame.settings:
            self.error(
                frame.path, frame.settings["tolerance"][1], _("'tolerance' is only used by numeric questions")
            )
        return q

    def starts_answer(self, text: str, known: str) -> bool:
        if CHOICE_RE.match(text):
            return True
        if known == "ordering":
            return bool(ITEM_RE.match(text))
        return known == "matching" and bool(PAIR_RE.match(text))

    def tail(self, q: Question, lines: list[_Line]) -> None:
        values: dict[str, list[str]] = {}
        current: list[str] | None = None
        reported = False
        for line in lines:
            key = None if line.fenced else TAIL_RE.match(line.text)
            if key:
                if key[1] in values:
                    self.error(line.path, line.no, _("'%(key)s:' is given twice"), key=key[1])
                current = values[key[1]] = [key[2] or ""]
            elif not line.text.strip():
                if current is not None:
                    current.append("")
            elif line.text.startswith("  ") and current is not None:
                current.append(line.text[2:])
            elif not reported:
                self.error(
                    line.path,
                    line.no,
                    _(
                        "unexpected line after the tail lines (hint:, explanation:, ...): "
                        "put it before them or indent it by two spaces to continue the previous one"
                    ),
                )
                reported = True
        for key, value in values.items():
            setattr(q, key, _join(value).strip())

    def stem(self, q: Question, lines: list[_Line]) -> tuple[str, _Line] | None:
        blank: tuple[str, _Line] | None = None
        texts = []
        for line in lines:
            if line.fenced:
                texts.append(line.text)
                continue
            for match in BLANK_RE.finditer(line.text):
                if blank is None:
                    blank = (match[1], line)
                else:
                    self.error(line.path, line.no, _("a question can have only one blank `[[…]]`"))
            texts.append(BLANK_RE.sub("[[]]", line.text))
        q.stem = _join(texts)
        return blank

    def answers(self, q: Question, lines: list[_Line], known: str) -> None:
        kind = ""
        feedback: list[str] | None = None
        text: list[str] = []
        reported = False

        def flush() -> None:
            if kind == "choice" and q.choices:
                q.choices[-1].text = _join(text).strip()
                q.choices[-1].feedback = _join(feedback or []).strip()
            elif kind == "item" and q.items:
                q.items[-1].text = _join(text).strip()

        for line in lines:
            raw = line.text.rstrip()
            if not raw.strip():
                if feedback is not None:
                    feedback.append("")
                continue
            if line.fenced or raw[0] in " \t":
                body = raw[2:] if raw.startswith("  ") else raw.lstrip()
                if not line.fenced and body.lstrip().startswith(">"):
                    if kind == "choice":
                        feedback = feedback or []
                        feedback.append(re.sub(r"^\s*>[ \t]?", "", body))
                    elif not reported:
                        self.error(
                            line.path,
                            line.no,
                            _("`>` feedback is only for choices; use correct_feedback:/wrong_feedback:"),
                        )
                        reported = True
                elif feedback is not None:
                    feedback.append(body)
                elif kind in ("choice", "item"):
                    text.append(body)
                continue
            choice = CHOICE_RE.match(raw)
            item = ITEM_RE.match(raw) if known == "ordering" else None
            pair = PAIR_RE.match(raw) if known == "matching" else None
            if (choice and kind in ("", "choice")) or (item and kind in ("", "item")):
                flush()
                feedback, text = None, []
                if choice:
                    kind = "choice"
                    n = len(q.choices) + 1
                    weighted = CHOICE_WEIGHT_RE.search(choice[2])
                    q.choices.append(
                        Choice(
                            id=f"c{n}",
                            text="",
                            correct=choice[1] != " ",
                            line=line.no,
                            weight=Decimal(weighted[1]) if weighted else None,
                        )
                    )
                    text.append(choice[2][: weighted.start()] if weighted else choice[2])
                else:
                    kind = "item"
                    q.items.append(OrderingItem(id=f"i{len(q.items) + 1}", text="", line=line.no))
                    text.append(item[1])
            elif pair and kind in ("", "pair"):
                flush()
                kind, feedback, text = "pair", None, []
                n = len(q.pairs) + 1
                q.pairs.append(MatchingPair(id=f"p{n}", left=pair[1], right=pair[2], line=line.no))
            elif BAD_CHOICE_RE.match(raw):
                continue
            elif not reported:
                hint = {
                    "item": _("unexpected line in the answer list: ordering items are written `1. text`"),
                    "pair": _(
                        "unexpected line in the answer list: matching pairs are written `- left -> right`"
                    ),
                }.get(
                    kind,
                    _("unexpected line in the answer list: put text above the choices, or in `explanation:`"),
                )
                self.error(line.path, line.no, hint)
                reported = True
        flush()

    def infer(self, q: Question, blank: tuple[str, _Line] | None) -> str:
        if q.choices:
            return "multiple" if sum(c.correct for c in q.choices) >= 2 else "single"
        if blank is not None:
            content = blank[0]
            if EXACT_RE.match(content) or RANGE_RE.match(content) or (not content.strip() and q.expr):
                return "numeric"
            return "short"
        return "numeric" if q.expr else "short"

    def check_parts(self, q: Question, blank: tuple[str, _Line] | None, known: str) -> None:
        if not known:
            return
        if q.choices and known not in CHOICE_TYPES:
            line = q.choices[0].line
            self.error(q.path, line, _("choices `- [x]` are not used by %(type)s questions"), type=known)
            q.choices = []
        if blank is not None and known not in ("short", "numeric"):
            self.error(
                blank[1].path, blank[1].no, _("a blank `[[…]]` is not used by %(type)s questions"), type=known
            )

    def numeric(self, q: Question, blank: tuple[str, _Line] | None) -> NumericAnswer | None:
        tolerance = self.parser.decimal(self.frame, "tolerance")
        tolerance_line = self.frame.settings.get("tolerance", ("", self.frame.line))[1]
        if blank is None or not blank[0].strip():
            if blank is None and not q.expr:
                return None
            return NumericAnswer(tolerance=tolerance if tolerance is not None else Decimal(0))
        content, line = blank
        exact = EXACT_RE.match(content)
        if exact:
            answer = NumericAnswer(value=Decimal(exact[1]))
            if exact[2] is not None:
                answer.tolerance = Decimal(exact[2])
                if tolerance is not None:
                    self.error(
                        q.path, tolerance_line, _("tolerance is given twice: in `[[… ± …]]` and `tolerance:`")
                    )
            elif tolerance is not None:
                answer.tolerance = tolerance
            return answer
        span = RANGE_RE.match(content)
        if span:
            if tolerance is not None:
                self.error(q.path, tolerance_line, _("'tolerance' does not apply to a range `[[a..b]]`"))
            return NumericAnswer(min=Decimal(span[1]), max=Decimal(span[2]))
        self.error(
            line.path,
            line.no,
            _("numeric answer '%(value)s' is not a number: write `[[42]]`, `[[42 ± 0.5]]` or `[[40..45]]`"),
            value=content,
        )
        return None


# ---------------------------------------------------------------- entry points


def parse_module(files: list[tuple[str, str]]) -> tuple[Module | None, list[Message]]:
    """Parse a module from (path, text) pairs: module.md first, then the other files in order."""
    report = _Reporter()
    if not files:
        report.error("", 1, _("a module needs at least one file"))
        return None, report.messages
    path, text = files[0]
    lines = split_lines(text)
    data, key_lines, _nodes, first = _front_matter(path, lines, report)
    module = None
    if data is not None:
        values = _Values(path, data, key_lines, report)
        values.unknown(MODULE_KEYS, _("unknown front matter key '%(key)s' (known: %(known)s)"))
        module = Module(
            slug=values.text("slug"),
            title=values.text("title"),
            skill_area=values.text("skill_area"),
            level=values.text("level"),
            title_en=values.text("title_en"),
            summary=values.text("summary"),
            summary_en=values.text("summary_en"),
            estimated_minutes=values.integer("estimated_minutes", 0),
            pass_mark=values.integer("pass_mark", 70),
            prerequisites=values.strings("prerequisites"),
            tags=values.strings("tags"),
            path=path,
            key_lines=key_lines,
        )
    body = _ModuleParser(report)
    body.feed(path, lines, first)
    for extra_path, extra_text in files[1:]:
        body.feed(extra_path, split_lines(extra_text), 0)
    if module is None:
        return None, report.messages
    module.intro = _join(body.intro)
    for lesson, lesson_lines in zip(body.lessons, body.lesson_lines, strict=True):
        lesson.body = _join(lesson_lines)
    module.lessons = body.lessons
    module.quizzes = body.quizzes
    module.drills = body.drills
    return module, report.messages


def parse_course(path: str, text: str) -> tuple[Course | None, list[Message]]:
    """Parse a course file: front matter (modules, certification) and a Markdown description."""
    report = _Reporter()
    lines = split_lines(text)
    data, key_lines, nodes, first = _front_matter(path, lines, report)
    if data is None:
        return None, report.messages
    values = _Values(path, data, key_lines, report)
    values.unknown(COURSE_KEYS, _("unknown course key '%(key)s' (known: %(known)s)"))
    course = Course(
        slug=values.text("slug"),
        title=values.text("title"),
        level=values.text("level"),
        title_en=values.text("title_en"),
        summary=values.text("summary"),
        summary_en=values.text("summary_en"),
        description=_join(lines[first:]),
        path=path,
        key_lines=key_lines,
    )
    course.modules = _course_modules(path, data.get("modules"), nodes.get("modules"), values, report)
    course.no_test_out = values.strings("no_test_out")
    course.review_cards = _review_cards(path, values, report)
    if data.get("certification") is not None:
        course.certification = _certification(
            path, data["certification"], nodes.get("certification"), values, report
        )
    return course, report.messages


def _review_cards(path: str, values: _Values, report: _Reporter) -> int | None:
    """The optional ``review_cards`` key: how many spaced-review cards a day this track's recruits get."""
    if values.data.get("review_cards") is None:
        return None
    count = values.integer("review_cards", None)  # None: not a whole number, already reported
    low, high = REVIEW_CARDS_RANGE
    if count is not None and not low <= count <= high:
        report.error(
            path,
            values.line("review_cards"),
            _("'review_cards' must be between %(low)s and %(high)s"),
            low=low,
            high=high,
        )
        return None
    return count


def _node_lines(node: Any) -> dict[str, int]:
    """Line numbers (1-based, front matter offset) of the keys of a YAML mapping node."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 2 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}


def _course_modules(
    path: str, value: Any, node: Any, values: _Values, report: _Reporter
) -> list[CourseModule]:
    if value is None:
        return []
    if not isinstance(value, list) or not isinstance(node, yaml.SequenceNode):
        report.error(path, values.line("modules"), _("'modules' must be a list of `- slug: …` entries"))
        return []
    entries = []
    for item, item_node in zip(value, node.value, strict=False):
        line = item_node.start_mark.line + 2
        if isinstance(item, str):
            entries.append(CourseModule(slug=item.strip(), line=line))
            continue
        if not isinstance(item, dict):
            report.error(
                path, line, _("a course module entry is `- slug: …` with optional required/due_days")
            )
            continue
        entry = _Values(path, item, _node_lines(item_node), report, line)
        entry.unknown(COURSE_MODULE_KEYS, _("unknown course module key '%(key)s' (known: %(known)s)"))
        entries.append(
            CourseModule(
                slug=entry.text("slug"),
                required=entry.boolean("required", True),
                due_days=entry.integer("due_days", 0),
                line=line,
            )
        )
    return entries


def _certification(
    path: str, value: Any, node: Any, values: _Values, report: _Reporter
) -> Certification | None:
    line = values.line("certification")
    if not isinstance(value, dict):
        report.error(
            path, line, _("'certification' must be `key: value` lines (modules, drills, pass_mark, …)")
        )
        return None
    cert = _Values(path, value, _node_lines(node), report, line)
    cert.unknown(CERTIFICATION_KEYS, _("unknown certification key '%(key)s' (known: %(known)s)"))
    return Certification(
        modules=cert.strings("modules"),
        drills=cert.strings("drills"),
        pass_mark=cert.integer("pass_mark", 0),
        validity_months=cert.integer("validity_months", 0),
        defence=cert.boolean("defence", False),
        renewal_recall=cert.integer("renewal_recall", 0),
        line=line,
        checklist=cert.text("checklist"),
        checklist_stage=cert.integer("checklist_stage", 0),
    )
