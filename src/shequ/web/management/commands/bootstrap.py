"""manage.py bootstrap — what `make run` does after migrating: load the real divisions,
seed demo data if the database has none, and print the demo log-ins. Safe to repeat."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from shequ.core.scopes import CITY_CODE
from shequ.places.models import Division

# Each app's demo seeder, in dependency order. Every one must be idempotent: a second run
# adds nothing. `seed_demo` (people) comes first and prints the log-ins last.
DEMO_COMMANDS: list[str] = [
    "seed_projects",
    "seed_sso",
    "seed_funds",
    "seed_civil",
    "seed_surveys",
    "seed_participation",
    "seed_catalogue",
    "seed_policies",
    "seed_cogovernance",
    "seed_casework",
    "seed_documents",
    "seed_bookings",
    "seed_payments",
    "seed_ratings",
    "seed_appeals",
    "seed_volunteers",
    "seed_access",
    "seed_indicators",
    "seed_planning",
    "seed_portal",  # last: indexes and freezes what the others seeded
]


class Command(BaseCommand):
    help = "Load divisions and demo data into an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--residents", type=int, default=20000)

    def handle(self, *args: Any, residents: int, **options: Any) -> None:
        if not Division.objects.filter(pk=CITY_CODE).exists():
            call_command("load_divisions", stdout=self.stdout)
        call_command("seed_demo", residents=residents, stdout=self.stdout)
        for command in DEMO_COMMANDS:
            call_command(command, stdout=self.stdout)
        self.stdout.write("shequ is starting on the address below; /healthz answers when ready.")
