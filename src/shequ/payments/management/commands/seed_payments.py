"""manage.py seed_payments — demo bills for the demo resident (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from shequ.payments.demo import seed_payments


class Command(BaseCommand):
    help = "Issue the demo bills to the demo resident (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"payments: {seed_payments()} bills issued")
