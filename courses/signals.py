"""Signals other apps listen to, so ``courses`` never imports them (docs/architecture.md, issue #15)."""

from django.dispatch import Signal

# Sent inside the grading transaction when a recruit's module turns passed, with ``user_id`` and
# ``module_id``. Receivers must only queue work on commit (``retention`` turns the module's questions into
# review cards); they run in the caller's transaction, so they must not fail it.
module_passed = Signal()
