"""A counted round as open data in the Pabulib format (pabulib.org), so anyone can recount it.

The file has three sections, each a header line and then rows separated by semicolons
(written with the ``csv`` module, so a name with a ``;`` or a quote in it is quoted):

- ``META`` (``key;value``): description (the round's title), country, unit (the
  community), instance (the year, as Pabulib's instances are; the round's id is in the file
  name ``round-<id>.pb``), num_projects, num_votes, budget, vote_type ``approval``,
  rule (``greedy`` or ``equalshares``), the voting dates, max_length (at most k choices;
  the number of projects when the ballot is limited by the budget, then also max_sum_cost)
  and a comment saying how the equal shares were completed and that a project nobody voted
  for is never funded.
- ``PROJECTS`` (``project_id;cost;votes;name;selected``): every project on the ballot, its
  cost in whole yuan, its votes, its name and 1 when the round's own counting method
  selected it.
- ``VOTES`` (``voter_id;vote``): one row per ballot, the approved project ids separated by
  commas. Voters are numbered 1..n in the order of their keyed ballot hash (which reveals
  nothing about who they are); no name, account, time or channel is exported.

Only rounds whose results are out (``selectors.round_published``) are exported.
"""

import csv
import io

from django.utils import timezone

from shequ.participation.models import Round, RoundResult
from shequ.participation.services.rounds import round_inputs

RULES = {Round.Method.GREEDY: "greedy", Round.Method.EQUAL_SHARES: "equalshares"}
COMMENT = (
    "Equal shares: Method of Equal Shares (approval utilities), completed by raising each "
    "voter's share in steps of 1% until the outcome is exhaustive, then filled greedily by "
    "votes. Projects with no votes are never funded. Ties: more votes, then lower id."
)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _meta(budget_round: Round, costs: dict[int, int], voters: int, budget: int) -> list[list[str]]:
    meta = [
        ["description", _one_line(budget_round.title)],
        ["country", "China"],
        ["unit", _one_line(budget_round.community.name)],
        ["instance", str(budget_round.fund_year)],
        ["num_projects", str(len(costs))],
        ["num_votes", str(voters)],
        ["budget", str(budget)],
        ["vote_type", "approval"],
        ["rule", RULES.get(Round.Method(budget_round.method), budget_round.method)],
        ["currency", "CNY"],
        ["language", "zh"],
    ]
    for key, moment in (
        ("date_begin", budget_round.voting_from),
        ("date_end", budget_round.voting_until),
    ):
        if moment is not None:
            meta.append([key, timezone.localtime(moment).strftime("%d.%m.%Y")])
    if budget_round.rule == Round.Rule.K_APPROVAL:
        meta.append(["max_length", str(budget_round.max_choices)])
    else:
        meta.append(["max_length", str(len(costs))])
        meta.append(["max_sum_cost", str(budget)])
    meta.append(["comment", COMMENT])
    return meta


def round_export(budget_round: Round) -> str:
    """The round as the text of a ``.pb`` file."""
    costs, ballots, budget = round_inputs(budget_round)
    result = RoundResult.objects.filter(round=budget_round, method=budget_round.method).first()
    selected = set(result.winners) if result else set()
    titles = dict(budget_round.projects.values_list("id", "title"))
    votes = dict.fromkeys(costs, 0)
    for ballot in ballots:
        for project in ballot:
            if project in votes:
                votes[project] += 1
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    writer.writerows(_meta(budget_round, costs, len(ballots), budget))
    writer.writerow(["PROJECTS"])
    writer.writerow(["project_id", "cost", "votes", "name", "selected"])
    for project in sorted(costs):
        name = _one_line(titles.get(project, ""))
        writer.writerow([project, costs[project], votes[project], name, int(project in selected)])
    writer.writerow(["VOTES"])
    writer.writerow(["voter_id", "vote"])
    for number, ballot in enumerate(ballots, start=1):
        writer.writerow([number, ",".join(str(p) for p in sorted(ballot) if p in costs)])
    return out.getvalue()
