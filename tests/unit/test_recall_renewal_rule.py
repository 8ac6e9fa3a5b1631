"""The pure part of renewal by recall (certificates.rules.recall_renewal_check) and the track key that turns
it on (``certification: renewal_recall:``), with its file:line errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certificates.rules import RENEWAL_MIN_REVIEWS, recall_renewal_check
from courses.authoring.loader import load_tree
from tests.unit.authoring.test_certification_rules import COURSE, write

AREAS = ["fundamentals", "growth", "data"]
reviews = st.dictionaries(
    st.sampled_from(AREAS),
    st.integers(0, 40).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))),
)


@given(threshold=st.integers(50, 98), reviews=reviews, areas=st.lists(st.sampled_from(AREAS), min_size=1))
def test_met_exactly_when_every_area_has_enough_answers_right_often_enough(threshold, reviews, areas):
    met, snapshot, missing = recall_renewal_check({"renewal_recall": threshold}, reviews, areas)
    expected = all(
        reviews.get(a, (0, 0))[0] >= RENEWAL_MIN_REVIEWS
        and round(Decimal(100 * reviews[a][1]) / reviews[a][0], 1) >= threshold
        for a in areas
    )
    assert met is expected
    assert bool(missing) is not met
    assert set(snapshot["areas"]) == set(areas)


@given(reviews=reviews, areas=st.lists(st.sampled_from(AREAS)))
def test_a_rule_without_the_key_never_renews_on_recall(reviews, areas):
    met, snapshot, missing = recall_renewal_check({"modules": ["x"]}, reviews, areas)
    assert not met
    assert snapshot == {}
    assert missing


def test_more_right_answers_never_lose_a_renewal():
    rule = {"renewal_recall": 80}
    assert not recall_renewal_check(rule, {"growth": (10, 7)}, ["growth"])[0]
    assert recall_renewal_check(rule, {"growth": (10, 8)}, ["growth"])[0]
    assert recall_renewal_check(rule, {"growth": (10, 10)}, ["growth"])[0]


def course_errors(tmp_path: Path, extra: str) -> list[str]:
    root = write(tmp_path)
    text = COURSE.replace("  validity_months: 24\n", f"  validity_months: 24\n{extra}")
    (root / "courses" / "cert-track.md").write_text(text, encoding="utf-8")
    return [str(m) for m in load_tree(root).errors]


def test_the_key_is_stored_in_the_range(tmp_path):
    assert course_errors(tmp_path, "  renewal_recall: 85\n") == []


@pytest.mark.parametrize("value", ["30", "99", "120"])
def test_a_threshold_outside_50_to_98_is_an_error_at_its_track(tmp_path, value):
    (message,) = course_errors(tmp_path, f"  renewal_recall: {value}\n")
    assert message.startswith("courses/cert-track.md:")
    assert "renewal_recall must be a percentage from 50 to 98" in message


def test_renewal_by_recall_needs_an_expiring_certificate(tmp_path):
    root = write(tmp_path)
    text = COURSE.replace("  validity_months: 24\n", "  renewal_recall: 85\n")
    (root / "courses" / "cert-track.md").write_text(text, encoding="utf-8")
    (message,) = [str(m) for m in load_tree(root).errors]
    assert "renewal_recall needs validity_months" in message
