"""The public dashboards' map: the divisions it draws and the figures it colours them by come
from the same frozen snapshot as the tables, suppressed cells stay suppressed on it, each
division links to its dashboard, and the page still works without script."""

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from shequ.places.models import Division
from shequ.portal.models import DatasetSnapshot
from shequ.portal.services import snapshot_take
from shequ.volunteers.models import HoursEntry, Volunteer
from tests.factories import (
    JINJIANG,
    NIJIAQIAO,
    SHUIJINGFANG,
    WUHOU,
    YULIN,
    YULIN_NORTH,
    make_resident,
    make_user,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
FROZEN_ON = datetime(2026, 12, 3, 1, 10, tzinfo=SHANGHAI)
YULIN_EAST = "510107005002"  # 玉林东路社区, same street as 倪家桥
# Volunteers and the hours each gives, per community: two people in 倪家桥 are too few to
# publish; 玉林北路 is then the smallest shown one of the street and is hidden with it.
SERVED = {
    NIJIAQIAO: (2, Decimal("3.5")),
    YULIN_NORTH: (6, Decimal("1")),
    YULIN_EAST: (7, Decimal("2")),
    SHUIJINGFANG: (5, Decimal("4")),
}
LOCATED = {
    NIJIAQIAO: (Decimal("104.061000"), Decimal("30.627000")),
    YULIN_NORTH: (Decimal("104.058000"), Decimal("30.633000")),
    YULIN_EAST: (Decimal("104.064000"), Decimal("30.631000")),
}


@pytest.fixture
def hours(chengdu: None) -> None:
    number = 0
    for community, (people, each) in SERVED.items():
        for _ in range(people):
            number += 1
            user = make_user(f"map_vol{number}")
            resident = make_resident(community, user=user, name=f"志愿者{number}")
            volunteer = Volunteer.objects.create(
                user=user, resident=resident, number=f"M{number:05d}", community_id=community
            )
            HoursEntry.objects.create(
                volunteer=volunteer,
                kind=HoursEntry.Kind.HONOUR,
                hours=each,
                community_id=community,
                served_on=date(2026, 11, 1),
                content="敬老",
                recorded_by_name="社区",
            )
    for code, (lon, lat) in LOCATED.items():
        Division.objects.filter(pk=code).update(longitude=lon, latitude=lat)
    with time_machine.travel(FROZEN_ON, tick=False):
        snapshot_take(dataset="volunteer-hours")
        snapshot_take(dataset="community-funds")


def _map(client: Client, url: str) -> dict[str, Any]:
    with time_machine.travel(FROZEN_ON, tick=False):
        response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:300]
    page = response.content.decode()
    start = page.index('<script id="dashboard-map-data" type="application/json">')
    start = page.index(">", start) + 1
    data: dict[str, Any] = json.loads(page[start : page.index("</script>", start)])
    return data


def _values(data: dict[str, Any], key: str) -> dict[str, Any]:
    column = [m["key"] for m in data["metrics"]].index(key)
    return {i["code"]: i["values"][column] for i in data["items"] if "values" in i}


def _independent_hours() -> dict[str, Decimal]:
    """The hours ledger summed by district by hand."""
    totals: dict[str, Decimal] = {}
    for entry in HoursEntry.objects.all():
        district = entry.community_id[:6] + "000000"
        totals[district] = totals.get(district, Decimal(0)) + entry.hours
    return totals


def test_the_city_map_colours_the_20_districts_by_their_frozen_figures(
    client: Client, hours: None
) -> None:
    data = _map(client, "/dashboards/")
    districts = set(
        Division.objects.filter(level="district", is_active=True).values_list("code", flat=True)
    )
    assert len(districts) == 20
    assert set(data["districts"]) == districts
    assert {i["code"] for i in data["items"] if i["kind"] == "area"} == districts
    # the figures it can colour by: only datasets frozen, each with its time and its dataset
    by_key = {m["key"]: m for m in data["metrics"]}
    assert set(by_key) == {"hours", "funds_paid"}
    assert by_key["hours"]["frozen"] == "2026-12-03 01:10"
    assert by_key["hours"]["method"] == "/open-data/volunteer-hours/"
    # each district's hours are the ledger's, counted independently; none served: zero
    expected = _independent_hours()
    assert expected[WUHOU] == Decimal("27")  # 2 x 3.5 + 6 x 1 + 7 x 2
    assert _values(data, "hours") == {
        code: float(expected.get(code, Decimal(0))) for code in districts
    }
    # nothing allocated to any fund: no share to show, not a made-up 0 %
    assert set(_values(data, "funds_paid").values()) == {""}
    wuhou = next(i for i in data["items"] if i["code"] == WUHOU)
    assert wuhou["url"] == f"/dashboards/{WUHOU}/"
    assert wuhou["name"] == "武侯区"
    # the boundaries it draws: the same 20 districts, from the existing GeoJSON endpoint
    geo = client.get(data["boundaries"]).json()
    assert {f["properties"]["code"] for f in geo["features"]} == districts


def test_suppressed_cells_stay_suppressed_on_the_map(client: Client, hours: None) -> None:
    # every community of the street on the map
    for n, code in enumerate(
        Division.objects.filter(parent_id=YULIN)
        .exclude(pk__in=LOCATED)
        .values_list("pk", flat=True)
    ):
        Division.objects.filter(pk=code).update(
            longitude=Decimal("104.05") + Decimal(n) / 1000, latitude=Decimal("30.62")
        )
    street = _map(client, f"/dashboards/{YULIN}/")
    values = _values(street, "hours")
    snapshot = DatasetSnapshot.objects.get(dataset="volunteer-hours")
    frozen = {row[0]: dict(zip(snapshot.columns, row, strict=True)) for row in snapshot.rows}
    hidden = {
        code for code, row in frozen.items() if code[:9] == YULIN[:9] and row["hours"] is None
    }
    # 倪家桥 (two volunteers) and a second community beside it, as the snapshot hid them
    assert NIJIAQIAO in hidden
    assert len(hidden) == 2
    assert {code for code, value in values.items() if value is None} == hidden
    assert values[YULIN_NORTH] == 6.0
    assert values[YULIN_EAST] == 14.0
    assert YULIN not in values  # the street itself has no coordinates: tables only
    assert len(values) == Division.objects.filter(parent_id=YULIN).count()
    # the suppressed hours are nowhere in what the map is given
    points = {i["code"]: i for i in street["items"]}
    assert points[NIJIAQIAO] == {
        "code": NIJIAQIAO,
        "name": "倪家桥社区居委会",
        "kind": "child",
        "url": f"/dashboards/{NIJIAQIAO}/",
        "values": [None if m["key"] == "hours" else "" for m in street["metrics"]],
        "lon": 104.061,
        "lat": 30.627,
    }
    assert "7.0" not in json.dumps(street)
    assert street["unlocated"] == 0
    # the community's own map: the same
    own = _map(client, f"/dashboards/{NIJIAQIAO}/")
    assert [i["code"] for i in own["items"]] == [NIJIAQIAO]
    assert _values(own, "hours") == {NIJIAQIAO: None}
    assert own["districts"] == [WUHOU]


def test_a_districts_map_shows_its_outline_and_located_divisions(
    client: Client, hours: None
) -> None:
    Division.objects.filter(pk=YULIN).update(
        longitude=Decimal("104.060000"), latitude=Decimal("30.630000")
    )
    data = _map(client, f"/dashboards/{WUHOU}/")
    assert data["level"] == "district"
    assert data["districts"] == [WUHOU]
    kinds = {i["code"]: i["kind"] for i in data["items"]}
    # the located street (with its figure) and the located communities (to open)
    assert kinds == {YULIN: "child", **dict.fromkeys(LOCATED, "community")}
    assert _values(data, "hours")[YULIN] == 27.0
    assert all("values" not in i for i in data["items"] if i["kind"] == "community")
    streets = Division.objects.filter(parent_id=WUHOU, is_active=True).count()
    assert data["unlocated"] == streets - 1
    # a street of another district is not on it
    other = _map(client, f"/dashboards/{JINJIANG}/")
    assert other["districts"] == [JINJIANG]
    assert other["items"] == []


def test_the_map_links_keep_the_date_asked_for(client: Client, hours: None) -> None:
    data = _map(client, "/dashboards/?on=2026-12-03")
    assert all(i["url"].endswith("/?on=2026-12-03") for i in data["items"])
    # a day before anything was frozen: a map to open, nothing to colour by
    before = _map(client, "/dashboards/?on=2026-12-01")
    assert before["metrics"] == []
    assert len(before["items"]) == 20


def test_without_script_the_map_stays_hidden_and_the_tables_remain(
    client: Client, hours: None
) -> None:
    with time_machine.travel(FROZEN_ON, tick=False):
        page = client.get(f"/dashboards/{YULIN}/").content.decode()
    assert 'id="dashboard-map-section" data-testid="dashboard-map-section" hidden>' in page
    assert 'data-testid="figure-volunteer-hours"' in page
    assert "/static/vendor/leaflet/leaflet.js" in page  # served here, no CDN
    assert "http" not in page.split('id="dashboard-map-section"')[1].split("</section>")[0]


def test_bad_input_gets_a_clear_answer_and_no_map(client: Client, hours: None) -> None:
    with time_machine.travel(FROZEN_ON, tick=False):
        missing = client.get("/dashboards/510107999999/")
        future = client.get("/dashboards/?on=2026-12-04")
    assert missing.status_code == 404
    assert future.status_code == 400
    assert "dashboard-map-data" not in missing.content.decode()
    assert "dashboard-map-data" not in future.content.decode()
