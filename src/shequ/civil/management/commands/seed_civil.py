"""manage.py seed_civil — demo social organisations and a call (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from shequ.civil.demo import seed_civil


class Command(BaseCommand):
    help = "Register demo social organisations in 武侯区 and open a call (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"civil: {seed_civil()} organisations registered")
