"""Readiness checks for ``/readyz``: database, task queue, cache, storage, a live worker.

Each check answers ``{"ok": bool, ...}`` with what an operator needs and nothing more: a
failure names the kind of error, never its message (which may hold a host, a user name or a
path). Checks run on each call, so a database, Redis or worker that comes back is seen at once.
"""

import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone
from django_tasks import default_task_backend

from shequ.core.selectors import worker_last_seen

logger = logging.getLogger(__name__)

Check = dict[str, Any]


def database_check() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def queue_check() -> Check:
    huey = getattr(default_task_backend, "huey", None)
    if huey is None:
        return {"ok": True, "backend": "none"}
    backend = "redis" if type(huey).__name__ == "RedisHuey" else "sqlite"
    # Reading the queue's length reaches its store (LLEN on Redis, a query on SQLite).
    return {"ok": True, "backend": backend, "pending": huey.pending_count()}


def cache_check() -> Check:
    key = f"shequ:readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    found = cache.get(key) == "1"
    cache.delete(key)
    return {"ok": found}


def storage_check() -> Check:
    """The uploads' storage accepts a file and gives it back (then it is removed)."""
    name = default_storage.save(f".readyz/{uuid.uuid4().hex}", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as handle:
            ok = handle.read() == b"ok"
    finally:
        default_storage.delete(name)
    return {"ok": ok}


def worker_check() -> Check:
    """A task worker (``run_tasks``) beat within ``WORKER_READY_SECONDS``."""
    last = worker_last_seen()
    limit = settings.WORKER_READY_SECONDS
    if last is None:
        return {"ok": False, "error": "no task worker has ever started"}
    age = max(0, round((timezone.now() - last).total_seconds()))
    if age > limit:
        return {
            "ok": False,
            "error": f"no task worker seen in the last {limit} s",
            "last_seen_seconds_ago": age,
        }
    return {"ok": True, "last_seen_seconds_ago": age}


READINESS_CHECKS: dict[str, Callable[[], Check]] = {
    "database": database_check,
    "queue": queue_check,
    "cache": cache_check,
    "storage": storage_check,
    "worker": worker_check,
}


def run_checks(checks: dict[str, Callable[[], Check]]) -> dict[str, Check]:
    """Each check's answer; one that raises is a failure naming the kind of error."""
    results: dict[str, Check] = {}
    for name, check in checks.items():
        try:
            results[name] = check()
        except Exception as exc:
            logger.warning("readiness check %s failed: %s", name, type(exc).__name__)
            results[name] = {"ok": False, "error": type(exc).__name__}
    return results
