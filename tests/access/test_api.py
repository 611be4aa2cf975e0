from typing import Any

from django.test import Client

from shequ.access.models import Run
from shequ.core.scopes import Role
from tests.factories import make_staff


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_start_run_and_poll(
    network: Any, committee: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = _client(committee)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/access/runs", {"label": "api"}, content_type="application/json"
        )
    assert response.status_code == 201
    run_id = response.json()["id"]
    detail = client.get(f"/api/v1/access/runs/{run_id}").json()
    assert detail["status"] == "done"
    assert detail["progress"] == 1.0
    assert 0 <= detail["summary"]["share"]["transit"] <= 1


def test_bad_threshold_is_a_problem_and_no_run(network: Any, committee: Any) -> None:
    response = _client(committee).post(
        "/api/v1/access/runs", {"thresholds": {"school": 0}}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "access_bad_threshold" in response.content.decode()
    assert not Run.objects.exists()


def test_coverage_by_division_is_scoped(
    run: Run, chengdu: None, django_assert_max_num_queries: Any
) -> None:
    officer = make_staff("acc_api_qy", Role.DISTRICT_OFFICER, "510105000000")
    client = _client(officer)
    with django_assert_max_num_queries(6):
        rows = client.get(f"/api/v1/access/runs/{run.pk}/coverage", {"level": "community"}).json()
    assert rows
    assert all(r["division_code"].startswith("510105") for r in rows)
    shares = [r["share"] for r in rows]
    known = [s for s in shares if s is not None]
    # Ranked worst first; a category without data has no share and comes last.
    assert shares == sorted(known) + [None] * (len(shares) - len(known))


def test_siting_endpoint_returns_gains(run: Run, committee: Any) -> None:
    client = _client(committee)
    response = client.post(
        f"/api/v1/access/runs/{run.pk}/sitings",
        {"category": "elderly_care", "k": 3, "district": "510105000000", "what_if": False},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert [s["step"] for s in body["sites"]] == [1, 2, 3]
    assert body["final_covered"] == sum(s["gain"] for s in body["sites"]) + body["initial_covered"]
    again = client.get(f"/api/v1/access/sitings/{body['id']}").json()
    assert again["sites"] == body["sites"]


def test_siting_outside_area_is_404(run: Run, chengdu: None) -> None:
    officer = make_staff("acc_api_qy2", Role.DISTRICT_OFFICER, "510105000000")
    response = _client(officer).post(
        f"/api/v1/access/runs/{run.pk}/sitings",
        {"category": "elderly_care", "k": 3, "district": "510104000000"},
        content_type="application/json",
    )
    assert response.status_code == 404
