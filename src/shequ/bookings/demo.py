"""Demo venues: rooms of two 党群服务中心, a district service hall and a venue for every booking
service of the demo catalogue (``data/venues.psv``), with two weeks of slots."""

from datetime import time
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from shequ.bookings.models import Venue
from shequ.bookings.services import slots_generate
from shequ.catalogue.models import Service
from shequ.people.demo import NIJIAQIAO, SHUIJINGFANG, ensure_departments
from shequ.places.models import Division

ROOMS = [
    ("阅览室", 20, time(9, 0), time(21, 0), 120, "1234567"),
    ("舞蹈室", 15, time(9, 0), time(21, 0), 60, "1234567"),
    ("教室", 30, time(9, 0), time(18, 0), 120, "123456"),
]


DATA = Path(__file__).resolve().parent / "data" / "venues.psv"


def _service_venues() -> int:
    """A hall venue for each booking service of ``data/venues.psv`` that has none."""
    created = 0
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, name, address, opens, closes, weekdays, minutes, places = line.split("|")
        service = Service.objects.filter(code=code).select_related("department").first()
        if service is None or Venue.objects.filter(service=service).exists():
            continue
        Venue.objects.create(
            kind=Venue.Kind.HALL,
            name=name,
            address=address,
            department=service.department,
            service=service,
            opens_at=time.fromisoformat(opens),
            closes_at=time.fromisoformat(closes),
            open_weekdays=weekdays,
            slot_minutes=int(minutes),
            capacity=int(places),
            max_per_week=2,
        )
        created += 1
    return created


@transaction.atomic
def seed_bookings(*, days: int = 14) -> int:
    """Create missing venues and their next ``days`` days of slots; returns venues created."""
    departments = ensure_departments()
    room_service = Service.objects.filter(code="dangqun-yuyue").first()
    hall_service = Service.objects.filter(code="zhengwu-yuyue").first()
    created = 0
    for code in (NIJIAQIAO, SHUIJINGFANG):
        community = Division.objects.filter(pk=code).first()
        if community is None:
            continue
        for name, capacity, opens, closes, minutes, weekdays in ROOMS:
            venue, made = Venue.objects.get_or_create(
                kind=Venue.Kind.ROOM,
                community=community,
                name=f"{community.name}党群服务中心·{name}",
                defaults={
                    "address": f"{community.name}党群服务中心",
                    "capacity": capacity,
                    "opens_at": opens,
                    "closes_at": closes,
                    "slot_minutes": minutes,
                    "open_weekdays": weekdays,
                    "max_per_week": 2,
                    "service": room_service,
                },
            )
            created += int(made)
    _hall, made = Venue.objects.get_or_create(
        kind=Venue.Kind.HALL,
        name="武侯区政务服务中心·综合窗口",
        defaults={
            "address": "成都市武侯区政务服务中心",
            "department": departments["zhengwu"],
            "capacity": 6,
            "slot_minutes": 30,
            "service": hall_service,
        },
    )
    created += int(made)
    created += _service_venues()
    for venue in Venue.objects.all():
        slots_generate(actor=None, venue_id=venue.pk, first_day=timezone.localdate(), days=days)
    return created
