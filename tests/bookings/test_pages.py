from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shequ.bookings import services
from shequ.bookings.models import Booking, Slot
from shequ.core.scopes import Role
from tests.bookings.conftest import make_neighbour
from tests.factories import SHUIJINGFANG, make_staff


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def add_slots(room, n: int) -> list[Slot]:
    base = timezone.now() + timedelta(days=1)
    return [
        Slot.objects.create(
            venue=room,
            starts_at=base + timedelta(hours=3 * k + 1),
            ends_at=base + timedelta(hours=3 * k + 2),
            capacity=2,
        )
        for k in range(n)
    ]


def test_resident_books_from_the_page_and_downloads_ics(client: Client, room, neighbour) -> None:
    slot = add_slots(room, 1)[0]
    client.force_login(neighbour)
    html = client.get(f"/bookings/venues/{room.pk}/").content.decode()
    assert 'data-testid="slot-row"' in html
    response = client.post(f"/bookings/slots/{slot.pk}/book/")
    assert response["Location"] == "/bookings/mine/"
    assert "已确认" in client.get("/bookings/mine/").content.decode()
    ics = client.get("/bookings/mine.ics")
    assert ics["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in ics.content


def test_rooms_of_other_communities_are_hidden(client: Client, room) -> None:
    client.force_login(make_neighbour("far", SHUIJINGFANG))
    assert 'data-testid="venue-row"' not in client.get("/bookings/").content.decode()
    assert client.get(f"/bookings/venues/{room.pk}/").status_code == 404


def test_lists_keep_a_constant_query_count(client: Client, room, neighbour) -> None:
    client.force_login(neighbour)
    first = add_slots(room, 2)
    services.booking_make(actor=neighbour, slot_id=first[0].pk)
    counts = [queries(client, u) for u in ("/bookings/mine/", f"/bookings/venues/{room.pk}/")]
    api = queries(client, "/api/v1/bookings/mine")
    more = add_slots(room, 4)
    for slot in more[:1]:
        services.booking_make(actor=neighbour, slot_id=slot.pk)
    assert [queries(client, u) for u in ("/bookings/mine/", f"/bookings/venues/{room.pk}/")] == (
        counts
    )
    assert queries(client, "/api/v1/bookings/mine") == api


def test_console_no_show_is_scoped(client: Client, room, neighbour) -> None:
    slot = add_slots(room, 1)[0]
    booking = services.booking_make(actor=neighbour, slot_id=slot.pk)
    Slot.objects.filter(pk=slot.pk).update(starts_at=timezone.now() - timedelta(minutes=1))
    client.force_login(make_staff("far_worker", Role.COMMUNITY_WORKER, SHUIJINGFANG))
    assert client.get(f"/console/bookings/{room.pk}/").status_code == 404
    assert client.post(f"/console/bookings/bookings/{booking.pk}/no-show/").status_code == 404
    client.force_login(make_staff("near_worker", Role.COMMUNITY_WORKER, room.community_id))
    client.post(f"/console/bookings/bookings/{booking.pk}/no-show/")
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.NO_SHOW


def test_api_book_full_and_closed(client: Client, room, neighbour) -> None:
    slot = add_slots(room, 1)[0]
    client.force_login(neighbour)
    made = client.post(
        "/api/v1/bookings/mine", {"slot_id": slot.pk}, content_type="application/json"
    )
    assert made.status_code == 201
    room.is_open = False
    room.save()
    other = make_neighbour("other")
    client.force_login(other)
    closed = client.post(
        "/api/v1/bookings/mine", {"slot_id": slot.pk}, content_type="application/json"
    )
    assert closed.status_code == 400
    assert closed.json()["code"] == "venue_closed"
