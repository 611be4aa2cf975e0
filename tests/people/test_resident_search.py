"""Searching residents by ID number or mobile: the number is posted, never put in an address."""

import pytest
from django.test import Client

from shequ.core.scopes import Role
from shequ.people.models import Resident, User
from tests.factories import (
    NIJIAQIAO,
    YULIN,
    YULIN_NORTH,
    make_resident,
    make_staff,
    valid_id_number,
)

PHONE = "13812345678"
ID_NUMBER = valid_id_number(region="510107", sequence=5)


@pytest.fixture
def street(chengdu: None) -> User:
    return make_staff("street", Role.STREET_OFFICER, YULIN)


@pytest.fixture
def wanted(chengdu: None) -> Resident:
    make_resident(NIJIAQIAO, name="倪一")
    make_resident(YULIN_NORTH, name="林二")
    return make_resident(NIJIAQIAO, name="王五", phone=PHONE, id_number=ID_NUMBER)


def _names(html: str) -> set[str]:
    return {name for name in ("倪一", "林二", "王五") if name in html}


def test_console_get_with_a_phone_in_the_address_ignores_it(
    client: Client, street: User, wanted: Resident
) -> None:
    client.force_login(street)
    # when a search by mobile arrives in the address, with another filter
    response = client.get("/console/residents/", {"q": PHONE, "level": "1"})
    # then the address is rewritten without it, keeping the filter
    assert response.status_code == 302
    assert response["Location"] == "/console/residents/?level=1"
    # and the search is not applied (the whole area is listed); the page says why
    html = client.get(response["Location"]).content.decode()
    assert _names(html) == {"倪一", "林二", "王五"}
    assert "搜索请在搜索框中输入" in html
    assert PHONE not in html


@pytest.mark.parametrize("number", [PHONE, ID_NUMBER, ID_NUMBER.lower()])
def test_console_search_is_posted_and_the_results_address_carries_no_number(
    client: Client, street: User, wanted: Resident, number: str
) -> None:
    client.force_login(street)
    # when the officer posts a search by mobile or ID number, with the level filter
    response = client.post(
        "/console/residents/", {"q": number, "division": "", "level": "1"}, follow=True
    )
    # then the results page finds the resident, its address has a token, not the number
    (url, _status), *_ = response.redirect_chain
    assert number not in url
    assert number.upper() not in url
    assert "search=" in url
    assert "level=1" in url
    html = response.content.decode()
    assert _names(html) == {"王五"}
    # and the page shows the search only masked
    assert number.upper() not in html.upper()
    assert "138****5678" in html or f"5101**********{ID_NUMBER[-4:]}" in html
    # the same address pages and reloads within the session
    assert _names(client.get(url).content.decode()) == {"王五"}


def test_console_search_token_means_nothing_in_another_session(
    client: Client, street: User, wanted: Resident
) -> None:
    client.force_login(street)
    url = client.post("/console/residents/", {"q": PHONE}).headers["Location"]
    other = Client()
    other.force_login(street)
    html = other.get(url).content.decode()
    assert "该搜索已过期" in html
    assert _names(html) == {"倪一", "林二", "王五"}


def test_console_search_by_name_keeps_the_name_in_the_box(
    client: Client, street: User, wanted: Resident
) -> None:
    client.force_login(street)
    response = client.post("/console/residents/", {"q": "林"}, follow=True)
    html = response.content.decode()
    assert _names(html) == {"林二"}
    assert 'value="林"' in html


def test_api_get_with_a_search_is_refused(client: Client, street: User, wanted: Resident) -> None:
    client.force_login(street)
    response = client.get("/api/v1/residents", {"q": PHONE})
    assert response.status_code == 400
    assert response.json()["code"] == "search_by_post"
    assert PHONE not in response.content.decode()


def test_api_search_by_post_finds_the_resident(
    client: Client, street: User, wanted: Resident
) -> None:
    client.force_login(street)
    for number in (PHONE, ID_NUMBER):
        response = client.post(
            "/api/v1/residents/search?limit=10",
            {"q": number, "division": NIJIAQIAO, "level": 1},
            content_type="application/json",
        )
        assert response.status_code == 200
        body = response.json()
        assert [r["real_name"] for r in body["items"]] == ["王五"]
        assert body["items"][0]["phone_masked"] == "138****5678"
        assert number not in response.content.decode()
    # other filters still work on the plain list
    listed = client.get("/api/v1/residents", {"division": YULIN_NORTH}).json()
    assert [r["real_name"] for r in listed["items"]] == ["林二"]


def test_opening_the_resident_list_is_audited_without_the_search_text(
    client: Client, street: User, wanted: Resident
) -> None:
    from shequ.core.models import AuditEvent

    client.force_login(street)
    client.get("/console/residents/", {"division": NIJIAQIAO, "level": "1"})
    client.post("/console/residents/", {"q": PHONE, "division": ""}, follow=True)
    views = list(AuditEvent.objects.filter(verb="resident.list_view").order_by("id"))
    assert len(views) == 2
    first, searched = views
    assert first.actor_label == "street"
    assert first.division_code == NIJIAQIAO
    assert first.changes["filter"] == {"division": NIJIAQIAO, "level": 1, "search": None}
    # no filter: filed under the officer's own street, so its auditors see it
    assert searched.division_code == YULIN
    assert searched.changes["filter"]["search"] == "number"
    assert searched.changes["shown"] == 1
    # the trail never holds the number or the names on screen
    for event in views:
        text = f"{event.changes} {event.reason} {event.object_repr}"
        assert PHONE not in text
        assert "王五" not in text


def test_opening_a_residents_record_is_audited(
    client: Client, street: User, wanted: Resident
) -> None:
    from shequ.core.models import AuditEvent

    client.force_login(street)
    assert client.get(f"/console/residents/{wanted.pk}/").status_code == 200
    event = AuditEvent.objects.get(verb="resident.detail_view")
    assert event.actor_label == "street"
    assert event.object_type == "people.resident"
    assert event.object_id == str(wanted.pk)
    assert event.division_code == NIJIAQIAO
    assert PHONE not in str(event.changes)
