"""The console pages and the API: cockpit, rankings, the card, the records behind a number,
the tree editor, value entry and import, permission scoping."""

import io

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from shequ.indicators.models import Indicator, TreeVersion, Value
from shequ.people.models import User
from tests.factories import JINJIANG, NIJIAQIAO, SHUIJINGFANG

pytestmark = pytest.mark.django_db


def test_committee_cockpit_drills_from_district_to_the_records(
    client: Client, committee: User, evaluated: tuple[TreeVersion, int]
) -> None:
    client.force_login(committee)
    home = client.get("/console/indicators/").content.decode()
    assert "武侯区" in home
    assert "锦江区" in home
    assert 'data-testid="unit-met"' in home
    card = client.get(f"/console/indicators/units/{NIJIAQIAO}/").content.decode()
    assert "倪家桥社区" in card
    assert "90%" in card
    value = Value.objects.get(indicator__code="proposals_per_1000", division_id=NIJIAQIAO)
    records = client.get(f"/console/indicators/values/{value.pk}/records/numerator/")
    body = records.content.decode()
    assert body.count('data-testid="record"') == 4
    assert '<span data-testid="records-count">4</span>' in body
    yulin = "/console/indicators/results/?level=community&within=510107005000"
    ranking = client.get(yulin).content.decode()
    assert "倪家桥社区" in ranking
    xlsx = client.get("/console/indicators/results/?level=district&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert sheet.max_row == 1 + 20
    csv = client.get(f"/console/indicators/units/{NIJIAQIAO}/?format=csv").content.decode(
        "utf-8-sig"
    )
    assert "proposals_per_1000" in csv


def test_a_district_sees_only_its_own(
    client: Client, district_officer: User, evaluated: tuple[TreeVersion, int]
) -> None:
    client.force_login(district_officer)
    home = client.get("/console/indicators/").content.decode()
    assert "玉林街道" in home
    assert "锦江区" not in home
    assert client.get(f"/console/indicators/units/{SHUIJINGFANG}/").status_code == 404
    assert client.get(f"/console/indicators/units/{JINJIANG}/").status_code == 404
    value = Value.objects.filter(division_id=SHUIJINGFANG).first()
    assert value is not None
    assert (
        client.get(f"/console/indicators/values/{value.pk}/records/numerator/").status_code == 404
    )
    api = client.get("/api/v1/indicators/rankings?level=district").json()
    assert [r["code"] for r in api["items"]] == ["510107000000"]
    assert client.get("/console/indicators/tree/install/").status_code in (403, 405)


def test_api_tree_and_unit(
    client: Client, committee: User, evaluated: tuple[TreeVersion, int]
) -> None:
    client.force_login(committee)
    tree = client.get("/api/v1/indicators/tree").json()
    assert len(tree["indicators"]) >= 40
    unit = client.get(f"/api/v1/indicators/units/{NIJIAQIAO}").json()
    row = next(v for v in unit["values"] if v["indicator"] == "proposals_per_1000")
    assert row["numerator"] == 4
    assert row["denominator"] == 3
    assert unit["result"]["rank_low"] <= unit["result"]["rank"] <= unit["result"]["rank_high"]


def test_editing_a_draft_refuses_a_bad_target_in_chinese(
    client: Client, committee: User, tree: TreeVersion
) -> None:
    client.force_login(committee)
    response = client.post(f"/console/indicators/tree/{tree.pk}/new/", {"name": "2027版"})
    draft = TreeVersion.objects.get(number=2)
    assert response.status_code == 302
    indicator = draft.indicators.get(code="coverage_all")
    page = client.get(f"/console/indicators/indicators/{indicator.pk}/")
    assert page.status_code == 200
    data = {
        "name": indicator.name,
        "definition": "",
        "unit": "%",
        "direction": "higher",
        "target": "150",
        "weight": "20",
        "missing": "peer_mean",
        "owner": "",
    }
    bad = client.post(f"/console/indicators/indicators/{indicator.pk}/", data)
    assert bad.status_code == 400
    assert "高于可能的最大值" in bad.content.decode()
    indicator.refresh_from_db()
    assert str(indicator.target) == "80.0000"
    published = tree.indicators.get(code="coverage_all")
    assert client.get(f"/console/indicators/indicators/{published.pk}/").status_code == 200
    frozen = client.post(
        f"/console/indicators/indicators/{published.pk}/", {**data, "target": "70"}
    )
    assert frozen.status_code == 400


def test_entry_and_import_with_row_errors(
    client: Client, district_officer: User, tree: TreeVersion
) -> None:
    client.force_login(district_officer)
    page = client.get("/console/indicators/entry/")
    assert page.status_code == 200
    assert "每百名老人养老床位数" in page.content.decode()
    beds = tree.indicators.get(code="elderly_beds")
    year = page.context["year"]
    bad = client.post(
        "/console/indicators/entry/",
        {"indicator": beds.pk, "community": NIJIAQIAO, "year": year, "value": "很多"},
    )
    assert bad.status_code == 400
    assert "不是数字" in bad.content.decode()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["单位代码", "指标代码", "数值"])
    sheet.append([NIJIAQIAO, "elderly_beds", 3])
    sheet.append([SHUIJINGFANG, "elderly_beds", 2])
    sheet.append([NIJIAQIAO, "green_per_capita", "abc"])
    sheet.append([NIJIAQIAO, "coverage_all", 50])
    raw = io.BytesIO()
    book.save(raw)
    raw.seek(0)
    raw.name = "values.xlsx"
    response = client.post("/console/indicators/entry/import/", {"year": year, "file": raw})
    body = response.content.decode()
    assert response.status_code == 400
    assert "锦官驿" in body or "水井坊" in body
    assert ("人均公园绿地面积" in body and "自动计算" in body) or "平台" in body
    assert not Value.objects.filter(indicator__source=Indicator.Source.ENTERED).exists()
