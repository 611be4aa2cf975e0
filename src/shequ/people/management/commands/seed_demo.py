"""manage.py seed_demo --residents N [--seed S] — synthetic demo data (deterministic)."""

import time
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from tqdm import tqdm

from shequ.people.demo import (
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    NIJIAQIAO,
    demo_summary,
    ensure_demo_accounts,
    ensure_departments,
    ensure_populations,
    seed_residents,
)
from shequ.people.models import Resident

DEMO_COMMUNITY_RESIDENTS = 600


class Command(BaseCommand):
    help = "Create demo departments, staff accounts and N synthetic residents."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--residents", type=int, default=20000)
        parser.add_argument("--seed", type=int, default=2018)
        parser.add_argument("--no-progress", action="store_true")

    def handle(
        self, *args: Any, residents: int, seed: int, no_progress: bool, **options: Any
    ) -> None:
        started = time.perf_counter()
        with transaction.atomic():
            departments = ensure_departments()
            ensure_populations(np.random.default_rng(seed))
            ensure_demo_accounts(departments)
        if Resident.objects.filter(user__isnull=True).exists():
            self.stdout.write("demo residents already present: none added")
        else:
            with tqdm(
                total=residents, unit="residents", disable=no_progress, desc="residents"
            ) as bar:
                seed_residents(residents, seed=seed, progress=bar.update)
            # The demo community (倪家桥社区) needs a real-sized registry for the other
            # apps' demos (councils, ballots, surveys), whatever N was asked for.
            present = Resident.objects.filter(community_id=NIJIAQIAO).count()
            if present < DEMO_COMMUNITY_RESIDENTS:
                seed_residents(
                    DEMO_COMMUNITY_RESIDENTS - present, seed=seed + 1, communities=[(NIJIAQIAO, 1)]
                )
        self.stdout.write(
            f"seeded in {time.perf_counter() - started:.1f} s; "
            f"{Resident.objects.count()} residents, {len(departments)} departments"
        )
        self.stdout.write(f"demo log-ins (password: {DEMO_PASSWORD}):")
        for username, description in demo_summary():
            self.stdout.write(f"  {username:<12} {description}")
        self.stdout.write(
            "staff log-ins ask for a second factor: the code is shown on that page for demo "
            f"accounts, or add the secret {DEMO_TOTP_SECRET} to an authenticator app"
        )
