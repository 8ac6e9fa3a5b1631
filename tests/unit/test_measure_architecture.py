"""scripts/measure_architecture.py on a small tree whose cycles, imports and lengths are known."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def script():
    spec = importlib.util.spec_from_file_location(
        "measure_architecture", ROOT / "scripts/measure_architecture.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write(root: Path, path: str, text: str) -> None:
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(text)


def test_cycles_imports_in_functions_and_long_files_are_counted(tmp_path, monkeypatch):
    measure = script()
    monkeypatch.setattr(measure, "duplicate_pairs", lambda root: None)
    write(tmp_path, "courses/__init__.py", "")
    write(tmp_path, "courses/services.py", "from assessments.models import Attempt, Response\n")
    write(tmp_path, "assessments/__init__.py", "")
    write(tmp_path, "assessments/models.py", "import os\n")
    write(
        tmp_path, "assessments/services.py", "def f():\n    from courses import services\n" + "x = 1\n" * 600
    )
    write(tmp_path, "assessments/migrations/0001_initial.py", "def g():\n    from courses import services\n")
    write(
        tmp_path,
        "notifications/services.py",
        "def h():\n    import json\n    from accounts.models import User\n",
    )
    write(tmp_path, "accounts/models.py", "")

    result = measure.measure(tmp_path)

    assert result["app_cycles"] == [["assessments", "courses"]]
    assert result["module_cycles"] == 0, "services → models → (nothing): no loop between modules"
    assert result["imports_in_functions"] == 2, "project imports only, migrations left out"
    assert result["imports_in_functions_most"] == {
        "assessments/services.py": 1,
        "notifications/services.py": 1,
    }
    assert result["files_over_600_lines"] == {"assessments/services.py": 602}
