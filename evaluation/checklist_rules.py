"""Pure rules of the on-the-job checklists: the stage a recruit has reached and which items are overdue."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

STAGES = (30, 60, 90)


def stage_reached(items: Iterable[tuple[int, bool]]) -> int:
    """The last stage (30, 60 or 90) up to which every item is signed off, given (stage, signed off) pairs;
    0 when none is. A stage with no items is passed when the stages before it are."""
    rows = list(items)
    reached = 0
    for stage in STAGES:
        if all(signed for item_stage, signed in rows if item_stage <= stage):
            reached = stage
        else:
            break
    return reached if rows else 0


def item_due(*, start: date, stage: int) -> date:
    """An item of stage N is due on day N counted from the recruit's start."""
    return start + timedelta(days=stage)


def is_item_overdue(*, due: date, today: date, signed_off: bool) -> bool:
    return not signed_off and due < today
