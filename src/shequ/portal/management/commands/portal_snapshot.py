from typing import Any

from django.core.management.base import BaseCommand

from shequ.portal.services import snapshot_all


class Command(BaseCommand):
    help = "Freeze every open dataset now (the nightly task does the same)."

    def handle(self, *args: Any, **options: Any) -> None:
        for dataset, status in snapshot_all().items():
            self.stdout.write(f"{dataset}: {status}")
