"""Requests the API cannot take answer with a 4xx problem in the caller's language, never a
500 or Django's English default page: broken multipart forms, oversized bodies, NUL
characters, numbers past what a database holds, pages past the size cap, failed CSRF checks."""

import json
from typing import Any

import jsonschema_rs
import pytest
from django.conf import LazySettings
from django.test import Client

from shequ.core.scopes import Role
from tests.factories import CITY, NIJIAQIAO, make_resident, make_staff, make_user

BIGGER_THAN_BIGINT = 2**64
CHINESE_READ_ERROR = "无法读取"


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].endswith(body["code"])
    return body


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= character <= "\u9fff" for character in text)


CSRF_TOKEN = "problemsCsrfToken000000000000000"


@pytest.fixture
def committee_client(chengdu: None) -> Client:
    """The committee as a real caller: session cookie, CSRF cookie and X-CSRFToken header."""
    client = Client(enforce_csrf_checks=True, headers={"X-CSRFToken": CSRF_TOKEN})
    client.force_login(make_staff("api_committee", Role.CITY_COMMITTEE, CITY))
    client.cookies["csrftoken"] = CSRF_TOKEN
    return client


# --- multipart without a boundary -----------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/funds/decisions",  # a JSON body
        "/api/v1/projects/510107005004-2026-001/photos",  # form fields and a file
        "/api/v1/funds/commitments/1/payments",
        "/api/v1/casework/services/1/applications",
    ],
)
def test_multipart_without_a_boundary_is_a_400_problem_in_chinese(
    committee_client: Client, path: str
) -> None:
    response = committee_client.generic(
        "POST", path, b"--x\r\nfield\r\n", content_type="multipart/form-data"
    )
    body = _problem(response, 400)
    assert body["code"] == "bad_form"
    assert _has_chinese(body["title"])


def test_multipart_problem_is_in_english_when_asked(committee_client: Client) -> None:
    response = committee_client.generic(
        "POST",
        "/api/v1/funds/decisions",
        b"--x\r\nfield\r\n",
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )
    assert _problem(response, 400)["title"].startswith("The form data could not be read")


def test_unreadable_json_is_a_400_problem_in_chinese(committee_client: Client) -> None:
    response = committee_client.post(
        "/api/v1/funds/decisions", "{not json", content_type="application/json"
    )
    body = _problem(response, 400)
    assert (body["code"], _has_chinese(body["title"])) == ("bad_request", True)


# --- numbers past a 64-bit integer and the page size cap -------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"limit": BIGGER_THAN_BIGINT},
        {"offset": BIGGER_THAN_BIGINT},
        {"offset": 2**63 - 1},
        {"limit": 101},
        {"limit": 0},
        {"offset": -1},
    ],
)
def test_anonymous_page_past_the_limits_is_a_422_problem(
    client: Client, chengdu: None, params: dict[str, int]
) -> None:
    body = _problem(client.get("/api/v1/divisions", params), 422)
    assert body["code"] == "invalid_input"
    assert [error["loc"][-1] for error in body["errors"]] == list(params)


def test_staff_page_of_residents_is_capped_at_a_hundred(client: Client, chengdu: None) -> None:
    for number in range(3):
        make_resident(NIJIAQIAO, name=f"居民{number}")
    client.force_login(make_staff("api_worker", Role.COMMUNITY_WORKER, NIJIAQIAO))
    assert _problem(client.get("/api/v1/residents", {"limit": 20616}), 422)["errors"]
    body = client.get("/api/v1/residents", {"limit": 100}).json()
    assert body["count"] >= 3
    assert len(body["items"]) <= 100


def test_every_list_documents_the_page_size_cap(client: Client, db: None) -> None:
    document = client.get("/api/v1/openapi.json").json()
    limits = {
        f"{method} {path}": parameter["schema"]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "limit" and parameter["in"] == "query"
    }
    paged = {
        f"{method} {path}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "Paged"
        in json.dumps(operation["responses"].get("200", {}).get("content", {}), sort_keys=True)
    }
    assert len(paged) > 15
    assert paged <= set(limits)
    assert all(limits[key]["maximum"] == 100 for key in paged)
    offsets = [
        parameter["schema"]["maximum"]
        for operations in document["paths"].values()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "offset"
    ]
    assert offsets
    assert max(offsets) < 2**63 - 100


def test_an_id_past_a_64_bit_integer_is_a_4xx_problem(committee_client: Client) -> None:
    response = committee_client.get(f"/api/v1/residents/{BIGGER_THAN_BIGINT}")
    assert 400 <= response.status_code < 500
    assert response["Content-Type"] == "application/problem+json"


# --- NUL characters ---------------------------------------------------------------------------


def test_nul_in_an_anonymous_query_is_a_422_problem(client: Client, chengdu: None) -> None:
    body = _problem(client.get("/api/v1/divisions/search?q=a%00b"), 422)
    assert body["code"] == "invalid_input"
    assert body["errors"][0]["loc"] == ["query", "q"]
    assert _has_chinese(body["errors"][0]["msg"])


def test_nul_in_a_path_is_a_422_problem(client: Client, chengdu: None) -> None:
    body = _problem(client.get("/api/v1/divisions/5101%0007"), 422)
    assert body["errors"][0]["loc"] == ["path"]


def test_nul_in_a_json_body_is_a_422_problem(committee_client: Client) -> None:
    response = committee_client.patch(
        "/api/v1/divisions/510107005004",
        json.dumps({"service_centre_address": "倪家桥路\u00001号"}),
        content_type="application/json",
    )
    body = _problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "service_centre_address"]


def test_nul_in_a_page_query_is_a_400_page_in_chinese(client: Client, chengdu: None) -> None:
    response = client.get("/catalogue/?q=a%00b")
    assert response.status_code == 400
    assert _has_chinese(response.content.decode())


# --- oversized bodies and CSRF ------------------------------------------------------------------


def test_oversized_api_body_is_a_413_problem_in_chinese(
    committee_client: Client, settings: LazySettings
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    payload = json.dumps({"subject": "x" * 4096})
    body = _problem(
        committee_client.post("/api/v1/funds/decisions", payload, content_type="application/json"),
        413,
    )
    assert body["code"] == "too_large"
    assert _has_chinese(body["title"])


def test_oversized_form_page_answers_in_chinese(
    client: Client, chengdu: None, settings: LazySettings
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client.force_login(make_user("big_form"))
    response = client.post("/accounts/login/", {"username": "x" * 4096, "password": "y"})
    assert response.status_code == 413
    html = response.content.decode()
    assert "Bad Request" not in html
    assert _has_chinese(html)


def test_csrf_failure_page_answers_in_chinese(chengdu: None) -> None:
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/accounts/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "CSRF verification failed" not in html
    assert "Forbidden" not in html
    assert "重新" in html


def test_api_csrf_failure_is_a_403_problem_in_chinese(chengdu: None) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_user("no_token"))
    response = browser.post(
        "/api/v1/participation/proposals/1/support", content_type="application/json"
    )
    body = _problem(response, 403)
    assert body["code"] == "csrf_failed"
    assert _has_chinese(body["title"])


# --- the problems are in the OpenAPI document -----------------------------------------------


def test_every_operation_documents_its_problems_and_real_ones_match(
    client: Client, committee_client: Client
) -> None:
    raw = client.get("/api/v1/openapi.json").content
    duplicated: list[str] = []

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _value in pairs]
        duplicated.extend(key for key in set(keys) if keys.count(key) > 1)
        return dict(pairs)

    document = json.loads(raw, object_pairs_hook=no_duplicates)
    assert duplicated == []  # Swagger UI refuses a document with a key written twice
    problem_schema = document["components"]["schemas"]["Problem"]
    operations = [
        (path, operation)
        for path, methods in document["paths"].items()
        for operation in methods.values()
    ]
    assert len(operations) > 50
    for path, operation in operations:
        responses = operation["responses"]
        assert {"400", "422"} <= set(responses), path
        if operation.get("security"):
            assert {"401", "403"} <= set(responses), path
        if "{" in path:
            assert "404" in responses, path
    objection = document["paths"]["/api/v1/funds/decisions/{approval_id}/objections"]["post"]
    documented = objection["responses"]["404"]["content"]["application/problem+json"]
    assert documented["schema"] == {"$ref": "#/components/schemas/Problem"}

    answered = [
        _problem(client.post("/api/v1/funds/decisions/1/objections", {}), 401),
        _problem(committee_client.get("/api/v1/surveys/999999"), 404),
        _problem(
            committee_client.post(
                "/api/v1/funds/decisions", "{not json", content_type="application/json"
            ),
            400,
        ),
    ]
    for body in answered:
        jsonschema_rs.validate(problem_schema, body)
