"""Choice weights (#12): partial and negative credit on choices as Moodle keeps them, Markdown and GIFT."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from assessments.grading import grade_question
from courses.authoring.gift import export_gift, parse_gift
from courses.authoring.markdown_out import quiz_to_markdown
from courses.authoring.parser import parse_module
from courses.authoring.serialize import question_data

HEAD = "---\nslug: w\ntitle: W\nskill_area: crisis\nlevel: junior\n---\n\n# L {#l}\n\nText.\n\n"


def single(weights: list[int | None], key: int = 0, points: str = "2") -> dict:
    choices = []
    for i, w in enumerate(weights):
        choice = {"id": f"c{i + 1}", "html": f"o{i}", "correct": i == key}
        if w is not None:
            choice["weight"] = str(w)
        choices.append(choice)
    return {"id": "q", "type": "single", "points": points, "choices": choices}


def test_single_choice_partial_weight_earns_its_share():
    q = single([None, 50, -100])
    assert grade_question(q, "c1").score == Decimal("2.00")
    assert grade_question(q, "c2").score == Decimal("1.00")
    assert grade_question(q, "c3").score == Decimal("0.00")


def test_multiple_choice_weights_add_up_and_never_go_below_zero():
    q = {
        "id": "m",
        "type": "multiple",
        "points": "1",
        "scoring": "all",
        "choices": [
            {"id": "c1", "html": "a", "correct": True, "weight": "50"},
            {"id": "c2", "html": "b", "correct": True, "weight": "50"},
            {"id": "c3", "html": "c", "correct": False, "weight": "-100"},
            {"id": "c4", "html": "d", "correct": False, "weight": "0"},
        ],
    }
    assert grade_question(q, ["c1", "c2"]).score == Decimal("1.00")
    assert grade_question(q, ["c1", "c4"]).score == Decimal("0.50")
    assert grade_question(q, ["c1", "c3"]).score == Decimal("0.00")


def test_markdown_weight_syntax_reaches_the_grader_and_round_trips():
    source = HEAD + (
        "::: quiz q\n\n::: question q1\n\n哪个好？\n\n"
        "- [x] 最好\n- [ ] 一半 {weight=50}\n- [ ] 很差 {weight=-100}\n\nexplanation: 因为。\n:::\n:::\n"
    )
    module, messages = parse_module([("m.md", source)])
    assert [m for m in messages if m.level == "error"] == []
    q = module.quizzes[0].questions[0]
    assert [c.weight for c in q.choices] == [None, Decimal(50), Decimal(-100)]
    assert [c.text for c in q.choices] == ["最好", "一半", "很差"]
    assert grade_question(question_data(q), "c2").score == Decimal("0.50")
    again, _ = parse_module([("m.md", HEAD + quiz_to_markdown("q", [q], title="T"))])
    assert [c.weight for c in again.quizzes[0].questions[0].choices] == [None, Decimal(50), Decimal(-100)]
    gift, _ = parse_gift(export_gift([q]), "x.gift")
    assert [c.weight for c in gift[0].choices] == [None, Decimal(50), Decimal(-100)]


def test_a_weight_out_of_range_or_on_the_wrong_type_is_an_error():
    from courses.authoring.specs import ContentTree
    from courses.authoring.validate import validate_tree

    source = HEAD + "::: quiz q\n\n::: question q1\n\n哪个？\n\n- [x] 好\n- [ ] 差 {weight=150}\n:::\n:::\n"
    module, _ = parse_module([("m.md", source)])
    tree = ContentTree(modules=[module])
    validate_tree(tree)
    assert any("between -100 and 100" in m.text and m.line == 19 for m in tree.errors)


def test_gift_single_choice_keeps_partial_and_negative_weights():
    questions, messages = parse_gift("Pick{=a ~%50%b ~%-100%c ~d}", "x.gift")
    assert [m for m in messages if m.level != "note"] == []
    assert [c.weight for c in questions[0].choices] == [None, Decimal(50), Decimal(-100), None]
    assert "~%50%b" in export_gift(questions)


weights = st.one_of(st.none(), st.integers(-100, 100))


@given(st.lists(weights, min_size=2, max_size=6), st.data(), st.sampled_from(["1", "2.5", "3"]))
def test_single_choice_score_is_points_times_the_chosen_weight_clamped(ws, data, points):
    key = data.draw(st.integers(0, len(ws) - 1))
    pick = data.draw(st.integers(0, len(ws) - 1))
    q = single(ws, key=key, points=points)
    result = grade_question(q, f"c{pick + 1}")
    weight = ws[pick] if ws[pick] is not None else (100 if pick == key else 0)
    assert Decimal(0) <= result.score <= result.max_score
    expected = (Decimal(points) * max(weight, 0) / 100).quantize(Decimal("0.01"))
    assert abs(result.score - expected) <= Decimal("0.01")


@given(st.lists(st.tuples(st.booleans(), weights), min_size=2, max_size=6), st.data())
def test_multiple_choice_score_stays_within_bounds(rows, data):
    if not any(correct for correct, _ in rows):
        rows[0] = (True, rows[0][1])
    choices = [
        {"id": f"c{i + 1}", "html": str(i), "correct": c, **({"weight": str(w)} if w is not None else {})}
        for i, (c, w) in enumerate(rows)
    ]
    q = {"id": "m", "type": "multiple", "points": "2", "scoring": "partial", "choices": choices}
    picked = data.draw(st.lists(st.sampled_from([c["id"] for c in choices]), unique=True))
    result = grade_question(q, picked)
    assert Decimal(0) <= result.score <= Decimal(2)
