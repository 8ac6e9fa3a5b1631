"""Parser and validator messages keep English text for the command line and tests, and read in the reader's
language where a page shows them (#12.18)."""

from __future__ import annotations

import ast

import pytest
from django.utils import translation

from courses.authoring import validate
from courses.authoring.parser import parse_module
from courses.authoring.specs import ContentTree, Module, message
from tests.conftest import FIXTURE_DRILLS, ROOT


def marked_templates(name: str) -> list[str]:
    """Every string the module at ``name`` marks for translation with ``_(...)``."""
    tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
    return [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "_"
        and isinstance(node.args[0], ast.Constant)
    ]


@pytest.mark.parametrize(
    ("name", "at_least"),
    [
        ("courses/authoring/validate.py", 80),
        ("courses/authoring/parser.py", 48),
        ("assessments/grading/scenario.py", 12),
        ("assessments/grading/datasets.py", 5),
    ],
)
def test_every_parser_and_validator_template_has_a_chinese_translation(name, at_least):
    templates = marked_templates(name)
    assert len(templates) >= at_least
    with translation.override("zh-hans"):
        assert [t for t in templates if translation.gettext(t) == t] == []


def test_text_stays_english_and_localized_follows_the_active_language():
    tree = ContentTree(
        modules=[Module(slug="m", title="M", skill_area="growth", level="wizard", path="m.md", line=3)]
    )
    with translation.override("zh-hans"):
        validate.validate_tree(tree)
    found = next(m for m in tree.messages if "wizard" in m.text)
    assert found.text == "level 'wizard' must be one of junior, intermediate, senior, manager"
    with translation.override("zh-hans"):
        assert found.localized() == "level“wizard”必须是以下之一：junior, intermediate, senior, manager"
    with translation.override("en"):
        assert found.localized() == found.text


def test_a_message_with_a_literal_percent_sign_reads_the_same_in_text_and_english():
    built = message("m.md", 1, "score %(n)s%% of %(m)s", n=40, m=100)
    assert built.text == "score 40% of 100"
    with translation.override("en"):
        assert built.localized() == "score 40% of 100"


def test_a_syntax_error_reads_in_chinese_and_keeps_its_line():
    source = "---\nslug: m\ntitle: M\n---\n\n# Lesson {#bad id}\n"
    _spec, messages = parse_module([("m.md", source)])
    found = next(m for m in messages if "bad lesson id" in m.text)
    assert (found.line, found.text) == (6, "bad lesson id 'bad id': use letters, digits, '-' and '_'")
    with translation.override("zh-hans"):
        assert found.localized() == "课时 id“bad id”无效：只能使用字母、数字、'-' 和 '_'"


def test_a_scenario_problem_reads_in_chinese_inside_the_drill_message():
    source = (FIXTURE_DRILLS / "modules" / "drills-demo.md").read_text(encoding="utf-8")
    broken = source.replace("(#s2) {points=3}", "(#s9) {points=3}", 1)
    spec, _messages = parse_module([("drills-demo.md", broken)])
    tree = ContentTree(modules=[spec])
    validate.validate_tree(tree)
    found = next(m for m in tree.messages if "#s9" in m.text)
    assert found.line == broken.splitlines().index("- [在群里回应，并私信了解情况](#s9) {points=3}") + 1
    assert found.text == "choice '在群里回应，并私信了解情况' leads to '#s9', which is not a step"
    with translation.override("zh-hans"):
        assert found.localized() == "选项“在群里回应，并私信了解情况”指向“#s9”，但没有这个步骤"


def test_a_data_drill_parameter_problem_reads_in_chinese_inside_the_drill_message():
    source = (FIXTURE_DRILLS / "modules" / "drills-demo.md").read_text(encoding="utf-8")
    spec, _messages = parse_module([("drills-demo.md", source)])
    drill = next(d for d in spec.drills if d.kind == "data")
    drill.params = {"bogus": "1"}
    tree = ContentTree(modules=[spec])
    validate.validate_tree(tree)
    found = next(m for m in tree.messages if "bogus" in m.text)
    assert found.text.startswith(
        f"drill '{drill.id}': {drill.generator} has no parameter 'bogus' (its parameters are "
    )
    with translation.override("zh-hans"):
        assert found.localized().startswith(
            f"演练“{drill.id}”：{drill.generator} 没有参数“bogus”（它的参数是 "
        )
