"""Item analysis tasks (reports queue)."""
