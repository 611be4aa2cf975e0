"""Prometheus metrics: requests and their latency, and the task queue as the records show it.

Under gunicorn each worker process counts its own requests; with ``PROMETHEUS_MULTIPROC_DIR``
set (``shequ.config.gunicorn`` sets it) they write to files there and ``/metrics`` adds them
up. The task figures are read from the database at each scrape, so they cover every worker
on every machine and need no process of their own.
"""

import functools
import ipaddress
import os
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from shequ.core.selectors import task_queue_state, workers_alive_count
from shequ.core.services import client_ip

# prometheus_client's metrics are process-wide by design (one per name per registry): they
# are created once, here, and only ever incremented.
HTTP_REQUESTS = Counter(
    "shequ_http_requests",
    "HTTP requests answered, by method, route name and status.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "shequ_http_request_duration_seconds",
    "Time from the request reaching Django to the response leaving it.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

# Any other method is counted as OTHER: a label value per invented method would let a client
# create series without end.
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_of(request: HttpRequest) -> str:
    """The route name a request matched: bounded, unlike paths with ids in them."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match.route or "unnamed"
    if request.path.startswith(settings.STATIC_URL):
        return "static"
    return "unmatched"


class MetricsMiddleware:
    """Counts and times every response, static files and refusals included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in _KNOWN_METHODS else "OTHER"
        route = route_of(request)
        HTTP_LATENCY.labels(method, route).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(method, route, str(response.status_code)).inc()
        return response


class TaskQueueCollector(Collector):
    """The task queue, read from the task records and worker heartbeats at scrape time."""

    def collect(self) -> Iterator[Metric]:
        state = task_queue_state()
        queued = GaugeMetricFamily(
            "shequ_tasks_queued", "Tasks waiting for a worker, by queue.", labels=["queue"]
        )
        for queue, count in sorted(state.queued.items()):
            queued.add_metric([queue], count)
        yield queued
        yield GaugeMetricFamily("shequ_tasks_running", "Tasks running now.", value=state.running)
        failed = CounterMetricFamily(
            "shequ_tasks_failed",
            "Tasks that failed, by cause: error (the task raised) or stale (its worker died).",
            labels=["cause"],
        )
        for cause, count in sorted(state.failed.items()):
            failed.add_metric([cause], count)
        yield failed
        yield GaugeMetricFamily(
            "shequ_tasks_stale",
            "Running tasks whose worker stopped beating, not yet retried or failed.",
            value=state.stale_running,
        )
        yield GaugeMetricFamily(
            "shequ_task_workers_alive",
            "Task worker processes that beat within WORKER_READY_SECONDS.",
            value=workers_alive_count(within_seconds=settings.WORKER_READY_SECONDS),
        )


@functools.lru_cache(maxsize=8)
def _networks(
    entries: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    # Cached by value, so a changed setting (tests, a reload) is parsed afresh.
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def metrics_allowed(request: HttpRequest) -> bool:
    """Whether the client (behind trusted proxies, as everywhere) may read the metrics."""
    address = client_ip(request)
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.METRICS_ALLOWED_IPS)))


def metrics_exposition() -> tuple[bytes, str]:
    """The metrics of every web process and of the task queue, and their content type."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_ProcessRegistry())
    registry.register(TaskQueueCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _ProcessRegistry(Collector):
    """This process's own metrics (one process: the dev server, the tests)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()
