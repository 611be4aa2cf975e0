"""Real threads racing for the last places, on PostgreSQL (row locks are meaningless on SQLite)."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from shequ.bookings import services
from shequ.bookings.models import Booking, Slot, Venue
from shequ.core.errors import DomainError
from shequ.places.services import divisions_load
from tests.bookings.conftest import make_neighbour
from tests.factories import NIJIAQIAO

pytestmark = pytest.mark.postgres


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
