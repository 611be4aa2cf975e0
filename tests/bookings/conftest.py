from datetime import timedelta

import pytest
from django.utils import timezone

from shequ.bookings.models import Slot, Venue
from shequ.people.models import User
from tests.factories import NIJIAQIAO, make_resident, make_user


@pytest.fixture
def room(chengdu: None) -> Venue:
    return Venue.objects.create(
        kind=Venue.Kind.ROOM,
        community_id=NIJIAQIAO,
        name="倪家桥社区党群服务中心·舞蹈室",
        capacity=2,
        max_per_week=2,
    )


@pytest.fixture
def slot(room: Venue) -> Slot:
    start = timezone.now() + timedelta(days=2)
    return Slot.objects.create(
        venue=room, starts_at=start, ends_at=start + timedelta(hours=1), capacity=2
    )


def make_neighbour(name: str, community: str = NIJIAQIAO) -> User:
    user = make_user(name)
    make_resident(community, user=user, name=name[:10])
    return user


@pytest.fixture
def neighbour() -> User:
    return make_neighbour("neighbour1")
