"""The Celery app, database connections between tasks, and the heartbeats that ``/health/`` reads.

Each worker writes its own key in the broker's Redis every heartbeat (2 s), with a time to live: a worker
that dies or loses Redis disappears from ``/health/`` within ``HEARTBEAT_TTL`` seconds, whatever the queue
backlog, without the web process having to broadcast a ping and wait for answers. The sweeper records its
last run the same way, which tells whether beat is alive.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

from celery import Celery
from celery.signals import heartbeat_sent, task_postrun, task_prerun, worker_ready, worker_shutdown
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trainingsite.settings")

app = Celery("trainingsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)

WORKER_KEY = "trainingsite:worker:"
SWEEP_KEY = "trainingsite:sweep:last"
HEARTBEAT_TTL = 15
# What tasks retry on: the database connection lost, a lock or statement timeout, a deadlock. Anything else
# is a bug or bad data, which a task records instead of retrying.
TRANSIENT_DB_ERRORS = (OperationalError, InterfaceError)
_worker: dict[str, Any] = {}


@app.task(queue_name="grading", ignore_result=False)
def noop(x: int = 0) -> int:
    """Do nothing: the floor that grading throughput is measured against."""
    return x


@task_prerun.connect
@task_postrun.connect
def _db_connections_tidy(task=None, **kwargs) -> None:
    """Between tasks, what Django does between requests: drop a connection that is broken or past
    ``CONN_MAX_AGE``, keep a healthy one. Never inside an in-process (eager) task: that is mid-request."""
    if task is not None and not getattr(task.request, "is_eager", False):
        from django.db import close_old_connections

        close_old_connections()


def broker_redis():
    """A Redis client on the broker's database, with short timeouts: health checks must not hang."""
    import redis

    return redis.Redis.from_url(app.conf.broker_url, socket_connect_timeout=1, socket_timeout=1)


def _heartbeat_write() -> None:
    if not _worker:
        return
    try:
        if "client" not in _worker:
            _worker["client"] = broker_redis()
        payload = json.dumps({"queues": _worker["queues"], "pid": os.getpid(), "at": time.time()})
        _worker["client"].set(WORKER_KEY + _worker["hostname"], payload, ex=HEARTBEAT_TTL)
    except Exception as exc:  # a heartbeat must never break the worker; Redis being down shows in /health/
        logger.debug("heartbeat not written: %r", exc)


@worker_ready.connect
def _worker_ready(sender, **kwargs) -> None:
    _worker["hostname"] = sender.hostname
    _worker["queues"] = sorted(q.name for q in sender.task_consumer.queues)
    _heartbeat_write()


@heartbeat_sent.connect
def _heartbeat_sent(sender, **kwargs) -> None:
    _heartbeat_write()


@worker_shutdown.connect
def _worker_shutdown(sender, **kwargs) -> None:
    if "client" in _worker:
        try:
            _worker["client"].delete(WORKER_KEY + _worker["hostname"])
        except Exception as exc:
            logger.debug("heartbeat not removed: %r", exc)


def sweep_mark() -> None:
    """Record that the sweeper ran, so ``/health/`` can tell whether beat is alive."""
    if app.conf.task_always_eager:
        return
    try:
        broker_redis().set(SWEEP_KEY, str(time.time()))
    except Exception as exc:
        logger.warning("sweeper run not recorded: %r", exc)


def broker_status() -> dict[str, Any]:
    """Redis, live workers by queue, and the sweeper's last run, as ``/health/`` reports them."""
    if app.conf.task_always_eager:
        return {"redis": "not used: tasks run in-process", "workers": "in-process", "sweeper": "in-process"}
    try:
        client = broker_redis()
        client.ping()
        keys = list(client.scan_iter(match=WORKER_KEY + "*", count=100))
        beats = [json.loads(v) for v in client.mget(keys) if v] if keys else []
        last_sweep = client.get(SWEEP_KEY)
    except Exception as exc:
        return {"redis": f"error: {exc.__class__.__name__}", "workers": None, "sweeper": None}
    now = time.time()
    queues: dict[str, int] = {}
    for beat in beats:
        for queue in beat["queues"]:
            queues[queue] = queues.get(queue, 0) + 1
    return {
        "redis": "ok",
        "workers": {
            "alive": len(beats),
            "by_queue": dict(sorted(queues.items())),
            "oldest_heartbeat_s": round(max((now - b["at"] for b in beats), default=0), 1),
        },
        "sweeper": {"last_run_s_ago": round(now - float(last_sweep), 1) if last_sweep else None},
    }
