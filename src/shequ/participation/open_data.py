"""Open data: the proposals residents can see, and a counted round's projects with costs,
votes and which counting method selected them, as CSV (the anonymised ballots themselves are
in ``pabulib``). Counts only: nothing about who proposed, supported or voted."""

import csv
import io
from collections.abc import Iterable, Iterator

from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.participation.models import Answer, Proposal, Round, RoundProject, RoundResult
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


def _line(row: list[object]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(row)
    return out.getvalue()


def proposals_csv(proposals: Iterable[Proposal]) -> Iterator[str]:
    """The proposals as CSV lines, header first (streamed: a whole city's proposals are not
    held in memory). A byte-order mark first, so spreadsheets read Chinese. Supports and
    comments are counts; the author and the supporters are not in it."""
    yield "\ufeff" + _line(
        [
            _("Proposal id"),
            _("Community code"),
            _("Community"),
            _("Title"),
            _("Category"),
            _("State"),
            _("Official answer"),
            _("Supports"),
            _("Comments"),
            _("Estimated cost (yuan)"),
            _("Longitude"),
            _("Latitude"),
            _("Created"),
        ]
    )
    for proposal in proposals:
        yield _line(
            [
                proposal.pk,
                proposal.community_id,
                proposal.community.name,
                _cell(proposal.title),
                Proposal.Category(proposal.category).label,
                Proposal.Status(proposal.status).label,
                Answer.State(proposal.answer_state).label if proposal.answer_state else "",
                proposal.supports,
                proposal.comments_count,
                "" if proposal.estimated_cost is None else proposal.estimated_cost,
                "" if proposal.lon is None else proposal.lon,
                "" if proposal.lat is None else proposal.lat,
                timezone.localdate(proposal.created_at).isoformat(),
            ]
        )
