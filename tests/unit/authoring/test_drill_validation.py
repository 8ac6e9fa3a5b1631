"""The validator checks drills with the graders' own functions, so what validates can be played and graded."""

from __future__ import annotations

from pathlib import Path

import pytest

from assessments.grading.datasets import GENERATORS
from courses.authoring.lint import rule_of
from courses.authoring.loader import load_tree

MODULE = """---
slug: drills-demo
title: 演练测试
skill_area: crisis
level: junior
---

# 第一课 {#lesson-one}

正文。
"""

SCENARIO = """::: drill demo-scenario
kind: scenario
title: 情景
start: s1
{header}
简介。

::: step s1
time_limit: 60

怎么办？

- [好的做法](#s2) {{points=3}}
- [差的做法](#end-bad) {{points=0}}
:::

::: step s2

接下来？

- [继续](#end-good) {{points=2}}
:::
{extra}
::: ending end-good
outcome: good

好结局。
:::

::: ending end-bad
outcome: bad

坏结局。
:::
:::
"""

DATA = """::: drill demo-data
kind: data
title: 数据
generator: {generator}
params: {params}

简介。

::: question dq-rate
type: numeric
tolerance: {tolerance}
unit: %

第 12 周的活跃率？

expr: {expr}
:::
:::
"""

WRITTEN = """::: drill demo-written
kind: written
title: 书面
min_chars: {min_chars}
max_chars: {max_chars}
review: {review}
{header}
简介。

::: criterion apology
points: 2
concepts: 道歉|抱歉; 退款
required: 道歉|抱歉

致歉。
:::
:::
"""


def messages(tmp_path: Path, drill: str) -> list[str]:
    folder = tmp_path / "modules" / "demo"
    folder.mkdir(parents=True)
    (folder / "module.md").write_text(MODULE, encoding="utf-8")
    (folder / "drill.md").write_text(drill, encoding="utf-8")
    # The item-quality findings (courses/authoring/lint.py) have their own tests.
    return [str(m).removeprefix("modules/demo/") for m in load_tree(tmp_path).messages if not rule_of(m)]


def scenario(header: str = "", extra: str = "") -> str:
    return SCENARIO.format(header=header, extra=extra)


def data(
    generator: str = "community_weeks",
    params: str = "weeks=12, noise=0.1",
    expr: str = "round(last(active) / last(members) * 100, 1)",
    tolerance: str = "0.1",
) -> str:
    return DATA.format(generator=generator, params=params, expr=expr, tolerance=tolerance)


def written(min_chars: str = "100", max_chars: str = "1000", review: str = "auto", header: str = "") -> str:
    return WRITTEN.format(min_chars=min_chars, max_chars=max_chars, review=review, header=header)


@pytest.mark.parametrize("text", [scenario(), data(), written()])
def test_sound_drills_have_no_messages(tmp_path: Path, text: str) -> None:
    assert messages(tmp_path, text) == []


def test_choice_to_a_missing_step_is_reported_at_the_choice(tmp_path: Path) -> None:
    found = messages(tmp_path, scenario().replace("(#s2)", "(#s9)"))
    assert "drill.md:13: error: choice '好的做法' leads to '#s9', which is not a step" in found
    assert "drill.md:17: warning: step 's2' cannot be reached from the start step" in found


def test_dead_end_step(tmp_path: Path) -> None:
    extra = "\n::: step s3\n\n死路。\n:::\n"
    text = scenario(extra=extra).replace("(#end-good) {points=2}", "(#end-good) {points=2}\n- [绕路](#s3)")
    found = messages(tmp_path, text)
    assert any("step 's3' offers no choices and is not an ending" in m and ": error:" in m for m in found)


def test_trap_loop_is_reported_with_its_steps(tmp_path: Path) -> None:
    extra = "\n::: step s3\n\n绕圈。\n\n- [回去](#s4)\n:::\n\n::: step s4\n\n又绕。\n\n- [再回去](#s3)\n:::\n"
    text = scenario(extra=extra).replace("(#end-good) {points=2}", "(#end-good) {points=2}\n- [绕路](#s3)")
    (trap,) = [m for m in messages(tmp_path, text) if "no ending can be reached" in m]
    assert ": error: no ending can be reached from step 's3' (nor from 's4')" in trap


def test_missing_start_and_bad_outcome_and_duplicate_step(tmp_path: Path) -> None:
    text = scenario().replace("start: s1", "start: s0").replace("outcome: bad", "outcome: terrible")
    text = text.replace("::: step s2", "::: step s1")
    found = messages(tmp_path, text)
    assert any("drill 'demo-scenario': start step 's0' does not exist" in m for m in found)
    assert any("ending 'end-bad': outcome must be good, neutral or bad" in m for m in found)
    assert any("step id 's1' is used twice" in m for m in found)


@pytest.mark.parametrize(("value", "ok"), [("0", True), ("3", True), ("-1", False), ("two", False)])
def test_attempts_option(tmp_path: Path, value: str, ok: bool) -> None:
    found = messages(tmp_path, scenario(header=f"attempts: {value}"))
    assert (found == []) is ok
    if not ok:
        assert any("attempts must be a whole number" in m for m in found)


def test_unknown_generator(tmp_path: Path) -> None:
    (found,) = messages(tmp_path, data(generator="weather"))
    known = ", ".join(sorted(GENERATORS))
    assert f"drill 'demo-data': unknown generator 'weather' (known: {known})" in found


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ("weeks=3", "between 4 and 52"),
        ("growth=0.9", "between 0 and 0.5"),
        ("colour=1", "no parameter 'colour'"),
        ("weeks=ten", "must be a number"),
    ],
)
def test_generator_params_are_checked_at_the_drill_line(tmp_path: Path, params: str, fragment: str) -> None:
    (found,) = messages(tmp_path, data(params=params))
    assert found.startswith("drill.md:1: error:")
    assert fragment in found


@pytest.mark.parametrize(
    ("expr", "fragment"),
    [
        ("round(last(actve) / last(members) * 100, 1)", "unknown column 'actve'"),
        ("median(active)", "unknown function 'median'"),
        ("active / last(members)", "'active' is a column"),
        ("at(active)", "takes 2 arguments"),
        ("last(active) ** 2", "no powers"),
        ("__import__('os')", "unexpected character '_'"),
        ("last(dau) / last(mau", "expected"),
    ],
)
def test_expression_problems_are_errors_at_the_question(tmp_path: Path, expr: str, fragment: str) -> None:
    found = messages(tmp_path, data(expr=expr))
    assert found
    assert all(m.startswith("drill.md:9: error: question 'dq-rate': expr: ") for m in found)
    assert any(fragment in m for m in found)


def test_new_columns_are_known(tmp_path: Path) -> None:
    assert messages(tmp_path, data(expr="round(last(dau) / last(mau) * 100, 1)")) == []


def test_data_questions_must_be_numeric_with_an_expression(tmp_path: Path) -> None:
    no_expr = data().replace("expr: round(last(active) / last(members) * 100, 1)\n", "")
    assert any("needs an `expr:`" in m for m in messages(tmp_path / "a", no_expr))
    fixed = data().replace("第 12 周的活跃率？", "第 12 周的活跃率？[[26.0]]")
    assert any("the answer comes from `expr:`" in m for m in messages(tmp_path / "b", fixed))
    negative = data(tolerance="-0.1")
    assert any("tolerance cannot be negative" in m for m in messages(tmp_path / "c", negative))
    short = (
        data()
        .replace("type: numeric\ntolerance: 0.1\n", "type: short\n")
        .replace("第 12 周的活跃率？", "填空 [[a]]")
    )
    assert any("numeric questions only" in m for m in messages(tmp_path / "d", short))
    empty = data().split("::: question")[0] + ":::\n"
    assert any("needs at least one `::: question`" in m for m in messages(tmp_path / "e", empty))


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"review": "sometimes"}, "review must be auto or always"),
        ({"min_chars": "500", "max_chars": "100"}, "min_chars is above max_chars"),
        ({"max_chars": "20001"}, "max_chars can be at most 20,000"),
        ({"header": "grader: llm"}, "grader must be one of rubric, not 'llm'"),
        ({"header": "attempts: x"}, "attempts must be a whole number"),
    ],
)
def test_written_drill_settings(tmp_path: Path, kwargs: dict[str, str], fragment: str) -> None:
    found = messages(tmp_path, written(**kwargs))
    assert any(fragment in m for m in found), found


def test_written_grader_and_max_chars_limits_that_pass(tmp_path: Path) -> None:
    assert messages(tmp_path, written(max_chars="20000", header="grader: rubric\nattempts: 2")) == []


def test_criterion_needs_something_to_grade_against(tmp_path: Path) -> None:
    text = written().replace("concepts: 道歉|抱歉; 退款\nrequired: 道歉|抱歉\n", "")
    assert any("needs concepts: or required:" in m for m in messages(tmp_path, text))


V2 = "weeks=12, start_members=3000"


@pytest.mark.parametrize(
    "expr",
    [
        "alerts(messages, 4, 0.8)",
        "round(at(cohort_w2, argmax(joins)) / at(joins, argmax(joins)) * 100, 1)",
        "round(mean(active, 8, 11), 0)",
    ],
)
def test_v2_expressions_use_the_v2_columns(tmp_path: Path, expr: str) -> None:
    assert messages(tmp_path, data(generator="community_weeks_v2", params=V2, expr=expr)) == []


@pytest.mark.parametrize(
    ("expr", "fragment"),
    [
        ("last(conversions)", "unknown column 'conversions'"),  # a v1 column the v2 table does not have
        ("alerts(messages, 0, 0.8)", "a row number is a whole number from 1"),
        ("alerts(messages, 4)", "alerts() takes 3 arguments"),
    ],
)
def test_v2_expression_problems_are_reported_at_the_question(
    tmp_path: Path, expr: str, fragment: str
) -> None:
    found = messages(tmp_path, data(generator="community_weeks_v2", params=V2, expr=expr))
    assert len(found) == 1
    assert found[0].startswith("drill.md:")
    assert fragment in found[0]


def test_v2_params_have_their_own_ranges(tmp_path: Path) -> None:
    (found,) = messages(tmp_path, data(generator="community_weeks_v2", params="weeks=8"))
    assert "parameter 'weeks' must be between 10 and 26, not 8" in found
