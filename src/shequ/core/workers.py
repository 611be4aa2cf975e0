"""Task workers' liveness: each ``run_tasks`` process beats while its threads run.

A running task has its own heartbeat (``TaskRecord.heartbeat_at``), but an idle worker runs no
task: without a beat of its own, ``/readyz`` could not tell an idle worker from a dead one.
The beat is a row per process in the database every web process reads, so it works with
workers on other machines and with either queue (SQLite or Redis).
"""

import logging
import os
import socket
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from huey.consumer import Consumer

from shequ.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# Rows of processes gone this long are removed by the next beat of any worker, so a machine
# restarted every day does not leave a row per start forever.
FORGET_WORKERS_AFTER = timedelta(days=1)


def worker_beat(*, name: str, hostname: str, pid: int, started_at: datetime) -> None:
    """Record that the worker process ``name`` is alive now; forget long-gone workers."""
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        name=name,
        defaults={"hostname": hostname, "pid": pid, "started_at": started_at, "seen_at": now},
    )
    WorkerHeartbeat.objects.filter(seen_at__lt=now - FORGET_WORKERS_AFTER).delete()


class BeatingConsumer(Consumer):
    """huey's consumer that beats from its main loop while its worker threads and scheduler
    are alive: a worker whose threads died (and were not restarted) stops beating."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hostname = socket.gethostname()
        self.pid = os.getpid()
        self.name = f"{self.hostname}:{self.pid}"
        self.started_at = timezone.now()
        self._next_beat = 0.0

    def loop(self, health_check_ts: float | None = None) -> float | None:
        health_check_ts = super().loop(health_check_ts)
        now = time.monotonic()
        if now >= self._next_beat:
            self._next_beat = now + settings.WORKER_HEARTBEAT_SECONDS
            self.beat()
        return health_check_ts

    def threads_alive(self) -> bool:
        processes = [process for _worker, process in self.worker_threads]
        return all(self.environment.is_alive(p) for p in [*processes, self.scheduler])

    def beat(self) -> None:
        if not self.threads_alive():
            logger.warning("worker %s: a thread is down, not beating", self.name)
            return
        try:
            worker_beat(
                name=self.name, hostname=self.hostname, pid=self.pid, started_at=self.started_at
            )
        except Exception:
            # The database may be away for a while; the worker keeps running and beats again
            # once it is back (``/readyz`` reports the worker missing meanwhile).
            logger.exception("worker %s: heartbeat failed", self.name)
        finally:
            # Between beats the main loop holds no connection (none is left open in a pool
            # slot or on a server that restarted), unless a caller's transaction uses it.
            if not connection.in_atomic_block:
                connection.close()
