"""What the parsed values mean: allowed words, ranges, answer keys that work, references that resolve.

The parser reports syntax; this module reports sense. Every message points at the file and line a trainer
must edit. Warnings (a missing explanation, a choice without feedback) do not stop an import; errors do.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_noop as _

from assessments.grading.base import InvalidAnswer, Problem
from assessments.grading.datasets import GENERATORS, params_problems
from assessments.grading.drills import WRITTEN_GRADERS
from assessments.grading.expressions import problems as expression_problems
from assessments.grading.rubric import compile_pattern, grade_written
from assessments.grading.scenario import graph_problems
from courses.authoring.certification import CertificationRequirements, certification_requirements
from courses.authoring.lint import lint_tree, rule_of
from courses.authoring.serialize import rubric_data
from courses.authoring.specs import (
    DRILL_KINDS,
    LEVEL_COUNT,
    LEVELS,
    QUESTION_TYPES,
    SKILL_AREAS,
    ContentTree,
    Course,
    Criterion,
    Drill,
    Module,
    Phrase,
    Question,
    Quiz,
    ScenarioStep,
    message,
)

SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
COUNTS = ("highest", "latest")
SHOW_ANSWERS = ("after_grading", "after_passing", "after_last_attempt", "never")
OUTCOMES = ("good", "neutral", "bad")
REVIEW = ("auto", "always")
MAX_CHARS = 20_000  # the longest written response a drill may ask for

# A recall threshold below a coin flip would renew on forgetting; 99 %+ is never reached by FSRS.
RENEWAL_RECALL_RANGE = (50, 98)


# Messages keep their English text (the command line, logs and tests read it) and are translated where a
# page shows them (``Message.localized``): ``_`` is gettext_noop, it only marks templates for makemessages.
CYCLE = "prerequisite-cycle"  # the code of "prerequisites form a cycle"


class _Check:
    def __init__(self, tree: ContentTree) -> None:
        self.tree = tree

    def error(self, path: str, line: int, template: str, code: str = "", **params: object) -> None:
        self.tree.messages.append(message(path, line, template, code=code, **params))

    def warn(self, path: str, line: int, template: str, code: str = "", **params: object) -> None:
        self.tree.messages.append(message(path, line, template, level="warning", code=code, **params))


# Certification-grade rules (docs/authoring.md): what a quiz or drill that a track requires must say.
CERT_SHOW_ANSWERS = ("after_last_attempt", "after_passing", "never")
CERT_QUIZ_ATTEMPTS = (1, 5)
CERT_DRILL_ATTEMPTS = (1, 3)
CERT_WAIT_MINUTES = 60
CERT_MIN_DRAW = 10
CERT_POOL_FACTOR = 3


def validate_tree(tree: ContentTree, *, requirements: CertificationRequirements | None = None) -> None:
    """Validate every module and course. ``requirements`` (default: what the tree's own courses require)
    says which quizzes and drills must follow the certification-grade rules."""
    check = _Check(tree)
    slugs = Counter(m.slug for m in tree.modules)
    if requirements is None:
        requirements = certification_requirements(tree.courses)
    for module in tree.modules:
        _module(check, module, slugs)
        _certification_rules(check, module, requirements)
    _prerequisite_cycles(check, tree.modules)
    modules = {m.slug: m for m in tree.modules}
    course_slugs = Counter(c.slug for c in tree.courses)
    for course in tree.courses:
        _course(check, course, modules, course_slugs)
    for module in tree.modules:
        for drill in module.drills:
            if drill.kind == "written" and drill.criteria:
                _calibration(
                    check, module, drill, certification=requirements.requires_drill(module.slug, drill.id)
                )
    # A required quiz's pool and draw are certification rules already reported above: say it once.
    certified = {
        (q.path, q.line) for m in tree.modules for q in m.quizzes if requirements.requires_quiz(m.slug)
    }
    tree.messages.extend(
        m
        for m in lint_tree(tree, requirements)
        if not (rule_of(m) == "bank-size" and (m.path, m.line) in certified)
    )


def _key_line(spec: Module | Course, key: str) -> int:
    return spec.key_lines.get(key, spec.line)


def _module(check: _Check, m: Module, slugs: Counter) -> None:
    path = m.path
    if not m.slug:
        check.error(path, m.line, _("the front matter needs a 'slug' (lowercase letters, digits and '-')"))
    elif not SLUG_RE.match(m.slug):
        check.error(
            path,
            _key_line(m, "slug"),
            _("slug '%(slug)s' may only use lowercase letters, digits and '-'"),
            slug=m.slug,
        )
    elif slugs[m.slug] > 1:
        check.error(
            path, _key_line(m, "slug"), _("slug '%(slug)s' is used by more than one module"), slug=m.slug
        )
    if not m.title:
        check.error(path, m.line, _("the front matter needs a 'title'"))
    if m.skill_area not in SKILL_AREAS:
        check.error(
            path,
            _key_line(m, "skill_area"),
            _("skill_area '%(value)s' must be one of %(allowed)s"),
            value=m.skill_area,
            allowed=", ".join(SKILL_AREAS),
        )
    if m.level not in LEVELS:
        check.error(
            path,
            _key_line(m, "level"),
            _("level '%(value)s' must be one of %(allowed)s"),
            value=m.level,
            allowed=", ".join(LEVELS),
        )
    if not 0 <= m.pass_mark <= 100:
        check.error(
            path,
            _key_line(m, "pass_mark"),
            _("pass_mark must be between 0 and 100, not %(value)s"),
            value=m.pass_mark,
        )
    if m.estimated_minutes < 0:
        check.error(path, _key_line(m, "estimated_minutes"), _("estimated_minutes cannot be negative"))
    if m.slug in m.prerequisites:
        check.error(path, _key_line(m, "prerequisites"), _("a module cannot be its own prerequisite"))
    for pre in m.prerequisites:
        if pre not in slugs:
            check.error(
                path,
                _key_line(m, "prerequisites"),
                _("prerequisite '%(slug)s' is not a module in content/"),
                slug=pre,
            )
    if not m.lessons:
        check.warn(
            path, m.line, _("the module has no lessons (a lesson starts with a heading `# Title {#id}`)")
        )
    for kind, items in (("lesson", m.lessons), ("quiz", m.quizzes), ("drill", m.drills)):
        seen: dict[str, int] = {}
        for item in items:
            line = item.line
            if item.id in seen:
                check.error(
                    item.path or path,
                    line,
                    _("%(kind)s id '%(id)s' is used twice (first on line %(first)s)"),
                    kind=kind,
                    id=item.id,
                    first=seen[item.id],
                )
            seen.setdefault(item.id, line)
    question_ids: dict[str, tuple[str, int]] = {}
    for quiz in m.quizzes:
        _quiz(check, quiz)
        for q in quiz.questions:
            _unique_question(check, q, question_ids)
    for drill in m.drills:
        _drill(check, drill)
        for q in drill.questions:
            _unique_question(check, q, question_ids)


def _drill_number(d: Drill, key: str) -> int:
    value = d.options.get(key) or "0"
    return int(value) if value.isdigit() else 0


def _certification_rules(check: _Check, m: Module, requirements: CertificationRequirements) -> None:
    """Errors for a quiz or drill that a certification track requires and whose settings would let a
    recruit read the key and retry, retry at once, or meet the same few questions again."""
    if requirements.requires_quiz(m.slug):
        for quiz in m.quizzes:
            at = quiz.setting_lines.get
            if quiz.show_answers not in CERT_SHOW_ANSWERS:
                check.error(
                    quiz.path,
                    at("show_answers", quiz.line),
                    _(
                        "quiz '%(quiz)s' (required by a certification track): show_answers must be "
                        "after_passing or after_last_attempt (or never), not '%(value)s': answers shown "
                        "between retries let a recruit read the key and retry; write "
                        "`show_answers: after_passing`"
                    ),
                    quiz=quiz.id,
                    value=quiz.show_answers,
                )
            low, high = CERT_QUIZ_ATTEMPTS
            if not low <= quiz.attempts_allowed <= high:
                check.error(
                    quiz.path,
                    at("attempts", quiz.line),
                    _(
                        "quiz '%(quiz)s' (required by a certification track): attempts must be between "
                        "%(low)s and %(high)s, not %(value)s (0 = unlimited lets a recruit retry until the "
                        "draw is lucky); write `attempts: 3`"
                    ),
                    quiz=quiz.id,
                    low=low,
                    high=high,
                    value=quiz.attempts_allowed,
                )
            if quiz.wait_minutes < CERT_WAIT_MINUTES:
                check.error(
                    quiz.path,
                    at("wait_minutes", quiz.line),
                    _(
                        "quiz '%(quiz)s' (required by a certification track): wait_minutes must be at least "
                        "%(least)s, not %(value)s (a wait makes retries a second sitting, not a reload); "
                        "write `wait_minutes: %(least)s`"
                    ),
                    quiz=quiz.id,
                    least=CERT_WAIT_MINUTES,
                    value=quiz.wait_minutes,
                )
            pool = len(quiz.questions)
            if quiz.draw < CERT_MIN_DRAW:
                check.error(
                    quiz.path,
                    at("draw", quiz.line),
                    _(
                        "quiz '%(quiz)s' (required by a certification track): draw must be at least "
                        "%(least)s, not %(value)s (draw: 0 serves the same questions every attempt); write "
                        "`draw: 12` with a bank of at least %(bank)s questions"
                    ),
                    quiz=quiz.id,
                    least=CERT_MIN_DRAW,
                    value=quiz.draw,
                    bank=12 * CERT_POOL_FACTOR,
                )
            elif pool < CERT_POOL_FACTOR * quiz.draw:
                check.error(
                    quiz.path,
                    at("draw", quiz.line),
                    _(
                        "quiz '%(quiz)s' (required by a certification track): the bank has %(pool)s "
                        "questions, fewer than %(factor)s × draw (%(needed)s), so retries meet the same "
                        "questions; add questions or lower the draw"
                    ),
                    quiz=quiz.id,
                    pool=pool,
                    factor=CERT_POOL_FACTOR,
                    needed=CERT_POOL_FACTOR * quiz.draw,
                )
    for d in m.drills:
        if not requirements.requires_drill(m.slug, d.id):
            continue
        at = d.setting_lines.get
        attempts = _drill_number(d, "attempts")
        low, high = CERT_DRILL_ATTEMPTS
        if not low <= attempts <= high:
            check.error(
                d.path,
                at("attempts", d.line),
                _(
                    "drill '%(drill)s' (required by a certification track): attempts must be between %(low)s "
                    "and %(high)s, not %(value)s (0 = unlimited lets a recruit retry until it passes); write "
                    "`attempts: 3`"
                ),
                drill=d.id,
                low=low,
                high=high,
                value=attempts,
            )
        wait = _drill_number(d, "wait_minutes")
        if wait < CERT_WAIT_MINUTES:
            check.error(
                d.path,
                at("wait_minutes", d.line),
                _(
                    "drill '%(drill)s' (required by a certification track): wait_minutes must be at least "
                    "%(least)s, not %(value)s; write `wait_minutes: %(least)s`"
                ),
                drill=d.id,
                least=CERT_WAIT_MINUTES,
                value=wait,
            )
        if d.kind == "written" and d.review == "auto" and "review" in d.setting_lines:
            check.warn(
                d.path,
                at("review"),
                _(
                    "drill '%(drill)s' (required by a certification track): review: auto is overridden, a "
                    "trainer reviews every response (review: always)"
                ),
                drill=d.id,
            )


def _unique_question(check: _Check, q: Question, seen: dict[str, tuple[str, int]]) -> None:
    if q.id in seen:
        where = seen[q.id]
        check.error(
            q.path,
            q.line,
            _("question id '%(id)s' is already used in this module (%(where)s)"),
            id=q.id,
            where=f"{where[0]}:{where[1]}",
        )
    else:
        seen[q.id] = (q.path, q.line)


def _quiz(check: _Check, quiz: Quiz) -> None:
    if not quiz.questions:
        check.error(quiz.path, quiz.line, _("quiz '%(quiz)s' has no questions"), quiz=quiz.id)
    if quiz.draw < 0 or quiz.draw > len(quiz.questions):
        check.error(
            quiz.path,
            quiz.line,
            _("draw: %(draw)s but quiz '%(quiz)s' has only %(n)s questions"),
            draw=quiz.draw,
            quiz=quiz.id,
            n=len(quiz.questions),
        )
    for name, value in (
        ("time_limit", quiz.time_limit_minutes),
        ("attempts", quiz.attempts_allowed),
        ("wait_minutes", quiz.wait_minutes),
    ):
        if value < 0:
            check.error(quiz.path, quiz.line, _("%(setting)s cannot be negative"), setting=name)
    if quiz.counts not in COUNTS:
        check.error(
            quiz.path, quiz.line, _("counts must be highest or latest, not '%(value)s'"), value=quiz.counts
        )
    if quiz.show_answers not in SHOW_ANSWERS:
        check.error(
            quiz.path,
            quiz.line,
            _("show_answers must be one of %(allowed)s, not '%(value)s'"),
            allowed=", ".join(SHOW_ANSWERS),
            value=quiz.show_answers,
        )
    _pretest(check, quiz)
    for q in quiz.questions:
        _question(check, q, in_drill=False)


def _pretest(check: _Check, quiz: Quiz) -> None:
    """``pretest: N`` draws N of the bank for a test-out; the final quiz then avoids them where it can."""
    if not quiz.pretest:
        return
    line = quiz.setting_lines.get("pretest", quiz.line)
    bank = len(quiz.questions)
    if quiz.pretest > bank:
        check.error(
            quiz.path,
            line,
            _("pretest: %(n)s but quiz '%(quiz)s' has only %(bank)s questions"),
            n=quiz.pretest,
            quiz=quiz.id,
            bank=bank,
        )
    elif quiz.pretest + (quiz.draw or bank) > bank:
        check.warn(
            quiz.path,
            line,
            _(
                "quiz '%(quiz)s': pretest (%(n)s) and draw (%(draw)s) need %(needed)s questions but the bank "
                "has %(bank)s, so a recruit who fails the pre-test meets some of its questions again"
            ),
            quiz=quiz.id,
            n=quiz.pretest,
            draw=quiz.draw or bank,
            needed=quiz.pretest + (quiz.draw or bank),
            bank=bank,
        )


def _question(check: _Check, q: Question, *, in_drill: bool) -> None:
    path, line = q.path, q.line
    if q.type not in QUESTION_TYPES:
        check.error(
            path,
            line,
            _("question '%(id)s': type '%(value)s' must be one of %(allowed)s"),
            id=q.id,
            value=q.type,
            allowed=", ".join(QUESTION_TYPES),
        )
        return
    if not q.stem.strip():
        check.error(path, line, _("question '%(id)s' has no question text"), id=q.id)
    if q.points <= 0:
        check.error(path, line, _("question '%(id)s': points must be more than 0"), id=q.id)
    if q.scoring not in ("all", "partial"):
        check.error(path, line, _("question '%(id)s': scoring must be all or partial"), id=q.id)
    correct = sum(c.correct for c in q.choices)
    if q.type in ("single", "truefalse", "multiple") and len(q.choices) < 2:
        check.error(path, line, _("question '%(id)s' needs at least two choices `- [ ]`"), id=q.id)
    elif q.type in ("single", "truefalse") and correct != 1:
        check.error(
            path,
            line,
            _("%(type)s question '%(id)s' needs exactly one `- [x]` choice, not %(n)s"),
            type=q.type,
            id=q.id,
            n=correct,
        )
    elif q.type == "truefalse" and len(q.choices) != 2:
        check.error(path, line, _("truefalse question '%(id)s' needs exactly two choices"), id=q.id)
    elif q.type == "multiple" and correct < 1:
        check.error(path, line, _("multiple question '%(id)s' needs at least one `- [x]` choice"), id=q.id)
    for c in q.choices:
        if c.weight is None:
            continue
        if q.type not in ("single", "multiple"):
            check.error(
                path,
                c.line or line,
                _("question '%(id)s': only single and multiple choices take a weight"),
                id=q.id,
            )
        elif not -100 <= c.weight <= 100:
            check.error(
                path, c.line or line, _("question '%(id)s': a choice weight is between -100 and 100"), id=q.id
            )
    texts = Counter(c.text.strip() for c in q.choices)
    for text, n in texts.items():
        if n > 1:
            check.error(
                path, line, _("question '%(id)s' lists the choice '%(choice)s' twice"), id=q.id, choice=text
            )
    if q.type == "short" and not q.accepted:
        check.error(path, line, _("short question '%(id)s' needs accepted answers in `[[…]]`"), id=q.id)
    if q.type == "numeric" and not (in_drill and q.expr):
        n = q.numeric
        if n is None or (n.value is None and n.min is None and n.max is None):
            check.error(
                path,
                line,
                _("numeric question '%(id)s' needs an answer: `[[42]]`, `[[42 ± 0.5]]` or `[[40..45]]`"),
                id=q.id,
            )
        elif n.min is not None and n.max is not None and n.min > n.max:
            check.error(path, line, _("numeric question '%(id)s': the range starts above its end"), id=q.id)
        elif n.tolerance < 0:
            check.error(path, line, _("numeric question '%(id)s': tolerance cannot be negative"), id=q.id)
    if q.type == "ordering" and len(q.items) < 2:
        check.error(path, line, _("ordering question '%(id)s' needs at least two items `1. …`"), id=q.id)
    if q.type == "matching" and len(q.pairs) < 2:
        check.error(
            path, line, _("matching question '%(id)s' needs at least two pairs `- left -> right`"), id=q.id
        )
    if not in_drill:
        if not q.explanation.strip():
            check.warn(
                path, line, _("question '%(id)s' has no explanation: recruits learn most from it"), id=q.id
            )
        for c in q.choices:
            if not c.feedback.strip():
                check.warn(
                    path,
                    c.line or line,
                    _("question '%(id)s': choice '%(choice)s' has no feedback `> …`"),
                    id=q.id,
                    choice=c.text[:30],
                )


def _drill(check: _Check, d: Drill) -> None:
    path, line = d.path, d.line
    if d.kind not in DRILL_KINDS:
        check.error(
            path,
            line,
            _("drill '%(drill)s': kind '%(value)s' must be one of %(allowed)s"),
            drill=d.id,
            value=d.kind,
            allowed=", ".join(DRILL_KINDS),
        )
        return
    if not d.title:
        check.warn(path, line, _("drill '%(drill)s' has no title"), drill=d.id)
    for key in ("attempts", "wait_minutes"):
        value = d.options.get(key)
        if value is not None and not re.fullmatch(r"\d{1,9}", value):
            check.error(
                path,
                d.setting_lines.get(key, line),
                _("drill '%(drill)s': %(setting)s must be a whole number (0 or more), not '%(value)s'"),
                drill=d.id,
                setting=key,
                value=value,
            )
    if d.kind == "scenario":
        _scenario(check, d)
    elif d.kind == "data":
        _data(check, d)
    elif d.kind == "written":
        _written(check, d)


def _scenario(check: _Check, d: Drill) -> None:
    path, line = d.path, d.line
    if not any(not s.is_ending for s in d.steps) or not any(s.is_ending for s in d.steps):
        check.error(
            path,
            line,
            _("scenario drill '%(drill)s' needs at least one `::: step` and one `::: ending`"),
            drill=d.id,
        )
    if not d.steps:
        return
    specs: dict[str, ScenarioStep] = {}
    for s in d.steps:
        if s.id in specs:
            check.error(
                path,
                s.line,
                _("step id '%(id)s' is used twice (first on line %(first)s)"),
                id=s.id,
                first=specs[s.id].line,
            )
        specs.setdefault(s.id, s)
        if s.is_ending and s.outcome not in OUTCOMES:
            check.error(path, s.line, _("ending '%(id)s': outcome must be good, neutral or bad"), id=s.id)
    for problem in graph_problems(d.start, scenario_graph(d)):
        # The grader's problems are English; those with a template are translated with the message.
        text = Phrase(problem.template, problem.params) if problem.template else problem.message
        step = specs.get(problem.step)
        report = check.error if problem.level == "error" else check.warn
        if step is None:
            report(path, line, _("drill '%(drill)s': %(problem)s"), drill=d.id, problem=text)
        elif problem.choice is not None:
            report(path, step.choices[problem.choice].line or step.line, "%(problem)s", problem=text)
        else:
            report(path, step.line, "%(problem)s", problem=text)


def scenario_graph(d: Drill) -> dict[str, dict[str, Any]]:
    """A scenario drill's steps as the plain graph ``assessments.grading.scenario`` checks and grades."""
    steps: dict[str, dict[str, Any]] = {}
    for s in d.steps:
        steps.setdefault(
            s.id,
            {
                "ending": s.is_ending,
                "outcome": s.outcome,
                "time_limit_seconds": s.time_limit_seconds,
                "choices": [
                    {"target": c.target, "points": str(c.points), "label": c.label} for c in s.choices
                ],
            },
        )
    return steps


def _data(check: _Check, d: Drill) -> None:
    path, line = d.path, d.line
    generator = GENERATORS.get(d.generator)
    if not d.generator:
        check.error(
            path,
            line,
            _("data drill '%(drill)s' needs a `generator:` (known: %(allowed)s)"),
            drill=d.id,
            allowed=", ".join(GENERATORS),
        )
    for problem in params_problems(d.generator, d.params) if d.generator else []:
        # A Problem keeps its English template, so it is translated with the message.
        check.error(
            path,
            line,
            _("drill '%(drill)s': %(problem)s"),
            drill=d.id,
            problem=Phrase(problem.template, problem.params) if isinstance(problem, Problem) else problem,
        )
    if not d.questions:
        check.error(path, line, _("data drill '%(drill)s' needs at least one `::: question`"), drill=d.id)
    for q in d.questions:
        _question(check, q, in_drill=True)
        if q.type != "numeric":
            check.error(
                q.path, q.line, _("question '%(id)s': a data drill asks numeric questions only"), id=q.id
            )
            continue
        if not q.expr:
            check.error(
                q.path,
                q.line,
                _("question '%(id)s' needs an `expr:` computing its answer from the table"),
                id=q.id,
            )
            continue
        n = q.numeric
        if n is not None and (n.value is not None or n.min is not None or n.max is not None):
            check.error(
                q.path,
                q.line,
                _("question '%(id)s': the answer comes from `expr:`; remove the `[[…]]` answer"),
                id=q.id,
            )
        if n is not None and n.tolerance < 0:
            check.error(q.path, q.line, _("question '%(id)s': tolerance cannot be negative"), id=q.id)
        if generator is not None:
            for problem in expression_problems(q.expr, generator.columns):
                check.error(
                    q.path, q.line, _("question '%(id)s': expr: %(problem)s"), id=q.id, problem=problem
                )


def _written(check: _Check, d: Drill) -> None:
    path, line = d.path, d.line
    if not d.criteria:
        check.error(path, line, _("written drill '%(drill)s' needs at least one `::: criterion`"), drill=d.id)
    if d.review not in REVIEW:
        check.error(path, line, _("drill '%(drill)s': review must be auto or always"), drill=d.id)
    if d.max_chars and d.min_chars > d.max_chars:
        check.error(path, line, _("drill '%(drill)s': min_chars is above max_chars"), drill=d.id)
    if d.max_chars > MAX_CHARS:
        check.error(
            path,
            line,
            _("drill '%(drill)s': max_chars can be at most %(most)s"),
            drill=d.id,
            most=f"{MAX_CHARS:,}",
        )
    grader = d.options.get("grader", "rubric")
    if grader not in WRITTEN_GRADERS:
        check.error(
            path,
            line,
            _("drill '%(drill)s': grader must be one of %(allowed)s, not '%(value)s'"),
            drill=d.id,
            allowed=", ".join(WRITTEN_GRADERS),
            value=grader,
        )
    seen: dict[str, int] = {}
    for c in d.criteria:
        if c.id in seen:
            check.error(
                path,
                c.line,
                _("criterion id '%(id)s' is used twice (first on line %(first)s)"),
                id=c.id,
                first=seen[c.id],
            )
        seen.setdefault(c.id, c.line)
        if c.points <= 0:
            check.error(path, c.line, _("criterion '%(id)s': points must be more than 0"), id=c.id)
        if not (c.concepts or c.required or c.facts):
            check.error(
                path, c.line, _("criterion '%(id)s' needs concepts: or required: to grade against"), id=c.id
            )
        _rubric_parts(check, d, c)
    if not 0 <= d.tolerance <= 100:
        check.error(
            path,
            line,
            _("drill '%(drill)s': tolerance must be between 0 and 100 percentage points"),
            drill=d.id,
        )
    maximum = sum((c.points for c in d.criteria), Decimal(0))
    samples: dict[str, int] = {}
    for sample in d.samples:
        if sample.id in samples:
            check.error(
                path,
                sample.line,
                _("sample id '%(id)s' is used twice (first on line %(first)s)"),
                id=sample.id,
                first=samples[sample.id],
            )
        samples.setdefault(sample.id, sample.line)
        if sample.score is None:
            check.error(
                path,
                sample.line,
                _("sample '%(id)s' needs `score:` (the score a trainer gave it)"),
                id=sample.id,
            )
        elif not 0 <= sample.score <= maximum:
            check.error(
                path,
                sample.line,
                _("sample '%(id)s': score %(score)s is outside 0 … %(maximum)s (the drill's points)"),
                id=sample.id,
                score=sample.score,
                maximum=maximum,
            )
        if not sample.text.strip():
            check.error(path, sample.line, _("sample '%(id)s' has no answer text"), id=sample.id)


def _rubric_parts(check: _Check, d: Drill, c: Criterion) -> None:
    """A criterion's levels, facts and forbidden claims: four descriptors, patterns that compile, reasons."""
    path = d.path
    if c.levels and (len(c.levels) != LEVEL_COUNT or not all(c.levels)):
        check.error(
            path,
            c.levels_line or c.line,
            _("criterion '%(id)s': levels are %(n)s descriptors separated by `|` (level 1 … %(n)s)"),
            id=c.id,
            n=LEVEL_COUNT,
        )
    seen: dict[str, int] = {}
    for p in [*c.facts, *c.forbids]:
        if p.id in seen:
            check.error(
                path,
                p.line,
                _("%(kind)s id '%(id)s' is used twice (first on line %(first)s)"),
                kind=p.kind,
                id=p.id,
                first=seen[p.id],
            )
        seen.setdefault(p.id, p.line)
        if not p.pattern:
            check.error(
                path,
                p.line,
                _("%(kind)s '%(id)s' needs `pattern:` (a regular expression)"),
                kind=p.kind,
                id=p.id,
            )
        else:
            try:
                compile_pattern(p.pattern)
            except re.error as exc:
                check.error(
                    path,
                    p.pattern_line,
                    _("%(kind)s '%(id)s': the pattern does not compile: %(problem)s"),
                    kind=p.kind,
                    id=p.id,
                    problem=str(exc),
                )
        if not p.reason:
            check.error(
                path,
                p.line,
                _("%(kind)s '%(id)s' needs `reason:` (shown to the recruit)"),
                kind=p.kind,
                id=p.id,
            )


def _calibration(check: _Check, m: Module, d: Drill, *, certification: bool) -> None:
    """Grade every marked sample with the rubric; report those the rubric scores off by more than tolerance.

    An error for a drill a certification track requires (whose criteria also need levels), else a warning."""
    report = check.error if certification else check.warn
    if certification:
        for c in d.criteria:
            if not c.levels:
                check.error(
                    d.path,
                    c.line,
                    _(
                        "criterion '%(id)s': a certification drill's criteria need `levels:` (%(n)s "
                        "descriptors separated by `|`) for trainers to score against"
                    ),
                    id=c.id,
                    n=LEVEL_COUNT,
                )
    maximum = sum((c.points for c in d.criteria), Decimal(0))
    if maximum <= 0:
        return
    data = rubric_data(d, pass_mark=m.pass_mark)
    for sample in d.samples:
        if sample.score is None or not 0 <= sample.score <= maximum or not sample.text.strip():
            continue
        try:
            result = grade_written(data, sample.text)
        except InvalidAnswer as exc:
            check.error(
                d.path,
                sample.line,
                _("sample '%(id)s' cannot be graded: %(problem)s"),
                id=sample.id,
                problem=str(exc),
            )
            continue
        rubric = Decimal(result.details["percent"])
        marked = (sample.score * 100 / maximum).quantize(Decimal("0.01"))
        if abs(rubric - marked) > d.tolerance:
            report(
                d.path,
                sample.line,
                _(
                    "sample '%(id)s': the rubric gives %(rubric)s%% but the trainer's score is %(marked)s%% "
                    "(more than %(tolerance)s points apart); adjust the criteria (concepts, facts, forbids) "
                    "or the sample's score"
                ),
                id=sample.id,
                rubric=rubric,
                marked=marked,
                tolerance=d.tolerance,
            )


def _prerequisite_cycles(check: _Check, modules: list[Module]) -> None:
    graph = {m.slug: list(m.prerequisites) for m in modules}
    state: dict[str, int] = {}

    def visit(slug: str, trail: list[str]) -> None:
        state[slug] = 1
        for nxt in graph.get(slug, []):
            if state.get(nxt) == 1:
                cycle = " → ".join([*trail[trail.index(nxt) :], nxt]) if nxt in trail else nxt
                module = next(m for m in modules if m.slug == slug)
                check.error(
                    module.path,
                    _key_line(module, "prerequisites"),
                    _("prerequisites form a cycle: %(cycle)s"),
                    code=CYCLE,
                    cycle=cycle,
                )
            elif nxt in graph and state.get(nxt) is None:
                visit(nxt, [*trail, nxt])
        state[slug] = 2

    for m in modules:
        if state.get(m.slug) is None:
            visit(m.slug, [m.slug])


def _course(check: _Check, c: Course, modules: dict[str, Module], slugs: Counter) -> None:
    path = c.path
    if not c.slug or not SLUG_RE.match(c.slug):
        check.error(
            path, _key_line(c, "slug"), _("the course needs a 'slug' of lowercase letters, digits and '-'")
        )
    elif slugs[c.slug] > 1:
        check.error(path, _key_line(c, "slug"), _("course slug '%(slug)s' is used twice"), slug=c.slug)
    if not c.title:
        check.error(path, c.line, _("the course needs a 'title'"))
    if c.level not in LEVELS:
        check.error(
            path,
            _key_line(c, "level"),
            _("level '%(value)s' must be one of %(allowed)s"),
            value=c.level,
            allowed=", ".join(LEVELS),
        )
    if not c.modules:
        check.error(path, _key_line(c, "modules"), _("the course lists no modules"))
    listed = Counter(cm.slug for cm in c.modules)
    for cm in c.modules:
        if cm.slug not in modules:
            check.error(
                path, cm.line or c.line, _("module '%(slug)s' is not in content/modules"), slug=cm.slug
            )
        if listed[cm.slug] > 1:
            check.error(path, cm.line or c.line, _("module '%(slug)s' is listed twice"), slug=cm.slug)
        if cm.due_days < 0:
            check.error(path, cm.line or c.line, _("due_days cannot be negative"))
    _no_test_out(check, c, listed)
    cert = c.certification
    if cert is None:
        return
    line = cert.line or c.line
    for slug in cert.modules:
        if slug not in listed:
            check.error(
                path, line, _("certification module '%(slug)s' is not one of the course's modules"), slug=slug
            )
    for ref in cert.drills:
        slug, _sep, drill_id = ref.partition("/")
        module = modules.get(slug)
        if module is None or not any(d.id == drill_id for d in module.drills):
            check.error(
                path,
                line,
                _("certification drill '%(ref)s' does not exist (write module-slug/drill-id)"),
                ref=ref,
            )
    if not 0 <= cert.pass_mark <= 100:
        check.error(path, line, _("certification pass_mark must be between 0 and 100"))
    if cert.validity_months < 0:
        check.error(path, line, _("validity_months cannot be negative"))
    if cert.renewal_recall and not RENEWAL_RECALL_RANGE[0] <= cert.renewal_recall <= RENEWAL_RECALL_RANGE[1]:
        check.error(
            path,
            line,
            _("certification renewal_recall must be a percentage from %(low)d to %(high)d"),
            low=RENEWAL_RECALL_RANGE[0],
            high=RENEWAL_RECALL_RANGE[1],
        )
    if cert.renewal_recall and not cert.validity_months:
        check.error(
            path, line, _("certification renewal_recall needs validity_months: the certificate never expires")
        )
    if cert.defence and c.level in LEVELS[:1]:
        check.error(
            path,
            line,
            _("certification defence: true is for intermediate tracks and up, not level '%(level)s'"),
            level=c.level,
        )


def _no_test_out(check: _Check, c: Course, listed: Counter) -> None:
    """Every module ``no_test_out`` names must be one of the course's modules."""
    for slug in c.no_test_out:
        if slug not in listed:
            check.error(
                c.path,
                _key_line(c, "no_test_out"),
                _("no_test_out module '%(slug)s' is not one of the course's modules"),
                slug=slug,
            )
