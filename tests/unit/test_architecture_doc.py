"""docs/architecture.md cannot rot: every file, dotted name and test it names in backticks exists."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
DOC = ROOT / "docs" / "architecture.md"
PACKAGES = {"accounts", "assessments", "benchmarks", "certificates", "courses", "notifications", "tests"}
PACKAGES |= {"trainingsite"}
DOTTED = re.compile(r"[a-z_][a-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")


def names() -> list[str]:
    return re.findall(r"`([^`\s]+)`", DOC.read_text())


def resolves(dotted: str) -> bool:
    """An attribute of an importable module (``assessments.services.attempt_grade``), or a registered task
    name that is not one (the old names kept for one release)."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            break
        return True
    from trainingsite.celery import app

    app.autodiscover_tasks(force=True)
    return dotted in app.tasks


def missing(name: str) -> bool:
    if name.startswith("/"):  # a URL of the site
        from django.urls import Resolver404, resolve

        try:
            resolve(name)
        except Resolver404:
            return True
        return False
    if "::" in name:
        path, test = name.split("::")
        return not (ROOT / path).is_file() or f"def {test}(" not in (ROOT / path).read_text()
    if "/" in name:
        return not list(ROOT.glob(name.rstrip("/"))) if "*" in name else not (ROOT / name).exists()
    if DOTTED.fullmatch(name) and name.split(".")[0] in PACKAGES:
        return not resolves(name)
    return False


def test_the_doc_names_files_modules_and_tests():
    checked = [n for n in names() if "/" in n or "::" in n or DOTTED.fullmatch(n)]
    assert len(checked) > 50, "the map names the files and functions of each step"


def test_every_file_function_and_test_the_doc_names_exists():
    assert [name for name in names() if missing(name)] == []


@pytest.mark.parametrize(
    "name",
    [
        "assessments/no_such_file.py",
        "assessments.services.no_such_function",
        "tests/integration/test_quiz_flow.py::test_no_such_test",
        "courses/no_such_*.py",
        "/no-such-page/",
    ],
)
def test_a_name_that_does_not_exist_is_caught(name):
    assert missing(name)
