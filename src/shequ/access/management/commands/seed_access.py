"""Demo data: categories, the shipped central-Chengdu network and POIs, one finished run."""

from typing import Any

from django.core.management.base import BaseCommand

from shequ.access.models import Run
from shequ.access.services import network_imports, runs


class Command(BaseCommand):
    help = "Import the shipped Chengdu walk network and OSM POIs and run one analysis."

    def handle(self, *args: Any, **options: Any) -> None:
        network, report = network_imports.shipped_setup(actor=None)
        made = 0
        if not Run.objects.filter(network=network, status=Run.Status.DONE).exists():
            run = runs.run_create(actor=None, network=network, label="示例：成都中心城区")
            runs.run_execute(run.pk)
            made = 1
        self.stdout.write(
            f"access: network {network.nodes} nodes, {report.created} facilities added, "
            f"{made} run(s) added"
        )
