"""import_gift and export_gift against a copy of the test content: files written, published, round-tripped."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from assessments.models import Quiz
from courses.authoring.gift import parse_gift
from courses.authoring.loader import load_tree
from tests.conftest import FIXTURE_CONTENT, shared_fixtures

GIFT = shared_fixtures("gift")
MOODLE = GIFT / "moodle" / "questions.gift.txt"
FOLDER_MODULE = """---
slug: gift-folder
title: 文件夹模块
skill_area: fundamentals
level: junior
---
"""
FOLDER_LESSON = "# 第一课 {#first}\n\n内容。\n"
FOLDER_QUIZ = """::: quiz ordered
title: 排序

::: question put-in-order
type: ordering

按顺序排列。

1. 拉新
2. 促活
:::

::: question pick-one
points: 2

选一个。

- [x] 对
  > 好。
- [ ] 错
  > 不好。
:::
:::
"""


def copy_content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    folder = root / "modules" / "gift-folder"
    folder.mkdir()
    (folder / "module.md").write_text(FOLDER_MODULE, encoding="utf-8")
    (folder / "01-first.md").write_text(FOLDER_LESSON, encoding="utf-8")
    (folder / "quiz.md").write_text(FOLDER_QUIZ, encoding="utf-8")
    return root


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def import_gift(root: Path, module: str, quiz: str, source: Path = MOODLE) -> tuple[str, str]:
    return run("import_gift", str(source), "--module", module, "--quiz", quiz, "--root", str(root))


def plain(q):
    return dataclasses.replace(
        q, path="", line=0, choices=[dataclasses.replace(c, line=0) for c in q.choices], pairs=[]
    )


@pytest.mark.django_db
def test_import_gift_writes_a_quiz_file_that_checks_and_publishes(tmp_path):
    root = copy_content(tmp_path)
    before = set(snapshot(root))
    out, err = import_gift(root, "gift-folder", "moodle-bank")
    written = root / "modules" / "gift-folder" / "gift-moodle-bank.md"
    assert set(snapshot(root)) - before == {str(written.relative_to(root))}
    assert "8 questions" in out
    assert "essay" in err  # the skipped essay is reported with its line
    assert "questions.gift.txt:2: warning" in err

    tree = load_tree(root)
    assert tree.errors == []
    module = next(m for m in tree.modules if m.slug == "gift-folder")
    quiz = next(q for q in module.quizzes if q.id == "moodle-bank")
    assert quiz.title == "questions.gift.txt"
    assert [q.type for q in quiz.questions] == [
        "matching",
        "single",
        "multiple",
        "numeric",
        "short",
        "truefalse",
        "truefalse",
        "truefalse",
    ]
    parsed, _ = parse_gift(MOODLE.read_text(encoding="utf-8"), "questions.gift.txt")
    assert [plain(q) for q in quiz.questions] == [plain(q) for q in parsed]

    call_command("import_content", "--root", str(root), stdout=StringIO(), stderr=StringIO())
    stored = Quiz.objects.get(key="moodle-bank", version__module__slug="gift-folder")
    assert stored.title == "questions.gift.txt"
    assert stored.version.module.current_version_id == stored.version_id
    assert stored.questions.count() == 8


def test_import_gift_appends_to_a_single_file_module_and_renames_taken_ids(tmp_path):
    root = copy_content(tmp_path)
    path = root / "modules" / "demo-basics.md"
    original = path.read_text(encoding="utf-8")
    import_gift(root, "demo-basics", "bank-one")
    _, err = import_gift(root, "demo-basics", "bank-two")
    text = path.read_text(encoding="utf-8")
    assert text.startswith(original.rstrip("\n"))
    assert "question id 'Q2' is taken in module 'demo-basics': renamed 'Q2-2'" in err
    tree = load_tree(root)
    assert tree.errors == []
    module = next(m for m in tree.modules if m.slug == "demo-basics")
    ids = [q.id for quiz in module.quizzes for q in quiz.questions]
    assert len(ids) == len(set(ids))
    assert [quiz.id for quiz in module.quizzes][-2:] == ["bank-one", "bank-two"]


def test_broken_braces_write_nothing_and_name_the_line(tmp_path):
    root = copy_content(tmp_path)
    before = snapshot(root)
    broken = tmp_path / "broken.gift"
    broken.write_text("::ok::Fine?{T}\n\n::bad::Which?{\n=a\n~b\n\n::next::Then?{F}\n", encoding="utf-8")
    err = StringIO()
    args = [str(broken), "--module", "gift-folder", "--quiz", "x", "--root", str(root)]
    with pytest.raises(CommandError, match=r"1 errors in .*broken\.gift: nothing was written"):
        call_command("import_gift", *args, stderr=err)
    assert f"{broken}:3: error: the answer block `{{` opened on this line is not closed" in err.getvalue()
    assert snapshot(root) == before


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--module", "nope", "--quiz", "x"], "no module with slug 'nope'"),
        (["--module", "gift-folder", "--quiz", "ordered"], "already has a quiz 'ordered'"),
        (["--module", "gift-folder", "--quiz", "bad id"], "bad quiz id"),
    ],
)
def test_import_gift_refuses_bad_targets(tmp_path, args, words):
    root = copy_content(tmp_path)
    before = snapshot(root)
    with pytest.raises(CommandError, match=words):
        run("import_gift", str(MOODLE), *args, "--root", str(root))
    assert snapshot(root) == before


def test_export_gift_writes_the_quiz_and_reimports_equal(tmp_path):
    root = copy_content(tmp_path)
    out, err = run("export_gift", "demo-basics", "basics-quiz", "--root", str(root))
    assert out.startswith("// demo-basics/basics-quiz: 入门小测\n\n::q-definition::[markdown]")
    again, messages = parse_gift(out, "exported.gift")
    assert messages == []
    module = next(m for m in load_tree(root).modules if m.slug == "demo-basics")
    original = next(q for q in module.quizzes if q.id == "basics-quiz").questions
    assert [plain(q) for q in again] == [plain(q) for q in original]
    assert err == ""


def test_export_gift_skips_ordering_with_a_comment_and_a_warning(tmp_path):
    root = copy_content(tmp_path)
    target = tmp_path / "out.gift"
    _, err = run("export_gift", "gift-folder", "ordered", "--root", str(root), "--output", str(target))
    text = target.read_text(encoding="utf-8")
    assert "// question 'put-in-order' (ordering) cannot be written in GIFT: skipped" in text
    assert "question 'put-in-order': ordering questions cannot be written in GIFT" in err
    assert [(q.id, q.points) for q in parse_gift(text, "out.gift")[0]] == [("pick-one", 2)]


def test_export_gift_names_missing_quizzes(tmp_path):
    root = copy_content(tmp_path)
    with pytest.raises(CommandError, match=r"no quiz 'nope' \(its quizzes: basics-quiz\)"):
        run("export_gift", "demo-basics", "nope", "--root", str(root))
