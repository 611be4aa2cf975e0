"""manage.py seed_projects — the synthetic 2018–2020 portfolio of the five major actions.

Idempotent: a second run adds nothing. The projects are synthetic (see projects/demo.py);
their 2018 counts as of 31 July 2018 reproduce the committee's report.
"""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from shequ.people.models import User
from shequ.projects.demo import demo_reports_seed, portfolio_seed


class Command(BaseCommand):
    help = "Seed the synthetic five-major-actions portfolio (2018–2020, all 20 districts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2018)

    @transaction.atomic
    def handle(self, *args: Any, seed: int, **options: Any) -> None:
        report = portfolio_seed(seed=seed)
        if not report.projects:
            self.stdout.write("projects: the synthetic portfolio is already there")
            return
        followers = list(User.objects.filter(username="resident"))
        months = [date(2018, m, 1) for m in range(3, 13)]
        reports = demo_reports_seed(
            code_of_place="510107005000", months=months, followers=followers
        )
        self.stdout.write(
            f"projects: {report.projects} synthetic projects, {report.events} status events, "
            f"{report.plan_targets} plan targets, {reports} monthly reports"
        )
