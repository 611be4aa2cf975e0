"""manage.py seed_volunteers — a demo volunteer team and activity (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from shequ.volunteers.demo import seed_volunteers


class Command(BaseCommand):
    help = "Set up a demo volunteer team of 倪家桥社区 with a Saturday activity (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"volunteers: {seed_volunteers()} demo items made")
