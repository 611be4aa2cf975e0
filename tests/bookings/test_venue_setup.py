"""Venues set up by staff: a room or hall with weekly opening hours, its slots generated
(holidays and closed days skipped), a day closed with its bookings cancelled. Audited
services, console pages and /api/v1/bookings/staff endpoints."""

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone, translation

from shequ.bookings import selectors, services
from shequ.bookings.models import Booking, Slot, Venue, VenueClosure
from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.notices.models import Message
from tests.bookings.conftest import make_neighbour
from tests.factories import CITY, NIJIAQIAO, SHUIJINGFANG, WUHOU, YULIN, make_staff

pytestmark = pytest.mark.usefixtures("chengdu")
CHENGDU = ZoneInfo("Asia/Shanghai")
# Monday 2 March 2026, nine in the morning: a plain working week follows.
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=CHENGDU)
ROOM: dict[str, Any] = {
    "kind": "room",
    "name": "倪家桥社区党群服务中心·书画室",
    "address": "倪家桥路8号",
    "division_code": NIJIAQIAO,
    "opens_at": time(9, 0),
    "closes_at": time(12, 0),
    "open_weekdays": "135",
    "slot_minutes": 60,
    "capacity": 3,
}


def _local_days(venue: Venue) -> list[date]:
    return sorted({timezone.localtime(s.starts_at).date() for s in venue.slots.all()})


@time_machine.travel(MONDAY, tick=False)
def test_a_worker_sets_up_a_room_generates_slots_and_closes_a_day() -> None:
    worker = make_staff("keeper1", Role.COMMUNITY_WORKER, NIJIAQIAO)
    venue = services.venue_create(actor=worker, **ROOM)
    assert AuditEvent.objects.get(verb="venue.create").division_code == NIJIAQIAO

    generated = services.slots_generate(
        actor=worker, venue_id=venue.pk, first_day=date(2026, 3, 2), days=7
    )
    # Monday, Wednesday, Friday; 09:00–12:00 in hours.
    assert generated.created == 9
    assert _local_days(venue) == [date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 6)]

    neighbour = make_neighbour("painter1")
    wednesday = Slot.objects.get(venue=venue, starts_at=datetime(2026, 3, 4, 10, tzinfo=CHENGDU))
    booking = services.booking_make(actor=neighbour, slot_id=wednesday.pk)

    closed = services.venue_close_day(
        actor=worker, venue_id=venue.pk, day=date(2026, 3, 4), reason="停电检修"
    )
    assert closed.cancelled == 1
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert Message.objects.filter(user=neighbour, title__contains="停电检修").exists()
    shown = selectors.slot_list(venue=venue, first_day=date(2026, 3, 2))
    assert date(2026, 3, 4) not in {timezone.localtime(s.starts_at).date() for s in shown}
    with pytest.raises(DomainError) as caught:
        services.booking_make(actor=neighbour, slot_id=wednesday.pk)
    assert caught.value.code == "venue_closed"
    # Generating again leaves the closed day closed.
    services.slots_generate(actor=worker, venue_id=venue.pk, first_day=date(2026, 3, 2), days=7)
    assert len(selectors.slot_list(venue=venue, first_day=date(2026, 3, 2))) == 6
    assert AuditEvent.objects.get(verb="venue.close_day").reason == "停电检修"

    services.venue_reopen_day(actor=worker, venue_id=venue.pk, day=date(2026, 3, 4))
    services.slots_generate(actor=worker, venue_id=venue.pk, first_day=date(2026, 3, 2), days=7)
    assert len(selectors.slot_list(venue=venue, first_day=date(2026, 3, 2))) == 9
    assert not VenueClosure.objects.exists()


def test_a_worker_may_not_set_up_a_room_in_another_community() -> None:
    worker = make_staff("keeper2", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    with pytest.raises(PermissionDenied):
        services.venue_create(actor=worker, **ROOM)
    assert not Venue.objects.exists()
    assert not AuditEvent.objects.filter(verb="venue.create").exists()
    hall = {**ROOM, "kind": "hall", "division_code": None}
    with pytest.raises(PermissionDenied):
        services.venue_create(actor=worker, **hall)
    assert not Venue.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"closes_at": time(8, 0)}, "closes_at", "晚于"),
        ({"open_weekdays": ""}, "open_weekdays", "至少"),
        ({"open_weekdays": "19"}, "open_weekdays", "至少"),
        ({"division_code": YULIN}, "division_code", "社区"),
        ({"division_code": "999999999999"}, "division_code", "区域"),
        ({"slot_minutes": 240}, "slot_minutes", "开放时间"),
        ({"capacity": 0}, "capacity", "名额"),
        ({"name": "<b>室</b>"}, "name", ""),
        ({"kind": "pool"}, "kind", "选项"),
    ],
)
def test_bad_venues_are_refused_in_chinese_and_nothing_is_written(
    change: dict[str, Any], field: str, message: str
) -> None:
    committee = make_staff("committee-v", Role.CITY_COMMITTEE, CITY)
    with pytest.raises(DomainError) as caught:
        services.venue_create(actor=committee, **{**ROOM, **change})
    assert caught.value.field == field
    with translation.override("zh-hans"):
        assert message in str(caught.value)
    assert not Venue.objects.exists()
    assert not AuditEvent.objects.filter(verb="venue.create").exists()


def test_an_update_is_audited_and_a_bad_one_changes_nothing() -> None:
    committee = make_staff("committee-u", Role.CITY_COMMITTEE, CITY)
    venue = services.venue_create(actor=committee, **ROOM)
    with pytest.raises(DomainError):
        services.venue_update(actor=committee, venue_id=venue.pk, capacity=0, name="新名字")
    venue.refresh_from_db()
    assert (venue.name, venue.capacity) == (ROOM["name"], 3)
    services.venue_update(actor=committee, venue_id=venue.pk, capacity=8, open_weekdays="6712345")
    venue.refresh_from_db()
    assert (venue.capacity, venue.open_weekdays) == (8, "1234567")
    changes = AuditEvent.objects.get(verb="venue.update").changes
    assert changes["capacity"] == [3, 8]
    far = make_staff("keeper3", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    with pytest.raises(NotFound):
        services.venue_update(actor=far, venue_id=venue.pk, capacity=9)


def _api(client: Client, method: str, url: str, body: Any = None) -> Any:
    return getattr(client, method)(
        url, body or {}, content_type="application/json", headers={"accept-language": "zh-hans"}
    )


@time_machine.travel(MONDAY, tick=False)
def test_venues_through_the_api(client: Client) -> None:
    client.force_login(make_staff("keeper4", Role.COMMUNITY_WORKER, NIJIAQIAO))
    body = {**ROOM, "opens_at": "09:00", "closes_at": "12:00"}
    created = _api(client, "post", "/api/v1/bookings/staff/venues", body)
    assert created.status_code == 201, created.content
    venue = created.json()
    assert venue["division_code"] == NIJIAQIAO
    assert (venue["opens_at"], venue["closes_at"]) == ("09:00", "12:00")
    bad = _api(client, "patch", f"/api/v1/bookings/staff/venues/{venue['id']}", {"capacity": 0})
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/problem+json"
    assert bad.json()["field"] == "capacity"
    assert "名额" in bad.json()["title"]
    moved = _api(
        client,
        "patch",
        f"/api/v1/bookings/staff/venues/{venue['id']}",
        {"division_code": SHUIJINGFANG},
    )
    assert moved.status_code == 403
    assert Venue.objects.get().community_id == NIJIAQIAO
    slots = _api(
        client,
        "post",
        f"/api/v1/bookings/staff/venues/{venue['id']}/slots",
        {"first_day": "2026-03-02", "days": 7},
    )
    assert slots.json() == {"created": 9, "uncovered_from": None}
    closed = _api(
        client,
        "post",
        f"/api/v1/bookings/staff/venues/{venue['id']}/closures",
        {"day": "2026-03-06", "reason": "社区活动"},
    )
    assert closed.status_code == 201
    assert closed.json()["bookings_cancelled"] == 0
    twice = _api(
        client,
        "post",
        f"/api/v1/bookings/staff/venues/{venue['id']}/closures",
        {"day": "2026-03-06", "reason": "社区活动"},
    )
    assert twice.json()["code"] == "already_closed"
    past = _api(
        client,
        "post",
        f"/api/v1/bookings/staff/venues/{venue['id']}/closures",
        {"day": "2026-03-01", "reason": "补记"},
    )
    assert past.json()["code"] == "day_past"
    listed = client.get(f"/api/v1/bookings/staff/venues/{venue['id']}/closures").json()
    assert [c["day"] for c in listed] == ["2026-03-06"]
    reopened = client.delete(f"/api/v1/bookings/staff/venues/{venue['id']}/closures/2026-03-06")
    assert reopened.status_code == 204
    assert [v["id"] for v in client.get("/api/v1/bookings/staff/venues").json()] == [venue["id"]]

    client.logout()
    client.force_login(make_staff("keeper5", Role.COMMUNITY_WORKER, SHUIJINGFANG))
    assert client.get("/api/v1/bookings/staff/venues").json() == []
    hidden = _api(client, "post", f"/api/v1/bookings/staff/venues/{venue['id']}/slots", {})
    assert hidden.status_code == 404


@time_machine.travel(MONDAY, tick=False)
def test_the_console_sets_up_a_venue_with_the_area_picker(client: Client) -> None:
    client.force_login(make_staff("committee-c", Role.CITY_COMMITTEE, CITY))
    assert client.get("/console/bookings/new/").status_code == 200
    form = {
        "kind": "room",
        "name": "倪家桥社区党群服务中心·棋牌室",
        "address": "",
        "district": WUHOU,
        "street": YULIN,
        "community": "",
        "opens_at": "14:00",
        "closes_at": "18:00",
        "open_weekdays": ["6", "7"],
        "slot_minutes": "120",
        "capacity": "8",
        "max_per_week": "2",
        "is_open": "on",
    }
    refused = client.post("/console/bookings/new/", form)
    assert refused.status_code == 400
    assert "一直选到社区" in refused.content.decode()
    assert not Venue.objects.exists()

    done = client.post("/console/bookings/new/", {**form, "community": NIJIAQIAO})
    venue = Venue.objects.get()
    assert done["Location"] == f"/console/bookings/{venue.pk}/"
    assert (venue.community_id, venue.open_weekdays) == (NIJIAQIAO, "67")
    edit = client.get(f"/console/bookings/{venue.pk}/edit/").content.decode()
    assert f'value="{NIJIAQIAO}" selected' in edit
    generated = client.post(
        f"/console/bookings/{venue.pk}/action/", {"action": "generate", "days": "7"}, follow=True
    )
    assert "4" in generated.content.decode()  # Saturday and Sunday, two slots each
    assert venue.slots.count() == 4
    closed = client.post(
        f"/console/bookings/{venue.pk}/close-day/",
        {"day": "2026-03-07", "reason": "场地维修"},
        follow=True,
    )
    page = closed.content.decode()
    assert "场地维修" in page
    assert venue.slots.count() == 2
    empty = client.post(
        f"/console/bookings/{venue.pk}/close-day/", {"day": "2026-03-08", "reason": ""}, follow=True
    )
    assert "必填" in empty.content.decode()
    assert VenueClosure.objects.count() == 1
