"""/metrics: request counts and latencies, the task queue; readable from allowed addresses."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from shequ.core.models import TaskRecord

pytestmark = pytest.mark.usefixtures("chengdu")


def _samples(client: Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def _value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_by_method_route_and_status_and_timed(client: Client) -> None:
    before = _samples(client)
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no-such-page/")
    after = _samples(client)

    def delta(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert delta("shequ_http_requests_total", method="GET", route="web:healthz", status="200") == 2
    assert delta("shequ_http_requests_total", method="GET", route="unmatched", status="404") == 1
    assert (
        delta("shequ_http_request_duration_seconds_count", method="GET", route="web:healthz") == 2
    )


def test_the_task_queue_failures_and_stale_tasks_are_reported(client: Client) -> None:
    now = timezone.now()
    long_ago = now - timedelta(minutes=30)
    TaskRecord.objects.create(id="queued-1", task_path="x.y", queue_name="default")
    TaskRecord.objects.create(id="queued-2", task_path="x.y", queue_name="default")
    TaskRecord.objects.create(
        id="running-ok", task_path="x.y", status="RUNNING", started_at=now, heartbeat_at=now
    )
    TaskRecord.objects.create(
        id="running-lost",
        task_path="x.y",
        status="RUNNING",
        started_at=long_ago,
        heartbeat_at=long_ago,
    )
    TaskRecord.objects.create(id="failed-1", task_path="x.y", status="FAILED", failure="error")
    TaskRecord.objects.create(id="failed-2", task_path="x.y", status="FAILED", failure="stale")
    TaskRecord.objects.create(id="done", task_path="x.y", status="SUCCESSFUL")

    samples = _samples(client)

    assert _value(samples, "shequ_tasks_queued", queue="default") == 2
    assert _value(samples, "shequ_tasks_running") == 2
    assert _value(samples, "shequ_tasks_stale") == 1
    assert _value(samples, "shequ_tasks_failed_total", cause="error") == 1
    assert _value(samples, "shequ_tasks_failed_total", cause="stale") == 1


def test_workers_alive_are_reported(client: Client, worker_alive: None) -> None:
    assert _value(_samples(client), "shequ_task_workers_alive") == 1


def test_metrics_do_not_exist_for_other_addresses(client: Client) -> None:
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 404
    assert b"shequ_" not in response.content


def test_a_forged_forwarded_for_does_not_open_the_metrics(client: Client) -> None:
    # the peer is not a trusted proxy, so its claim to be loopback is ignored
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert response.status_code == 404


def test_an_allowed_network_may_read_the_metrics(client: Client, settings: Any) -> None:
    settings.METRICS_ALLOWED_IPS = ["10.20.0.0/16"]
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get("/metrics").status_code == 404
