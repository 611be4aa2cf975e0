import json
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from shequ.access.models import Run, Siting
from shequ.core.scopes import Role
from tests.factories import make_resident, make_staff, make_user

QINGYANG = "510105000000"
JINJIANG = "510104000000"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_planner_starts_a_run_and_sees_it_finish(
    network: Any, committee: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = _client(committee)
    page = client.get(reverse("access_console:index"))
    assert page.status_code == 200
    assert b'data-testid="run-form"' in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("access_console:run_start"), {"network": network.pk, "label": "2026"}
        )
    run = Run.objects.get(label="2026")
    assert response.status_code == 302
    assert run.status == Run.Status.DONE
    progress = client.get(reverse("access_console:progress", args=[run.pk]))
    assert "hx-trigger" not in progress.content.decode()
    detail = client.get(reverse("access_console:run", args=[run.pk]))
    assert b'data-testid="coverage-table"' in detail.content


def test_queued_run_progress_polls(network: Any, committee: Any) -> None:
    from shequ.access.services.runs import run_create

    run = run_create(actor=committee, network=network)
    Run.objects.filter(pk=run.pk).update(status="running", progress=0.4, message="sweeping")
    body = _client(committee).get(reverse("access_console:progress", args=[run.pk])).content
    assert b"hx-trigger" in body
    assert b"40%" in body
    assert b"sweeping" in body


def test_district_officer_sees_only_own_communities(run: Run, chengdu: None) -> None:
    officer = make_staff("acc_qy", Role.DISTRICT_OFFICER, QINGYANG)
    body = _client(officer).get(reverse("access_console:run", args=[run.pk])).content.decode()
    assert "青羊区" in body
    assert "锦江区" not in body.split('data-testid="coverage-table"')[1]


def test_coverage_table_query_count(
    run: Run, committee: Any, django_assert_max_num_queries: Any
) -> None:
    client = _client(committee)
    client.get(reverse("access_console:run", args=[run.pk]))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("access_console:run", args=[run.pk]))
    assert page.status_code == 200
    table = page.content.split(b'data-testid="coverage-table"')[1]
    assert table.count(b"<tr>") == 101  # header + the 100 worst communities
    second = client.get(reverse("access_console:run", args=[run.pk]), {"page": 2})
    assert second.status_code == 200
    assert b"<tr>" in second.content
    for level in ("street", "district"):
        with django_assert_max_num_queries(12):
            client.get(reverse("access_console:run", args=[run.pk]), {"level": level})


def test_excel_and_geojson_exports_rank_worst_first(run: Run, committee: Any) -> None:
    client = _client(committee)
    xlsx = client.get(reverse("access_console:export_xlsx", args=[run.pk]), {"level": "street"})
    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert sheet is not None
    values = [float(str(row[4])) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert values
    assert values == sorted(values)
    geo = json.loads(client.get(reverse("access_console:export_geojson", args=[run.pk])).content)
    assert geo["features"]
    assert "clinic" in geo["features"][0]["properties"]["fails"]


def test_map_page_and_node_minutes(run: Run, committee: Any) -> None:
    client = _client(committee)
    page = client.get(reverse("access_console:map", args=[run.pk]), {"category": "clinic"})
    assert b"vendor/leaflet/leaflet.js" in page.content
    data = client.get(f"/api/v1/access/runs/{run.pk}/nodes", {"category": "clinic"}).json()
    assert len(data["lon"]) == len(data["minutes"]) > 1000
    assert any(m is None for m in data["minutes"])
    assert any(m is not None for m in data["minutes"])
    assert (
        client.get(reverse("access_console:map", args=[run.pk]), {"category": "x"}).status_code
        == 404
    )


def test_siting_form_shows_the_gain(run: Run, committee: Any) -> None:
    client = _client(committee)
    response = client.post(
        reverse("access_console:siting_create", args=[run.pk]),
        {"category": "elderly_care", "k": 5, "district": QINGYANG},
        follow=True,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="siting-steps"' in body
    assert body.count("<tr>") >= 6
    siting = Siting.objects.get()
    assert len(siting.sites) == 5
    assert siting.final_covered > siting.initial_covered


def test_district_officer_cannot_site_in_another_district(run: Run, chengdu: None) -> None:
    officer = make_staff("acc_qy2", Role.DISTRICT_OFFICER, QINGYANG)
    response = _client(officer).post(
        reverse("access_console:siting_create", args=[run.pk]),
        {"category": "elderly_care", "k": 5, "district": JINJIANG},
    )
    # The district is not even a choice for them: the form refuses, nothing is computed.
    assert response.status_code == 302
    assert not Siting.objects.exists()


@pytest.mark.parametrize("who", ["resident", "anonymous"])
def test_non_staff_cannot_open_the_console(run: Run, chengdu: None, who: str) -> None:
    client = Client()
    if who == "resident":
        resident = make_resident("510107005004")
        user = resident.user or make_user("acc_res")
        client.force_login(user)
    response = client.get(reverse("access_console:run", args=[run.pk]))
    assert response.status_code in (302, 403)
    api = client.get(f"/api/v1/access/runs/{run.pk}")
    assert api.status_code in (401, 403, 404)


def test_worker_cannot_start_runs(network: Any, chengdu: None) -> None:
    worker = make_staff("acc_worker", Role.COMMUNITY_WORKER, "510107005004")
    client = _client(worker)
    page = client.get(reverse("access_console:index"))
    assert b'data-testid="run-form"' not in page.content
    client.post(reverse("access_console:run_start"), {"network": network.pk})
    assert not Run.objects.exists()
