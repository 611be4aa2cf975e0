"""Open data of a counted round: its projects with costs, votes and which counting method
selected them, as CSV (the anonymised ballots themselves are in ``pabulib``). Counts only:
nothing about who voted."""

import csv
import io

from django.utils.translation import gettext as _

from shequ.participation.models import Round, RoundProject, RoundResult
from shequ.participation.services.rounds import round_inputs


def _cell(value: object) -> str:
    text = str(value)
    # A cell starting with = + - @ would run as a formula in a spreadsheet.
    return "'" + text if text[:1] in "=+-@" else text


def round_results_csv(budget_round: Round) -> bytes:
    """One row per project on the ballot; one column per counting method stored, the
    round's own method first. UTF-8 with a byte-order mark so spreadsheets read Chinese."""
    costs, ballots, budget = round_inputs(budget_round)
    votes = dict.fromkeys(costs, 0)
    for ballot in ballots:
        for project in ballot:
            if project in votes:
                votes[project] += 1
    results = sorted(
        RoundResult.objects.filter(round=budget_round),
        key=lambda r: (r.method != budget_round.method, r.method),
    )
    header = [
        _("Round"),
        _("Community code"),
        _("Budget (yuan)"),
        _("Voters"),
        _("Project id"),
        _("Project"),
        _("Cost (yuan)"),
        _("Votes"),
        *[_("Selected by %(method)s") % {"method": Round.Method(r.method).label} for r in results],
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    projects = RoundProject.objects.filter(pk__in=list(costs)).order_by("id")
    for row in projects:
        writer.writerow(
            [
                _cell(budget_round.title),
                budget_round.community_id,
                budget,
                len(ballots),
                row.pk,
                _cell(row.title),
                costs[row.pk],
                votes[row.pk],
                *[_("yes") if row.pk in r.winners else _("no") for r in results],
            ]
        )
    return out.getvalue().encode("utf-8-sig")
