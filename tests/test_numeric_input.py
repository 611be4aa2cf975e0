"""Numbers typed into pages are read in NFKC with ASCII digits only, across the apps.

``str.isdigit()`` is true for ``²`` and for ``٣``; ``int()`` fails on the first (a server
error) and reads the second. A page must answer such input, never fail on it.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client

from shequ.bookings.models import Venue
from shequ.core.scopes import Role
from tests.factories import NIJIAQIAO, WUHOU, make_resident, make_staff, make_user

pytestmark = pytest.mark.usefixtures("chengdu")


def _messages(response: object) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]  # type: ignore[attr-defined]


def test_staff_filters_with_superscript_digits_show_the_page(client: Client) -> None:
    client.force_login(make_staff("worker", Role.COMMUNITY_WORKER, NIJIAQIAO))
    assert client.get("/console/residents/?level=²").status_code == 200
    officer = make_staff("officer", Role.DISTRICT_OFFICER, WUHOU)
    client.force_login(officer)
    assert client.get("/console/projects/?year=²⁰¹⁹").status_code == 200
    assert client.get("/console/projects/plan/?year=²").status_code == 200
    assert client.get("/console/projects/stats/?year=٢٠١٩&district=⁵").status_code == 200
    assert client.get("/projects/?year=²⁰¹⁹").status_code == 200


def test_a_resident_filtering_venues_by_a_superscript_service_sees_all(client: Client) -> None:
    user = make_user("neighbour")
    make_resident(NIJIAQIAO, user=user, name="邻居")
    client.force_login(user)
    assert client.get("/bookings/?service=²").status_code == 200


def test_bulk_actions_read_superscript_ids_and_ignore_other_scripts(client: Client) -> None:
    client.force_login(make_staff("worker", Role.COMMUNITY_WORKER, NIJIAQIAO))
    response = client.post("/console/casework/bulk/", {"ids": ["٣", "x"], "action": "accept"})
    assert response.status_code == 302
    assert _messages(response) == ["请至少选择一件。"]
    response = client.post("/console/casework/bulk/", {"ids": ["²"], "action": "accept"})
    assert response.status_code == 302
    assert _messages(response)[-1] == "#2: 没有这个办件。"  # read as 2, which does not exist


def test_slot_days_in_other_scripts_are_refused_clearly_and_superscripts_read(
    client: Client,
) -> None:
    room = Venue.objects.create(
        kind=Venue.Kind.ROOM, community_id=NIJIAQIAO, name="舞蹈室", capacity=2, max_per_week=2
    )
    # A day inside the holiday table: past it no slots are opened at all.
    with time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))):
        client.force_login(make_staff("worker", Role.COMMUNITY_WORKER, NIJIAQIAO))
        url = f"/console/bookings/{room.pk}/action/"
        response = client.post(url, {"action": "generate", "days": "٣"})
        assert response.status_code == 302
        assert _messages(response) == ["每次可创建 1 至 30 天。"]
        assert not room.slots.exists()
        response = client.post(url, {"action": "generate", "days": "³"})  # NFKC: 3
        assert response.status_code == 302
        assert room.slots.exists()


def test_division_search_reads_full_width_code_prefixes(client: Client) -> None:
    full_width = client.get("/api/v1/divisions/search", {"q": "５１０１０７"}).json()
    ascii_digits = client.get("/api/v1/divisions/search", {"q": "510107"}).json()
    assert full_width == ascii_digits
    assert any(d["code"] == WUHOU for d in full_width)
    assert client.get("/api/v1/divisions/search", {"q": "٥١٠١٠٧"}).json() == []
