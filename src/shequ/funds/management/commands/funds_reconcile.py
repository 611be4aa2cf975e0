"""manage.py funds_reconcile — prove every balance equals the sum of its postings.

Exits non-zero and names each broken account or transaction.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shequ.funds.services.ledger import ledger_reconcile


class Command(BaseCommand):
    help = "Check the funds ledger: balances = sums of postings, transactions sum to zero."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problems = ledger_reconcile()
        for problem in problems:
            self.stderr.write(f"BROKEN {problem.what}: {problem.detail}")
        if problems:
            raise CommandError(f"{len(problems)} ledger problem(s) in {checked} accounts")
        self.stdout.write(f"OK: {checked} accounts reconcile with their postings.")
