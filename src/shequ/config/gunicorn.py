"""gunicorn settings: ``gunicorn -c python:shequ.config.gunicorn shequ.config.wsgi``.

Threaded workers (gthread), JSON log lines like the application's, and Prometheus's
multiprocess mode so ``/metrics`` adds up every worker's counts. Everything can be overridden
from the environment (``GUNICORN_BIND``, ``WEB_CONCURRENCY``, ``GUNICORN_THREADS``,
``GUNICORN_TIMEOUT``, ``GUNICORN_KEEPALIVE``,
``PROMETHEUS_MULTIPROC_DIR``) or on the command line. Without ``WEB_CONCURRENCY`` the worker
count follows the machine's cores, and the threads per worker the database pool.
"""

import os
import shutil
from pathlib import Path
from typing import Any

from shequ.config.env import VAR_DIR, env, is_production


def default_workers(cores: int | None) -> int:
    """One process per core and one more (a request waiting on the database leaves its core
    to another), at least two so that one busy or restarting worker never stops the site,
    and at most eight: each holds its own database pool (``DB_POOL_MAX_SIZE``)."""
    return max(2, min(8, (cores or 1) + 1))


def default_threads(workers: int, connections: int = 50) -> int:
    """Enough threads that ``connections`` clients waiting on I/O are all being served, but
    no more than the database pool can feed (a thread beyond it only waits for a
    connection)."""
    pool = env.int("DB_POOL_MAX_SIZE", default=10) or 10
    return max(2, min(pool, -(-connections // workers)))


bind = [env.str("GUNICORN_BIND", default=f"127.0.0.1:{env.int('PORT', default=8000)}")]
# WEB_CONCURRENCY (the usual name for it) wins; else from the machine's cores.
workers = env.int("WEB_CONCURRENCY", default=0) or default_workers(os.cpu_count())
worker_class = "gthread"
threads = env.int("GUNICORN_THREADS", default=0) or default_threads(workers)
# Browsers and nginx's upstream keep their connections open between requests: a new TCP
# connection per request would cost more than a small page's rendering.
keepalive = env.int("GUNICORN_KEEPALIVE", default=5)
timeout = env.int("GUNICORN_TIMEOUT", default=60)
graceful_timeout = 20
# The application writes one access line per request itself (with the request id and user
# id); gunicorn's own would be a second line without them.
accesslog = None
errorlog = "-"
# Workers are restarted now and then so that a slow leak cannot grow without end.
max_requests = env.int("GUNICORN_MAX_REQUESTS", default=5000)
max_requests_jitter = 500

# Set before any worker imports prometheus_client, which reads it once at import.
PROMETHEUS_DIR = Path(env.str("PROMETHEUS_MULTIPROC_DIR", default=str(VAR_DIR / "prometheus")))
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(PROMETHEUS_DIR)

# gunicorn merges this over its own defaults key by key, so every key it has is given here.
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        # The application's own access lines carry the request id; gunicorn's would repeat
        # them without it.
        "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "formatters": {"json": {"()": "shequ.core.logs.JsonFormatter"}},
}
# As in settings: plain text where DEBUG is on, JSON otherwise.
_debug = env.bool("DEBUG", default=not is_production())
if env.str("LOG_FORMAT", default="text" if _debug else "json") != "json":
    logconfig_dict = {}


def on_starting(server: Any) -> None:
    """Counts of a previous run's workers (whose pids may be reused) start from nothing."""
    shutil.rmtree(PROMETHEUS_DIR, ignore_errors=True)
    PROMETHEUS_DIR.mkdir(parents=True, exist_ok=True)


def post_worker_init(worker: Any) -> None:
    """Work every worker would otherwise do in its first requests, done before it accepts
    any: the Chinese word cutter of the catalogue search takes seconds to load, and
    residents' first searches would wait for it."""
    from shequ.catalogue.search import tokenizer

    tokenizer()


def child_exit(server: Any, worker: Any) -> None:
    """A worker that exits leaves its counters, but its live gauges are dropped."""
    # Imported here, after PROMETHEUS_MULTIPROC_DIR is set: prometheus_client picks its
    # storage once at import, and workers forked from a master that imported it too early
    # would count in memory only.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
