"""A written drill a certification track requires is always reviewed, whatever its file says; its marked
samples, facts, forbidden claims and levels are stored with the drill for the server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assessments.models import Drill
from courses.authoring.loader import load_tree
from courses.services import ContentError, content_import

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "written"


def content(
    tmp_path: Path, *, track: bool, replace: tuple[str, str] = ("review: always", "review: auto")
) -> Path:
    root = tmp_path / "content"
    shutil.copytree(FIXTURE, root)
    if not track:
        (root / "courses" / "crisis-track.md").unlink()
    path = root / "modules" / "written-demo.md"
    path.write_text(path.read_text(encoding="utf-8").replace(*replace), encoding="utf-8")
    return root


@pytest.mark.parametrize(("track", "review"), [(True, "always"), (False, "auto")])
def test_a_certification_drill_is_always_reviewed(tmp_path: Path, track: bool, review: str) -> None:
    content_import(tree=load_tree(content(tmp_path, track=track)))
    assert Drill.objects.get(key="outage-statement").data["review"] == review


def test_the_rubric_is_stored_for_the_server(tmp_path: Path) -> None:
    content_import(tree=load_tree(content(tmp_path, track=True)))
    data = Drill.objects.get(key="outage-statement").data
    assert [s["id"] for s in data["samples"]] == ["strong", "borderline", "failing"]
    assert data["samples"][0]["score"] == "12"
    assert data["tolerance"] == "15"
    facts = data["criteria"][1]
    assert facts["facts"] == [
        {
            "id": "refund-window",
            "pattern": r"48\s*(小时|个小时|h)|两天内",
            "reason": "没有写明“48 小时内退款”的时限。",
        }
    ]
    assert [f["id"] for f in facts["forbids"]] == ["promise-amount", "promise-tonight"]
    assert facts["levels"][3] == "时间、范围与退款时限全部准确"
    assert data["brief"].startswith("周六 14:00")


def test_a_bad_pattern_imports_nothing(tmp_path: Path) -> None:
    root = content(tmp_path, track=True, replace=("pattern: 今晚", "pattern: (今晚"))
    tree = load_tree(root)
    with pytest.raises(ContentError):
        content_import(tree=tree)
    assert not Drill.objects.filter(key="outage-statement").exists()
