"""Open311 GeoReport v2: discovery, services, filing with an application's key, the public
requests with the specification's filters, in JSON and XML; the committee's keys page."""

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from typing import Any
from xml.etree import ElementTree

import georeport
import pytest
import time_machine
from django.db import connection
from django.test import Client

from shequ.appeals.models import Appeal, Open311Key, Unit
from shequ.appeals.services.handling import appeal_close, appeal_sign
from shequ.appeals.services.open311 import open311_key_create, open311_key_revoke
from shequ.core.models import AuditEvent
from shequ.people.models import User
from tests.appeals.conftest import BEFORE_NATIONAL_DAY, PIN, street_light
from tests.factories import NIJIAQIAO

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"


@pytest.fixture
def app_key(dispatcher: User) -> str:
    unit = Unit.objects.get(name="倪家桥社区居委会")
    return open311_key_create(actor=dispatcher, name="蓉易办", unit_id=unit.pk)[1]


def filing(key: str, **extra: Any) -> dict[str, Any]:
    data = {
        "api_key": key,
        "service_code": "ludeng",
        "lat": PIN[1],
        "long": PIN[0],
        "description": "倪家桥路口路灯不亮",
        "attribute[community]": NIJIAQIAO,
        "first_name": "四",
        "last_name": "李",
        "phone": "+86 139-1234-5678",
    }
    data.update(extra)
    return data


def xml(text: str | bytes) -> ElementTree.Element:
    return ElementTree.fromstring(text)  # noqa: S314 - our own answer in a test


# --- discovery and services -----------------------------------------------------------------


def test_discovery_names_the_endpoint_in_json_and_xml(client: Client, world: None) -> None:
    data = client.get(f"{BASE}/discovery.json").json()
    endpoint = data["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["application/json", "text/xml"]
    root = xml(client.get(f"{BASE}/discovery.xml").content)
    assert root.tag == "discovery"
    assert [f.text for f in root.iter("format")] == ["application/json", "text/xml"]


def test_services_are_the_categories_that_take_requests(client: Client, world: None) -> None:
    services = client.get(f"{BASE}/services.json").json()
    by_code = {s["service_code"]: s for s in services}
    assert by_code["ludeng"]["service_name"] == "路灯故障"
    assert by_code["ludeng"]["type"] == "realtime"
    assert by_code["ludeng"]["metadata"] is True
    assert by_code["ludeng"]["group"] == "投诉"
    assert "jinji" not in by_code  # out of scope: 110/119/120
    root = xml(client.get(f"{BASE}/services.xml").content)
    assert root.tag == "services"
    codes = [s.findtext("service_code") for s in root.findall("service")]
    assert codes == list(by_code)
    assert root.find("service/metadata").text == "true"  # type: ignore[union-attr]


def test_a_service_definition_offers_the_nature_as_a_list(client: Client, world: None) -> None:
    definition = client.get(f"{BASE}/services/ludeng.json").json()
    attributes = {a["code"]: a for a in definition["attributes"]}
    assert attributes["community"]["required"] is True
    assert attributes["nature"]["datatype"] == "singlevaluelist"
    assert {"key": "help", "name": "求助"} in attributes["nature"]["values"]
    root = xml(client.get(f"{BASE}/services/ludeng.xml").content)
    assert root.tag == "service_definition"
    keys = [v.findtext("key") for v in root.iter("value")]
    assert keys == ["complaint", "help", "consultation", "suggestion", "praise"]


def test_an_unknown_service_is_an_error_in_the_specifications_shape(
    client: Client, world: None
) -> None:
    response = client.get(f"{BASE}/services/nothing.json")
    assert response.status_code == 404
    assert response.json() == [
        {
            "code": 404,
            "description": "没有这个 service_code 对应的服务。",
            "reason": "unknown_service",
        }
    ]
    english = client.get(f"{BASE}/services/nothing.xml", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 404
    assert xml(english.content).findtext("error/description") == (
        "No service with this service_code."
    )
    assert client.get(f"{BASE}/services.html").status_code == 404


# --- filing ---------------------------------------------------------------------------------


def test_an_application_files_a_request_routed_like_any_other(client: Client, app_key: str) -> None:
    response = client.post(f"{BASE}/requests.json", filing(app_key))
    assert response.status_code == 201
    [answer] = response.json()
    appeal = Appeal.objects.get()
    assert answer["service_request_id"] == appeal.number
    assert "倪家桥社区居委会" in answer["service_notice"]
    assert appeal.channel == Appeal.Channel.OPEN311
    assert appeal.unit is not None
    assert appeal.unit.name == "倪家桥社区居委会"
    assert appeal.reporter is None
    assert appeal.caller_name == "李四"
    assert str(appeal.caller_phone) == "139****5678"
    with connection.cursor() as cursor:
        cursor.execute("SELECT caller_phone FROM appeals_appeal")
        assert "13912345678" not in str(cursor.fetchone())
    audit = AuditEvent.objects.get(verb="appeal.submit")
    assert audit.changes["open311_client"] == [None, "蓉易办"]
    public = client.get(f"{BASE}/requests/{appeal.number}.json").text
    assert "5678" not in public
    assert "李" not in public


def test_filing_in_xml_with_a_nature_and_only_an_address(client: Client, app_key: str) -> None:
    data = filing(app_key, **{"attribute[nature]": "help", "address_string": "倪家桥路 1 号"})
    del data["lat"], data["long"], data["phone"]
    response = client.post(f"{BASE}/requests.xml", data)
    assert response.status_code == 201
    appeal = Appeal.objects.get()
    assert xml(response.content).findtext("request/service_request_id") == appeal.number
    assert appeal.nature == "help"
    assert appeal.address == "倪家桥路 1 号"
    assert appeal.caller_phone is None


def test_a_second_filing_nearby_is_told_of_the_first(client: Client, app_key: str) -> None:
    first = client.post(f"{BASE}/requests.json", filing(app_key)).json()[0]
    second = client.post(f"{BASE}/requests.json", filing(app_key)).json()[0]
    assert first["service_request_id"] in second["service_notice"]
    assert "附近已有同类诉求在办" in second["service_notice"]


@pytest.mark.parametrize(
    ("change", "status", "reason", "words"),
    [
        ({"api_key": ""}, 403, "api_key_invalid", "api_key"),
        ({"api_key": "not-a-key"}, 403, "api_key_invalid", "api_key"),
        ({"service_code": "nothing"}, 400, "unknown_service", "service_code"),
        ({"service_code": "jinji"}, 400, "unknown_service", "service_code"),
        ({"lat": "39.9", "long": "116.4"}, 400, "outside_city", "成都"),
        ({"lat": "", "long": ""}, 400, "location_required", "address_string"),
        ({"description": "  "}, 400, "required", "description"),
        ({"attribute[community]": ""}, 400, "community_required", "社区"),
        ({"attribute[nature]": "rant"}, 400, "bad_nature", "诉求性质"),
        ({"phone": "12345"}, 400, "bad_phone", "手机号"),
    ],
)
def test_bad_filings_are_refused_clearly_and_nothing_is_written(
    client: Client,
    app_key: str,
    change: dict[str, str],
    status: int,
    reason: str,
    words: str,
) -> None:
    audits = AuditEvent.objects.count()
    response = client.post(f"{BASE}/requests.json", filing(app_key, **change))
    assert response.status_code == status
    [error] = response.json()
    assert error["code"] == status
    assert error["reason"] == reason
    assert words in error["description"]
    assert not Appeal.objects.exists()
    assert AuditEvent.objects.count() == audits


def test_a_revoked_key_files_nothing(client: Client, app_key: str, dispatcher: User) -> None:
    key = Open311Key.objects.get()
    open311_key_revoke(actor=dispatcher, key_id=key.pk)
    response = client.post(f"{BASE}/requests.xml", filing(app_key))
    assert response.status_code == 403
    assert xml(response.content).findtext("error/code") == "403"
    assert not Appeal.objects.exists()


def test_filings_are_limited_per_key(client: Client, app_key: str, settings: Any) -> None:
    settings.SHEQU_API_RATE_PER_CLIENT_PER_MINUTE = 1
    with time_machine.travel(BEFORE_NATIONAL_DAY, tick=False):
        assert client.post(f"{BASE}/requests.json", filing(app_key)).status_code == 201
        response = client.post(f"{BASE}/requests.json", filing(app_key))
    assert response.status_code == 429
    assert response.json()[0]["reason"] == "rate_limited"
    assert Appeal.objects.count() == 1


# --- reading --------------------------------------------------------------------------------


def test_requests_show_public_fields_and_map_our_states(
    client: Client, resident: User, worker: User
) -> None:
    with time_machine.travel(BEFORE_NATIONAL_DAY, tick=False):
        appeal = street_light(resident)
    with time_machine.travel(BEFORE_NATIONAL_DAY + timedelta(hours=1), tick=False):
        appeal_sign(actor=worker, appeal_id=appeal.pk)
        [row] = client.get(f"{BASE}/requests/{appeal.number}.json").json()
        assert row["status"] == "open"
        assert row["status_notes"] == "已签收，办理中"
        assert row["requested_datetime"] == "2026-09-30T10:00:00+08:00"
        assert row["updated_datetime"] == "2026-09-30T11:00:00+08:00"
        assert row["agency_responsible"] == "倪家桥社区居委会"
        assert (row["lat"], row["long"]) == (PIN[1], PIN[0])
        appeal_close(actor=worker, appeal_id=appeal.pk, reply="已更换灯泡")
        root = xml(client.get(f"{BASE}/requests/{appeal.pk}.xml").content)
    assert root.findtext("request/status") == "closed"
    assert root.findtext("request/status_notes") == "已办结，待群众评价：已更换灯泡"
    assert "reporter" not in client.get(f"{BASE}/requests/{appeal.number}.json").text


def test_a_private_or_missing_request_is_not_found(client: Client, resident: User) -> None:
    private = street_light(resident, is_private=True)
    for address in (f"/requests/{private.number}.json", "/requests/SQ99999999.json"):
        response = client.get(BASE + address)
        assert response.status_code == 404
        assert response.json()[0]["description"] == "没有这条诉求。"


def test_request_filters_of_the_specification(
    client: Client, resident: User, worker: User, django_assert_max_num_queries: Any
) -> None:
    day = BEFORE_NATIONAL_DAY
    with time_machine.travel(day - timedelta(days=100), tick=False):
        old = street_light(resident)
    with time_machine.travel(day - timedelta(days=10), tick=False):
        lamp = street_light(resident)
    with time_machine.travel(day - timedelta(days=5), tick=False):
        handled = street_light(resident)
        appeal_sign(actor=worker, appeal_id=handled.pk)
        appeal_close(actor=worker, appeal_id=handled.pk, reply="修好了")
    street_light(resident, is_private=True)

    def ids(query: str) -> list[str]:
        with time_machine.travel(day, tick=False), django_assert_max_num_queries(4):
            response = client.get(f"{BASE}/requests.json?{query}")
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in response.json()]

    assert ids("") == [handled.number, lamp.number]  # the last 90 days, public only
    assert ids("status=open") == [lamp.number]
    assert ids("status=closed") == [handled.number]
    assert ids("status=open,closed") == [handled.number, lamp.number]
    assert ids("service_code=zaosheng") == []
    assert ids("service_code=zaosheng,ludeng") == [handled.number, lamp.number]
    start = urllib.parse.quote((day - timedelta(days=120)).isoformat())
    assert ids(f"start_date={start}") == [old.number]
    assert ids("start_date=2026-09-20T00:00:00Z&end_date=2026-09-30T00:00:00Z") == [
        handled.number,
        lamp.number,
    ]
    assert ids("start_date=2026-09-24T00:00:00%2B08:00") == [handled.number]
    # Ids override every other filter.
    assert ids(f"service_request_id={old.number},{lamp.pk}&status=closed") == [
        lamp.number,
        old.number,
    ]


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", "bad_window"),
        ("start_date=yesterday", "bad_date"),
        ("status=pending", "bad_status"),
    ],
)
def test_bad_filters_are_explained(client: Client, world: None, query: str, reason: str) -> None:
    response = client.get(f"{BASE}/requests.xml?{query}")
    assert response.status_code == 400
    assert xml(response.content).findtext("error/reason") == reason


def test_the_list_is_capped_at_1000(client: Client, resident: User) -> None:
    from shequ.appeals import selectors

    street_light(resident)
    street_light(resident)
    rows = selectors.open311_requests(selectors.Open311Query(), limit=1)
    assert len(rows) == 1
    assert selectors.OPEN311_LIMIT == 1000


# --- the committee's keys -------------------------------------------------------------------


def test_the_committee_gives_a_key_shown_once_and_revokes_it(
    client: Client, dispatcher: User
) -> None:
    client.force_login(dispatcher)
    unit = Unit.objects.get(name="倪家桥社区居委会")
    page = client.post("/console/appeals/open311-keys/", {"name": "武侯区随手拍", "unit": unit.pk})
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    key = Open311Key.objects.get()
    shown = page.text.split('<code class="user-select-all">')[1].split("</code>")[0]
    assert len(shown) > 30
    assert key.prefix == shown[:6]
    assert shown not in key.key_hash
    assert AuditEvent.objects.filter(verb="appeal.open311_key_create").count() == 1
    again = client.get("/console/appeals/open311-keys/")
    assert shown not in again.text
    assert 'data-testid="open311-tab"' in again.text
    assert "武侯区随手拍" in again.text
    filed = client.post(f"{BASE}/requests.json", filing(shown))
    assert filed.status_code == 201
    client.post(f"/console/appeals/open311-keys/{key.pk}/revoke/")
    assert AuditEvent.objects.filter(verb="appeal.open311_key_revoke").count() == 1
    assert client.post(f"{BASE}/requests.json", filing(shown)).status_code == 403


def test_a_duplicate_name_is_refused_in_chinese(client: Client, dispatcher: User) -> None:
    client.force_login(dispatcher)
    unit = Unit.objects.get(name="倪家桥社区居委会")
    data = {"name": "蓉易办", "unit": unit.pk}
    client.post("/console/appeals/open311-keys/", data)
    page = client.post("/console/appeals/open311-keys/", data)
    assert page.status_code == 400
    assert "同名应用已有密钥" in page.text
    assert Open311Key.objects.count() == 1


def test_only_the_committee_manages_keys(client: Client, worker: User, app_key: str) -> None:
    client.force_login(worker)
    key = Open311Key.objects.get()
    # No tab that would only end in the refusal below.
    queues = client.get("/console/appeals/")
    assert queues.status_code == 200
    assert "Open311" not in queues.text
    assert client.get("/console/appeals/open311-keys/").status_code == 403
    assert client.post(f"/console/appeals/open311-keys/{key.pk}/revoke/").status_code == 403
    assert Open311Key.objects.get().is_active


# --- a real Open311 client ------------------------------------------------------------------


def _post(url: str, data: dict[str, Any]) -> tuple[int, Any]:
    body = urllib.parse.urlencode(data).encode()
    try:
        with urllib.request.urlopen(url, body) as answer:  # noqa: S310 - the live test server
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_a_georeport_client_reads_what_it_files(
    live_server: Any, app_key: str, output_format: str
) -> None:
    """``georeport`` (PyPI) reads services, definitions and requests; it cannot post, so the
    filing goes as plain form-encoded HTTP, as any client would send it."""
    endpoint = f"{live_server.url}{BASE}"
    status, answer = _post(f"{endpoint}/requests.json", filing(app_key))
    assert status == 201
    number = answer[0]["service_request_id"]
    client = georeport.GeoReport(endpoint, output_format=output_format)
    services = client.get_service_list()
    assert "ludeng" in [s["service_code"] for s in services]
    definition = client.get_service_definition("ludeng")
    assert definition["service_code"] == "ludeng"
    request = client.get_service_request(number)
    assert request["service_request_id"] == number
    assert request["status"] == "open"
    listed = client.get_service_requests(service_code="ludeng", status="open")
    listed = listed if isinstance(listed, list) else [listed]  # one <request> in XML
    assert [r["service_request_id"] for r in listed] == [number]
    status, _answer = _post(f"{endpoint}/requests.json", filing("wrong"))
    assert status == 403
