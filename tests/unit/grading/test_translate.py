"""Carrying answers to a corrected version (regrades) and the tokens an open attempt shows instead of ids."""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from assessments.grading import InvalidAnswer, check_answer, grade_question
from assessments.grading.translate import (
    Incompatible,
    answer_translate,
    compatibility_problem,
    order_translate,
)
from assessments.masking import ITEM, RIGHT, TOKEN_LENGTH, mask_question, unmask, unmask_value
from courses.authoring.serialize import public_question
from tests.unit.grading.test_properties import (
    QUESTIONS,
    base,
    choice_questions,
    matching_questions,
    ordering_questions,
    plausible_answers,
)


def check_error(data: dict[str, Any], answer: object) -> bool:
    try:
        check_answer(data, answer)
    except InvalidAnswer:
        return True
    return False


def renumbered(data: dict[str, Any], permutation: list[int]) -> dict[str, Any]:
    """The same question authored with its options in another order: ids follow the new order."""
    new = copy.deepcopy(data)
    if data["choices"]:
        rows = [data["choices"][k] for k in permutation]
        new["choices"] = [{**row, "id": f"c{n}"} for n, row in enumerate(rows, start=1)]
    if data["items"]:
        # Ordering items are authored in the correct order, so only their ids can change, not the order.
        new["items"] = [{**row, "id": f"i{n + 10}"} for n, row in enumerate(data["items"], start=1)]
    if data["pairs"]:
        rows = [data["pairs"][k] for k in permutation]
        new["pairs"] = [{**row, "id": f"p{n}", "right_id": f"r{n}"} for n, row in enumerate(rows, start=1)]
    return new


def option_count(data: dict[str, Any]) -> int:
    return len(data["choices"]) or len(data["pairs"]) or len(data["items"])


@given(QUESTIONS, st.data())
def test_an_answer_scores_the_same_in_a_renumbered_version(
    data: dict[str, Any], drawn: st.DataObject
) -> None:
    permutation = drawn.draw(st.permutations(range(option_count(data))))
    new = renumbered(data, list(permutation))
    answer = drawn.draw(st.none() | plausible_answers(data))
    assume(not check_error(data, answer))
    assert compatibility_problem(data, new) is None
    moved = answer_translate(data, new, answer)
    assert not check_error(new, moved)
    before, after = grade_question(data, answer), grade_question(new, moved)
    assert (after.score, after.correct) == (before.score, before.correct)


@given(QUESTIONS, st.data())
def test_translating_to_the_same_version_changes_nothing(data: dict[str, Any], drawn: st.DataObject) -> None:
    answer = drawn.draw(st.none() | plausible_answers(data))
    assume(not check_error(data, answer))
    assert answer_translate(data, data, answer) == answer


@given(choice_questions("single") | choice_questions("truefalse"), st.data())
def test_a_corrected_choice_key_regrades_the_same_pick(data: dict[str, Any], drawn: st.DataObject) -> None:
    new = copy.deepcopy(data)
    right = drawn.draw(st.integers(0, len(new["choices"]) - 1))
    for k, choice in enumerate(new["choices"]):
        choice["correct"] = k == right
    pick = drawn.draw(st.integers(0, len(data["choices"]) - 1))
    moved = answer_translate(data, new, data["choices"][pick]["id"])
    assert moved == data["choices"][pick]["id"]
    assert grade_question(new, moved).correct == (pick == right)


def test_a_corrected_matching_key_is_followed_by_text_not_by_id() -> None:
    old = base("matching", "2", "partial")
    old["pairs"] = [
        {"id": "p1", "left_html": "L1", "right_id": "r1", "right_html": "R1"},
        {"id": "p2", "left_html": "L2", "right_id": "r2", "right_html": "R2"},
    ]
    new = copy.deepcopy(old)
    new["pairs"][0]["right_html"], new["pairs"][1]["right_html"] = (
        "R2",
        "R1",
    )  # the key was the wrong way round
    answer = {"p1": "r2", "p2": "r1"}  # wrong under the old key, right under the corrected one
    assert grade_question(old, answer).score == 0
    moved = answer_translate(old, new, answer)
    assert moved == {"p1": "r1", "p2": "r2"}
    assert grade_question(new, moved).correct


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["choices"].pop(), "options"),
        (lambda d: d["choices"][0].update(html="<p>reworded</p>"), "options"),
        (lambda d: d.update(type="short"), "type"),
    ],
)
def test_a_version_that_drops_or_rewords_an_option_is_not_a_corrected_key(change, problem) -> None:
    old = base("single", "1", "all")
    old["choices"] = [
        {"id": f"c{k}", "html": f"<p>{k}</p>", "correct": k == 1, "feedback_html": ""} for k in (1, 2, 3)
    ]
    new = copy.deepcopy(old)
    change(new)
    assert compatibility_problem(old, new) == problem
    with pytest.raises(Incompatible):
        answer_translate(old, new, "c1")


def test_a_new_choice_keeps_the_old_answers_and_goes_last_in_the_review() -> None:
    old = base("multiple", "2", "partial")
    old["choices"] = [
        {"id": f"c{k}", "html": f"<p>{k}</p>", "correct": True, "feedback_html": ""} for k in (1, 2)
    ]
    new = copy.deepcopy(old)
    new["choices"].insert(0, {"id": "c0", "html": "<p>new</p>", "correct": False, "feedback_html": ""})
    new["choices"] = [{**c, "id": f"c{n}"} for n, c in enumerate(new["choices"], start=1)]
    assert compatibility_problem(old, new) is None
    assert answer_translate(old, new, ["c2"]) == ["c3"]
    assert order_translate(old, new, ["c2", "c1"], field="choices") == ["c3", "c2", "c1"]


# Tokens on the open attempt's page -----------------------------------------------------------------------


def served(
    data: dict[str, Any], order: list[str], *, attempt_id: int = 7, position: int = 3
) -> SimpleNamespace:
    """A stand-in for a served Response: what the masking reads of it."""
    return SimpleNamespace(
        attempt_id=attempt_id,
        position=position,
        question_version=SimpleNamespace(data=data),
        choice_order=[],
        item_order=order,
    )


@given(ordering_questions(), st.randoms())
def test_ordering_tokens_hide_the_item_ids_and_come_back(data: dict[str, Any], rnd) -> None:
    order = [i["id"] for i in data["items"]]
    rnd.shuffle(order)
    response = served(data, order)
    public = mask_question(public_question(data, item_order=order), response)
    tokens = [item["id"] for item in public["items"]]
    assert {len(t) for t in tokens} == {TOKEN_LENGTH}
    assert not {i["id"] for i in data["items"]} & set(tokens)
    assert [unmask_value(response, t, legacy=False) for t in tokens] == order


@given(matching_questions(), st.randoms())
def test_matching_tokens_hide_which_answer_belongs_to_which_item(data: dict[str, Any], rnd) -> None:
    order = [p["right_id"] for p in data["pairs"]]
    rnd.shuffle(order)
    response = served(data, order)
    question = public_question(data, right_order=order)
    question["lefts"][0]["selected"] = data["pairs"][0]["right_id"]
    public = mask_question(question, response)
    stored = {p["right_id"] for p in data["pairs"]} | {p["id"] for p in data["pairs"]}
    shown = {r["id"] for r in public["rights"]} | {left["id"] for left in public["lefts"]}
    assert not stored & shown
    assert (
        unmask_value(response, public["lefts"][0]["selected"], legacy=False) == data["pairs"][0]["right_id"]
    )
    assert [unmask_value(response, r["id"], legacy=False) for r in public["rights"]] == order


def test_a_token_is_bound_to_its_attempt_and_question() -> None:
    data = {"type": "single", "choices": [{"id": "c1"}, {"id": "c2"}]}
    mine = served(data, [])
    mine.choice_order = ["c2", "c1"]
    token = mask_question({"choices": [{"id": "c1", "html": ""}]}, mine)["choices"][0]["id"]
    assert unmask_value(mine, token, legacy=False) == "c1"
    for other in (served(data, [], attempt_id=8), served(data, [], position=4)):
        other.choice_order = ["c2", "c1"]
        with pytest.raises(InvalidAnswer):
            unmask_value(other, token, legacy=False)


@pytest.mark.parametrize("value", ["c1", "x1", "y1", "", "v" + "0" * (TOKEN_LENGTH - 1)])
def test_a_tokenised_attempt_refuses_stored_ids_and_old_tokens(value: str) -> None:
    response = served({"type": "single"}, [])
    response.choice_order = ["c1", "c2"]
    with pytest.raises(InvalidAnswer):
        unmask_value(response, value, legacy=False)


@pytest.mark.parametrize("token", ["x0", "x4", "x99"])
def test_a_legacy_token_outside_the_served_items_is_refused(token: str) -> None:
    with pytest.raises(InvalidAnswer):
        unmask(ITEM, ["i2", "i3", "i1"], token)


def test_a_legacy_attempt_still_takes_stored_ids_and_positional_tokens() -> None:
    response = served({"type": "ordering"}, ["i2", "i1"])
    assert unmask_value(response, "i1", legacy=True, prefix=ITEM) == "i1"
    assert unmask_value(response, "x1", legacy=True, prefix=ITEM) == "i2"
    assert unmask_value(served({"type": "matching"}, ["r2", "r1"]), "y2", legacy=True, prefix=RIGHT) == "r1"
