"""The test suite's settings: the project's own, with DEBUG on unless the environment says otherwise.

Production-mode checks start their own processes with DEBUG=False and a real key (tests/unit/site). Set in
the environment, so the worker and server processes the tests start inherit it.
"""

import os

os.environ.setdefault("DEBUG", "True")

from trainingsite.settings import *  # noqa: F403
