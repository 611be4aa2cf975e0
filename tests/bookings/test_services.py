from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from shequ.bookings import services
from shequ.bookings.ics import bookings_to_ical
from shequ.bookings.models import Booking, Slot, Venue
from shequ.core.errors import DomainError, NotFound
from shequ.core.scopes import Role
from shequ.notices.models import Message
from tests.bookings.conftest import make_neighbour
from tests.factories import SHUIJINGFANG, make_staff


def test_booking_takes_a_place_and_messages(slot, neighbour) -> None:
    booking = services.booking_make(actor=neighbour, slot_id=slot.pk)
    assert booking.status == Booking.Status.CONFIRMED
    slot.refresh_from_db()
    assert slot.booked == 1
    assert Message.objects.filter(user=neighbour, category="booking").count() == 1


def test_full_slot_refuses_or_queues_and_cancel_promotes(slot) -> None:
    a, b, c = (make_neighbour(n) for n in ("na", "nb", "nc"))
    first = services.booking_make(actor=a, slot_id=slot.pk)
    services.booking_make(actor=b, slot_id=slot.pk)
    with pytest.raises(DomainError) as caught:
        services.booking_make(actor=c, slot_id=slot.pk)
    assert caught.value.code == "slot_full"
    waiting = services.booking_make(actor=c, slot_id=slot.pk, wait=True)
    assert waiting.status == Booking.Status.WAITING
    services.booking_cancel(actor=a, booking_id=first.pk)
    waiting.refresh_from_db()
    slot.refresh_from_db()
    assert waiting.status == Booking.Status.CONFIRMED
    assert slot.booked == 2
    assert Message.objects.filter(user=c, title__contains="舞蹈室").count() == 2


def test_database_refuses_overbooking_even_without_python_checks(slot) -> None:
    Slot.objects.filter(pk=slot.pk).update(booked=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(booked=3)


def test_same_resident_cannot_hold_two_places(slot, neighbour) -> None:
    services.booking_make(actor=neighbour, slot_id=slot.pk)
    with pytest.raises(DomainError) as caught:
        services.booking_make(actor=neighbour, slot_id=slot.pk)
    assert caught.value.code == "already_booked"


def test_weekly_limit(room, neighbour) -> None:
    start = timezone.now() + timedelta(days=7)
    start = start - timedelta(days=start.weekday())  # a Monday next week
    slots = [
        Slot.objects.create(
            venue=room,
            starts_at=start + timedelta(hours=h),
            ends_at=start + timedelta(hours=h + 1),
            capacity=2,
        )
        for h in (1, 2, 3)
    ]
    services.booking_make(actor=neighbour, slot_id=slots[0].pk)
    services.booking_make(actor=neighbour, slot_id=slots[1].pk)
    with pytest.raises(DomainError) as caught:
        services.booking_make(actor=neighbour, slot_id=slots[2].pk)
    assert caught.value.code == "weekly_limit"


@pytest.mark.parametrize(
    ("change", "code"),
    [("closed", "venue_closed"), ("past", "slot_past"), ("stranger", "not_your_community")],
)
def test_refusals_change_nothing(slot, neighbour, change, code) -> None:
    actor = neighbour
    if change == "closed":
        Venue.objects.filter(pk=slot.venue_id).update(is_open=False)
    elif change == "past":
        Slot.objects.filter(pk=slot.pk).update(starts_at=timezone.now() - timedelta(hours=1))
    else:
        actor = make_neighbour("far", SHUIJINGFANG)
    with pytest.raises(DomainError) as caught:
        services.booking_make(actor=actor, slot_id=slot.pk)
    assert caught.value.code == code
    slot.refresh_from_db()
    assert slot.booked == 0
    assert not Booking.objects.exists()


def test_cancel_of_anothers_booking_is_not_found(slot, neighbour) -> None:
    booking = services.booking_make(actor=neighbour, slot_id=slot.pk)
    with pytest.raises(NotFound):
        services.booking_cancel(actor=make_neighbour("other"), booking_id=booking.pk)


def test_no_show_only_by_venue_staff_after_start(slot, neighbour) -> None:
    booking = services.booking_make(actor=neighbour, slot_id=slot.pk)
    worker = make_staff("wk", Role.COMMUNITY_WORKER, slot.venue.community_id)
    with pytest.raises(DomainError) as caught:
        services.booking_mark_no_show(actor=worker, booking_id=booking.pk)
    assert caught.value.code == "not_started"
    Slot.objects.filter(pk=slot.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    far = make_staff("wk2", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    with pytest.raises(NotFound):
        services.booking_mark_no_show(actor=far, booking_id=booking.pk)
    marked = services.booking_mark_no_show(actor=worker, booking_id=booking.pk)
    assert marked.status == Booking.Status.NO_SHOW


def test_slots_follow_opening_hours_and_holidays(room) -> None:
    Venue.objects.filter(pk=room.pk).update(open_weekdays="12345", slot_minutes=120)
    # 2025-09-27 Sat closed, 09-28 Sun make-up working day, 10-01..08 holidays
    generated = services.slots_generate(
        actor=None, venue_id=room.pk, first_day=date(2025, 9, 27), days=14
    )
    days = sorted({timezone.localtime(s.starts_at).date() for s in Slot.objects.filter(venue=room)})
    assert date(2025, 9, 27) not in days
    assert date(2025, 9, 28) in days
    assert not any(date(2025, 10, 1) <= d <= date(2025, 10, 8) for d in days)
    assert generated == services.SlotsGenerated(created=len(days) * 4)  # 09:00–17:00, 2 h
    again = services.slots_generate(
        actor=None, venue_id=room.pk, first_day=date(2025, 9, 27), days=14
    )
    assert again.created == 0


def test_no_slots_are_opened_past_the_holiday_table_and_staff_are_told(client, room) -> None:
    # The shipped table ends with 2026: 2027's Spring Festival is not known yet.
    Venue.objects.filter(pk=room.pk).update(open_weekdays="1234567", slot_minutes=240)
    generated = services.slots_generate(
        actor=None, venue_id=room.pk, first_day=date(2026, 12, 28), days=10
    )

    days = {timezone.localtime(s.starts_at).date() for s in Slot.objects.filter(venue=room)}
    assert max(days) == date(2026, 12, 31)
    assert generated.uncovered_from == date(2027, 1, 1)

    staff = make_staff("venue-keeper", Role.COMMUNITY_WORKER, room.community_id)
    with time_machine.travel(datetime(2026, 12, 28, 9, tzinfo=timezone.get_current_timezone())):
        client.force_login(staff)
        response = client.post(
            f"/console/bookings/{room.pk}/action/",
            {"action": "generate", "days": "10"},
            follow=True,
        )
    page = response.content.decode()
    assert "2027-01-01" in page
    assert "节假日表" in page


def test_reminders_are_sent_once(slot, neighbour) -> None:
    Slot.objects.filter(pk=slot.pk).update(starts_at=timezone.now() + timedelta(hours=3))
    services.booking_make(actor=neighbour, slot_id=slot.pk)
    assert services.booking_reminders_send() == 1
    assert services.booking_reminders_send() == 0


def test_ical_export(slot, neighbour) -> None:
    booking = services.booking_make(actor=neighbour, slot_id=slot.pk)
    text = bookings_to_ical([booking])
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert f"UID:booking-{booking.pk}@shequ.invalid" in text
    assert "STATUS:CONFIRMED" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
