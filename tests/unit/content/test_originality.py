"""The curriculum uses the seed articles' facts, never their sentences: no run of 20 characters is copied.

Whitespace and punctuation are ignored on both sides, so a copied sentence with its commas changed is still
found. The seeds are read from ../shared/seeds (a missing folder fails the test rather than skipping it).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from tests.conftest import shared_fixtures

CONTENT = Path(__file__).resolve().parents[3] / "content"
RUN = 20
_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


def folded(text: str) -> str:
    return _DROP.sub("", unicodedata.normalize("NFKC", text)).lower()


def seed_runs() -> set[str]:
    seeds = shared_fixtures("").parent / "seeds"
    texts = [p.read_text(encoding="utf-8") for p in sorted(seeds.glob("*.txt"))]
    assert texts, f"no seed articles under {seeds}"
    runs: set[str] = set()
    for text in texts:
        flat = folded(text)
        runs.update(flat[i : i + RUN] for i in range(len(flat) - RUN + 1))
    return runs


def copied_runs(text: str, runs: set[str]) -> list[str]:
    flat = folded(text)
    return sorted({flat[i : i + RUN] for i in range(len(flat) - RUN + 1)} & runs)


def test_copied_run_is_found_even_with_punctuation_changed():
    runs = {folded("社群运营的核心是持续经营成员之间的关系而不是拉人头")[:RUN]}
    assert copied_runs("前言。社群运营的核心，是持续经营成员之间的关系，而不是！", runs)
    assert not copied_runs("社群运营要经营关系。", runs)


def test_no_content_file_copies_twenty_characters_of_a_seed():
    runs = seed_runs()
    found = {
        str(path.relative_to(CONTENT)): copied[:3]
        for path in sorted(CONTENT.rglob("*.md"))
        if (copied := copied_runs(path.read_text(encoding="utf-8"), runs))
    }
    assert found == {}
