"""manage.py seed_planning — a demo planner, expert and consultation (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from shequ.planning.demo import seed_planning


class Command(BaseCommand):
    help = "A planner assigned to 倪家桥社区 with an open consultation and suggestions."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"planning: {seed_planning()} consultations added")
