"""manage.py seed_indicators — the default indicator tree and a first evaluation (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from shequ.indicators.demo import seed_indicators


class Command(BaseCommand):
    help = "Install the default indicator tree and evaluate this year once (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        run = seed_indicators()
        self.stdout.write(f"indicators: {'run ' + str(run) if run else 'already evaluated'}")
