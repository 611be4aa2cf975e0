"""The API contract: the OpenAPI document is pinned, so any change shows up as a diff.

After an intended change, rewrite the snapshot and commit it with the change:

    UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_api_contract.py
"""

import difflib
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

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
