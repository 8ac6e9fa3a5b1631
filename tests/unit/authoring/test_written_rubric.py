"""Written drills' rubric syntax: levels, `::: fact`, `::: forbid`, marked `::: sample`s, calibration."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from courses.authoring.loader import load_tree

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "written"
DRILL_FILE = "modules/written-demo.md"


def copy(tmp_path: Path, replace: tuple[str, str] | None = None, *, track: bool = True) -> Path:
    root = tmp_path / "content"
    shutil.copytree(FIXTURE, root)
    if not track:
        (root / "courses" / "crisis-track.md").unlink()
    if replace:
        path = root / DRILL_FILE
        text = path.read_text(encoding="utf-8")
        assert replace[0] in text
        path.write_text(text.replace(replace[0], replace[1], 1), encoding="utf-8")
    return root


def messages(root: Path) -> list[str]:
    return [str(m) for m in load_tree(root).messages]


def line_of(root: Path, needle: str) -> int:
    lines = (root / DRILL_FILE).read_text(encoding="utf-8").splitlines()
    return next(i for i, text in enumerate(lines, 1) if needle in text)


def test_the_fixture_parses_calibrated_and_clean() -> None:
    tree = load_tree(FIXTURE)
    assert [str(m) for m in tree.messages] == []
    (drill,) = tree.modules[0].drills
    assert drill.tolerance == Decimal(15)
    assert [s.id for s in drill.samples] == ["strong", "borderline", "failing"]
    assert [s.score for s in drill.samples] == [Decimal(12), Decimal(8), Decimal(0)]
    assert drill.samples[0].text.startswith("各位会员")
    acknowledge, facts, _ = drill.criteria
    assert acknowledge.levels[0] == "没有道歉"
    assert len(acknowledge.levels) == 4
    assert [f.id for f in acknowledge.forbids] == ["blame-third-party", "threaten-members"]
    assert [f.id for f in facts.facts] == ["refund-window"]
    assert facts.facts[0].pattern == r"48\s*(小时|个小时|h)|两天内"
    assert facts.facts[0].reason == "没有写明“48 小时内退款”的时限。"
    assert [f.id for f in facts.forbids] == ["promise-amount", "promise-tonight"]
    assert "时间、范围与退款安排准确" in facts.description


def test_a_pattern_that_does_not_compile_is_an_error_at_its_line(tmp_path: Path) -> None:
    root = copy(tmp_path, (r"pattern: 48\s*(小时|个小时|h)|两天内", r"pattern: 48\s*(小时|个小时|h"))
    line = line_of(root, r"pattern: 48\s*(小时")
    (found,) = [m for m in messages(root) if "does not compile" in m]
    assert found.startswith(f"{DRILL_FILE}:{line}: error: fact 'refund-window': the pattern does not compile")


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("reason: 没有写明“48 小时内退款”的时限。", "", "fact 'refund-window' needs `reason:`"),
        (r"pattern: 48\s*(小时|个小时|h)|两天内", "", "fact 'refund-window' needs `pattern:`"),
        ("levels: 没有道歉 | 道歉敷衍 | ", "levels: ", "levels are 4 descriptors"),
        ("levels: 没有道歉 | 道歉敷衍", "levels:  | 道歉敷衍", "levels are 4 descriptors"),
        ("score: 12", "score: 13", "score 13 is outside 0 … 12"),
        ("score: 12", "score: -1", "score -1 is outside 0 … 12"),
        ("score: 12", "", "sample 'strong' needs `score:`"),
        ("score: 12", "score: lots", "'score' must be a number"),
        ("tolerance: 15", "tolerance: 150", "tolerance must be between 0 and 100"),
        ("::: sample borderline", "::: sample strong", "sample id 'strong' is used twice"),
        (
            "::: forbid threaten-members",
            "::: forbid blame-third-party",
            "id 'blame-third-party' is used twice",
        ),
        (
            "::: fact refund-window\n",
            "::: fact refund-window\n\n多余的文字\n",
            "takes only `pattern:` and `reason:`",
        ),
        ("::: sample strong", "::: fact strong", "`::: fact` must be inside a `::: criterion` block"),
    ],
)
def test_bad_rubric_parts_are_errors(tmp_path: Path, old: str, new: str, fragment: str) -> None:
    found = [m for m in messages(copy(tmp_path, (old, new))) if ": error: " in m]
    assert any(fragment in m for m in found), found


def test_a_sample_the_rubric_scores_off_is_reported_at_the_samples_line(tmp_path: Path) -> None:
    root = copy(tmp_path, ("score: 8", "score: 2"))
    line = line_of(root, "::: sample borderline")
    assert messages(root) == [
        f"{DRILL_FILE}:{line}: error: sample 'borderline': the rubric gives 55.50% but the trainer's score "
        "is 16.67% (more than 15 points apart); adjust the criteria (concepts, facts, forbids) "
        "or the sample's score"
    ]


def test_the_tolerance_is_the_drills(tmp_path: Path) -> None:
    assert messages(copy(tmp_path, ("tolerance: 15", "tolerance: 5")))[0].endswith(
        "(more than 5 points apart); adjust the criteria (concepts, facts, forbids) or the sample's score"
    )


def test_off_samples_of_an_ordinary_drill_are_warnings(tmp_path: Path) -> None:
    found = messages(copy(tmp_path, ("score: 8", "score: 2"), track=False))
    assert len(found) == 1
    assert ": warning: sample 'borderline'" in found[0]


def test_a_sample_outside_the_length_limits_cannot_be_graded(tmp_path: Path) -> None:
    found = messages(copy(tmp_path, ("min_chars: 60", "min_chars: 200")))
    assert any("sample 'borderline' cannot be graded: The response has" in m for m in found)


NEXT_LEVELS = "levels: 没有后续安排 | 后续安排含糊 | 有后续安排但缺时间 | 有明确时间的后续安排和联系方式\n"


def test_certification_criteria_without_levels_are_reported(tmp_path: Path) -> None:
    (found,) = messages(copy(tmp_path, (NEXT_LEVELS, "")))
    assert "criterion 'next-steps': a certification drill's criteria need `levels:`" in found
    assert messages(copy(tmp_path / "b", (NEXT_LEVELS, ""), track=False)) == []
