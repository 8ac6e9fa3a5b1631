"""import_content: rendered and sanitised storage, idempotence, and all-or-nothing on errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from assessments.models import Question, QuestionVersion
from courses.models import Lesson, Module, ModuleVersion
from tests.conftest import FIXTURE_CONTENT

pytestmark = pytest.mark.django_db


def copy_content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    return root


def test_import_stores_rendered_lessons_and_questions(tmp_path):
    root = copy_content(tmp_path)
    call_command("import_content", "--root", str(root))
    module = Module.objects.get(slug="demo-basics")
    assert module.current_version.number == 1
    assert Lesson.objects.filter(version=module.current_version).count() == 2
    assert "<strong>共同兴趣</strong>" in Lesson.objects.get(key="what-is-a-community").body_html
    assert Question.objects.filter(module=module).count() == 3


def test_reimport_of_unchanged_content_writes_nothing(tmp_path, django_assert_max_num_queries):
    root = copy_content(tmp_path)
    call_command("import_content", "--root", str(root))
    from courses.authoring.loader import load_tree
    from courses.services import content_import

    tree = load_tree(root)
    # Reading the module and course rows, plus the transaction's savepoint: no INSERT or UPDATE.
    with django_assert_max_num_queries(4) as ctx:
        report = content_import(tree=tree)
    assert report.published == []
    assert report.unchanged == ["all-types", "demo-basics"]
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []


def test_changed_module_becomes_a_new_version_and_keeps_the_old(tmp_path):
    root = copy_content(tmp_path)
    call_command("import_content", "--root", str(root))
    path = root / "modules" / "demo-basics.md"
    path.write_text(
        path.read_text().replace("任何人数超过 500 的群", "任何人数超过 1000 的群"), encoding="utf-8"
    )
    call_command("import_content", "--root", str(root))
    module = Module.objects.get(slug="demo-basics")
    assert module.current_version.number == 2
    assert ModuleVersion.objects.filter(module=module).count() == 2
    question = Question.objects.get(module=module, key="q-definition")
    assert QuestionVersion.objects.filter(question=question).count() == 2
    # The untouched questions keep their single version.
    assert QuestionVersion.objects.filter(question__key="q-kpis").count() == 1


def test_module_with_an_error_is_refused_with_file_and_line_and_nothing_imported(tmp_path):
    root = copy_content(tmp_path)
    bad = root / "modules" / "broken.md"
    bad.write_text(
        "---\nslug: broken\ntitle: 坏模块\nskill_area: fundamentals\nlevel: junior\n---\n\n"
        "# 课 {#l1}\n\n正文\n\n::: quiz q\n\n::: question a\n\n题干\n\n- [ ] 甲\n- [ ] 乙\n:::\n:::\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError):
        call_command("import_content", "--root", str(root))
    assert not Module.objects.exists()


def test_script_and_event_handlers_are_sanitised(tmp_path):
    root = copy_content(tmp_path)
    path = root / "modules" / "demo-basics.md"
    text = path.read_text().replace(
        "- 有共同点",
        '- 有共同点 <script>alert(1)</script> <a href="javascript:alert(1)" onclick="x()">链接</a>',
    )
    path.write_text(text, encoding="utf-8")
    call_command("import_content", "--root", str(root))
    html = Lesson.objects.get(key="what-is-a-community").body_html
    assert "<script" not in html
    assert "javascript:" not in html
    assert "onclick" not in html


def test_importing_one_module_keeps_the_catalogue_order(tmp_path):
    root = copy_content(tmp_path)
    call_command("import_content", "--root", str(root))
    before = list(Module.objects.order_by("position").values_list("slug", "position"))
    path = root / "modules" / "demo-basics.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace("任何人数超过 500 的群", "任何人数超过 800 的群")
    )
    call_command("import_content", "--root", str(root), str(path))
    assert Module.objects.get(slug="demo-basics").current_version.number == 2
    assert list(Module.objects.order_by("position").values_list("slug", "position")) == before
    assert before[1][1] == 1


def test_questions_and_drills_remember_the_file_and_line_they_are_written_on(tmp_path):
    """Reports link to a question's source; moving it in the file moves the link, not the version."""
    root = tmp_path / "content"
    shutil.copytree(Path("content/modules/01-fundamentals"), root / "modules" / "01-fundamentals")
    call_command("import_content", "--root", str(root))
    qv = QuestionVersion.objects.get(question__key="community-definition")
    assert qv.source_path == "modules/01-fundamentals/quiz.md"
    quiz_file = root / qv.source_path
    assert quiz_file.read_text().splitlines()[qv.source_line - 1] == "::: question community-definition"
    from assessments.models import Drill

    drill = Drill.objects.get(key="first-week")
    assert drill.source_path == "modules/01-fundamentals/drill-first-week.md"
    assert "first-week" in (root / drill.source_path).read_text().splitlines()[drill.source_line - 1]

    # Two lines above the question, nothing in it changed: the same version now points two lines lower.
    heading = "::: question community-definition"
    quiz_file.write_text(quiz_file.read_text().replace(heading, "\n\n" + heading))
    call_command("import_content", "--root", str(root))
    moved = QuestionVersion.objects.get(question__key="community-definition")
    assert moved.pk == qv.pk
    assert moved.source_line == qv.source_line + 2
