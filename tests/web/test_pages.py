"""The portal's home page, the health check, the console's start page and resident list."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shequ.core.models import AuditEvent
from shequ.core.scopes import CITY_CODE, Role
from shequ.people.models import Resident, User
from shequ.places.models import Division
from tests.factories import (
    NIJIAQIAO,
    SHUIJINGFANG,
    WUHOU,
    YULIN_NORTH,
    make_resident,
    make_staff,
    valid_id_number,
)

XIMIANQIAO = "510107001004"  # 洗面桥社区 (浆洗街街道, 武侯区)


def _html(client: Client, url: str, **params: str) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


# ---------------------------------------------------------------------------------------------
# Home page and language
# ---------------------------------------------------------------------------------------------


def test_the_menu_lists_each_destination_once(client: Client, chengdu: None) -> None:
    """A resident scanning the menu on a phone sees every entry once, not two 我的社区我做主."""
    html = _html(client, "/")
    menu = html[html.index('id="nav"') : html.index("</nav>")]
    links = re.findall(r'class="nav-link[^"]*" href="([^"]+)"', menu)
    assert len(links) >= 8
    assert sorted(links) == sorted(set(links))


def test_home_page_is_chinese_by_default(client: Client, chengdu: None) -> None:
    html = _html(client, "/")
    assert '<html lang="zh-hans">' in html
    assert ">English</button>" in html


def test_home_page_is_english_after_choosing_english(client: Client, chengdu: None) -> None:
    # when the visitor presses "English"
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    # then the next pages are in English, with a way back to Chinese
    html = _html(client, "/")
    assert '<html lang="en">' in html
    assert ">中文</button>" in html
    assert "Log in" in html


def test_choosing_chinese_again_switches_back(client: Client, chengdu: None) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans">' in _html(client, "/")


def test_unknown_language_keeps_chinese(client: Client, chengdu: None) -> None:
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert '<html lang="zh-hans">' in _html(client, "/")


# ---------------------------------------------------------------------------------------------
# Health check
# ---------------------------------------------------------------------------------------------


def test_healthz_answers_without_the_database(client: Client) -> None:
    # liveness touches nothing but the process: no database access is allowed here
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_503_while_the_city_is_missing(
    client: Client, chengdu: None, worker_alive: None
) -> None:
    # given a database without the city row (its districts detached first: PROTECT)
    Division.objects.filter(parent_id=CITY_CODE).update(parent=None)
    Division.objects.filter(pk=CITY_CODE).delete()
    # when the load balancer asks
    response = client.get("/readyz")
    # then the instance reports it is not ready yet, and why
    assert response.status_code == 503
    assert response.json()["checks"]["divisions"] == {
        "ok": False,
        "error": "divisions not loaded yet",
    }


# ---------------------------------------------------------------------------------------------
# Console start page
# ---------------------------------------------------------------------------------------------


def _street_counts(html: str) -> dict[str, int]:
    """{street code: resident count} as listed under the area card."""
    pattern = re.compile(
        r'<li class="list-group-item[^"]*">\s*<a href="/console/divisions/(\d{12})/">[^<]*</a>'
        r"\s*<span[^>]*>\s*(\d+)",
        re.S,
    )
    return {code: int(n) for code, n in pattern.findall(html)}


def test_district_officer_sees_every_street_with_its_resident_count(
    client: Client, chengdu: None
) -> None:
    # given residents in three streets of 武侯区 and one in 锦江区
    for code, n in ((NIJIAQIAO, 3), (YULIN_NORTH, 2), (XIMIANQIAO, 4), (SHUIJINGFANG, 5)):
        for _ in range(n):
            make_resident(code)
    client.force_login(make_staff("officer_wh", Role.DISTRICT_OFFICER, WUHOU))
    # when the district officer opens the console
    counts = _street_counts(_html(client, "/console/"))
    # then every active street of 武侯区 is listed once, with its number of residents
    streets = Division.objects.filter(parent_id=WUHOU, is_active=True)
    assert set(counts) == set(streets.values_list("code", flat=True))
    assert len(counts) == 15
    for street in streets:
        expected = Resident.objects.filter(community__parent_id=street.code).count()
        assert counts[street.code] == expected, street.short_name
    assert counts["510107005000"] == 5  # 玉林街道: 倪家桥 3 + 玉林北路 2
    assert counts["510107001000"] == 4  # 浆洗街街道
    assert sum(counts.values()) == 9  # 水井坊 (锦江区) not counted


def test_community_worker_console_links_to_the_community_residents(
    client: Client, chengdu: None
) -> None:
    client.force_login(make_staff("worker", Role.COMMUNITY_WORKER, NIJIAQIAO))
    html = _html(client, "/console/")
    assert f'href="/console/divisions/{NIJIAQIAO}/">倪家桥社区</a>' in html
    assert f"/console/residents/?division={NIJIAQIAO}" in html
    assert "/console/divisions/510107000000/" not in html


# ---------------------------------------------------------------------------------------------
# Resident list: pages of 50, masked numbers, constant queries
# ---------------------------------------------------------------------------------------------


def _populate(community: str, n: int, *, start: int = 0) -> list[Resident]:
    """``n`` residents with distinct valid ID numbers (distinct birth dates)."""
    first = date(1960, 1, 1)
    return [
        make_resident(
            community,
            name=f"居民{start + i:03d}",
            id_number=valid_id_number(
                region=community[:6], born=first + timedelta(days=start + i), sequence=1
            ),
        )
        for i in range(n)
    ]


@pytest.fixture
def worker(chengdu: None) -> User:
    return make_staff("worker", Role.COMMUNITY_WORKER, NIJIAQIAO)


def _rows(html: str) -> int:
    return html.count('data-testid="resident-row"')


@pytest.mark.parametrize(("number", "rows"), [("1", 50), ("2", 50), ("3", 20), ("99", 20)])
def test_resident_list_is_paginated_by_fifty(
    client: Client, worker: User, number: str, rows: int
) -> None:
    _populate(NIJIAQIAO, 120)
    client.force_login(worker)
    html = _html(client, "/console/residents/", page=number)
    assert _rows(html) == rows
    assert "120 位居民" in html
    assert f"{min(int(number), 3)} / 3" in html


def test_resident_list_shows_masked_id_numbers_only(client: Client, worker: User) -> None:
    residents = _populate(NIJIAQIAO, 120)
    client.force_login(worker)
    html = _html(client, "/console/residents/")
    shown = [r for r in residents if f">{r.real_name}</a>" in html]
    assert len(shown) == 50
    for resident in shown:
        assert resident.id_number is not None
        assert resident.phone is not None
        plain_id, plain_phone = resident.id_number.reveal(), resident.phone.reveal()
        assert plain_id not in html
        assert plain_phone not in html
        assert resident.id_number.masked in html
        assert resident.phone.masked in html
        assert re.fullmatch(r"5101\*{10}\d{3}[\dX]", resident.id_number.masked)


def _queries(client: Client, url: str, **params: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


def test_resident_list_pages_cost_the_same_queries(client: Client, worker: User) -> None:
    # given 60 residents
    _populate(NIJIAQIAO, 60)
    client.force_login(worker)
    client.get("/console/residents/")  # warm caches (session, content types)
    sixty_first = _queries(client, "/console/residents/")
    sixty_second = _queries(client, "/console/residents/", page="2")
    # when the community grows to 120
    _populate(NIJIAQIAO, 60, start=60)
    hundred_twenty_first = _queries(client, "/console/residents/")
    hundred_twenty_second = _queries(client, "/console/residents/", page="2")
    # then every page costs the same small number of queries
    assert sixty_first == sixty_second == hundred_twenty_first == hundred_twenty_second
    assert sixty_first <= 8, sixty_first


# ---------------------------------------------------------------------------------------------
# Division page: the attributes form
# ---------------------------------------------------------------------------------------------

FORM = {
    "service_centre_address": "倪家桥路 8 号",
    "longitude": "104.05",
    "latitude": "30.62",
    "population": "12000",
    "households": "0",
    "urban_rural": "urban",
}


def _input_value(html: str, name: str) -> str | None:
    """The value shown in the text box ``name`` (None when the box is empty)."""
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
    assert tag is not None, name
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return None if value is None else value.group(1)


def _field_error(html: str, name: str) -> str | None:
    error = re.search(rf'data-testid="error-{name}"[^>]*>([^<]*)<', html)
    return None if error is None else error.group(1)


def test_worker_saves_the_division_form_and_sees_the_values_again(
    client: Client, worker: User
) -> None:
    client.force_login(worker)
    response = client.post(f"/console/divisions/{NIJIAQIAO}/", FORM)
    assert response.status_code == 302
    assert response["Location"] == f"/console/divisions/{NIJIAQIAO}/"
    html = _html(client, f"/console/divisions/{NIJIAQIAO}/")
    assert "已保存。" in html
    assert _input_value(html, "service_centre_address") == "倪家桥路 8 号"
    assert _input_value(html, "longitude") == "104.050000"
    assert _input_value(html, "population") == "12000"
    # a count of zero is a value, shown as 0 (saving the form again must not blank it)
    assert _input_value(html, "households") == "0"
    division = Division.objects.get(pk=NIJIAQIAO)
    assert (division.population, division.households) == (12000, 0)


def test_bad_division_form_shows_each_error_under_its_field_and_saves_nothing(
    client: Client, worker: User
) -> None:
    client.force_login(worker)
    bad = {**FORM, "service_centre_address": "<b>8 号</b>", "population": "-3"}
    response = client.post(f"/console/divisions/{NIJIAQIAO}/", bad)
    assert response.status_code == 200
    html = response.content.decode()
    assert _field_error(html, "service_centre_address") == "地址中不能包含 &lt; 或 &gt;。"
    assert _field_error(html, "population") == "数值必须在0到2,000,000之间。"
    assert _field_error(html, "households") is None
    # what was typed stays in the boxes, escaped
    assert _input_value(html, "service_centre_address") == "&lt;b&gt;8 号&lt;/b&gt;"
    division = Division.objects.get(pk=NIJIAQIAO)
    assert (division.service_centre_address, division.population) == ("", None)
    assert not AuditEvent.objects.filter(verb="division.update").exists()


def test_auditor_sees_the_division_without_a_form_and_cannot_post(
    client: Client, chengdu: None
) -> None:
    client.force_login(make_staff("auditor", Role.AUDITOR, WUHOU))
    html = _html(client, f"/console/divisions/{NIJIAQIAO}/")
    assert "倪家桥社区居委会" in html
    assert 'name="population"' not in html
    response = client.post(f"/console/divisions/{NIJIAQIAO}/", FORM)
    assert response.status_code == 403
    assert Division.objects.get(pk=NIJIAQIAO).population is None
