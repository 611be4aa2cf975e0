"""manage.py seed_policies — the policy library's starting documents (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from shequ.policies.demo import seed_policies


class Command(BaseCommand):
    help = "Public Chengdu policies with their sources, and demo 社区保障资金 documents."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"policies: {seed_policies()} policies added")
