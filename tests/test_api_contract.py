"""The API contract: the OpenAPI document is pinned, so any change shows up as a diff.

After an intended change, rewrite the snapshot and commit it with the change:

    UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_api_contract.py
"""

import difflib
import importlib
import importlib.util
import inspect
import json
import os
import pkgutil
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pydantic import BaseModel

import shequ

SNAPSHOT = Path(__file__).with_name("openapi_snapshot.json")


def _dump(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def test_openapi_document_matches_the_snapshot(client: Client, db: None) -> None:
    # given the published OpenAPI document
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    current = _dump(response.json())
    # when asked to, record it as the new contract
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(current, encoding="utf-8")
    # then it is exactly the recorded contract
    assert SNAPSHOT.exists(), "No snapshot: run with UPDATE_SNAPSHOTS=1 to record one."
    recorded = SNAPSHOT.read_text(encoding="utf-8")
    if current != recorded:
        diff = "".join(
            difflib.unified_diff(
                recorded.splitlines(keepends=True),
                current.splitlines(keepends=True),
                fromfile="tests/openapi_snapshot.json",
                tofile="GET /api/v1/openapi.json",
            )
        )
        pytest.fail(
            "The API contract changed. If intended, rerun with UPDATE_SNAPSHOTS=1 and commit "
            f"the snapshot.\n{diff}"
        )


def test_openapi_document_lists_the_division_and_resident_paths(client: Client, db: None) -> None:
    document = client.get("/api/v1/openapi.json").json()
    paths = document["paths"]
    for path in (
        "/api/v1/divisions",
        "/api/v1/divisions/search",
        "/api/v1/divisions/tree",
        "/api/v1/divisions/{code}",
        "/api/v1/divisions/{code}/children",
        "/api/v1/divisions/{code}/ancestors",
        "/api/v1/residents",
        "/api/v1/residents/{resident_id}",
    ):
        assert path in paths
    assert "patch" in paths["/api/v1/divisions/{code}"]
    # personal numbers are only ever published masked
    resident = document["components"]["schemas"]["ResidentOut"]["properties"]
    assert {"id_number_masked", "phone_masked"} <= set(resident)
    assert not {"id_number", "phone"} & set(resident)


def test_docs_page_loads_no_asset_from_another_host(client: Client, db: None) -> None:
    # when opening the interactive API docs
    response = client.get("/api/v1/docs")
    # then the page answers and every script, stylesheet and icon is served by us
    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/v1/openapi.json" in html
    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert assets, "the docs page should load its assets"
    assert all(url.startswith("/static/") for url in assets), assets
    assert "http://" not in html
    assert "https://" not in html
    assert "//cdn" not in html
    # and those assets are really there
    for url in assets:
        assert client.get(url).status_code == 200, url


def _schema(document: dict[str, Any], ref: str) -> dict[str, Any]:
    schema: dict[str, Any] = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return schema


def test_project_list_documents_the_projects_and_rounds_their_own(client: Client, db: None) -> None:
    document = client.get("/api/v1/openapi.json").json()
    ok = document["paths"]["/api/v1/projects"]["get"]["responses"]["200"]
    page = _schema(document, ok["content"]["application/json"]["schema"]["$ref"])
    project = _schema(document, page["properties"]["items"]["items"]["$ref"])
    assert {"code", "type_code", "status", "progress", "planned_total"} <= set(project["required"])
    ballot = _schema(document, "RoundOut")["properties"]["projects"]["items"]["$ref"]
    assert {"id", "title", "cost", "review"} == set(_schema(document, ballot)["properties"])


def test_every_api_schema_class_has_a_name_of_its_own() -> None:
    # two classes of one name would share one entry of the OpenAPI components
    modules_by_name: dict[str, set[str]] = defaultdict(set)
    for app in pkgutil.iter_modules(shequ.__path__):
        if importlib.util.find_spec(f"shequ.{app.name}.api") is None:
            continue
        module = importlib.import_module(f"shequ.{app.name}.api")
        for value in vars(module).values():
            is_model = inspect.isclass(value) and issubclass(value, BaseModel)
            if is_model and value.__module__.startswith("shequ."):
                modules_by_name[value.__name__].add(value.__module__)
    assert modules_by_name
    assert {name: m for name, m in modules_by_name.items() if len(m) > 1} == {}


def test_every_documented_operation_reaches_its_view(client: Client, db: None) -> None:
    # a path parameter declared before a fixed path of the same shape answers 405 for it
    document = client.get("/api/v1/openapi.json").json()
    unrouted = []
    for path, operations in document["paths"].items():
        url = re.sub(r"\{[^}]+\}", "1", path)
        for method in operations:
            response = client.generic(method.upper(), url)
            if response.status_code == 405:
                unrouted.append(f"{method.upper()} {path}")
    assert unrouted == []
