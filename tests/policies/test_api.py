import pytest
from django.test import Client

from shequ.people.models import User
from tests.factories import make_user
from tests.policies.conftest import make_policy

pytestmark = pytest.mark.django_db


def test_public_search_and_detail(client: Client, city_officer: User) -> None:
    old = make_policy(city_officer, title="社区保障资金旧办法", doc_number="Z1")
    new = make_policy(city_officer, doc_number="Z2")
    client.force_login(city_officer)
    response = client.post(
        f"/api/v1/policies/{new.pk}/relations",
        {"target": old.pk, "kind": "repeals"},
        content_type="application/json",
    )
    assert response.status_code == 201
    client.logout()
    rows = client.get("/api/v1/policies", {"q": "社区保障资金"}).json()
    assert {r["title"]: r["validity"] for r in rows} == {
        "社区保障资金旧办法": "repealed",
        "社区保障资金管理办法": "in_force",
    }
    detail = client.get(f"/api/v1/policies/{old.pk}").json()
    assert detail["amended_by"][0]["relation"] == "repeals"


def test_create_needs_an_author_and_gives_clear_errors(client: Client, city_officer: User) -> None:
    payload = {
        "title": "t",
        "issuer": "i",
        "kind": "notice",
        "issued_on": "2020-01-01",
        "effective_on": "2020-02-01",
        "expires_on": "2020-01-15",
    }
    assert (
        client.post("/api/v1/policies", payload, content_type="application/json").status_code == 401
    )
    client.force_login(make_user("resident-x"))
    assert (
        client.post("/api/v1/policies", payload, content_type="application/json").status_code == 403
    )
    client.force_login(city_officer)
    response = client.post("/api/v1/policies", payload, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "expiry_before_effective"
    payload["expires_on"] = "2021-01-01"
    payload["publish"] = True
    response = client.post("/api/v1/policies", payload, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["validity"] in ("in_force", "expired")
