"""Public dashboards and open data: frozen snapshots, small cells, DCAT-AP, no personal data."""

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.db import DatabaseError
from django.test import Client
from django.utils import timezone

from shequ.participation.models import Proposal
from shequ.portal import datasets
from shequ.portal.datasets import DATASETS, Column, suppress
from shequ.portal.models import DatasetSnapshot
from shequ.portal.services import snapshot_all, snapshot_take
from tests.factories import NIJIAQIAO, make_resident, make_user

pytestmark = pytest.mark.django_db

STREET = NIJIAQIAO[:9] + "000"
DISTRICT = NIJIAQIAO[:6] + "000000"


@pytest.fixture
def frozen(chengdu: None) -> None:
    author = make_user("author_o")
    make_resident(NIJIAQIAO, user=author)
    Proposal.objects.create(
        community_id=NIJIAQIAO,
        author=author,
        title="议题",
        description="x",
        category=Proposal.Category.OTHER,
        supports=2,
    )
    snapshot_all()


def _row(code: str, people: int) -> dict[str, Any]:
    return {"code": code, "level": "community", "parent": code[:9] + "000", "n": people}


def test_small_cells_are_suppressed_and_never_recoverable_by_differencing() -> None:
    columns = (Column("n", "people", "integer", counts_people=True),)
    rows = [_row("510107005001", 2), _row("510107005002", 40), _row("510107005003", 60)]
    blanked = suppress(rows, columns)
    values = [r["n"] for r in rows]
    # the small one, and the next smallest so the street total minus the rest reveals nothing
    assert values == [None, None, 60]
    assert blanked == 2
    zeros = [_row("510107005001", 0), _row("510107005002", 30)]
    suppress(zeros, columns)
    assert [r["n"] for r in zeros] == [0, 30]  # a zero identifies nobody


def test_the_dashboard_drills_from_city_to_community(client: Client, frozen: None) -> None:
    city = client.get("/dashboards/").content.decode()
    assert 'data-testid="five-actions-sentence"' in city
    assert f'href="/dashboards/{DISTRICT}/"' in city
    district = client.get(f"/dashboards/{DISTRICT}/").content.decode()
    assert f'href="/dashboards/{STREET}/"' in district
    community = client.get(f"/dashboards/{NIJIAQIAO}/").content.decode()
    assert "倪家桥" in community
    assert 'href="/open-data/participation/"' in community
    assert "数据冻结于" in community or "Data frozen at" in community


def test_community_figures_of_few_people_are_starred(client: Client, frozen: None) -> None:
    snapshot = DatasetSnapshot.objects.get(dataset="participation", status="complete")
    rows = [dict(zip(snapshot.columns, r, strict=False)) for r in snapshot.rows]
    ours = next(r for r in rows if r["code"] == NIJIAQIAO)
    assert ours["supports"] is None  # 2 supporters: below the minimum of 5
    assert ours["proposals"] == 1  # proposals are not people


def test_bad_dashboard_requests_get_clear_answers(client: Client, frozen: None) -> None:
    assert client.get("/dashboards/510199999999/").status_code == 404
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.get("/dashboards/", {"on": future})
    assert response.status_code == 400
    assert 'data-testid="dashboard-error"' in response.content.decode()
    assert client.get("/dashboards/", {"on": "2026-13-45"}).status_code == 400


def test_a_past_date_shows_what_was_frozen_then(client: Client, frozen: None) -> None:
    long_ago = (timezone.localdate() - timedelta(days=400)).isoformat()
    page = client.get("/dashboards/", {"on": long_ago}).content.decode()
    assert "尚未冻结" in page or "Not frozen yet" in page


def test_the_catalogue_and_downloads(client: Client, frozen: None) -> None:
    page = client.get("/open-data/").content.decode()
    for code in DATASETS:
        assert f'href="/open-data/{code}/latest.csv"' in page
    response = client.get("/open-data/participation/latest.csv")
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    table = list(csv.DictReader(io.StringIO(text)))
    assert any(r["code"] == NIJIAQIAO and r["supports"] == "" for r in table)
    body = json.loads(client.get("/open-data/participation/latest.json").content)
    assert body["query"]
    assert body["frozen_at"]
    assert body["small_cell_minimum"] == 5
    xlsx = client.get("/open-data/community-funds/latest.xlsx")
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"
    assert client.get("/open-data/participation/latest.pdf").status_code == 404
    assert client.get("/open-data/nope/latest.csv").status_code == 404


def test_dcat_ap_fields_are_all_there(client: Client, frozen: None) -> None:
    body = json.loads(client.get("/open-data/catalog.jsonld").content)
    assert body["@type"] == "dcat:Catalog"
    assert {"dcat", "dct", "foaf"} <= set(body["@context"])
    required = {
        "dct:title",
        "dct:description",
        "dct:publisher",
        "dct:license",
        "dct:accrualPeriodicity",
        "dct:temporal",
        "dct:spatial",
        "dcat:distribution",
        "csvw:tableSchema",
    }
    for dataset in body["dcat:dataset"]:
        assert dataset["@type"] == "dcat:Dataset"
        assert required <= set(dataset), required - set(dataset)
        assert dataset["dct:accrualPeriodicity"]["@id"].endswith("/frequency/DAILY")
        formats = {d["dcat:mediaType"] for d in dataset["dcat:distribution"]}
        assert formats == {"text/csv", "application/json", datasets_xlsx()}
        assert all(c["csvw:titles"] for c in dataset["csvw:tableSchema"]["csvw:column"])


def datasets_xlsx() -> str:
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


PERSONAL = ("name", "id_number", "phone", "address", "real_name", "mobile", "birth")


def test_no_dataset_holds_personal_data(frozen: None) -> None:
    resident_names = {"张三"}
    for code, dataset in DATASETS.items():
        for column in dataset.columns:
            lowered = column.name.lower()
            assert column.name == "name" or not any(p in lowered for p in PERSONAL), column
        snapshot = DatasetSnapshot.objects.get(dataset=code, status="complete")
        index = snapshot.columns.index("name")
        level = snapshot.columns.index("level")
        for row in snapshot.rows:
            # the only "name" is a division's name, never a person's
            assert row[level] in {"city", "district", "street", "community"}
            assert row[index] not in resident_names
            for value in row:
                text = str(value)
                assert not (text.isdigit() and len(text) == 11 and text.startswith("1")), value
                assert not (len(text) == 18 and text[:17].isdigit()), value


def test_a_snapshot_failing_half_way_keeps_the_previous_one(client: Client, frozen: None) -> None:
    before = client.get("/open-data/participation/latest.json").json()["snapshot"]
    broken = DATASETS["participation"]
    with mock.patch.dict(
        datasets.DATASETS,
        {"participation": type(broken)(**{**broken.__dict__, "rows": _fail})},
    ):
        failed = snapshot_take(dataset="participation")
    assert failed.status == "failed"
    assert failed.error
    assert client.get("/open-data/participation/latest.json").json()["snapshot"] == before
    page = client.get("/open-data/participation/").content.decode()
    assert "上一版本仍然有效" in page or "previous one stays published" in page


def _fail() -> list[dict[str, Any]]:
    raise DatabaseError("connection lost half way")


def test_a_late_snapshot_is_flagged(client: Client, frozen: None) -> None:
    DatasetSnapshot.objects.update(taken_at=timezone.now() - timedelta(days=3))
    assert 'data-testid="late"' in client.get("/open-data/").content.decode()


def test_the_funds_dataset_sums_up_to_the_city(frozen: None) -> None:
    snapshot = DatasetSnapshot.objects.get(dataset="community-funds", status="complete")
    assert snapshot.columns[:4] == ["code", "name", "level", "parent"]
    assert Decimal(0) <= Decimal(snapshot.rows[0][4] if snapshot.rows else 0)


def test_the_committee_freezes_now_and_a_worker_may_not(client: Client, frozen: None) -> None:
    from shequ.core.scopes import Role
    from tests.factories import make_staff

    worker = make_staff("worker_o", Role.COMMUNITY_WORKER, NIJIAQIAO)
    client.force_login(worker)
    assert client.post("/console/portal/freeze/").status_code == 403
    committee = make_staff("committee_o", Role.CITY_COMMITTEE, "510100000000")
    client.force_login(committee)
    assert client.get("/console/portal/").status_code == 200
    before = DatasetSnapshot.objects.count()
    assert client.post("/console/portal/freeze/").status_code == 302
    assert DatasetSnapshot.objects.count() == before + len(DATASETS)
