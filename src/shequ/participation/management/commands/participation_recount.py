"""manage.py participation_recount ROUND_ID — recount a round from its stored ballots and
compare with the published result; exits non-zero on any difference."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequ.participation import tally
from shequ.participation.models import Round, RoundResult
from shequ.participation.services.rounds import round_inputs


class Command(BaseCommand):
    help = "Recount a budgeting round from its stored ballots by both methods."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("round_id", type=int)

    def handle(self, *args: Any, round_id: int, **options: Any) -> None:
        budget_round = Round.objects.filter(pk=round_id).first()
        if budget_round is None:
            raise CommandError(f"No round {round_id}.")
        costs, ballots, budget = round_inputs(budget_round)
        published = {r.method: r.winners for r in RoundResult.objects.filter(round=budget_round)}
        differs = False
        for method in (tally.GREEDY, tally.EQUAL_SHARES):
            outcome = tally.tally(method, costs, ballots, budget)
            same = published.get(method) == list(outcome.winners)
            differs |= method in published and not same
            self.stdout.write(
                f"{method}: ballots={len(ballots)} winners={list(outcome.winners)} "
                f"spent={outcome.spent} published={'same' if same else published.get(method)}"
            )
        if differs:
            raise CommandError("The recount differs from the published result.")
