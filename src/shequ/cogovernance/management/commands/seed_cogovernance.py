"""manage.py seed_cogovernance — the demo community's co-governance records (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from shequ.cogovernance.demo import seed_cogovernance


class Command(BaseCommand):
    help = "Demo party committee, branch, unit, agreement, need and designations."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"cogovernance: {seed_cogovernance()} organisations added")
