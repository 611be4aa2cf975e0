"""manage.py load_divisions — load Chengdu's NBS divisions and district boundaries."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shequ.places.services import DISTRICTS_GEOJSON, DIVISIONS_CSV, divisions_load


class Command(BaseCommand):
    help = "Load or update divisions from an NBS CSV (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--csv", type=Path, default=DIVISIONS_CSV)
        parser.add_argument("--geojson", type=Path, default=DISTRICTS_GEOJSON)

    def handle(self, *args: Any, csv: Path, geojson: Path, **options: Any) -> None:
        report = divisions_load(csv_path=csv, geojson_path=geojson)
        self.stdout.write(
            f"divisions: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.deactivated} marked inactive; "
            f"{report.boundaries} boundaries"
        )
