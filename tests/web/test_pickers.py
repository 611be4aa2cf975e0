"""The shared console pickers: divisions and residents offered only inside the staff member's
area, searches logged, forged choices refused in Chinese with nothing changed."""

from html import escape

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.notices.models import CommunityNotice
from shequ.projects.models import Project
from tests.factories import (
    CITY,
    JINJIANG,
    NIJIAQIAO,
    SHUIJINGFANG,
    WUHOU,
    YULIN,
    YULIN_NORTH,
    make_resident,
    make_staff,
    make_user,
    valid_id_number,
)

DIVISIONS = "/console/pickers/divisions/"
PEOPLE = "/console/pickers/people/"


def said(msgid: str) -> str:
    with translation.override("zh-hans"):
        return escape(gettext(msgid))


def codes(client: Client, parent: str = "") -> list[str]:
    response = client.get(DIVISIONS, {"parent": parent})
    assert response.status_code == 200
    return [item["code"] for item in response.json()["results"]]


@pytest.fixture
def worker(chengdu: None, client: Client) -> Client:
    client.force_login(make_staff("picker_worker", Role.COMMUNITY_WORKER, NIJIAQIAO))
    return client


def test_a_community_worker_is_led_only_to_their_own_community(worker: Client) -> None:
    assert codes(worker) == [WUHOU]
    assert codes(worker, WUHOU) == [YULIN]
    assert codes(worker, YULIN) == [NIJIAQIAO]
    assert codes(worker, JINJIANG) == []  # another district: nothing to see
    assert worker.get(DIVISIONS, {"parent": "abc"}).status_code == 400


def test_a_street_officer_sees_the_streets_communities_and_the_city_everything(
    chengdu: None, client: Client
) -> None:
    client.force_login(make_staff("picker_street", Role.STREET_OFFICER, YULIN))
    communities = codes(client, YULIN)
    assert {NIJIAQIAO, YULIN_NORTH} <= set(communities)
    assert codes(client, JINJIANG) == []
    city = Client()
    city.force_login(make_staff("picker_city", Role.CITY_COMMITTEE, CITY))
    assert {WUHOU, JINJIANG} <= set(codes(city))
    assert SHUIJINGFANG in codes(city, SHUIJINGFANG[:9] + "000")


def test_the_endpoints_are_for_staff_only(chengdu: None, client: Client) -> None:
    anonymous = client.get(DIVISIONS)
    assert anonymous.status_code == 302
    assert client.post(PEOPLE, {"q": "张"}).status_code == 302
    client.force_login(make_user("just_a_resident"))
    assert client.get(DIVISIONS).status_code == 403
    assert client.post(PEOPLE, {"q": "张"}).status_code == 403
    auditor = Client()
    auditor.force_login(make_staff("picker_auditor", Role.AUDITOR, YULIN))
    assert auditor.post(PEOPLE, {"q": "张"}).status_code == 403  # auditors enter nothing
    assert not AuditEvent.objects.filter(verb="people.resident_search").exists()


def test_a_person_search_shows_masked_ids_of_the_area_only_and_is_logged(worker: Client) -> None:
    own_id = valid_id_number(region="510107", sequence=71)
    own = make_resident(NIJIAQIAO, name="张小明", id_number=own_id, phone="13900001234")
    make_resident(NIJIAQIAO, name="张小红", phone="13900005678")
    make_resident(SHUIJINGFANG, name="张外区")
    assert worker.get(PEOPLE, {"q": "张"}).status_code == 405  # names never travel in a URL
    response = worker.post(PEOPLE, {"q": "张"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    results = response.json()["results"]
    assert [r["name"] for r in results] == ["张小明", "张小红"]
    first = results[0]
    assert first["id"] == own.pk
    assert first["id_masked"] == own_id[:4] + "*" * 10 + own_id[-4:]
    assert first["community"] == "倪家桥社区"
    assert own_id not in response.content.decode()
    assert "13900001234" not in response.content.decode()
    # The mobile number's last digits narrow the search.
    tail = worker.post(PEOPLE, {"q": "张 1234"}).json()["results"]
    assert [r["name"] for r in tail] == ["张小明"]
    # Who searched what, in which area, is in the audit log (the number masked).
    events = AuditEvent.objects.filter(verb="people.resident_search").order_by("id")
    assert events.count() == 2
    assert events[0].actor_label == "picker_worker"
    assert events[0].division_code == NIJIAQIAO
    assert events[0].changes["found"] == 2
    assert events[1].reason == "张 ****1234"


def test_person_search_has_a_limit_and_refuses_an_empty_name(worker: Client) -> None:
    for number in range(12):
        make_resident(NIJIAQIAO, name=f"李{number:02d}")
    response = worker.post(PEOPLE, {"q": "李"})
    assert len(response.json()["results"]) == 10
    assert response.json()["more"] is True
    with translation.override("zh-hans"):
        empty = worker.post(PEOPLE, {"q": "1234"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert empty.status_code == 400
    assert empty.json()["error"] == "请至少输入姓氏。"
    # A community outside the area finds nobody even when named.
    make_resident(SHUIJINGFANG, name="李外区")
    other = worker.post(PEOPLE, {"q": "李外", "community": SHUIJINGFANG}).json()["results"]
    assert other == []


def test_a_worker_publishes_a_notice_to_the_preselected_community_only(worker: Client) -> None:
    make_resident(NIJIAQIAO, name="收件人")
    page = worker.get("/console/notices/").content.decode()
    assert f'<option value="{NIJIAQIAO}" selected>' in page
    assert SHUIJINGFANG not in page
    assert "data-division-picker" in page
    with translation.override("zh-hans"):
        forged = worker.post(
            "/console/notices/",
            {"community": SHUIJINGFANG, "title": "停水通知", "body": "明天停水"},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    assert forged.status_code == 400
    assert said("Choose a place inside your area from the list.") in forged.content.decode()
    assert not CommunityNotice.objects.exists()
    done = worker.post(
        "/console/notices/", {"community": NIJIAQIAO, "title": "停水通知", "body": "明天停水"}
    )
    assert done.status_code == 302
    assert CommunityNotice.objects.get().community_id == NIJIAQIAO


def test_a_project_cannot_be_registered_in_a_community_outside_the_area(
    chengdu: None, client: Client
) -> None:
    client.force_login(make_staff("picker_district", Role.DISTRICT_OFFICER, WUHOU))
    page = client.get("/console/projects/new/").content.decode()
    assert 'data-testid="division-picker-communities"' in page
    assert "倪家桥社区" in page
    assert "水井坊社区" not in page
    with translation.override("zh-hans"):
        forged = client.post(
            "/console/projects/new/",
            {
                "code": "PICK-1",
                "name": "新项目",
                "project_type": "shanty-town",
                "communities": [NIJIAQIAO, SHUIJINGFANG],
                "year": "2018",
            },
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    assert forged.status_code == 400
    assert said("Choose a place inside your area from the list.") in forged.content.decode()
    assert not Project.objects.filter(code="PICK-1").exists()


def test_city_wide_staff_open_a_community_desk_by_picking_it(chengdu: None, client: Client) -> None:
    client.force_login(make_staff("picker_city_desk", Role.CITY_COMMITTEE, CITY))
    page = client.get("/console/participation/").content.decode()
    assert 'data-testid="division-picker-code"' in page
    assert 'inputmode="numeric"' not in page
    opened = client.get("/console/participation/c/", {"code": NIJIAQIAO})
    assert opened.status_code == 302
