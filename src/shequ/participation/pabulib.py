"""Anonymised ballots in the Pabulib format (pabulib.org), so anyone can recount a round.

Voters are numbered 1..n in the order of their keyed ballot hash (which reveals nothing about
who they are); no name, account, time or channel is exported.
"""

import io

from shequ.participation.models import Round, RoundResult
from shequ.participation.services.rounds import round_inputs


def round_export(budget_round: Round) -> str:
    costs, ballots, budget = round_inputs(budget_round)
    result = RoundResult.objects.filter(round=budget_round, method=budget_round.method).first()
    selected = set(result.winners) if result else set()
    titles = dict(budget_round.projects.values_list("id", "title"))
    votes = dict.fromkeys(costs, 0)
    for ballot in ballots:
        for project in ballot:
            votes[project] += 1
    out = io.StringIO()
    meta = [
        ("description", f"shequ participatory budgeting round {budget_round.pk}"),
        ("country", "China"),
        ("unit", budget_round.community_id),
        ("instance", str(budget_round.pk)),
        ("num_projects", str(len(costs))),
        ("num_votes", str(len(ballots))),
        ("budget", str(budget)),
        ("vote_type", "approval"),
        ("rule", budget_round.method),
        ("currency", "CNY"),
    ]
    if budget_round.rule == Round.Rule.K_APPROVAL:
        meta.append(("max_length", str(budget_round.max_choices)))
    else:
        meta.append(("max_sum_cost", str(budget)))
    out.write("META\nkey;value\n")
    for key, value in meta:
        out.write(f"{key};{value}\n")
    out.write("PROJECTS\nproject_id;cost;votes;name;selected\n")
    for project in sorted(costs):
        name = titles.get(project, "").replace(";", ",").replace("\n", " ")
        out.write(
            f"{project};{costs[project]};{votes[project]};{name};{int(project in selected)}\n"
        )
    out.write("VOTES\nvoter_id;vote\n")
    for number, ballot in enumerate(ballots, start=1):
        out.write(f"{number};{','.join(str(p) for p in sorted(ballot))}\n")
    return out.getvalue()
