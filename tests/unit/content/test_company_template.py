"""The company-playbook template (content/templates/) stays a valid module a company can copy and fill."""

from __future__ import annotations

import shutil
from pathlib import Path

from courses.authoring.loader import load_tree

TEMPLATE = Path(__file__).resolve().parents[3] / "content" / "templates" / "company-playbook"


def test_template_is_not_imported_with_the_curriculum():
    curriculum = load_tree(TEMPLATE.parents[1])
    assert "company-playbook" not in {m.slug for m in curriculum.modules}


def test_template_copied_into_modules_loads_without_errors(tmp_path):
    shutil.copytree(TEMPLATE, tmp_path / "modules" / "10-company-playbook")
    tree = load_tree(tmp_path)
    assert [str(m) for m in tree.errors] == []
    (module,) = tree.modules
    assert module.slug == "company-playbook"
    assert "待填写" in module.title
    every_text = " ".join([module.summary, *(lesson.body for lesson in module.lessons)])
    assert every_text.count("【待填写】") >= len(module.lessons)
    assert all("待填写" in q.stem for q in module.quizzes[0].questions)
