"""The stage a recruit has reached on their checklist, the items' days, and a track that requires a stage."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from certificates.rules import ModuleEvidence, certification_rule_check
from evaluation.checklist_rules import STAGES, is_item_overdue, item_due, stage_reached

items = st.lists(st.tuples(st.sampled_from(STAGES), st.booleans()), max_size=20)


def test_stage_reached_is_the_last_stage_with_everything_before_it_signed():
    assert stage_reached([]) == 0
    assert stage_reached([(30, True), (30, False), (60, True)]) == 0
    assert stage_reached([(30, True), (60, False), (90, True)]) == 30
    assert stage_reached([(30, True), (60, True), (90, False)]) == 60
    assert stage_reached([(30, True), (90, True)]) == 90


@given(items)
def test_stage_reached_means_every_item_up_to_it_is_signed_and_the_next_stage_is_not(rows):
    reached = stage_reached(rows)
    assert reached in (0, *STAGES)
    assert all(signed for stage, signed in rows if stage <= reached)
    if rows and reached < 90:
        nxt = next(s for s in STAGES if s > reached)
        assert not all(signed for stage, signed in rows if stage <= nxt)


@given(items, st.sampled_from(STAGES))
def test_signing_one_more_item_never_lowers_the_stage(rows, stage):
    assert stage_reached([*rows, (stage, True)]) >= stage_reached(rows)


def test_an_item_is_due_on_its_day_and_overdue_after_unless_signed():
    due = item_due(start=date(2026, 1, 1), stage=30)
    assert due == date(2026, 1, 31)
    assert not is_item_overdue(due=due, today=due, signed_off=False)
    assert is_item_overdue(due=due, today=date(2026, 2, 1), signed_off=False)
    assert not is_item_overdue(due=due, today=date(2026, 2, 1), signed_off=True)


RULE = {"modules": ["m"], "drills": [], "pass_mark": 70, "checklist": "junior-90-days", "checklist_stage": 60}
PASSED = {"m": ModuleEvidence(score=Decimal("80"), passed=True)}


def test_a_rule_with_a_checklist_stage_needs_that_stage_signed_off():
    short = certification_rule_check(RULE, PASSED, {}, checklist_reached=30)
    assert not short.met
    assert short.missing == ["checklist junior-90-days day 60"]
    assert short.snapshot["checklist"] == {"slug": "junior-90-days", "stage": 60, "reached": 30}
    assert certification_rule_check(RULE, PASSED, {}, checklist_reached=60).met
    assert certification_rule_check(RULE, PASSED, {}, checklist_reached=90).met
    plain = {k: v for k, v in RULE.items() if not k.startswith("checklist")}
    assert certification_rule_check(plain, PASSED, {}).met
    assert "checklist" not in certification_rule_check(plain, PASSED, {}).snapshot
