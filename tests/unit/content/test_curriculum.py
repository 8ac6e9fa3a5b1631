"""Coverage of the real curriculum in content/: every skill area taught, assessed and certified.

Everything is derived from the loaded tree; the only fixed numbers are the minimums the curriculum promises
(3-5 lessons, quizzes of at least 15 questions of at least 4 types drawing 10, ...).
"""

from __future__ import annotations

import itertools
import random
import re
from fractions import Fraction
from pathlib import Path

import pytest

from assessments.grading.datasets import GENERATORS
from assessments.grading.expressions import names, problems
from assessments.grading.questions import grade_question
from assessments.guessing import quiz_guessing, scenario_guessing
from courses.authoring.lint import _choice_data, drill_data
from courses.authoring.loader import load_tree
from courses.authoring.specs import LEVELS, SKILL_AREAS, ContentTree, Module

CONTENT = Path(__file__).resolve().parents[3] / "content"
TREE: ContentTree = load_tree(CONTENT)
MODULES: dict[str, Module] = {m.slug: m for m in TREE.modules}
BY_AREA: dict[str, list[Module]] = {
    area: [m for m in TREE.modules if m.skill_area == area] for area in SKILL_AREAS
}


def module_ids(module: Module) -> str:
    return module.slug


def drill_kinds(module: Module) -> set[str]:
    return {d.kind for d in module.drills}


def test_content_loads_without_errors_or_warnings() -> None:
    # Notes (e.g. recall-number) are for the author to weigh; errors and warnings are not allowed.
    assert [str(m) for m in TREE.messages if m.level != "note"] == []
    assert TREE.modules, "no module was loaded from content/modules"


def test_content_loads_without_warnings() -> None:
    assert [str(m) for m in TREE.warnings] == []


@pytest.mark.parametrize("area", SKILL_AREAS)
def test_every_skill_area_has_a_module(area: str) -> None:
    assert BY_AREA[area], f"no module teaches the skill area '{area}'"


@pytest.mark.parametrize("module", TREE.modules, ids=module_ids)
def test_module_has_three_to_six_lessons(module: Module) -> None:
    assert 3 <= len(module.lessons) <= 6, [lesson.id for lesson in module.lessons]
    for lesson in module.lessons:
        assert lesson.title.strip(), f"{module.slug}: lesson '{lesson.id}' has no title"
        assert lesson.body.strip(), f"{module.slug}: lesson '{lesson.id}' is empty"


@pytest.mark.parametrize("module", TREE.modules, ids=module_ids)
def test_module_quiz_is_a_large_varied_bank(module: Module) -> None:
    """At least 40 questions of at least 4 types, drawn 10-15 an attempt (issue #14)."""
    assert len(module.quizzes) == 1, f"{module.slug} has {len(module.quizzes)} quizzes"
    quiz = module.quizzes[0]
    types = {q.type for q in quiz.questions}
    assert len(quiz.questions) >= 40, f"{quiz.id}: only {len(quiz.questions)} questions"
    assert len(types) >= 4, f"{quiz.id}: only the types {sorted(types)}"
    assert 10 <= quiz.draw <= 15


@pytest.mark.parametrize("module", TREE.modules, ids=module_ids)
def test_every_quiz_answer_teaches(module: Module) -> None:
    missing = []
    for quiz in module.quizzes:
        for q in quiz.questions:
            if not q.explanation.strip():
                missing.append(f"{q.path}:{q.line}: question '{q.id}' has no explanation")
            missing.extend(
                f"{q.path}:{c.line}: question '{q.id}' choice '{c.text[:20]}' has no feedback"
                for c in q.choices
                if not c.feedback.strip()
            )
    assert missing == []


@pytest.mark.parametrize("module", TREE.modules, ids=module_ids)
def test_module_has_a_drill(module: Module) -> None:
    assert module.drills, f"{module.slug} has no drill"


def test_data_analysis_has_a_data_drill() -> None:
    assert any("data" in drill_kinds(m) for m in BY_AREA["data-analysis"])


@pytest.mark.parametrize("area", ["crisis", "management"])
def test_area_has_scenario_and_written_drills(area: str) -> None:
    kinds = set().union(*(drill_kinds(m) for m in BY_AREA[area]))
    assert {"scenario", "written"} <= kinds, f"{area} drills: {sorted(kinds)}"


def data_drills() -> list:
    return [d for m in TREE.modules for d in m.drills if d.kind == "data"]


@pytest.mark.parametrize("drill", data_drills(), ids=lambda d: d.id)
def test_data_drill_questions_compute_their_answer_from_columns(drill) -> None:
    assert drill.generator
    assert drill.questions
    for q in drill.questions:
        assert q.type == "numeric", f"{q.id} is not a numeric question"
        assert q.numeric is not None, f"{q.id} has no numeric answer settings"
        assert q.expr, f"{q.id} has no expr:"
        assert q.explanation.strip(), f"{q.id} has no explanation"
        columns = set(GENERATORS[drill.generator].columns)  # each drill computes from its generator's own
        assert problems(q.expr, columns) == [], f"{q.id}: {q.expr}"
        assert names(q.expr)[0] & columns, f"{q.id}: the expression uses no column"


def test_weekly_report_asks_what_a_weekly_report_needs() -> None:
    (drill,) = [d for d in MODULES["data-analysis"].drills if d.id == "weekly-report"]
    assert drill.generator == "community_weeks_v2"  # the realistic generator with planted stories
    used = [names(q.expr) for q in drill.questions]
    columns = set().union(*(c for c, _ in used))
    functions = set().union(*(f for _, f in used))
    assert {"argmax", "alerts", "mean"} <= functions  # the campaign week, the alert line, the 4-week mean
    assert any(c.startswith("cohort_w") for c in columns)  # a cohort retention from the second table
    assert any("百分点" in q.stem for q in drill.questions)  # a percentage-point change


def test_one_course_per_career_level() -> None:
    assert sorted(c.level for c in TREE.courses) == sorted(LEVELS)


DRILLS: dict[str, object] = {f"{m.slug}/{d.id}": d for m in TREE.modules for d in m.drills}
BY_LEVEL = {c.level: c for c in TREE.courses}
QUOTED = re.compile(r"「([^」]+)」")


@pytest.mark.parametrize("course", TREE.courses, ids=lambda c: c.slug)
def test_course_certification_resolves(course) -> None:
    listed = [cm.slug for cm in course.modules]
    assert listed
    assert set(listed) <= set(MODULES)
    due = [cm.due_days for cm in course.modules]
    assert all(a < b for a, b in itertools.pairwise(due)), f"due_days should increase: {due}"
    assert course.description.strip()
    cert = course.certification
    assert cert is not None, f"{course.slug} certifies nothing"
    assert cert.modules
    assert set(cert.modules) <= set(listed)
    assert cert.drills
    for ref in cert.drills:
        slug = ref.partition("/")[0]
        assert slug in listed, f"{ref}: its module is not listed by {course.slug}"
        assert ref in DRILLS, f"{ref} does not exist"
    assert 0 < cert.pass_mark <= 100
    assert cert.validity_months > 0


@pytest.mark.parametrize("course", TREE.courses, ids=lambda c: c.slug)
def test_description_names_exactly_the_drills_the_certificate_requires(course) -> None:
    """A track promises what it checks: each drill it requires is named, and each drill named is required."""
    quoted = set(QUOTED.findall(course.description))
    titles = {ref: DRILLS[ref].title for ref in course.certification.drills}
    assert [ref for ref, title in titles.items() if title not in quoted] == []
    named = {ref for ref, drill in DRILLS.items() if drill.title in quoted}
    assert named - set(titles) == set(), "the description names drills the certificate does not require"


def test_four_levels_certify_four_different_jobs() -> None:
    """No drill or module quiz is certified by two levels: each level checks what its own job needs."""
    assert sorted(BY_LEVEL) == sorted(LEVELS)
    for lower, higher in itertools.combinations(BY_LEVEL.values(), 2):
        lower_cert, higher_cert = lower.certification, higher.certification
        assert not set(lower_cert.drills) & set(higher_cert.drills), (lower.slug, higher.slug)
        assert not set(lower_cert.modules) & set(higher_cert.modules), (lower.slug, higher.slug)
    for course in TREE.courses:
        own_level = [slug for slug in course.certification.modules if MODULES[slug].level == course.level]
        assert own_level, f"{course.slug} certifies no module of its own level"


def test_manager_track_requires_no_new_hire_drill() -> None:
    manager = BY_LEVEL["manager"]
    assert all(MODULES[ref.partition("/")[0]].level == "manager" for ref in manager.certification.drills)


def test_every_module_is_certified_by_some_track() -> None:
    certified = set().union(*(c.certification.modules for c in TREE.courses))
    assert certified == set(MODULES)


def table_rows(markdown: str) -> list[list[str]]:
    """The body rows of the Markdown tables in a text, as cell lists (header and rule rows left out)."""
    rows = []
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.lstrip().startswith("| 第") and len(cells) > 2:
            rows.append(cells)
    return rows


def test_weekly_conclusion_table_adds_up() -> None:
    (drill,) = [d for d in MODULES["data-analysis"].drills if d.id == "weekly-conclusion"]
    rows = [
        [int(c.replace(",", "")) for c in r[1:5]] + [float(r[5].rstrip("%"))] for r in table_rows(drill.intro)
    ]
    assert len(rows) == 6
    assert rows[0][4] == round(rows[0][3] / rows[0][0] * 100, 1)
    for (members_before, *_), (members, joins, leaves, active, rate) in itertools.pairwise(rows):
        assert members == members_before + joins - leaves
        assert rate == round(active / members * 100, 1)


# --- a recruit who has not learned fails every certification quiz and drill --------------------------

GUESS_TRIALS = 2000


def _guess_once(rng, q: dict) -> Fraction:
    """A blind guess at one question: a uniformly random option, or a random non-empty set of options."""
    choices = q["choices"]
    if q["type"] not in ("single", "truefalse", "multiple") or len(choices) < 2:
        return Fraction(0)  # numeric, fill-in, ordering, matching: a blind guess is essentially never right
    if q["type"] == "multiple":
        picked = [c["id"] for c in choices if rng.random() < 0.5] or [rng.choice(choices)["id"]]
        result = grade_question(dict(q), picked)
    else:
        result = grade_question(dict(q), rng.choice(choices)["id"])
    return Fraction(result.score) / Fraction(result.max_score) if result.max_score else Fraction(0)


@pytest.mark.parametrize("module", TREE.modules, ids=module_ids)
def test_no_test_wise_strategy_passes_the_quiz(module: Module) -> None:
    """Longest, shortest, first, last, always true, always false: none reaches the pass mark."""
    for quiz in module.quizzes:
        scores = quiz_guessing(
            [_choice_data(q) for q in quiz.questions],
            pass_mark=module.pass_mark,
            shuffle_choices=quiz.shuffle_choices,
        )
        best = max(scores, key=lambda s: s.percent)
        assert best.percent < module.pass_mark, (quiz.id, best)
        assert not any(s.passes for s in scores)


@pytest.mark.parametrize("module", TREE.modules, ids=module_ids)
def test_a_blind_guesser_almost_never_passes_the_quiz(module: Module) -> None:
    """Random draws of the quiz answered by random guesses: under 1 % of them reach the pass mark."""
    rng = random.Random(f"guesser-{module.slug}")
    for quiz in module.quizzes:
        pool = [(_choice_data(q), q.points) for q in quiz.questions]
        draw = quiz.draw or len(pool)
        passed = 0
        for _ in range(GUESS_TRIALS):
            asked = rng.sample(pool, draw)
            earned = sum((Fraction(p) * _guess_once(rng, q) for q, p in asked), Fraction(0))
            total = sum((Fraction(p) for _, p in asked), Fraction(0))
            passed += earned * 100 >= total * module.pass_mark
        assert passed / GUESS_TRIALS < 0.01, (quiz.id, passed)


@pytest.mark.parametrize("module", TREE.modules, ids=module_ids)
def test_no_length_strategy_passes_a_scenario(module: Module) -> None:
    """Always the longest, always the shortest, anything but the longest: each fails every scenario."""
    for drill in module.drills:
        if drill.kind != "scenario":
            continue
        pass_mark = int(drill.options.get("pass_mark") or module.pass_mark)
        scores = scenario_guessing(drill_data(drill, pass_mark=pass_mark), pass_mark=pass_mark)
        assert {s.strategy for s in scores} == {"longest-choice", "shortest-choice", "not-longest"}
        for score in scores:
            assert not score.passes, (drill.id, score)
            assert score.percent < pass_mark, (drill.id, score)
