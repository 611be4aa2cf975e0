"""Official English names of Chengdu's districts, and staff naming a division in English."""

from django.test import Client

from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.places.models import Division
from shequ.places.names_en import DISTRICT_NAMES_EN
from shequ.places.services import divisions_load
from tests.factories import JINJIANG, NIJIAQIAO, WUHOU, make_staff

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_every_district_has_its_official_english_name(chengdu: None) -> None:
    districts = Division.objects.filter(level=Division.Level.DISTRICT, is_active=True)
    assert districts.count() == 20
    assert set(DISTRICT_NAMES_EN) == set(districts.values_list("code", flat=True))
    names = dict(districts.values_list("name", "name_en"))
    assert names["锦江区"] == "Jinjiang District"
    assert names["武侯区"] == "Wuhou District"
    assert names["简阳市"] == "Jianyang City"
    assert names["金堂县"] == "Jintang County"
    assert Division.objects.get(pk="510100000000").name_en == "Chengdu"
    # Streets and communities have none until staff give one.
    assert Division.objects.get(pk=NIJIAQIAO).name_en == ""


def test_reloading_keeps_an_english_name_staff_typed(chengdu: None) -> None:
    Division.objects.filter(pk=JINJIANG).update(name_en="Jinjiang")
    divisions_load()
    assert Division.objects.get(pk=JINJIANG).name_en == "Jinjiang"
    Division.objects.filter(pk=JINJIANG).update(name_en="")
    divisions_load()
    assert Division.objects.get(pk=JINJIANG).name_en == "Jinjiang District"


def test_worker_names_the_community_in_english(chengdu: None, client: Client) -> None:
    client.force_login(make_staff("njq_en", Role.COMMUNITY_WORKER, NIJIAQIAO))
    page = client.get(f"/console/divisions/{NIJIAQIAO}/").content.decode()
    assert 'name="name_en"' in page
    response = client.post(f"/console/divisions/{NIJIAQIAO}/", {"name_en": "Nijiaqiao Community"})
    assert response.status_code == 302
    assert Division.objects.get(pk=NIJIAQIAO).name_en == "Nijiaqiao Community"
    event = AuditEvent.objects.filter(verb="division.update").latest("pk")
    assert event.changes["name_en"] == ["", "Nijiaqiao Community"]
    body = Client().get(f"/api/v1/divisions/{NIJIAQIAO}").json()
    assert body["name_en"] == "Nijiaqiao Community"
    assert body["short_name"] == "倪家桥社区"


def test_markup_in_the_english_name_is_refused_in_chinese(chengdu: None, client: Client) -> None:
    client.force_login(make_staff("njq_en2", Role.COMMUNITY_WORKER, NIJIAQIAO))
    response = client.post(
        f"/console/divisions/{NIJIAQIAO}/",
        {"name_en": "<i>Nijiaqiao</i>"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code in (200, 400)
    assert "英文名称不能包含 &lt; 或 &gt;。" in response.content.decode()
    assert Division.objects.get(pk=NIJIAQIAO).name_en == ""


def test_division_api_lists_english_names(chengdu: None) -> None:
    body = Client().get("/api/v1/divisions", {"level": "district", "limit": 50}, **EN).json()
    by_code = {d["code"]: d for d in body["items"]}
    assert by_code[WUHOU]["name_en"] == "Wuhou District"
    assert by_code[WUHOU]["name"] == "武侯区"
