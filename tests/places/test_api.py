"""The division endpoints under /api/v1/divisions, read by anyone, edited by area staff."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.places.models import Division
from tests.factories import (
    CITY,
    JINJIANG,
    NIJIAQIAO,
    SHUIJINGFANG,
    WUHOU,
    YULIN,
    make_staff,
    make_user,
)

API = "/api/v1/divisions"
QueryCounter = Callable[..., Any]


def _problem(response: Any) -> dict[str, Any]:
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code
    return body


def _language(language: str | None) -> dict[str, str] | None:
    return {"Accept-Language": language} if language else None


def _get(client: Client, path: str, params: dict[str, Any] | None = None) -> Any:
    return client.get(path, params)


def _patch(client: Client, code: str, payload: dict[str, Any], language: str | None = None) -> Any:
    return client.patch(
        f"{API}/{code}",
        data=json.dumps(payload),
        content_type="application/json",
        headers=_language(language),
    )


def _attributes(code: str) -> tuple[Any, ...]:
    division = Division.objects.get(pk=code)
    return (
        division.service_centre_address,
        division.longitude,
        division.latitude,
        division.population,
        division.households,
        division.urban_rural,
        division.updated_at,
    )


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def test_list_by_level_is_paginated_with_a_total(client: Client, chengdu: None) -> None:
    first = _get(client, API, {"level": "community", "limit": 100, "offset": 0}).json()
    second = _get(client, API, {"level": "community", "limit": 100, "offset": 100}).json()
    assert first["count"] == second["count"] == 3047
    assert len(first["items"]) == len(second["items"]) == 100
    codes = [d["code"] for d in first["items"] + second["items"]]
    assert codes == sorted(codes)
    assert len(set(codes)) == 200


def test_list_pages_fifty_by_default(client: Client, chengdu: None) -> None:
    body = _get(client, API, {"level": "street"}).json()
    assert body["count"] == 261
    assert len(body["items"]) == 50


def test_list_by_parent_gives_its_children(client: Client, chengdu: None) -> None:
    body = _get(client, API, {"parent": YULIN}).json()
    assert body["count"] == 11
    assert {d["parent_code"] for d in body["items"]} == {YULIN}
    nijiaqiao = next(d for d in body["items"] if d["code"] == NIJIAQIAO)
    assert nijiaqiao == {
        "code": NIJIAQIAO,
        "name": "倪家桥社区居委会",
        "short_name": "倪家桥社区",
        "name_en": "",
        "level": "community",
        "parent_code": YULIN,
        "urban_rural": "urban",
        "is_active": True,
    }


def test_list_by_level_and_parent(client: Client, chengdu: None) -> None:
    body = _get(client, API, {"level": "street", "parent": JINJIANG}).json()
    assert body["count"] == 11
    assert {d["level"] for d in body["items"]} == {"street"}


def test_list_leaves_out_inactive_divisions(client: Client, chengdu: None) -> None:
    Division.objects.filter(pk=NIJIAQIAO).update(is_active=False)
    body = _get(client, API, {"parent": YULIN}).json()
    assert body["count"] == 10
    assert NIJIAQIAO not in {d["code"] for d in body["items"]}


@pytest.mark.parametrize(
    "params",
    [{"level": "planet"}, {"level": "District"}, {"limit": "-1"}, {"offset": "x"}],
)
def test_list_with_bad_parameters_is_a_422_problem(
    client: Client, chengdu: None, params: dict[str, str]
) -> None:
    response = client.get(API, params)
    assert response.status_code == 422
    body = _problem(response)
    assert body["code"] == "invalid_input"
    assert body["title"] == "输入内容不符合要求。"


@pytest.mark.parametrize("window", [{"limit": 10}, {"limit": 100, "offset": 2000}])
def test_list_runs_a_constant_number_of_queries(
    client: Client, chengdu: None, django_assert_num_queries: QueryCounter, window: dict[str, int]
) -> None:
    # one count, one page of rows, whatever the page size or position
    with django_assert_num_queries(2):
        response = _get(client, API, {"level": "community", **window})
    assert response.status_code == 200


def test_search_by_name(client: Client, chengdu: None) -> None:
    response = _get(client, f"{API}/search", {"q": "倪家桥"})
    assert response.status_code == 200
    assert [d["code"] for d in response.json()] == [NIJIAQIAO]


def test_search_by_code_prefix(client: Client, chengdu: None) -> None:
    body = _get(client, f"{API}/search", {"q": "510107005", "limit": 100}).json()
    assert body[0]["code"] == YULIN
    assert len(body) == 12
    assert all(d["code"].startswith("510107005") for d in body)


def test_search_by_level_and_limit(client: Client, chengdu: None) -> None:
    body = _get(client, f"{API}/search", {"q": "社区", "level": "community", "limit": 7}).json()
    assert len(body) == 7
    assert {d["level"] for d in body} == {"community"}


def test_empty_search_gives_an_empty_list(client: Client, chengdu: None) -> None:
    response = _get(client, f"{API}/search", {"q": " "})
    assert (response.status_code, response.json()) == (200, [])


@pytest.mark.parametrize("params", [{}, {"q": "倪家桥", "limit": 0}, {"q": "倪家桥", "limit": 101}])
def test_search_with_bad_parameters_is_a_422_problem(
    client: Client, chengdu: None, params: dict[str, Any]
) -> None:
    response = client.get(f"{API}/search", params)
    assert response.status_code == 422
    assert _problem(response)["code"] == "invalid_input"


@pytest.mark.parametrize("q", ["倪家桥", "社区", "510107"])
def test_search_runs_one_query(
    client: Client, chengdu: None, django_assert_num_queries: QueryCounter, q: str
) -> None:
    with django_assert_num_queries(1):
        response = _get(client, f"{API}/search", {"q": q, "limit": 100})
    assert response.status_code == 200


def test_tree_of_the_city_by_default(client: Client, chengdu: None) -> None:
    body = client.get(f"{API}/tree").json()
    assert (body["code"], body["name"], body["level"]) == (CITY, "成都市", "city")
    assert len(body["children"]) == 20
    assert "武侯区" in {d["name"] for d in body["children"]}


def test_tree_two_levels_under_a_district(client: Client, chengdu: None) -> None:
    body = _get(client, f"{API}/tree", {"root": WUHOU, "depth": 2}).json()
    assert len(body["children"]) == 15
    yulin = next(s for s in body["children"] if s["code"] == YULIN)
    assert NIJIAQIAO in {c["code"] for c in yulin["children"]}


@pytest.mark.parametrize("depth", [0, 4])
def test_tree_depth_is_bounded(client: Client, chengdu: None, depth: int) -> None:
    response = _get(client, f"{API}/tree", {"depth": depth})
    assert response.status_code == 422


def test_detail_has_the_attributes(client: Client, chengdu: None) -> None:
    Division.objects.filter(pk=NIJIAQIAO).update(
        population=12000, longitude="104.050000", latitude="30.620000"
    )
    body = client.get(f"{API}/{NIJIAQIAO}").json()
    assert body["short_name"] == "倪家桥社区"
    assert body["population"] == 12000
    assert float(body["longitude"]) == 104.05
    assert float(body["latitude"]) == 30.62
    assert body["households"] is None


def test_children_of_a_street(client: Client, chengdu: None) -> None:
    body = client.get(f"{API}/{YULIN}/children").json()
    assert len(body) == 11
    assert {d["parent_code"] for d in body} == {YULIN}


def test_ancestors_of_a_community(client: Client, chengdu: None) -> None:
    body = client.get(f"{API}/{NIJIAQIAO}/ancestors").json()
    assert [d["name"] for d in body] == ["成都市", "武侯区", "玉林街道"]


@pytest.mark.parametrize(
    ("path", "language", "title"),
    [
        ("510107005999", None, "没有代码为 510107005999 的区划。"),
        ("510107005999", "en", "No division has the code 510107005999."),
        ("510107005999/children", None, "没有代码为 510107005999 的区划。"),
        ("510107005999/ancestors", "en", "No division has the code 510107005999."),
        ("nonsense", None, "没有代码为 nonsense 的区划。"),
    ],
)
def test_unknown_code_is_a_404_problem_in_the_callers_language(
    client: Client, chengdu: None, path: str, language: str | None, title: str
) -> None:
    response = client.get(f"{API}/{path}", headers=_language(language))
    assert response.status_code == 404
    body = _problem(response)
    assert body["code"] == "unknown_division"
    assert body["title"] == title
    assert body["type"].endswith("/unknown_division")


# ---------------------------------------------------------------------------------------------
# Editing
# ---------------------------------------------------------------------------------------------


def test_worker_patches_own_community(client: Client, chengdu: None) -> None:
    # given a logged-in worker of 倪家桥社区
    client.force_login(make_staff("worker", Role.COMMUNITY_WORKER, NIJIAQIAO))
    # when they send new attributes
    response = _patch(
        client,
        NIJIAQIAO,
        {
            "service_centre_address": "倪家桥路 8 号",
            "population": 12000,
            "longitude": 104.05,
            "latitude": 30.62,
        },
    )
    # then the response and the row carry them, and the change is audited
    assert response.status_code == 200
    body = response.json()
    assert (body["service_centre_address"], body["population"]) == ("倪家桥路 8 号", 12000)
    assert float(body["longitude"]) == 104.05
    assert Division.objects.get(pk=NIJIAQIAO).population == 12000
    event = AuditEvent.objects.get(verb="division.update", object_id=NIJIAQIAO)
    assert event.actor_label == "worker"
    assert event.changes["population"] == [None, 12000]
    # and a later read shows them to everyone
    client.logout()
    assert client.get(f"{API}/{NIJIAQIAO}").json()["population"] == 12000


def test_patch_changes_only_the_fields_sent(client: Client, chengdu: None) -> None:
    Division.objects.filter(pk=NIJIAQIAO).update(population=12000, service_centre_address="旧址")
    client.force_login(make_staff("worker", Role.COMMUNITY_WORKER, NIJIAQIAO))
    response = _patch(client, NIJIAQIAO, {"households": 4100})
    assert response.status_code == 200
    division = Division.objects.get(pk=NIJIAQIAO)
    assert (division.population, division.households, division.service_centre_address) == (
        12000,
        4100,
        "旧址",
    )


@pytest.mark.parametrize(
    ("payload", "status", "code", "field", "language", "title"),
    [
        pytest.param(
            {"longitude": 30.62, "latitude": 104.05},
            400,
            "outside_district",
            "longitude",
            None,
            "坐标点（30.620000, 104.050000）不在武侯区范围内。坐标应为 WGS84 经度、纬度。",
            id="swapped",
        ),
        pytest.param(
            {"population": -5},
            400,
            "out_of_range",
            "population",
            None,
            "数值必须在0到2,000,000之间。",
            id="negative",
        ),
        pytest.param(
            {"population": -5},
            400,
            "out_of_range",
            "population",
            "en",
            "The number must be between 0 and 2,000,000.",
            id="negative-en",
        ),
        pytest.param(
            {"service_centre_address": "<script>x</script>"},
            400,
            "markup_not_allowed",
            "service_centre_address",
            None,
            "地址中不能包含 < 或 >。",
            id="script",
        ),
        pytest.param(
            {"longitude": 104.05},
            400,
            "coordinates_incomplete",
            "longitude",
            None,
            "经度和纬度须同时填写或同时留空。",
            id="longitude-only",
        ),
        pytest.param(
            {"population": "很多"},
            422,
            "invalid_input",
            None,
            None,
            "输入内容不符合要求。",
            id="not-a-number",
        ),
    ],
)
def test_bad_patch_is_a_problem_and_changes_nothing(
    client: Client,
    chengdu: None,
    payload: dict[str, Any],
    status: int,
    code: str,
    field: str | None,
    language: str | None,
    title: str,
) -> None:
    client.force_login(make_staff("worker", Role.COMMUNITY_WORKER, NIJIAQIAO))
    before = _attributes(NIJIAQIAO)
    response = _patch(client, NIJIAQIAO, payload, language)
    assert response.status_code == status
    body = _problem(response)
    assert (body["code"], body.get("field"), body["title"]) == (code, field, title)
    assert _attributes(NIJIAQIAO) == before
    assert not AuditEvent.objects.filter(verb="division.update").exists()


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.COMMUNITY_WORKER, SHUIJINGFANG),
        (Role.STREET_OFFICER, "510104017000"),
        (Role.AUDITOR, CITY),
        (Role.DEPARTMENT_STAFF, "minzheng"),
    ],
)
def test_patch_by_staff_outside_the_area_is_refused(
    client: Client, chengdu: None, role: str, scope: str
) -> None:
    client.force_login(make_staff("outsider", role, scope))
    before = _attributes(NIJIAQIAO)
    response = _patch(client, NIJIAQIAO, {"population": 1})
    assert response.status_code in (403, 404)
    assert _problem(response)["title"] == "您无权修改该区划。"
    assert _attributes(NIJIAQIAO) == before
    assert not AuditEvent.objects.filter(verb="division.update").exists()


def test_patch_by_a_plain_resident_is_refused(client: Client, chengdu: None) -> None:
    client.force_login(make_user("resident"))
    before = _attributes(NIJIAQIAO)
    response = _patch(client, NIJIAQIAO, {"population": 1})
    assert response.status_code == 403
    assert _attributes(NIJIAQIAO) == before


@pytest.mark.parametrize(
    ("language", "title"), [(None, "请先登录。"), ("en", "Please log in first.")]
)
def test_anonymous_patch_is_401(
    client: Client, chengdu: None, language: str | None, title: str
) -> None:
    before = _attributes(NIJIAQIAO)
    response = _patch(client, NIJIAQIAO, {"population": 1}, language)
    assert response.status_code == 401
    body = _problem(response)
    assert (body["code"], body["title"]) == ("not_authenticated", title)
    assert _attributes(NIJIAQIAO) == before


def test_patch_of_an_unknown_division_is_404(client: Client, chengdu: None) -> None:
    client.force_login(make_staff("officer", Role.CITY_COMMITTEE, CITY))
    response = _patch(client, "510107005999", {"population": 1})
    assert response.status_code == 404
    assert _problem(response)["code"] == "unknown_division"
    assert Division.objects.filter(pk="510107005999").exists() is False


def test_district_officer_patches_a_street_of_the_district(client: Client, chengdu: None) -> None:
    client.force_login(make_staff("officer", Role.DISTRICT_OFFICER, WUHOU))
    response = _patch(client, YULIN, {"population": 90000})
    assert response.status_code == 200
    assert Division.objects.get(pk=YULIN).population == 90000
