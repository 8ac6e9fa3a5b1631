"""Plain spec objects produced by the content parser.

The parser turns Markdown source into these objects (Markdown text, not HTML), the validator checks them,
and the importer renders and stores them. No ORM, no settings: they are data.
Every spec carries the source file and line it came from, so messages read ``file:line: message``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext

SKILL_AREAS = (
    "fundamentals",
    "management",
    "growth",
    "data-analysis",
    "content",
    "culture",
    "crisis",
    "learning",
)
LEVELS = ("junior", "intermediate", "senior", "manager")
QUESTION_TYPES = ("single", "multiple", "truefalse", "short", "numeric", "ordering", "matching")
DRILL_KINDS = ("scenario", "data", "written")


@dataclass(frozen=True)
class Message:
    """A validation problem, printed as ``path:line: level: text``.

    ``text`` is what the command line, logs and tests read. A message built by ``message()`` also keeps its
    English ``template`` and ``params``, so a page can show it in the reader's language (``localized``);
    ``code`` names the problem for code that must recognise it, whatever the language.
    """

    path: str
    line: int
    text: str
    level: str = "error"  # "error" | "warning" | "note" (information only, never fails a check)
    code: str = field(default="", compare=False)
    template: str = field(default="", compare=False, repr=False)
    params: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.level}: {self.text}"

    def localized_line(self) -> str:
        """``str(self)`` with the text in the active language (check_content's output)."""
        return f"{self.path}:{self.line}: {self.level}: {self.localized()}"

    def localized(self) -> str:
        """The text in the active language (``text`` itself for a message without a template)."""
        if not self.template:
            return self.text
        return gettext(self.template) % _localized(self.params)


@dataclass(frozen=True)
class Phrase:
    """A translatable part of a message built elsewhere (a scenario problem): English as ``str``."""

    template: str
    params: dict[str, object] = field(default_factory=dict, compare=False)

    def __str__(self) -> str:
        return self.template % self.params

    def localized(self) -> str:
        return gettext(self.template) % _localized(self.params)


def _localized(params: dict[str, object]) -> dict[str, object]:
    return {key: value.localized() if isinstance(value, Phrase) else value for key, value in params.items()}


def message(
    path: str, line: int, template: str, *, level: str = "error", code: str = "", **params
) -> Message:
    """A translatable message: ``text`` is ``template % params`` in English (``%%`` for a literal ``%``)."""
    return Message(path, line, template % params, level, code=code, template=template, params=params)


@dataclass
class Choice:
    id: str  # "c1", "c2", ... by source order within the question
    text: str  # Markdown
    correct: bool
    feedback: str = ""  # Markdown
    line: int = 0
    weight: Decimal | None = None  # percent of the points, -100 … 100 (`{weight=50}`, GIFT `~%50%`)


@dataclass
class OrderingItem:
    id: str  # "i1", "i2", ... in the correct order
    text: str
    line: int = 0


@dataclass
class MatchingPair:
    id: str  # "p1", ... ; the right-hand side of pair pN has the id "rN"
    left: str
    right: str
    line: int = 0


@dataclass
class NumericAnswer:
    value: Decimal | None = None
    tolerance: Decimal = Decimal(0)
    min: Decimal | None = None  # range form [[a..b]]
    max: Decimal | None = None


@dataclass
class Question:
    id: str
    type: str  # one of QUESTION_TYPES
    stem: str  # Markdown; for short/numeric the [[...]] blank is replaced by "[[]]"
    points: Decimal = Decimal(1)
    scoring: str = "all"  # "all" | "partial"
    tags: list[str] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)  # single, multiple, truefalse
    accepted: list[str] = field(default_factory=list)  # short
    numeric: NumericAnswer | None = None  # numeric
    items: list[OrderingItem] = field(default_factory=list)  # ordering, correct order
    pairs: list[MatchingPair] = field(default_factory=list)  # matching
    hint: str = ""
    explanation: str = ""
    correct_feedback: str = ""
    wrong_feedback: str = ""
    expr: str = ""  # data drills: expression computing the expected value
    unit: str = ""
    path: str = ""
    line: int = 0


@dataclass
class Quiz:
    id: str
    title: str = ""
    draw: int = 0  # 0 = all questions
    shuffle_questions: bool = False
    shuffle_choices: bool = False
    time_limit_minutes: int = 0
    attempts_allowed: int = 0  # 0 = unlimited
    wait_minutes: int = 0
    counts: str = "highest"  # "highest" | "latest"
    show_answers: str = "after_grading"  # after_grading | after_passing | after_last_attempt | never
    confidence: bool = False  # ask low / medium / high with each answer (confidence-based marking)
    pretest: int = 0  # questions in the test-out pre-test; 0 = no pre-test
    questions: list[Question] = field(default_factory=list)
    path: str = ""
    line: int = 0
    setting_lines: dict[str, int] = field(default_factory=dict)  # setting -> line, for messages


@dataclass
class ScenarioChoice:
    label: str
    target: str
    points: Decimal = Decimal(0)
    feedback: str = ""
    line: int = 0


@dataclass
class ScenarioStep:
    id: str
    text: str  # Markdown situation
    is_ending: bool = False
    outcome: str = ""  # endings: good | neutral | bad
    time_limit_seconds: int = 0
    choices: list[ScenarioChoice] = field(default_factory=list)
    line: int = 0


@dataclass
class RubricPattern:
    """A `::: fact` (must match the recruit's own sentences) or `::: forbid` (must match nowhere)."""

    id: str
    kind: str  # "fact" | "forbid"
    pattern: str = ""  # a Python regular expression, matched case-insensitively
    reason: str = ""  # shown to the recruit when the criterion is zeroed by it
    line: int = 0
    pattern_line: int = 0


@dataclass
class Sample:
    """A marked sample answer of a written drill: the score a trainer gave it. Never shown to recruits."""

    id: str
    text: str
    score: Decimal | None = None
    line: int = 0


LEVEL_COUNT = 4  # a criterion's `levels:` are exactly this many descriptors, level 1 … 4


@dataclass
class Criterion:
    id: str
    description: str
    points: Decimal = Decimal(1)
    concepts: list[list[str]] = field(default_factory=list)  # each concept: its synonyms
    required: list[str] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)  # descriptors of levels 1 … 4, or none
    facts: list[RubricPattern] = field(default_factory=list)
    forbids: list[RubricPattern] = field(default_factory=list)
    line: int = 0
    levels_line: int = 0


@dataclass
class Drill:
    id: str
    kind: str  # one of DRILL_KINDS
    title: str = ""
    intro: str = ""  # Markdown
    # scenario
    start: str = ""
    steps: list[ScenarioStep] = field(default_factory=list)
    # data
    generator: str = ""
    params: dict[str, str] = field(default_factory=dict)
    questions: list[Question] = field(default_factory=list)
    # written
    min_chars: int = 0
    max_chars: int = 0
    review: str = "auto"  # auto | always
    criteria: list[Criterion] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    tolerance: Decimal = Decimal(15)  # percentage points a sample's rubric score may differ from its mark
    # any other header keys, kept for the drill kinds to interpret
    options: dict[str, str] = field(default_factory=dict)
    path: str = ""
    line: int = 0
    setting_lines: dict[str, int] = field(default_factory=dict)  # setting -> line, for messages


@dataclass
class Lesson:
    id: str
    title: str
    body: str  # Markdown, without the heading line
    path: str = ""
    line: int = 0


@dataclass
class Module:
    slug: str
    title: str
    skill_area: str
    level: str
    title_en: str = ""
    summary: str = ""
    summary_en: str = ""
    estimated_minutes: int = 0
    pass_mark: int = 70
    prerequisites: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    intro: str = ""  # Markdown before the first lesson
    lessons: list[Lesson] = field(default_factory=list)
    quizzes: list[Quiz] = field(default_factory=list)
    drills: list[Drill] = field(default_factory=list)
    path: str = ""
    line: int = 1
    source_hash: str = ""  # sha256 of the concatenated source files
    key_lines: dict[str, int] = field(default_factory=dict)  # front-matter key -> line, for messages
    position: int | None = None  # place in the whole content tree (the loader sets it)


@dataclass
class CourseModule:
    slug: str
    required: bool = True
    due_days: int = 0
    line: int = 0


@dataclass
class Certification:
    modules: list[str] = field(default_factory=list)
    drills: list[str] = field(default_factory=list)  # "module-slug/drill-id"
    pass_mark: int = 0
    validity_months: int = 0
    defence: bool = False  # a passed 转正答辩 is required too (intermediate and up)
    # Renewal may also be earned by predicted recall (%, FSRS) at least this in every required skill area.
    renewal_recall: int = 0
    line: int = 0
    checklist: str = ""  # the slug of an on-the-job checklist (content/checklists/) …
    checklist_stage: int = 0  # … whose stage (30, 60 or 90) must be signed off; 0: none


@dataclass
class Course:
    slug: str
    title: str
    level: str
    title_en: str = ""
    summary: str = ""
    summary_en: str = ""
    description: str = ""  # Markdown body
    modules: list[CourseModule] = field(default_factory=list)
    certification: Certification | None = None
    no_test_out: list[str] = field(default_factory=list)  # modules this track allows no pre-test for
    review_cards: int | None = None  # spaced-review cards a day (docs/retention.md); None: the default
    path: str = ""
    line: int = 1
    source_hash: str = ""
    key_lines: dict[str, int] = field(default_factory=dict)  # front-matter key -> line, for messages
    position: int | None = None  # place in the whole content tree (the loader sets it)


@dataclass
class ContentTree:
    modules: list[Module] = field(default_factory=list)
    courses: list[Course] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    checklists: list = field(default_factory=list)  # courses.authoring.checklist.Checklist

    @property
    def errors(self) -> list[Message]:
        return [m for m in self.messages if m.level == "error"]

    @property
    def warnings(self) -> list[Message]:
        return [m for m in self.messages if m.level == "warning"]

    @property
    def notes(self) -> list[Message]:
        return [m for m in self.messages if m.level == "note"]
