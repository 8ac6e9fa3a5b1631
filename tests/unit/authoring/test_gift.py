"""GIFT import and export: Moodle's fixtures, the gift-pegjs test pairs, escaping, round trips, bad input."""

from __future__ import annotations

import dataclasses
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from courses.authoring.gift import (
    CHOICE_BLANK,
    FALSE_LABEL,
    TEXT_BLANK,
    TRUE_LABEL,
    export_gift,
    export_losses,
    export_question,
    parse_gift,
)
from courses.authoring.markdown_out import MarkdownOutError, quiz_to_markdown, to_markdown
from courses.authoring.parser import parse_module
from courses.authoring.specs import Choice, MatchingPair, NumericAnswer, OrderingItem, Question
from tests.conftest import shared_fixtures

FIXTURES = shared_fixtures("gift")
PEGJS = FIXTURES / "gift-pegjs"
MODULE_HEAD = "---\nslug: gift-test\ntitle: T\nskill_area: fundamentals\nlevel: junior\n---\n\n# L {#l}\n\n"


def parse(text: str, path: str = "bank.gift") -> tuple[list[Question], list]:
    return parse_gift(text, path)


def plain(q: Question) -> Question:
    """The question without source positions, for comparing questions read from different files."""
    return dataclasses.replace(
        q,
        path="",
        line=0,
        choices=[dataclasses.replace(c, line=0) for c in q.choices],
        pairs=[dataclasses.replace(p, line=0) for p in q.pairs],
        items=[dataclasses.replace(i, line=0) for i in q.items],
    )


def warnings_of(messages: list) -> list[str]:
    return [m.text for m in messages if m.level == "warning"]


# ---------------------------------------------------------------- Moodle's own fixtures


def test_moodle_questions_fixture_yields_its_nine_questions():
    questions, messages = parse((FIXTURES / "moodle" / "questions.gift.txt").read_text(encoding="utf-8"))
    assert not [m for m in messages if m.level == "error"]
    # Moodle reads 9 questions; the essay (Q8) has no place in a quiz pool and is reported, not imported.
    essay = [m for m in messages if "essay" in m.text]
    assert [(m.line, "'Q8'" in m.text) for m in essay] == [(2, True)]
    assert [(q.id, q.type) for q in questions] == [
        ("moodle-activities", "matching"),
        ("Q2", "single"),
        ("colours", "multiple"),
        ("Q5", "numeric"),
        ("Shortanswer", "short"),
        ("Q1", "truefalse"),
        ("2-08-tsl", "truefalse"),
        ("2-08-tsl-2", "truefalse"),
    ]
    assert len(questions) + len(essay) == 9
    by_id = {q.id: q for q in questions}

    match = by_id["moodle-activities"]
    assert match.stem == "Match the <b>activity</b> to the description."
    assert [p.right for p in match.pairs] == ["Forum", "Choice", "Database", "Wiki"]
    assert [p.id for p in match.pairs] == ["p1", "p2", "p3", "p4"]
    assert match.pairs[0].left == "An activity supporting asynchronous discussions."

    q2 = by_id["Q2"]
    assert [(c.text, c.correct, c.feedback) for c in q2.choices] == [
        ("yellow", True, "right; good!"),
        ("red", False, "wrong, it's yellow"),
        ("blue", False, "wrong, it's yellow"),
    ]
    colours = by_id["colours"]
    assert [c.text for c in colours.choices if c.correct] == ["yellow", "off-beige"]
    assert colours.scoring == "partial"

    q5 = by_id["Q5"]
    assert q5.numeric == NumericAnswer(value=Decimal(3), tolerance=Decimal(2))
    assert q5.wrong_feedback == "Completely wrong"
    assert q5.stem == "What is a number from 1 to 5?\n\n[[]]"

    short = by_id["Shortanswer"]
    assert short.accepted == ["Frog"]
    assert (short.correct_feedback, short.wrong_feedback) == ("Good!", "Completely wrong")

    q1 = by_id["Q1"]
    assert [(c.text, c.correct) for c in q1.choices] == [(TRUE_LABEL, False), (FALSE_LABEL, True)]
    # Moodle: the first feedback is for the wrong answer (here True), the second for the right one.
    assert [c.feedback for c in q1.choices] == ["42 is the Ultimate Answer.", "You gave the right answer."]
    assert q1.explanation == "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    assert [c.correct for c in by_id["2-08-tsl"].choices] == [True, False]
    assert [c.correct for c in by_id["2-08-tsl-2"].choices] == [True, False]


def test_moodle_fixture_reports_what_cannot_map_with_lines():
    _, messages = parse((FIXTURES / "moodle" / "questions.gift.txt").read_text(encoding="utf-8"))
    lines = {m.line: m.text for m in messages if m.level == "warning"}
    assert "'Chat'" in lines[10]  # the extra right side of the matching question
    assert 22 not in lines  # colours: its -100% and 50% weights are kept
    questions, _ = parse((FIXTURES / "moodle" / "questions.gift.txt").read_text(encoding="utf-8"))
    colours = next(q for q in questions if q.id == "colours")
    assert [c.weight for c in colours.choices] == [Decimal(50), Decimal(-100), Decimal(50), Decimal(-100)]
    assert "stray" in lines[31]
    assert "stray" in lines[43]
    assert "'Cat' gives 50%" in lines[36]


def test_moodle_category_fixture_keeps_escaped_html():
    text = (FIXTURES / "moodle" / "questions_in_category.gift.txt").read_text(encoding="utf-8")
    questions, messages = parse(text)
    assert not [m for m in messages if m.level == "error"]
    assert [(q.id, q.type) for q in questions] == [
        ("moodle-activities", "matching"),
        ("Greeting", "single"),
        ("moodle-user", "short"),
        ("moodle-acronym", "truefalse"),
    ]
    greeting = questions[1]
    assert '<a href="http://demo.moodle.net/file.php/5/media/bonjour.mp3">Listen to this greeting:</a>' in (
        greeting.stem
    )
    assert [c.text for c in greeting.choices if c.correct] == ["French"]
    assert '<span style="font-style: italic;">' in questions[3].stem


# ---------------------------------------------------------------- gift-pegjs pairs


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def _text_of(value: Any) -> str:
    return _norm(value["text"]) if isinstance(value, dict) else _norm(value)


def _stem(value: str) -> str:
    text = re.sub(r"\s+", " ", value.replace(TEXT_BLANK, CHOICE_BLANK)).strip()
    return re.sub(r" ([.,;:?!])", r"\1", text)


def _pegjs_numeric(answer: dict) -> NumericAnswer:
    if answer["type"] == "high-low":
        return NumericAnswer(min=Decimal(str(answer["numberLow"])), max=Decimal(str(answer["numberHigh"])))
    return NumericAnswer(value=Decimal(str(answer["number"])), tolerance=Decimal(str(answer.get("range", 0))))


def _full(choice: dict) -> bool:
    return choice["isCorrect"] and choice["weight"] in (None, 100)


def expected_from_pegjs(entry: dict) -> dict | None:
    """gift-pegjs's expected result, mapped to what this project keeps (None: nothing to import).

    Weights: a fully right answer (`=`, or 100%) stays right; positive weights without any `=` mark the right
    choices of a multiple-choice question; partial and negative weights are kept on their choices (#12),
    except when they are exactly what the grader does without them.
    True/false feedback follows Moodle (format.php): the first
    `#` is shown for the wrong answer and the second for the right one, so for a TRUE question the first
    feedback belongs to the False choice. gift-pegjs's `trueFeedback`/`falseFeedback` are simply the first
    and second `#` (its issue #62), which agrees with Moodle for FALSE questions only.
    """
    kind = entry["type"]
    if kind in ("Category", "Description", "Essay"):
        return None
    out: dict[str, Any] = {"explanation": _text_of(entry.get("globalFeedback") or ""), "warn": []}
    if not entry.get("hasEmbeddedAnswers", False):
        out["stem"] = _stem(_text_of(entry["stem"]))
    if kind == "TF":
        first, second = _text_of(entry["trueFeedback"] or ""), _text_of(entry["falseFeedback"] or "")
        true_feedback, false_feedback = (second, first) if entry["isTrue"] else (first, second)
        out.update(
            type="truefalse",
            choices=[
                (TRUE_LABEL, entry["isTrue"], true_feedback),
                (FALSE_LABEL, not entry["isTrue"], false_feedback),
            ],
        )
    elif kind == "MC":
        choices = entry["choices"]
        if any(c["isCorrect"] for c in choices):
            right = [_full(c) for c in choices]
            out["type"] = "single" if sum(right) == 1 else "multiple"
            # Partial and negative weights on the other answers are kept, as Moodle keeps them.
            out["weights"] = [
                None if r or not c["weight"] else Decimal(str(c["weight"]))
                for c, r in zip(choices, right, strict=True)
            ]
        else:
            right = [(c["weight"] or 0) > 0 for c in choices]
            out["type"] = "multiple"
            share = Decimal(100) / sum(right)
            exact = all(
                c["weight"] is not None
                and abs(Decimal(str(c["weight"])) - (share if r else -share)) < Decimal("0.01")
                for c, r in zip(choices, right, strict=True)
            )
            out["weights"] = [None if exact else Decimal(str(c["weight"] or 0)) for c in choices]
        texts = [(_text_of(c["text"]), _text_of(c["feedback"] or "")) for c in choices]
        out["choices"] = [(text, r, feedback) for (text, feedback), r in zip(texts, right, strict=True)]
    elif kind == "Short":
        answers = entry["choices"]
        kept = [c for c in answers if _full(c) and _text_of(c["text"]) != "*"]
        wrong = [c for c in answers if _text_of(c["text"]) == "*"]
        out.update(
            type="short",
            accepted=[_text_of(c["text"]) for c in kept],
            correct_feedback=next((_text_of(c["feedback"]) for c in kept if c["feedback"]), ""),
            wrong_feedback=_text_of(wrong[0]["feedback"]) if wrong else "",
            warn=[_text_of(c["text"]) for c in answers if c["weight"] not in (None, 0, 100)],
        )
    elif kind == "Numerical":
        answers = entry["choices"]
        if isinstance(answers, dict):
            answers = [{"isCorrect": True, "weight": None, "text": answers, "feedback": None}]
        numbers = [c for c in answers if "type" in c["text"]]
        kept = next(c for c in numbers if _full(c))
        wrong = [c for c in answers if "type" not in c["text"]]
        out.update(
            type="numeric",
            numeric=_pegjs_numeric(kept["text"]),
            correct_feedback=_text_of(kept["feedback"] or ""),
            wrong_feedback=_text_of(wrong[0]["feedback"]) if wrong else "",
            warn=[str(c["text"]["number"]) for c in numbers if c["weight"] not in (None, 0, 100)],
        )
    elif kind == "Matching":
        sides = [(_text_of(p["subquestion"]), _norm(p["subanswer"])) for p in entry["matchPairs"]]
        out.update(
            type="matching",
            pairs=[(left, right) for left, right in sides if left],
            warn=[right for left, right in sides if not left],
        )
    else:
        raise AssertionError(f"unknown gift-pegjs type {kind}")
    return out


def actual(q: Question) -> dict:
    out: dict[str, Any] = {"type": q.type, "explanation": _norm(q.explanation)}
    if q.type in ("single", "multiple", "truefalse"):
        out["choices"] = [(_norm(c.text), c.correct, _norm(c.feedback)) for c in q.choices]
        out["weights"] = [c.weight for c in q.choices]
    if q.type == "short":
        out.update(accepted=q.accepted, correct_feedback=_norm(q.correct_feedback))
    if q.type == "numeric":
        out.update(numeric=q.numeric, correct_feedback=_norm(q.correct_feedback))
    if q.type in ("short", "numeric"):
        out["wrong_feedback"] = _norm(q.wrong_feedback)
    if q.type == "matching":
        out["pairs"] = [(p.left, p.right) for p in q.pairs]
    return out


PEGJS_PAIRS = sorted(PEGJS.glob("*.gift"))


def test_all_gift_pegjs_pairs_are_present():
    assert len(PEGJS_PAIRS) == 51
    assert all(path.with_suffix(".json").exists() for path in PEGJS_PAIRS)


@pytest.mark.parametrize("path", PEGJS_PAIRS, ids=lambda p: p.stem)
def test_gift_pegjs_pair_matches_expected_json(path: Path):
    entries = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    questions, messages = parse_gift(path.read_text(encoding="utf-8"), path.name)
    assert not [m for m in messages if m.level == "error"], messages
    expected = [e for e in map(expected_from_pegjs, entries) if e is not None]
    skipped = [e for e in entries if e["type"] in ("Description", "Essay")]
    assert len(questions) == len(expected)
    assert len([m for m in messages if "skipped" in m.text]) == len(skipped)
    warnings = " | ".join(warnings_of(messages))
    for q, want in zip(questions, expected, strict=True):
        got = actual(q)
        for key, value in want.items():
            if key == "warn":
                for name in value:
                    assert name in warnings, f"{q.id}: expected a warning naming {name!r}"
            elif key == "stem":
                stem = q.stem.removesuffix("\n\n" + TEXT_BLANK)
                assert _stem(stem) == value, q.id
            else:
                assert got[key] == value, f"{q.id}: {key}"


def test_gift_pegjs_tags_and_ids_come_from_comments():
    text = "// [id:393]\n// [tag:fred] [tag:barney-wilma]\nWho?{=me}\n\n// [id:no good]\nWho else?{=you}"
    questions, _ = parse(text)
    assert [(q.id, q.tags) for q in questions] == [("393", ["fred", "barney-wilma"]), ("gift-2", [])]


# ---------------------------------------------------------------- details of the format


def test_escapes_and_newlines_are_read():
    questions, _ = parse("::a\\:b::Is 1\\=1 \\{really\\} \\#1\\~ \\\\ ok\\nnext?{T}")
    assert questions[0].id == "a-b"
    assert questions[0].stem == "Is 1=1 {really} #1~ \\ ok\nnext?"


def test_formats_map_to_markdown():
    text = "[plain]2*3 is <six> [a](b)\n{=six}\n\n[html]<p>x</p>{T}\n\n[markdown]**y**{F}"
    questions, _ = parse(text)
    assert questions[0].stem.startswith(r"2\*3 is &lt;six> \[a\]\(b\)")
    assert questions[1].stem == "<p>x</p>"
    assert questions[2].stem == "**y**"


def test_missing_word_questions_keep_the_blank_in_place():
    questions, _ = parse("Grant is {~buried =entombed} in the tomb.\n\nTwo plus two is {=four =4}.")
    assert questions[0].stem == f"Grant is {CHOICE_BLANK} in the tomb."
    assert questions[1].stem == f"Two plus two is {TEXT_BLANK}."


def test_ids_from_titles_are_ascii_slugs_unique_and_chinese_titles_get_numbers():
    text = "::社群定义::什么是社群？{T}\n\n::Café Q::x{T}\n\n::Café Q::y{T}\n\nno title{T}"
    questions, _ = parse(text)
    assert [q.id for q in questions] == ["gift-1", "cafe-q", "cafe-q-2", "gift-4"]


def test_categories_and_comments_are_not_questions():
    text = "$CATEGORY: $course$/top/Unit 1: Topic\n\n// only a comment\n\n$CATEGORY: x\nQ?{T}"
    questions, messages = parse(text)
    assert [(q.id, q.stem) for q in questions] == [("gift-1", "Q?")]
    assert messages == []


def test_description_and_essay_are_reported_and_skipped():
    questions, messages = parse("Read this first.\n\n::E::Write an essay.{}\n\nReal?{T}")
    assert [q.stem for q in questions] == ["Real?"]
    assert [(m.line, m.level) for m in messages] == [(1, "warning"), (3, "warning")]
    assert "description" in messages[0].text
    assert "essay" in messages[1].text


def test_bad_points_are_ignored_with_a_warning_and_full_weight_tildes_are_right():
    questions, messages = parse("// [points:NaN]\nPick{=a ~%100%b ~c}")
    assert questions[0].points == 1
    assert any("ignored `[points:NaN]`" in m.text for m in messages)
    assert any("several answers are fully right" in m.text for m in messages)
    assert (questions[0].type, [c.correct for c in questions[0].choices]) == ("multiple", [True, True, False])


def test_points_and_scoring_travel_in_a_comment():
    questions, _ = parse("// [points:2.5] [scoring:all]\nPick{~%50%a ~%50%b ~%-50%c}")
    assert (questions[0].points, questions[0].scoring) == (Decimal("2.5"), "all")


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("Q1?{=a ~b}\n\nQ2?{=c ~d\n\nQ3?{T}", 3, "not closed before the `{` on line 5"),
        ("Q1?{=a ~b}\n\nQ2?{\n=c\n~d\n", 3, "never closed"),
        ("Q1?{=a ~b}}\n", 1, "`}` without an opening `{`"),
        ("Q1? =a ~b}\n", 1, "`}` without an opening `{`"),
        ("Q1?{=a ~b} and {=c ~d}\n", 1, "one answer block"),
        ("::open title Q?{T}", 1, "title"),
        ("Q?{~a ~b}", 1, "no answer is right"),
        ("Q?{#abc}", 1, "not a number"),
    ],
)
def test_broken_input_is_an_error_with_its_line_and_imports_nothing(text: str, line: int, words: str):
    questions, messages = parse(text, "bank.gift")
    errors = [m for m in messages if m.level == "error"]
    assert questions == []
    assert errors, messages
    assert errors[0].line == line
    assert words in errors[0].text
    assert str(errors[0]).startswith(f"bank.gift:{line}: error: ")


def test_one_broken_brace_in_the_moodle_file_imports_none_of_it():
    lines = (FIXTURES / "moodle" / "questions.gift.txt").read_text(encoding="utf-8").split("\n")
    assert lines[27].strip() == "}"  # the end of `colours`, whose answers open on line 23
    broken = "\n".join(lines[:27] + lines[28:])
    questions, messages = parse(broken, "questions.gift.txt")
    assert questions == []
    assert [str(m) for m in messages if m.level == "error"] == [
        "questions.gift.txt:23: error: the answer block `{` opened on this line is not closed before the `{` "
        "on line 30: add `}` after its answers (write `\\{` for a literal brace)"
    ]


# ---------------------------------------------------------------- export


def test_export_escapes_every_control_character():
    q = Question(
        id="esc",
        type="single",
        stem="a~b=c#d{e}f:g\\h\nnext",
        choices=[Choice("c1", "[html] not a format", True, "%50% not a weight"), Choice("c2", "x", False)],
    )
    text = export_question(q)
    assert "a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h\\nnext{" in text
    assert "=[markdown][html] not a format#[markdown]%50% not a weight" in text
    assert [plain(x) for x in parse(text)[0]] == [plain(q)]


def test_export_truefalse_follows_moodle_feedback_order():
    q = Question(
        id="tf",
        type="truefalse",
        stem="S",
        choices=[Choice("c1", TRUE_LABEL, True, "right!"), Choice("c2", FALSE_LABEL, False, "wrong!")],
    )
    assert export_question(q) == "::tf::[markdown]S{TRUE#wrong!#right!}"


def test_ordering_cannot_be_exported_and_says_so():
    ordering = Question(
        id="order-me", type="ordering", stem="S", items=[OrderingItem("i1", "a"), OrderingItem("i2", "b")]
    )
    choices = [Choice("c1", "a", True), Choice("c2", "b", False)]
    single = Question(id="s", type="single", stem="S", choices=choices)
    text = export_gift([ordering, single])
    assert text.startswith("// question 'order-me' (ordering) cannot be written in GIFT: skipped\n\n::s::")
    assert [q.id for q in parse(text)[0]] == ["s"]
    assert export_losses(ordering) == ["ordering questions cannot be written in GIFT: left out, as a comment"]


def test_answers_gift_would_misread_are_not_exported():
    star = Question(id="star", type="short", stem=f"S {TEXT_BLANK}", accepted=["*"])
    arrow = Question(id="arrow", type="short", stem=f"S {TEXT_BLANK}", accepted=["a->b"])
    assert export_gift([star, arrow]).count("cannot be written in GIFT: skipped") == 2
    assert "would read back as something else" in export_losses(star)[0]


def test_export_losses_name_hint_and_overall_feedback_of_choice_questions():
    q = Question(
        id="s",
        type="single",
        stem="S",
        hint="think",
        wrong_feedback="no",
        choices=[Choice("c1", "a", True), Choice("c2", "b", False)],
    )
    assert len(export_losses(q)) == 2


def test_fixture_files_survive_export_and_import():
    for path in [*PEGJS_PAIRS, *sorted((FIXTURES / "moodle").glob("*.txt"))]:
        questions, _ = parse_gift(path.read_text(encoding="utf-8"), path.name)
        again, messages = parse_gift(export_gift(questions), "exported.gift")
        assert messages == [], path.name
        assert [plain(q) for q in again] == [plain(q) for q in questions], path.name


# ---------------------------------------------------------------- round trips over generated questions

WORD = st.text(alphabet="abcXYZ社群运营019~=#{}:\\.,?!%[]-", min_size=1, max_size=8)
LINE = st.lists(WORD, min_size=1, max_size=5).map(" ".join)
TEXT = st.lists(LINE, min_size=1, max_size=3).map("\n".join)
ONE_LINE = LINE.filter(lambda s: "->" not in s)
ANSWER = st.text(alphabet="abcXYZ社群019~=#{}:\\.,?!%[]", min_size=1, max_size=8).filter(lambda s: s != "*")
OPTIONAL = st.one_of(st.just(""), TEXT)
DECIMALS = st.decimals(min_value=-10_000, max_value=10_000, places=3, allow_nan=False, allow_infinity=False)
QTYPES = ("single", "multiple", "truefalse", "short", "numeric", "matching")


@st.composite
def questions(
    draw: st.DrawFn, qtype: str, qid: str, text=TEXT, optional=OPTIONAL, line=ONE_LINE, answer=ANSWER
) -> Question:
    q = Question(id=qid, type=qtype, stem="")
    q.points = draw(st.sampled_from([Decimal(1), Decimal(2), Decimal("0.5")]))
    q.scoring = draw(st.sampled_from(["all", "partial"]))
    q.tags = draw(st.lists(st.text(alphabet="abc-社群1", min_size=1, max_size=6), max_size=3, unique=True))
    q.explanation = draw(optional)
    blank = TEXT_BLANK if qtype in ("short", "numeric") else CHOICE_BLANK
    stem = draw(text)
    q.stem = draw(
        st.sampled_from(
            [stem + "\n\n" + TEXT_BLANK, stem + " " + TEXT_BLANK + " " + draw(text)]
            if blank == TEXT_BLANK
            else [stem, stem + " " + blank + " " + draw(text), stem + " " + blank]
        )
    )
    if qtype in ("single", "multiple"):
        n = draw(st.integers(2, 7))
        flags = draw(st.lists(st.booleans(), min_size=n, max_size=n).filter(any))
        if qtype == "single":
            right = draw(st.integers(0, n - 1))
            flags = [k == right for k in range(n)]
        q.choices = [Choice(f"c{k + 1}", draw(text), flag, draw(optional)) for k, flag in enumerate(flags)]
    elif qtype == "truefalse":
        truth = draw(st.booleans())
        q.choices = [
            Choice("c1", TRUE_LABEL, truth, draw(optional)),
            Choice("c2", FALSE_LABEL, not truth, draw(optional)),
        ]
    elif qtype == "short":
        q.accepted = draw(st.lists(answer, min_size=1, max_size=3, unique=True))
        q.correct_feedback, q.wrong_feedback = draw(optional), draw(optional)
    elif qtype == "numeric":
        if draw(st.booleans()):
            tolerance = draw(st.decimals(min_value=0, max_value=100, places=2))
            q.numeric = NumericAnswer(value=draw(DECIMALS), tolerance=tolerance)
        else:
            low, high = sorted([draw(DECIMALS), draw(DECIMALS)])
            q.numeric = NumericAnswer(min=low, max=high)
        q.correct_feedback, q.wrong_feedback = draw(optional), draw(optional)
    else:
        n = draw(st.integers(2, 5))
        q.pairs = [MatchingPair(f"p{k + 1}", draw(line), draw(line)) for k in range(n)]
    return q


@st.composite
def question_lists(draw: st.DrawFn, **kwargs) -> list[Question]:
    qid = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,15}", fullmatch=True)
    ids = draw(st.lists(qid, min_size=1, max_size=4, unique=True))
    return [draw(questions(draw(st.sampled_from(QTYPES)), qid, **kwargs)) for qid in ids]


@settings(max_examples=200, deadline=None)
@given(question_lists())
def test_export_then_import_gives_the_same_questions(original: list[Question]):
    text = export_gift(original)
    again, messages = parse_gift(text, "exported.gift")
    assert messages == []
    assert [plain(q) for q in again] == [plain(q) for q in original]


MD_WORD = st.text(alphabet="abcXYZ社群运营019~=#{}.,?!%", min_size=1, max_size=8)
MD_LINE = st.lists(MD_WORD, min_size=1, max_size=5).map(" ".join).filter(lambda s: not s.startswith("~~~"))
MD_TEXT = st.lists(MD_LINE, min_size=1, max_size=3).map("\n".join)
MD_ANSWER = st.text(alphabet="abcXYZ社群019~=#{}.,?!%", min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(question_lists(text=MD_TEXT, optional=st.one_of(st.just(""), MD_TEXT), line=MD_LINE, answer=MD_ANSWER))
def test_markdown_written_for_questions_parses_back_to_them(original: list[Question]):
    module, messages = parse_module([("m.md", MODULE_HEAD + quiz_to_markdown("quiz", original, title="T"))])
    assert [m for m in messages if m.level == "error"] == []
    assert [plain(q) for q in module.quizzes[0].questions] == [plain(q) for q in original]


def test_markdown_guards_lines_the_block_syntax_would_misread():
    q = Question(
        id="g",
        type="single",
        stem="explanation: not a tail\n- [x] not a choice\n::: not a block",
        choices=[Choice("c1", "a", True), Choice("c2", "b", False)],
        explanation="first\n::: still text",
    )
    module, messages = parse_module([("m.md", MODULE_HEAD + quiz_to_markdown("quiz", [q]))])
    assert [m for m in messages if m.level == "error"] == []
    parsed = module.quizzes[0].questions[0]
    assert parsed.stem == " explanation: not a tail\n - [x] not a choice\n&#58;:: not a block"
    assert [c.text for c in parsed.choices] == ["a", "b"]
    assert parsed.explanation == "first\n&#58;:: still text"


def test_markdown_refuses_what_it_cannot_hold():
    q = Question(id="s", type="short", stem=f"S {TEXT_BLANK}", accepted=["a|b"])
    with pytest.raises(MarkdownOutError, match="cannot be written"):
        to_markdown(q)


def test_shared_fixtures_are_present():
    assert (FIXTURES / "moodle" / "questions.gift.txt").is_file(), f"GIFT fixtures missing at {FIXTURES}"
    assert len(list(PEGJS.glob("*.gift"))) > 10
