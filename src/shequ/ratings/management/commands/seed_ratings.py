"""manage.py seed_ratings — demo ratings of the demo resident (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from shequ.ratings.demo import seed_ratings


class Command(BaseCommand):
    help = "Close three demo cases of the demo resident and rate two of them (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"ratings: {seed_ratings()} ratings given")
