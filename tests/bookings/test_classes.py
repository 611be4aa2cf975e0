"""Service-centre classes (社区活动): a worker publishes a weekly class that holds its room;
residents of the community sign up for the whole course, wait in line when it is full and
move up when someone withdraws; staff mark attendance per session. The clock stands still on
Friday 11 December 2026 unless a test moves it."""

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone, translation

from shequ.bookings import services as booking_services
from shequ.bookings.classes import selectors, services
from shequ.bookings.classes.services import ClassIn
from shequ.bookings.models import (
    CentreClass,
    ClassAttendance,
    ClassSession,
    Enrolment,
    Slot,
    Venue,
    VenueClosure,
)
from shequ.core.errors import DomainError, NotFound
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.notices.models import Message
from shequ.people.models import User
from tests.bookings.conftest import make_neighbour
from tests.factories import NIJIAQIAO, SHUIJINGFANG, make_staff

pytestmark = pytest.mark.usefixtures("chengdu")
SHANGHAI = ZoneInfo("Asia/Shanghai")
FRIDAY = datetime(2026, 12, 11, 10, 0, tzinfo=SHANGHAI)
FIRST_SESSION = datetime(2026, 12, 16, 19, 0, tzinfo=SHANGHAI)  # a Wednesday


@pytest.fixture(autouse=True)
def friday() -> Iterator[Any]:
    with time_machine.travel(FRIDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def worker() -> User:
    return make_staff("worker", Role.COMMUNITY_WORKER, NIJIAQIAO)


@pytest.fixture
def dance_room() -> Venue:
    return Venue.objects.create(
        kind=Venue.Kind.ROOM,
        community_id=NIJIAQIAO,
        name="倪家桥社区党群服务中心·舞蹈室",
        opens_at=time(9, 0),
        closes_at=time(21, 0),
        open_weekdays="12345",
    )


def dance(room: Venue, **changes: Any) -> ClassIn:
    values: dict[str, Any] = {
        "name": "周三晚广场舞",
        "kind": "dance",
        "venue_id": room.pk,
        "host": "李老师",
        "description": "零基础可学",
        "weekday": 3,
        "starts_at": time(19, 0),
        "ends_at": time(20, 30),
        "first_day": date(2026, 12, 14),
        "last_day": date(2027, 1, 31),
        "capacity": 2,
        **changes,
    }
    return ClassIn(**values)


@pytest.fixture
def published(worker: User, dance_room: Venue) -> CentreClass:
    created = services.class_create(actor=worker, data=dance(dance_room))
    return services.class_publish(actor=worker, class_id=created.pk)


def test_a_weekly_class_gets_its_sessions_and_shows_this_week_once_published(
    worker: User, dance_room: Venue
) -> None:
    created = services.class_create(actor=worker, data=dance(dance_room))

    starts = [timezone.localtime(s.starts_at) for s in created.sessions.order_by("starts_at")]
    assert [s.date() for s in starts] == [
        date(2026, 12, 16) + timedelta(weeks=n) for n in range(7)
    ]  # Wednesdays 16 Dec … 27 Jan
    assert all(s.hour == 19 for s in starts)
    # Sign-up runs from now until the last session starts.
    assert created.signup_closes == datetime(2027, 1, 27, 19, 0, tzinfo=SHANGHAI)
    week = date(2026, 12, 14)
    assert not selectors.sessions_in_week(community_code=NIJIAQIAO, monday=week).exists()

    services.class_publish(actor=worker, class_id=created.pk)

    this_week = list(selectors.sessions_in_week(community_code=NIJIAQIAO, monday=week))
    assert [s.centre_class.name for s in this_week] == ["周三晚广场舞"]
    assert AuditEvent.objects.filter(verb__in=["class.create", "class.publish"]).count() == 2


def test_the_first_waiting_resident_moves_up_when_someone_withdraws(
    published: CentreClass,
) -> None:
    alice, bob, carol, dave = (make_neighbour(n) for n in ("alice", "bob", "carol", "dave"))
    services.enrolment_make(actor=alice, class_id=published.pk)
    services.enrolment_make(actor=bob, class_id=published.pk)

    with pytest.raises(DomainError) as full:
        services.enrolment_make(actor=carol, class_id=published.pk)
    assert full.value.code == "class_full"
    carol_waits = services.enrolment_make(actor=carol, class_id=published.pk, wait=True)
    services.enrolment_make(actor=dave, class_id=published.pk, wait=True)
    assert carol_waits.status == Enrolment.Status.WAITING
    assert selectors.place_of(user=dave, centre_class=published).position == 2

    services.enrolment_withdraw(actor=alice, class_id=published.pk)

    published.refresh_from_db()
    assert published.enrolled == 2
    assert selectors.place_of(user=carol, centre_class=published).status == "enrolled"
    assert selectors.place_of(user=dave, centre_class=published).position == 1
    assert Message.objects.filter(user=carol, title__contains="周三晚广场舞").count() == 2
    with pytest.raises(DomainError) as twice:
        services.enrolment_make(actor=bob, class_id=published.pk, wait=True)
    assert twice.value.code == "already_enrolled"


def test_a_clash_in_the_room_is_refused_in_chinese_and_nothing_is_saved(
    worker: User, dance_room: Venue, published: CentreClass
) -> None:
    before = (CentreClass.objects.count(), ClassSession.objects.count())
    overlapping = dance(
        dance_room,
        name="刺绣班",
        kind="embroidery",
        starts_at=time(20, 0),
        ends_at=time(21, 0),
        first_day=date(2027, 1, 4),
    )

    with translation.override("zh-hans"), pytest.raises(DomainError) as clash:
        services.class_create(actor=worker, data=overlapping)

    assert clash.value.code == "room_taken"
    assert str(clash.value) == (
        "倪家桥社区党群服务中心·舞蹈室 在 2027-01-06 19:00–20:30 已被“周三晚广场舞”占用："
        "请另选时间或场地。"
    )
    assert (CentreClass.objects.count(), ClassSession.objects.count()) == before
    # Straight after the dance class it fits.
    services.class_create(
        actor=worker,
        data=dance(dance_room, name="刺绣班", starts_at=time(20, 30), ends_at=time(21, 30)),
    )


def test_a_closed_day_and_residents_bookings_hold_the_room_too(
    worker: User, dance_room: Venue
) -> None:
    VenueClosure.objects.create(venue=dance_room, day=date(2026, 12, 30), reason="消防检查")
    with translation.override("zh-hans"), pytest.raises(DomainError) as closed:
        services.class_create(actor=worker, data=dance(dance_room))
    assert closed.value.code == "room_closed"
    assert "2026-12-30" in str(closed.value)
    assert "消防检查" in str(closed.value)

    start = datetime(2026, 12, 17, 10, 0, tzinfo=SHANGHAI)
    slot = Slot.objects.create(
        venue=dance_room, starts_at=start, ends_at=start + timedelta(hours=1), capacity=2
    )
    booking_services.booking_make(actor=make_neighbour("reader"), slot_id=slot.pk)
    thursday = dance(
        dance_room,
        weekday=4,
        starts_at=time(10, 30),
        ends_at=time(11, 30),
        last_day=date(2026, 12, 24),
    )
    with pytest.raises(DomainError) as booked:
        services.class_create(actor=worker, data=thursday)
    assert booked.value.code == "room_booked"
    assert not CentreClass.objects.exists()


def test_sessions_take_the_rooms_free_slots_and_slot_generation_skips_them(
    worker: User, dance_room: Venue
) -> None:
    first = datetime(2026, 12, 16, 15, 0, tzinfo=SHANGHAI)
    free = Slot.objects.create(
        venue=dance_room, starts_at=first, ends_at=first + timedelta(hours=1), capacity=2
    )
    services.class_create(
        actor=worker,
        data=dance(
            dance_room, starts_at=time(15, 0), ends_at=time(16, 0), last_day=date(2026, 12, 31)
        ),
    )
    assert not Slot.objects.filter(pk=free.pk).exists()

    booking_services.slots_generate(
        actor=None, venue_id=dance_room.pk, first_day=date(2026, 12, 14), days=14
    )

    wednesday = {
        timezone.localtime(s.starts_at).hour
        for s in Slot.objects.filter(venue=dance_room)
        if timezone.localtime(s.starts_at).date() == date(2026, 12, 23)
    }
    assert 15 not in wednesday
    assert {9, 14, 16, 20} <= wednesday


def test_staff_of_another_community_cannot_see_or_use_the_class(
    client: Client, published: CentreClass, dance_room: Venue
) -> None:
    stranger = make_staff("stranger", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    assert not selectors.class_list_for(user=stranger).exists()
    with pytest.raises(NotFound):
        services.class_publish(actor=stranger, class_id=published.pk)
    with pytest.raises(NotFound):
        services.class_create(actor=stranger, data=dance(dance_room, name="借用"))
    client.force_login(stranger)
    assert client.get(f"/console/bookings/classes/{published.pk}/").status_code == 404
    assert client.get(f"/console/bookings/classes/{published.pk}/edit/").status_code == 404
    response = client.post(
        f"/console/bookings/classes/{published.pk}/action/",
        {"action": "cancel", "reason": "试试"},
    )
    assert response.status_code == 404
    published.refresh_from_db()
    assert published.status == CentreClass.Status.PUBLISHED


def test_sign_up_closes_and_is_for_the_community_only(published: CentreClass, friday: Any) -> None:
    with pytest.raises(DomainError) as outsider:
        services.enrolment_make(actor=make_neighbour("far", SHUIJINGFANG), class_id=published.pk)
    assert outsider.value.code == "not_your_community"

    late = make_neighbour("late")
    friday.move_to(datetime(2027, 1, 27, 19, 1, tzinfo=SHANGHAI))
    with translation.override("zh-hans"), pytest.raises(DomainError) as closed:
        services.enrolment_make(actor=late, class_id=published.pk)
    assert closed.value.code == "signup_closed"
    assert str(closed.value) == "该活动报名已截止。"
    assert not Enrolment.objects.filter(user=late).exists()


def test_staff_mark_attendance_once_a_session_has_begun(
    worker: User, published: CentreClass, friday: Any
) -> None:
    alice, bob = make_neighbour("alice"), make_neighbour("bob")
    services.enrolment_make(actor=alice, class_id=published.pk)
    services.enrolment_make(actor=bob, class_id=published.pk)
    first = published.sessions.order_by("starts_at").first()
    assert first is not None
    with pytest.raises(DomainError) as early:
        services.attendance_mark(actor=worker, session_id=first.pk, present=[alice.pk])
    assert early.value.code == "not_started"

    friday.move_to(FIRST_SESSION + timedelta(minutes=10))
    with pytest.raises(DomainError) as stranger:
        services.attendance_mark(
            actor=worker, session_id=first.pk, present=[make_neighbour("x").pk]
        )
    assert stranger.value.code == "not_enrolled"
    assert services.attendance_mark(actor=worker, session_id=first.pk, present=[alice.pk]) == 1

    marked = dict(ClassAttendance.objects.values_list("user_id", "present"))
    assert marked == {alice.pk: True, bob.pk: False}
    rows = selectors.session_attendance(first)
    assert [(r.enrolment.user_id, r.present) for r in rows] == [(alice.pk, True), (bob.pk, False)]


def test_a_published_class_keeps_its_schedule_and_cancelling_tells_everyone(
    worker: User, dance_room: Venue, published: CentreClass
) -> None:
    alice = make_neighbour("alice")
    services.enrolment_make(actor=alice, class_id=published.pk)
    with pytest.raises(DomainError) as locked:
        services.class_update(
            actor=worker, class_id=published.pk, data=dance(dance_room, weekday=5)
        )
    assert locked.value.code == "schedule_locked"
    renamed = services.class_update(
        actor=worker, class_id=published.pk, data=dance(dance_room, name="周三晚排舞", capacity=3)
    )
    assert (renamed.name, renamed.capacity) == ("周三晚排舞", 3)

    services.class_cancel(actor=worker, class_id=published.pk, reason="老师生病")

    assert Message.objects.filter(user=alice, title__contains="老师生病").exists()
    # The room is free again on Wednesday evenings.
    services.class_create(actor=worker, data=dance(dance_room, name="新舞蹈班"))


def test_a_draft_moves_to_another_evening_and_more_places_let_the_line_in(
    worker: User, dance_room: Venue
) -> None:
    draft = services.class_create(actor=worker, data=dance(dance_room, capacity=1))
    moved = services.class_update(
        actor=worker, class_id=draft.pk, data=dance(dance_room, weekday=5, capacity=1)
    )
    assert {timezone.localtime(s.starts_at).isoweekday() for s in moved.sessions.all()} == {5}
    services.class_publish(actor=worker, class_id=draft.pk)
    alice, bob = make_neighbour("alice"), make_neighbour("bob")
    services.enrolment_make(actor=alice, class_id=draft.pk)
    services.enrolment_make(actor=bob, class_id=draft.pk, wait=True)
    with pytest.raises(DomainError) as fewer:
        services.class_update(
            actor=worker, class_id=draft.pk, data=dance(dance_room, weekday=5, capacity=0)
        )
    assert fewer.value.code == "out_of_range"

    services.class_update(
        actor=worker, class_id=draft.pk, data=dance(dance_room, weekday=5, capacity=2)
    )

    assert selectors.place_of(user=bob, centre_class=moved).status == "enrolled"
