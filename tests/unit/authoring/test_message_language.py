"""Validator messages keep English text for the command line and tests, and read in the reader's language
where a page shows them (#12.18)."""

from __future__ import annotations

import ast

from django.utils import translation

from courses.authoring import validate
from courses.authoring.specs import ContentTree, Module, message
from tests.conftest import ROOT


def marked_templates() -> list[str]:
    """Every string validate.py marks for translation with ``_(...)``."""
    tree = ast.parse((ROOT / "courses" / "authoring" / "validate.py").read_text(encoding="utf-8"))
    return [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "_"
        and isinstance(node.args[0], ast.Constant)
    ]


def test_every_validator_template_has_a_chinese_translation():
    templates = marked_templates()
    assert len(templates) > 80
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
