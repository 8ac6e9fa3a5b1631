"""Loaded only into the workers fault tests start (``celery worker --include tests.faults.grading_delay``):
grading waits ``FAULT_GRADING_DELAY_S`` seconds at its last step, inside the locked transaction with
everything written and nothing committed, so a test can kill the worker mid-grading or deliver a duplicate
that must wait for the row lock. Production code has no such pause. Never import it in the test process.
"""

from __future__ import annotations

import os
import sys
import time

from django.db import transaction

from assessments import services

DELAY_S = float(os.environ["FAULT_GRADING_DELAY_S"])

# The pause goes after the last call attempt_grade makes inside its transaction; if that call moves, fail
# at worker start rather than let the fault tests pass without the race they are about.
if "_statistics_request" not in services.attempt_grade.__code__.co_names:
    raise RuntimeError("attempt_grade no longer calls _statistics_request: move the fault tests' pause")

_statistics_request = services._statistics_request


def _statistics_request_then_hold_the_lock(*, attempt) -> None:
    _statistics_request(attempt=attempt)
    assert transaction.get_connection().in_atomic_block, "the pause must be inside the grading transaction"
    time.sleep(DELAY_S)


services._statistics_request = _statistics_request_then_hold_the_lock
print(f"fault tests: grading holds its row lock for {DELAY_S}s before commit", file=sys.stderr, flush=True)
