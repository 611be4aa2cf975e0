"""Real threads racing for the last places, on PostgreSQL (row locks are meaningless on SQLite)."""

import threading
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connections
from django.utils import timezone

from shequ.bookings import services
from shequ.bookings.classes import services as class_services
from shequ.bookings.models import Booking, Enrolment, Slot, Venue
from shequ.core.errors import DomainError
from shequ.core.scopes import Role
from shequ.people.models import User
from shequ.places.services import divisions_load
from tests.bookings.conftest import make_neighbour
from tests.factories import NIJIAQIAO, make_staff

pytestmark = pytest.mark.postgres
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.postgres("row-level locking under real concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_forty_threads_for_five_places_exactly_five_win() -> None:
    divisions_load()
    venue = Venue.objects.create(
        kind=Venue.Kind.ROOM, community_id=NIJIAQIAO, name="教室", capacity=5, max_per_week=5
    )
    start = timezone.now() + timedelta(days=1)
    slot = Slot.objects.create(
        venue=venue, starts_at=start, ends_at=start + timedelta(hours=1), capacity=5
    )
    users = [make_neighbour(f"racer{i}") for i in range(40)]
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(users))

    def attempt(user) -> None:
        try:
            barrier.wait()
            services.booking_make(actor=user, slot_id=slot.pk)
            result = "ok"
        except DomainError as error:
            result = error.code
        except Exception as error:
            result = f"error:{type(error).__name__}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    slot.refresh_from_db()
    assert outcomes.count("ok") == 5
    assert outcomes.count("slot_full") == 35
    assert slot.booked == 5
    assert Booking.objects.filter(slot=slot, status="confirmed").count() == 5


@pytest.mark.postgres("row-level locking under real concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_thirty_residents_for_three_class_places_exactly_three_get_in() -> None:
    divisions_load()
    with time_machine.travel(datetime(2026, 12, 11, 10, 0, tzinfo=SHANGHAI), tick=True):
        worker = make_staff("worker", Role.COMMUNITY_WORKER, NIJIAQIAO)
        room = Venue.objects.create(kind=Venue.Kind.ROOM, community_id=NIJIAQIAO, name="舞蹈室")
        created = class_services.class_create(
            actor=worker,
            data=class_services.ClassIn(
                name="广场舞",
                kind="dance",
                venue_id=room.pk,
                weekday=3,
                starts_at=time(19, 0),
                ends_at=time(20, 0),
                first_day=date(2026, 12, 14),
                last_day=date(2027, 1, 31),
                capacity=3,
            ),
        )
        class_services.class_publish(actor=worker, class_id=created.pk)
        users = [make_neighbour(f"dancer{i}") for i in range(30)]
        outcomes: list[str] = []
        lock = threading.Lock()
        barrier = threading.Barrier(len(users))

        def attempt(user: User) -> None:
            try:
                barrier.wait()
                class_services.enrolment_make(actor=user, class_id=created.pk)
                result = "ok"
            except DomainError as error:
                result = error.code
            except Exception as error:
                result = f"error:{type(error).__name__}"
            finally:
                connections.close_all()
            with lock:
                outcomes.append(result)

        threads = [threading.Thread(target=attempt, args=(u,)) for u in users]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    created.refresh_from_db()
    assert outcomes.count("ok") == 3
    assert outcomes.count("class_full") == 27
    assert created.enrolled == 3
    assert Enrolment.objects.filter(centre_class=created, status="enrolled").count() == 3
