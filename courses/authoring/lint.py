"""Item-quality linter: flaws that let a test-wise recruit find the key without knowing the answer.

Pure (no ORM): reads specs, returns ``Message`` objects. Each rule follows a guideline of Haladyna, Downing &
Rodriguez (2002), "A review of multiple-choice item-writing guidelines for classroom assessment" (HDR); the
guideline is named in the message and in docs/authoring.md ("Item quality · 题目质量"). Findings are
warnings, errors for a quiz or drill a certification track requires, and notes for the recall check.
Every threshold lives in ``THRESHOLDS``.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _

from assessments.guessing import StrategyScore, quiz_guessing, scenario_guessing
from courses.authoring.certification import CertificationRequirements, certification_requirements
from courses.authoring.serialize import drill_data
from courses.authoring.specs import Choice, ContentTree, Drill, Message, Module, Question, Quiz

THRESHOLDS: dict[str, Fraction | int] = {
    # key-longest / scenario-best-longest: the key beats the longest distractor by both margins
    "longest_ratio": Fraction(6, 5),  # ≥ 20 % longer ...
    "longest_chars": 4,  # ... and ≥ 4 characters longer
    # bank-key-longest: share of single-choice questions whose key is strictly the longest
    "bank_longest_share": Fraction(35, 100),
    # key-position: from this many single-choice questions, no authored position above this share
    "position_min_questions": 8,
    # key-position: a position may hold its chance share of the keys (1/k of the questions with k options)
    # plus this margin: 25 % + 15 % = 40 % when every question has four options, 65 % with two
    "position_margin": Fraction(15, 100),
    # truefalse-balance: from this many true/false questions, the share keyed 正确 stays in [low, high]
    "truefalse_min_questions": 4,
    "truefalse_low": Fraction(35, 100),
    "truefalse_high": Fraction(65, 100),
    # bank-size: the pool holds at least this many times the draw
    "bank_factor": 3,
    # stem-echo: shortest stem word (characters) that counts
    "echo_min_chars": 2,
    # written-no-samples: marked samples a written drill needs (strong, borderline, failing)
    "written_samples": 3,
}

RULES = (
    "key-longest",
    "bank-key-longest",
    "key-position",
    "truefalse-balance",
    "all-none-of-above",
    "absolute-distractor",
    "stem-echo",
    "scenario-best-longest",
    "scenario-only-positive",
    "bank-size",
    "recall-number",
    "written-no-samples",
    "guessable",
)
ALL_NONE_PHRASES = (
    "以上都对",
    "以上都是",
    "以上皆是",
    "以上都不对",
    "以上都不是",
    "以上皆非",
    "all of the above",
    "none of the above",
)
ABSOLUTE_WORDS = ("总是", "从不", "绝对", "一定", "所有", "永远", "完全", "必然", "任何", "always", "never")
NEGATIVE_WORDS = ("不", "没", "别", "勿", "拒绝", "忽略", "无视", "删除", "踢", "禁言")
TRUE_WORDS = ("正确", "对", "是", "true", "yes", "t")
_STOP_TEXT = (
    "以下 哪个 哪些 哪一 哪一项 哪种 什么 怎么 怎样 如何 为什么 是否 应该 应当 可以 能够 需要 已经 "
    "还是 或者 以及 并且 而且 但是 因为 所以 如果 这个 那个 这些 那些 这样 那样 我们 你们 他们 她们 "
    "它们 自己 一个 一些 一位 一名 一次 没有 不是 就是 其中 之一 正确 错误 选项 说法 下列 下面 判断 "
    "最好 最合适 合适 做法 关于 对于 通过 进行 时候 之后 之前 以上 描述 属于 其他 for the and are "
    "was were what which when where who why how that this with from into your their there these "
    "those not does did has have had should would could can will "
)
STOP_WORDS = frozenset(_STOP_TEXT.split())

_EMPHASIS = re.compile(r"[*_`~]+")
_ENGLISH = re.compile(r"[a-z]")
_tokenizer = None
_tokenizer_lock = threading.Lock()


def _words(text: str) -> list[str]:
    global _tokenizer
    if _tokenizer is None:
        import jieba

        with _tokenizer_lock:
            if _tokenizer is None:
                jieba.setLogLevel(60)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _tokenizer = tokenizer
    # Search mode adds the dictionary words inside a longer token; HMM off keeps new words from gluing on.
    return [*_tokenizer.lcut_for_search(text), *_tokenizer.lcut(text, HMM=False)]


def plain(text: str) -> str:
    """A choice as the length rules see it: Markdown emphasis removed, outer spaces stripped, NFKC."""
    return unicodedata.normalize("NFKC", _EMPHASIS.sub("", text)).strip()


def length(text: str) -> int:
    return len(plain(text))


def longest_by_margin(best: Sequence[int], others: Sequence[int]) -> bool:
    """Every length in ``best`` beats every length in ``others`` by the ratio AND the characters margin."""
    if not best or not others:
        return False
    low, high = min(best), max(others)
    return low >= high * THRESHOLDS["longest_ratio"] and low - high >= THRESHOLDS["longest_chars"]


def _contains_word(text: str, word: str) -> bool:
    text = plain(text).lower()
    if _ENGLISH.match(word):
        return re.search(rf"\b{re.escape(word)}\b", text) is not None
    return word in text


def _is_true(choice: Choice) -> bool:
    return plain(choice.text).lower().rstrip("。.!！") in TRUE_WORDS


def _pct(value: Fraction | float) -> str:
    return f"{round(float(value) * 100)}%"


class _Linter:
    def __init__(self, requirements: CertificationRequirements) -> None:
        self.requirements = requirements
        self.messages: list[Message] = []

    def report(self, strict: bool, path: str, line: int, rule: str, what: str, why: str, fix: str) -> None:
        level = "error" if strict else "warning"
        self.messages.append(Message(path, max(line, 1), f"{rule}: {what} — {why}; {fix}", level))

    def note(self, path: str, line: int, rule: str, what: str, why: str, fix: str) -> None:
        self.messages.append(Message(path, max(line, 1), f"{rule}: {what} — {why}; {fix}", "note"))

    # ------------------------------------------------------------ modules

    def module(self, module: Module) -> None:
        strict_quiz = self.requirements.requires_quiz(module.slug)
        for quiz in module.quizzes:
            self.quiz(module, quiz, strict_quiz)
        for drill in module.drills:
            strict = self.requirements.requires_drill(module.slug, drill.id)
            if drill.kind == "scenario":
                self.scenario(drill, strict)
                self.guessable_scenario(module, drill, strict)
            elif drill.kind == "written":
                self.written(drill, strict)

    def quiz(self, module: Module, quiz: Quiz, strict: bool) -> None:
        singles = [q for q in quiz.questions if q.type == "single" and _keys(q) and _distractors(q)]
        for q in quiz.questions:
            self.question(q, strict)
            if q.type == "numeric":
                self.recall(module, q)
        self.bank_longest(quiz, singles, strict)
        self.key_position(quiz, singles, strict)
        self.truefalse_balance(quiz, strict)
        self.bank_size(quiz, strict)
        self.guessable_quiz(module, quiz, strict)

    def question(self, q: Question, strict: bool) -> None:
        if q.type not in ("single", "multiple"):
            return
        keys, distractors = _keys(q), _distractors(q)
        if not keys or not distractors:
            return
        if longest_by_margin([length(c.text) for c in keys], [length(c.text) for c in distractors]):
            self.report(
                strict,
                q.path,
                q.line,
                "key-longest",
                _(
                    "question '%(id)s': the answer is clearly the longest"
                    " option (%(key)d vs %(other)d characters)"
                )
                % {
                    "id": q.id,
                    "key": min(length(c.text) for c in keys),
                    "other": max(length(c.text) for c in distractors),
                },
                _("a test-wise recruit picks the longest option (HDR 2002 guidelines 24 and 28d)"),
                _("shorten the answer or give the distractors the same detail"),
            )
        for c in q.choices:
            text = plain(c.text).lower()
            if any(phrase in text for phrase in ALL_NONE_PHRASES):
                self.report(
                    strict,
                    q.path,
                    c.line or q.line,
                    "all-none-of-above",
                    _("question '%(id)s': the option '%(text)s'") % {"id": q.id, "text": plain(c.text)[:40]},
                    _(
                        "it is answered by recognising two options, not by knowing"
                        " the answer (HDR 2002 guidelines 25 and 26)"
                    ),
                    _("replace it with a plausible option of its own"),
                )
        absolute = [(c, w) for c in distractors for w in ABSOLUTE_WORDS if _contains_word(c.text, w)]
        if absolute and not any(_contains_word(c.text, w) for c in keys for w in ABSOLUTE_WORDS):
            choice, word = absolute[0]
            self.report(
                strict,
                q.path,
                choice.line or q.line,
                "absolute-distractor",
                _("question '%(id)s': the absolute word '%(word)s' appears only in wrong options")
                % {"id": q.id, "word": word},
                _("specific determiners mark an option as wrong (HDR 2002 guideline 28a)"),
                _("remove the word, or use it in the answer too"),
            )
        echoed = stem_echo(q)
        if echoed:
            self.report(
                strict,
                q.path,
                q.line,
                "stem-echo",
                _("question '%(id)s': the stem's word '%(word)s' is repeated only in the answer")
                % {"id": q.id, "word": echoed},
                _("a clang association points at the answer (HDR 2002 guideline 28b)"),
                _("rephrase the answer, or use the word in a distractor as well"),
            )

    def recall(self, module: Module, q: Question) -> None:
        n = q.numeric
        if n is None or n.value is None or q.expr:
            return
        number = _number_text(n.value)
        pattern = re.compile(rf"(?<![\d.]){re.escape(number)}(?![\d]|\.\d)")
        for lesson in module.lessons:
            if pattern.search(lesson.body):
                self.note(
                    q.path,
                    q.line,
                    "recall-number",
                    _("question '%(id)s': its answer %(value)s appears verbatim in lesson '%(lesson)s'")
                    % {"id": q.id, "value": number, "lesson": lesson.id},
                    _("it checks recall of a number, not its use (HDR 2002 guideline 3)"),
                    _("ask for a value the recruit has to work out, if the number is not worth memorising"),
                )
                return

    def bank_longest(self, quiz: Quiz, singles: list[Question], strict: bool) -> None:
        if not singles:
            return
        longest = sum(1 for q in singles if _key_strictly_longest(q))
        share = Fraction(longest, len(singles))
        if share > THRESHOLDS["bank_longest_share"]:
            self.report(
                strict,
                quiz.path,
                quiz.line,
                "bank-key-longest",
                _(
                    "quiz '%(id)s': the answer is the longest option in %(n)d of"
                    " %(total)d single-choice questions (%(share)s)"
                )
                % {"id": quiz.id, "n": longest, "total": len(singles), "share": _pct(share)},
                _("always choosing the longest option scores well above chance (HDR 2002 guideline 24)"),
                _("keep it at %(limit)s or below: vary which option is longest")
                % {"limit": _pct(THRESHOLDS["bank_longest_share"])},
            )

    def key_position(self, quiz: Quiz, singles: list[Question], strict: bool) -> None:
        if len(singles) < THRESHOLDS["position_min_questions"]:
            return
        positions = Counter(next(i for i, c in enumerate(q.choices, 1) if c.correct) for q in singles)
        for position, n in sorted(positions.items()):
            share = Fraction(n, len(singles))
            chance = sum(
                (Fraction(1, len(q.choices)) for q in singles if len(q.choices) >= position), Fraction(0)
            )
            limit = chance / len(singles) + THRESHOLDS["position_margin"]
            if share <= limit:
                continue
            self.report(
                strict,
                quiz.path,
                quiz.line,
                "key-position",
                _(
                    "quiz '%(id)s': option %(position)d is the answer in %(n)d of"
                    " %(total)d single-choice questions (%(share)s)"
                )
                % {"id": quiz.id, "position": position, "n": n, "total": len(singles), "share": _pct(share)},
                _(
                    "the authored order shows in GIFT exports and reviews even when"
                    " choices are shuffled (HDR 2002 guideline 20)"
                ),
                _("move answers so that no position holds more than %(limit)s of them")
                % {"limit": _pct(limit)},
            )
            return

    def truefalse_balance(self, quiz: Quiz, strict: bool) -> None:
        tf = [q for q in quiz.questions if q.type == "truefalse" and len(_keys(q)) == 1]
        if len(tf) < THRESHOLDS["truefalse_min_questions"]:
            return
        true = sum(1 for q in tf if _is_true(_keys(q)[0]))
        share = Fraction(true, len(tf))
        if not THRESHOLDS["truefalse_low"] <= share <= THRESHOLDS["truefalse_high"]:
            self.report(
                strict,
                quiz.path,
                quiz.line,
                "truefalse-balance",
                _("quiz '%(id)s': %(n)d of %(total)d true/false questions are keyed 正确 (%(share)s)")
                % {"id": quiz.id, "n": true, "total": len(tf), "share": _pct(share)},
                _("always answering the same way scores above chance (HDR 2002 guideline 20)"),
                _("key between %(low)s and %(high)s of them 正确")
                % {"low": _pct(THRESHOLDS["truefalse_low"]), "high": _pct(THRESHOLDS["truefalse_high"])},
            )

    def bank_size(self, quiz: Quiz, strict: bool) -> None:
        pool = len(quiz.questions)
        draw = quiz.draw or pool
        if pool and pool < THRESHOLDS["bank_factor"] * draw:
            self.report(
                strict,
                quiz.path,
                quiz.line,
                "bank-size",
                _("quiz '%(id)s': %(pool)d questions for a draw of %(draw)d")
                % {"id": quiz.id, "pool": pool, "draw": draw},
                _(
                    "a retake shows mostly the same questions, so it measures"
                    " memory of the last attempt (item exposure)"
                ),
                _("write at least %(need)d questions, or draw fewer")
                % {"need": THRESHOLDS["bank_factor"] * draw},
            )

    def guessable_quiz(self, module: Module, quiz: Quiz, strict: bool) -> None:
        if not quiz.questions:
            return
        try:
            questions = [_choice_data(q) for q in quiz.questions]
            scores = quiz_guessing(
                questions, pass_mark=module.pass_mark, shuffle_choices=quiz.shuffle_choices
            )
        except (ValueError, KeyError, TypeError):
            return  # the validator reports what makes the quiz ungradable
        self._guessable(strict, quiz.path, quiz.line, _("quiz '%(id)s'") % {"id": quiz.id}, scores)

    def guessable_scenario(self, module: Module, drill: Drill, strict: bool) -> None:
        pass_mark = module.pass_mark
        raw = drill.options.get("pass_mark", "")
        if raw.isdigit():
            pass_mark = int(raw)
        try:
            scores = scenario_guessing(drill_data(drill, pass_mark=pass_mark), pass_mark=pass_mark)
        except (ValueError, KeyError, TypeError):
            return
        self._guessable(strict, drill.path, drill.line, _("drill '%(id)s'") % {"id": drill.id}, scores)

    def _guessable(self, strict: bool, path: str, line: int, what: str, scores: list[StrategyScore]) -> None:
        passing = [s for s in scores if s.passes]
        if not passing:
            return
        named = ", ".join(f"{s.strategy} {float(s.percent):.0f}%" for s in passing)
        self.report(
            strict,
            path,
            line,
            "guessable",
            _("%(what)s is passed without knowing the answers by: %(strategies)s")
            % {"what": what, "strategies": named},
            _("the options' form, not the recruit's knowledge, decides the score (HDR 2002 guideline 28)"),
            _("fix the key-longest, key-position and true/false findings of its questions"),
        )

    # ------------------------------------------------------------ drills

    def scenario(self, drill: Drill, strict: bool) -> None:
        for step in drill.steps:
            if step.is_ending or len(step.choices) < 2:
                continue
            top = max(c.points for c in step.choices)
            best = [c for c in step.choices if c.points == top]
            rest = [c for c in step.choices if c.points != top]
            if len(best) != 1 or not rest:
                continue
            choice = best[0]
            if longest_by_margin([length(choice.label)], [length(c.label) for c in rest]):
                self.report(
                    strict,
                    drill.path,
                    choice.line or step.line,
                    "scenario-best-longest",
                    _("drill '%(drill)s', step '%(step)s': the best choice is clearly the longest")
                    % {"drill": drill.id, "step": step.id},
                    _("a test-wise recruit picks the longest choice (HDR 2002 guidelines 24 and 28d)"),
                    _("shorten it or give the other choices the same detail"),
                )
            if not _negative(choice.label) and all(_negative(c.label) for c in rest):
                self.report(
                    strict,
                    drill.path,
                    choice.line or step.line,
                    "scenario-only-positive",
                    _(
                        "drill '%(drill)s', step '%(step)s': the best choice is"
                        " the only one without a negative word"
                    )
                    % {"drill": drill.id, "step": step.id},
                    _(
                        "the wording, not the judgement, gives the answer"
                        " away (HDR 2002 guidelines 27 and 28d)"
                    ),
                    _("phrase some wrong choices positively, or the best one with a negative word"),
                )

    def written(self, drill: Drill, strict: bool) -> None:
        samples = list(getattr(drill, "samples", None) or [])
        if len(samples) < THRESHOLDS["written_samples"]:
            self.report(
                strict,
                drill.path,
                drill.line,
                "written-no-samples",
                _("written drill '%(id)s' has %(n)d marked samples") % {"id": drill.id, "n": len(samples)},
                _(
                    "without scored samples nobody can tell whether the rubric"
                    " grades as a trainer would (anchor papers)"
                ),
                _(
                    "add `::: sample strong`, `::: sample borderline` and"
                    " `::: sample failing` with a `score:`"
                ),
            )


def rule_of(message: Message) -> str:
    """The item-quality rule a message reports ("" for the validator's own messages)."""
    rule = message.text.split(":", 1)[0]
    return rule if rule in RULES else ""


def _choice_data(q: Question) -> dict:
    """What the guesser simulation reads of a question: the stored form's choices, without rendering."""
    choices = [
        {"id": c.id, "text": plain(c.text), "correct": c.correct}
        | ({"weight": str(c.weight)} if c.weight is not None else {})
        for c in q.choices
    ]
    return {"id": q.id, "type": q.type, "points": str(q.points), "scoring": q.scoring, "choices": choices}


def _keys(q: Question) -> list[Choice]:
    return [c for c in q.choices if c.correct]


def _distractors(q: Question) -> list[Choice]:
    return [c for c in q.choices if not c.correct]


def _key_strictly_longest(q: Question) -> bool:
    keys = _keys(q)
    return len(keys) == 1 and all(length(keys[0].text) > length(c.text) for c in _distractors(q))


def _negative(text: str) -> bool:
    text = plain(text)
    return any(word in text for word in NEGATIVE_WORDS)


def _number_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def stem_words(stem: str) -> list[str]:
    """The stem's content words: jieba tokens of at least two characters, not stop words, not numbers."""
    text = plain(stem.replace("[[]]", " ")).lower()
    seen: list[str] = []
    for word in _words(text):
        word = word.strip()
        if (
            len(word) >= THRESHOLDS["echo_min_chars"]
            and word not in STOP_WORDS
            and any(ch.isalpha() for ch in word)
            and word not in seen
        ):
            seen.append(word)
    return seen


def stem_echo(q: Question) -> str:
    """The first stem word found in an answer and in no distractor ("" when none)."""
    keys, distractors = _keys(q), _distractors(q)
    if not keys or not distractors:
        return ""
    key_text = [plain(c.text).lower() for c in keys]
    other_text = [plain(c.text).lower() for c in distractors]
    for word in stem_words(q.stem):
        if any(word in t for t in key_text) and not any(word in t for t in other_text):
            return word
    return ""


def lint_modules(modules: Iterable[Module], requirements: CertificationRequirements) -> list[Message]:
    """Every item-quality finding in these modules; errors where ``requirements`` names the quiz or drill."""
    linter = _Linter(requirements)
    for module in modules:
        linter.module(module)
    return linter.messages


def lint_tree(tree: ContentTree, requirements: CertificationRequirements | None = None) -> list[Message]:
    """Lint every module of ``tree``; certification status comes from the tree's own courses by default."""
    if requirements is None:
        requirements = certification_requirements(tree.courses)
    return lint_modules(tree.modules, requirements)
