"""Compute the indicator values of a year from the records, then score, rank and bound."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from shequ.core.errors import DomainError
from shequ.indicators import evaluation, selectors
from shequ.indicators.services import trees


class Command(BaseCommand):
    help = "Compute indicator values for a year and run the evaluation (installs the default tree)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, default=None)
        parser.add_argument("--version", type=int, default=None, help="tree version number")
        parser.add_argument("--no-values", action="store_true", help="reuse stored values")

    def handle(self, *args: Any, year: int | None, version: int | None, **options: Any) -> None:
        year = year or timezone.localdate().year
        trees.tree_install_default(actor=None)
        tree = (
            selectors.version_list().filter(number=version).first()
            if version
            else selectors.version_current()
        )
        if tree is None:
            raise CommandError("no such published version")
        try:
            run = evaluation.run_evaluate_now(
                actor=None, version_id=tree.pk, year=year, compute_values=not options["no_values"]
            )
        except DomainError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"run {run.pk}: {run.summary.get('ranked')}/{run.summary.get('units')} ranked "
            f"in {run.seconds:.1f} s (Monte Carlo {run.summary.get('monte_carlo_seconds')} s); "
            f"moved most by {run.sensitivity.get('most')}"
        )
