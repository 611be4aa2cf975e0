"""Log lines: one JSON object each, traceable to a request and a user, never personal data."""

import io
import json
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from django.test import Client

from shequ.core.logs import JsonFormatter, RequestContextFilter
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("chengdu")

PHONE = "13912345678"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """What the served app writes: JSON lines with the request context, captured."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_the_callers_request_id_is_echoed_and_logged_with_the_user_id_only(
    client: Client, json_log: io.StringIO
) -> None:
    # given a signed-in user with a phone number
    user = make_user("li-hua", phone=PHONE)
    client.force_login(user)
    # when a page is asked for with a request id from the proxy
    response = client.get("/", HTTP_X_REQUEST_ID="edge-7f3a9c21")
    # then the response names the same request
    assert response.status_code == 200
    assert response["X-Request-ID"] == "edge-7f3a9c21"
    # and the access line is one JSON object with the time, level, request and user
    access = [line for line in _lines(json_log) if line["logger"] == "shequ.request"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == "edge-7f3a9c21"
    assert line["user_id"] == user.pk
    assert line["level"] == "INFO"
    assert line["route"] == "web:home"
    assert line["status"] == 200
    assert datetime.fromisoformat(line["time"]).tzinfo is not None
    # and nothing in the log names the user beyond their number
    assert PHONE not in json_log.getvalue()
    assert "li-hua" not in json_log.getvalue()


def test_a_malformed_request_id_is_replaced_by_a_new_one(
    client: Client, json_log: io.StringIO
) -> None:
    response = client.get("/healthz", HTTP_X_REQUEST_ID='x"}\n{"level": "forged')
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    assert all(c in "0123456789abcdef" for c in request_id)
    assert [line["request_id"] for line in _lines(json_log)] == [request_id]


def test_every_request_gets_its_own_id(client: Client) -> None:
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert first != second


def test_a_not_found_is_logged_with_its_request_id_and_without_the_query_string(
    client: Client, json_log: io.StringIO
) -> None:
    response = client.get(f"/no-such-page/?phone={PHONE}", HTTP_X_REQUEST_ID="edge-00000404")
    assert response.status_code == 404
    lines = _lines(json_log)
    # Django's own "Not Found" warning and the access line, both naming the request
    assert {line["logger"] for line in lines} == {"django.request", "shequ.request"}
    assert {line["request_id"] for line in lines} == {"edge-00000404"}
    assert PHONE not in json_log.getvalue()


def test_a_matched_address_is_logged_as_its_pattern_not_its_values(
    client: Client, json_log: io.StringIO
) -> None:
    # a password-reset link carries a secret token in its path
    client.get("/accounts/password-reset/email/MTIz/secret-token-value/")
    assert "/accounts/password-reset/email/<str:uidb64>/<str:token>/" in json_log.getvalue()
    assert "secret-token-value" not in json_log.getvalue()
