"""The complete example in docs/authoring.md is the fixture module, and it loads with no messages."""

from __future__ import annotations

import re

from courses.authoring.lint import rule_of
from courses.authoring.loader import load_tree
from tests.conftest import ROOT


def test_docs_example_module_is_the_checked_fixture(tmp_path):
    docs = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    blocks = re.findall(r"````markdown\n(.*?)\n````", docs, re.DOTALL)
    assert blocks, "docs/authoring.md has no complete example module"
    fixture = (ROOT / "tests" / "fixtures" / "content" / "modules" / "demo-basics.md").read_text(
        encoding="utf-8"
    )
    assert blocks[-1].strip() == fixture.strip()
    (tmp_path / "modules").mkdir()
    (tmp_path / "modules" / "example.md").write_text(blocks[-1], encoding="utf-8")
    tree = load_tree(tmp_path)
    # A three-question demo quiz drawn whole is below the item-quality bank size: warnings, nothing else.
    assert [str(m) for m in tree.messages if not rule_of(m)] == []
    assert not tree.errors
    assert tree.modules[0].quizzes[0].questions
