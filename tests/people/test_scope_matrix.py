"""Who sees what: every role against every console page and resident endpoint.

Residents: 倪一 in 倪家桥社区 (玉林街道, 武侯区), 林二 in 玉林北路社区 (same street),
浆三 in 洗面桥社区 (浆洗街街道, 武侯区) and 水四 in 水井坊社区 (锦江区).
"""

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from shequ.core.scopes import Role
from shequ.people.models import Resident, User
from tests.factories import (
    CITY,
    NIJIAQIAO,
    SHUIJINGFANG,
    WUHOU,
    YULIN,
    YULIN_NORTH,
    make_resident,
    make_staff,
    make_user,
)

XIMIANQIAO = "510107001004"  # 洗面桥社区 (浆洗街街道, 武侯区)
ROLES = {
    "worker": (Role.COMMUNITY_WORKER, NIJIAQIAO),
    "street": (Role.STREET_OFFICER, YULIN),
    "district": (Role.DISTRICT_OFFICER, WUHOU),
    "city": (Role.CITY_COMMITTEE, CITY),
    "department": (Role.DEPARTMENT_STAFF, "minzheng"),
    "auditor": (Role.AUDITOR, CITY),
    "admin": (Role.SYSTEM_ADMIN, None),
}


@dataclass
class Cast:
    users: dict[str, User]
    residents: dict[str, Resident]

    def url(self, target: str) -> str:
        a, b = self.residents["倪一"].pk, self.residents["水四"].pk
        return {
            "console": "/console/",
            "resident_list": "/console/residents/",
            "resident_A": f"/console/residents/{a}/",
            "resident_B": f"/console/residents/{b}/",
            "division_A": f"/console/divisions/{NIJIAQIAO}/",
            "division_B": f"/console/divisions/{SHUIJINGFANG}/",
            "audit": "/console/audit/",
            "api_list": "/api/v1/residents",
            "api_A": f"/api/v1/residents/{a}",
            "api_B": f"/api/v1/residents/{b}",
        }[target]

    def login(self, client: Client, who: str) -> None:
        if who != "anonymous":
            client.force_login(self.users[who])


@pytest.fixture
def cast(chengdu: None) -> Cast:
    users = {key: make_staff(key, role, scope) for key, (role, scope) in ROLES.items()}
    users["resident"] = make_user("resident")
    residents = {
        name: make_resident(code, name=name)
        for name, code in (
            ("倪一", NIJIAQIAO),
            ("林二", YULIN_NORTH),
            ("浆三", XIMIANQIAO),
            ("水四", SHUIJINGFANG),
        )
    }
    return Cast(users=users, residents=residents)


TARGETS = (
    "console",
    "resident_list",
    "resident_A",
    "resident_B",
    "division_A",
    "division_B",
    "audit",
    "api_list",
    "api_A",
    "api_B",
)
LOGIN = 302
# fmt: off
MATRIX: dict[str, tuple[int, ...]] = {
    #               console list  res A  res B  div A  div B  audit  api   api A  api B
    "worker":      (200,    200,  200,   404,   200,   404,   403,   200,  200,   404),
    "street":      (200,    200,  200,   404,   200,   404,   403,   200,  200,   404),
    "district":    (200,    200,  200,   404,   200,   404,   403,   200,  200,   404),
    "city":        (200,    200,  200,   200,   200,   200,   200,   200,  200,   200),
    "department":  (200,    200,  404,   404,   404,   404,   403,   200,  404,   404),
    "auditor":     (200,    200,  200,   200,   200,   200,   200,   200,  200,   200),
    "admin":       (200,    200,  200,   200,   200,   200,   200,   200,  200,   200),
    "resident":    (403,    403,  403,   403,   403,   403,   403,   403,  404,   404),
    "anonymous":   (LOGIN,  LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, 401, 401,   401),
}
# fmt: on
CASES = [
    pytest.param(who, target, status, id=f"{who}-{target}")
    for who, row in MATRIX.items()
    for target, status in zip(TARGETS, row, strict=True)
]


@pytest.mark.parametrize(("who", "target", "status"), CASES)
def test_scope_matrix(client: Client, cast: Cast, who: str, target: str, status: int) -> None:
    # given someone in a role (or nobody)
    cast.login(client, who)
    url = cast.url(target)
    # when they open the page or call the endpoint
    response = client.get(url)
    # then they get exactly what their role and area allow
    assert response.status_code == status
    if status == LOGIN:
        assert response["Location"] == f"/accounts/login/?next={url}"
    if target.startswith("api") and status != 200:
        assert response["Content-Type"] == "application/problem+json"


VISIBLE = {
    "worker": {"倪一"},
    "street": {"倪一", "林二"},
    "district": {"倪一", "林二", "浆三"},
    "city": {"倪一", "林二", "浆三", "水四"},
    "department": set(),
    "auditor": {"倪一", "林二", "浆三", "水四"},
    "admin": {"倪一", "林二", "浆三", "水四"},
}
ALL_NAMES = {"倪一", "林二", "浆三", "水四"}


@pytest.mark.parametrize(("who", "expected"), VISIBLE.items())
def test_lists_show_only_residents_inside_the_area(
    client: Client, cast: Cast, who: str, expected: set[str]
) -> None:
    cast.login(client, who)
    # the API list
    body = client.get("/api/v1/residents").json()
    assert {r["real_name"] for r in body["items"]} == expected
    assert body["count"] == len(expected)
    # the console list
    html = client.get("/console/residents/").content.decode()
    assert {name for name in ALL_NAMES if name in html} == expected


@pytest.mark.parametrize("who", ["worker", "street", "district"])
def test_narrowing_to_a_division_outside_the_area_shows_nobody(
    client: Client, cast: Cast, who: str
) -> None:
    cast.login(client, who)
    body = client.get("/api/v1/residents", {"division": SHUIJINGFANG}).json()
    assert body == {"items": [], "count": 0}
    html = client.get("/console/residents/", {"division": SHUIJINGFANG}).content.decode()
    assert "水四" not in html


def test_outside_resident_looks_exactly_like_a_missing_one(client: Client, cast: Cast) -> None:
    # given the worker of 倪家桥社区
    cast.login(client, "worker")
    outside = cast.residents["水四"].pk
    missing = max(r.pk for r in cast.residents.values()) + 1000
    # when they ask for a resident of 水井坊社区, and for one that does not exist
    api_outside = client.get(f"/api/v1/residents/{outside}")
    api_missing = client.get(f"/api/v1/residents/{missing}")
    page_outside = client.get(f"/console/residents/{outside}/")
    # then both answers are the same 404, in Chinese, with nothing about the resident
    assert api_outside.status_code == api_missing.status_code == 404
    assert api_outside.json() == api_missing.json()
    assert api_outside.json()["code"] == "resident_not_found"
    assert api_outside.json()["title"] == "您的辖区内没有该居民。"
    assert page_outside.status_code == 404
    page = page_outside.content.decode()
    assert "您的辖区内没有该居民。" in page
    assert "水四" not in page


def test_api_shows_only_masked_personal_numbers(client: Client, cast: Cast) -> None:
    cast.login(client, "worker")
    resident = cast.residents["倪一"]
    assert resident.id_number is not None
    assert resident.phone is not None
    body: dict[str, Any] = client.get(f"/api/v1/residents/{resident.pk}").json()
    assert body["id_number_masked"] == resident.id_number.masked
    assert body["phone_masked"] == resident.phone.masked
    assert resident.id_number.reveal() not in str(body)
    assert resident.phone.reveal() not in str(body)
