"""manage.py seed_appeals — request categories, units and the first dispatch catalogue."""

from typing import Any

from django.core.management.base import BaseCommand

from shequ.appeals.demo import seed_appeals


class Command(BaseCommand):
    help = "Load request categories, units and dispatch catalogue v1 (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"appeals: {seed_appeals()} catalogue rows")
