import random

import pytest
from django.core.management import CommandError, call_command

from shequ.participation import pabulib
from shequ.participation.models import Round, RoundResult
from shequ.participation.services import ballots, rounds
from tests.participation import recount_pabulib
from tests.participation.conftest import Place, resident_user, voting_round


def test_pabulib_export_recounts_to_the_published_result(
    place: Place, capsys: pytest.CaptureFixture[str]
) -> None:
    budget_round = voting_round(place)
    ids = list(budget_round.projects.order_by("id").values_list("id", flat=True))
    rng = random.Random(7)
    voters = place.residents + [resident_user(f"v{i}") for i in range(25)]
    for user in voters:
        choice = rng.sample(ids, rng.randint(1, 2))
        if sum(budget_round.projects.get(pk=p).cost for p in choice) > budget_round.budget:
            choice = choice[:1]
        ballots.ballot_cast(actor=user, round_id=budget_round.pk, approvals=choice)
    rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
    text = pabulib.round_export(Round.objects.get(pk=budget_round.pk))
    # Anonymised: no usernames, no resident ids.
    assert not any(u.username in text for u in voters)
    budget, costs, votes = recount_pabulib.parse(text)
    assert len(votes) == len(voters)
    results = {r.method: r.winners for r in RoundResult.objects.filter(round=budget_round)}
    assert recount_pabulib.greedy(budget, costs, votes) == results["greedy"]
    assert recount_pabulib.equal_shares(budget, costs, votes) == results["equal_shares"]
    selected = {
        int(line.split(";")[0])
        for line in text.split("PROJECTS")[1].split("VOTES")[0].splitlines()[2:]
        if line.endswith(";1")
    }
    assert selected == set(results[budget_round.method])
    call_command("participation_recount", budget_round.pk)
    assert "published=same" in capsys.readouterr().out
    RoundResult.objects.filter(round=budget_round, method="greedy").update(winners=[ids[2]])
    with pytest.raises(CommandError):
        call_command("participation_recount", budget_round.pk)
