"""manage.py seed_bookings — demo venues and two weeks of slots (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from shequ.bookings.demo import seed_bookings


class Command(BaseCommand):
    help = "Create demo venues (community rooms, a service hall) and their slots."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"bookings: {seed_bookings()} venues created")
