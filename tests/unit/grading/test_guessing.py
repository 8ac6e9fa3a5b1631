"""The guesser simulation: simple test-wise strategies against a bank built to be guessable and one that is
not, exact expectations over ties and shuffles, and properties over random banks."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from assessments.guessing import (
    QUIZ_STRATEGIES,
    passing_strategies,
    question_share,
    quiz_guessing,
    scenario_guessing,
)


def single(texts: list[str], key: int, points: str = "1") -> dict:
    return {
        "id": "q",
        "type": "single",
        "points": points,
        "choices": [{"id": f"c{i + 1}", "html": t, "correct": i == key} for i, t in enumerate(texts)],
    }


def truefalse(true: bool) -> dict:
    return {
        "id": "t",
        "type": "truefalse",
        "points": "1",
        "choices": [
            {"id": "c1", "html": "正确", "correct": true},
            {"id": "c2", "html": "错误", "correct": not true},
        ],
    }


def scores(questions, pass_mark=70, shuffle=False) -> dict[str, Fraction]:
    return {
        s.strategy: s.percent for s in quiz_guessing(questions, pass_mark=pass_mark, shuffle_choices=shuffle)
    }


GUESSABLE = [single(["先私聊双方了解情况并说明群规", "公开批评", "不理", "踢人"], key=0) for _ in range(10)]
SOUND = [single(["私聊了解", "公开批评", "置之不理", "移出群聊"], key=i % 4) for i in range(12)]


def test_a_bank_built_to_be_guessable_is_passed_by_longest_and_first():
    result = quiz_guessing(GUESSABLE, pass_mark=70)
    assert passing_strategies(result) == ["longest", "first", "always-false", "always-true"]
    assert scores(GUESSABLE)["shortest"] == 0


def test_a_sound_bank_is_passed_by_no_strategy():
    result = quiz_guessing(SOUND, pass_mark=70)
    assert passing_strategies(result) == []
    # all four options have the same length: "longest" is a random pick, a quarter of the points
    assert scores(SOUND)["longest"] == 25
    assert scores(SOUND)["first"] == 25


def test_shuffled_choices_turn_position_strategies_into_chance():
    assert scores(GUESSABLE, shuffle=True)["first"] == 25
    assert scores(GUESSABLE, shuffle=True)["longest"] == 100


def test_always_false_and_always_true_on_true_false_questions():
    bank = [truefalse(False) for _ in range(8)] + [truefalse(True) for _ in range(2)]
    result = scores(bank)
    assert result["always-false"] == 80
    assert result["always-true"] == 20
    assert "always-false" in passing_strategies(quiz_guessing(bank, pass_mark=70))


def test_multiple_choice_longest_half_is_graded_by_the_real_grader():
    q = {
        "id": "m",
        "type": "multiple",
        "points": "2",
        "scoring": "partial",
        "choices": [
            {"id": "c1", "html": "先私聊了解情况并记录", "correct": True},
            {"id": "c2", "html": "公开说明处理结果和依据", "correct": True},
            {"id": "c3", "html": "踢人", "correct": False},
            {"id": "c4", "html": "不管", "correct": False},
        ],
    }
    assert question_share(q, "longest") == 1
    assert question_share(q, "shortest") == 0
    # shuffled: the first two of a random order, over all six pairs: right - wrong of 2 keys, floored at 0
    assert question_share(q, "first", shuffled=True) == Fraction(1 * 1 + 4 * 0 + 1 * 0, 6)


def test_questions_a_guesser_cannot_answer_score_nothing():
    numeric = {"id": "n", "type": "numeric", "points": "1", "numeric": {"value": "3"}}
    assert all(question_share(numeric, s) == 0 for s in QUIZ_STRATEGIES)
    assert scores([])["longest"] == 0


def test_points_weight_the_expectation():
    bank = [single(["先私聊双方了解情况并说明群规", "批评", "不理", "踢人"], key=0, points="3"), SOUND[1]]
    assert scores(bank)["longest"] == Fraction(3 * 100 + 1 * 25, 4)


def scenario(best_is_longest: bool) -> dict:
    long, short = "先私聊提醒，再在群里说明规则", "踢出"
    good, bad = (long, short) if best_is_longest else (short, long)
    return {
        "start": "s1",
        "steps": {
            "s1": {
                "choices": [
                    {"label_html": good, "target": "s2", "points": "2"},
                    {"label_html": bad, "target": "end-bad", "points": "0"},
                ]
            },
            "s2": {
                "choices": [
                    {"label_html": good, "target": "end-good", "points": "2"},
                    {"label_html": bad, "target": "end-bad", "points": "0"},
                ]
            },
            "end-good": {"ending": True, "outcome": "good", "choices": []},
            "end-bad": {"ending": True, "outcome": "bad", "choices": []},
        },
    }


def by_strategy(data: dict) -> dict:
    return {s.strategy: s for s in scenario_guessing(data, pass_mark=70)}


def test_scenario_longest_choice_passes_only_when_the_best_choice_is_the_longest():
    assert by_strategy(scenario(True))["longest-choice"].passes
    result = by_strategy(scenario(False))["longest-choice"]
    assert result.percent == 0
    assert not result.passes


def test_scenario_shortest_and_not_longest_catch_a_best_choice_that_is_always_short():
    """The reverse cue: when the best choice is never the longest, avoiding the longest passes."""
    short_best = by_strategy(scenario(False))
    assert short_best["shortest-choice"].passes
    assert short_best["not-longest"].passes  # two choices: "not the longest" is the short, best one
    long_best = by_strategy(scenario(True))
    assert not long_best["shortest-choice"].passes
    assert not long_best["not-longest"].passes


def test_not_longest_averages_over_the_other_choices():
    data = scenario(False)
    for sid in ("s1", "s2"):
        data["steps"][sid]["choices"].append({"label_html": "再等等", "target": "end-bad", "points": "0"})
    # each step: the best choice (2 of 2 points) or "再等等" (0), each with chance 1/2;
    # best, best → 100 % (1/4); best, wait → 50 % (1/4); wait first → the bad ending, 0 % (1/2)
    assert by_strategy(data)["not-longest"].percent == Fraction(100, 4) + Fraction(50, 4)


def test_scenario_ties_are_averaged():
    data = scenario(True)
    data["steps"]["s1"]["choices"][1]["label_html"] = "先私聊提醒，再在群里说明规矩"  # same length
    assert by_strategy(data)["longest-choice"].percent == 50


# ---------------------------------------------------------------- properties

option = st.text(alphabet="群规私聊公开批评踢人提醒说明ab ", min_size=1, max_size=12)


@st.composite
def banks(draw):
    questions = []
    for _ in range(draw(st.integers(1, 8))):
        texts = draw(
            st.lists(option, min_size=2, max_size=5, unique_by=str.strip).filter(
                lambda t: all(x.strip() for x in t)
            )
        )
        questions.append(single(texts, draw(st.integers(0, len(texts) - 1)), str(draw(st.integers(1, 3)))))
    return questions


@given(banks(), st.booleans(), st.integers(0, 100))
def test_scores_stay_within_bounds(bank, shuffle, pass_mark):
    for s in quiz_guessing(bank, pass_mark=pass_mark, shuffle_choices=shuffle):
        assert 0 <= s.percent <= 100
        assert s.passes == (s.percent >= pass_mark)


@given(banks())
def test_a_bank_whose_every_key_is_the_longest_is_passed_by_longest(bank):
    for q in bank:
        longest = max(len(c["html"].strip()) for c in q["choices"])
        for c in q["choices"]:
            if c["correct"]:
                c["html"] = "长" * (longest + 1)
    assert scores(bank)["longest"] == 100
    assert "longest" in passing_strategies(quiz_guessing(bank, pass_mark=100))
