"""Run the accessibility analysis from a script, with a progress bar."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.access.models import Network
from shequ.access.services import runs
from shequ.core.errors import DomainError


class Command(BaseCommand):
    help = "Compute walk times and coverage for a network (default: the newest one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--network", type=int, help="network id (default: newest)")
        parser.add_argument("--label", default="", help="label of the run")
        parser.add_argument(
            "--threshold",
            action="append",
            default=[],
            metavar="CATEGORY=MINUTES",
            help="override a category's threshold for this run (repeatable)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        network = (
            Network.objects.filter(pk=options["network"]).first()
            if options["network"]
            else Network.objects.first()
        )
        if network is None:
            raise CommandError("No network: run seed_access or import one first.")
        thresholds: dict[str, str] = {}
        for item in options["threshold"]:
            code, _, minutes = item.partition("=")
            thresholds[code.strip()] = minutes.strip()
        try:
            run = runs.run_create(
                actor=None, network=network, label=options["label"], thresholds=thresholds
            )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc}") from exc
        width = 30

        def bar(done: int, total: int, message: str) -> None:
            filled = int(width * done / total) if total else 0
            self.stdout.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {message:<20}",
                ending="",
            )
            self.stdout.flush()

        run = runs.run_execute(run.pk, progress=bar)
        self.stdout.write("")
        share = run.summary.get("share", {})
        for code, value in share.items():
            text = "-" if value is None else f"{value:.1%}"
            self.stdout.write(f"  {code:<16} {text}")
        self.stdout.write(f"run {run.pk} {run.status} in {run.seconds:.2f} s")
