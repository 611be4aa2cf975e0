"""manage.py seed_catalogue — the illustrative service catalogue (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from shequ.catalogue.demo import seed_catalogue


class Command(BaseCommand):
    help = "Create the demo topics, services and policy documents (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        created = seed_catalogue()
        self.stdout.write(
            "catalogue: {topics} topics, {services} services, {policies} policies created".format(
                **created
            )
        )
