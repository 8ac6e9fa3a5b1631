"""The test suite's settings: the project's own, with DEBUG on unless the environment says otherwise.

Production-mode checks start their own processes with DEBUG=False and a real key (tests/unit/site). Set in
the environment, so the worker and server processes the tests start inherit it.
"""

import os

os.environ.setdefault("DEBUG", "True")
# The fake work-chat platforms (tests/integration/workchat_fakes.py) listen on http://127.0.0.1.
os.environ.setdefault("WORKCHAT_ALLOW_LOOPBACK", "True")
# Short waits, so the workers in the tests retry and pass the rate limit in seconds, not minutes.
os.environ.setdefault("WORKCHAT_RATE_WINDOW", "4")
# pytest-django runs with DEBUG off, where the SECRET_KEY-derived demo key is refused: a test-only key.
os.environ.setdefault("WORKCHAT_FERNET_KEYS", "UyyTF-jg6tP_I5cmvRoPr46bPdx1dRcSyteVVzpgFHQ=")
os.environ.setdefault("WORKCHAT_RETRY_BACKOFF", "1")
os.environ.setdefault("WORKCHAT_TIMEOUT", "2")

from trainingsite.settings import *  # noqa: F403
