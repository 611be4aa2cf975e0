"""manage.py seed_casework — demo application forms (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from shequ.casework.demo import seed_casework


class Command(BaseCommand):
    help = "Publish the demo application forms (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"casework: {seed_casework()} forms published")
