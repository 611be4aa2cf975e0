"""Staff pages of budgeting rounds: create one, its rules, phase dates, projects and their
review, the council's decision with its commitment, and the project that built a winner.

Thin shells over the rounds services, as the rest of the participation console.
"""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import DomainError
from shequ.core.forms import submit
from shequ.participation import chain, funding, selectors
from shequ.participation.console import _actor, _form_page, _proposal_options, _refused
from shequ.participation.forms import (
    DatesForm,
    DecisionForm,
    PaperBallotForm,
    ProjectForm,
    ReviewForm,
    RoundForm,
    RulesForm,
)
from shequ.participation.models import Round
from shequ.participation.services import (
    ballots,
    rounds,
)
from shequ.people.permissions import staff_required
from shequ.web.confirmations import confirmation_page
from shequ.web.pickers import bind_pickers


def _account_options(code: str) -> list[Any]:
    return [
        (
            pk,
            format_html(
                "{} {} · {} {}",
                funding.track_label(track),
                year or "",
                _("free"),
                f"{balance:,.0f}",
            ),
        )
        for pk, track, year, balance in funding.fund_accounts(code)
    ]


@staff_required
def round_create(request: HttpRequest, code: str) -> HttpResponse:
    community = selectors.community_for_staff(code, user=request.user)
    accounts = _account_options(code)
    form = RoundForm(request.POST or None, choices={"fund_account_id": accounts})
    if done := submit(
        request,
        form,
        lambda data: rounds.round_create(actor=_actor(request), community_code=code, **data),
    ):
        messages.success(request, _("The round is prepared. Add its projects next."))
        return redirect("participation_console:round", round_id=done.value.pk)
    return _form_page(
        request,
        form,
        heading=_("New budgeting round"),
        back=reverse("participation_console:community", args=[code]),
        submit=_("Create"),
        context={"subject": community, "no_accounts": not accounts},
    )


@staff_required
def round_page(request: HttpRequest, round_id: int) -> HttpResponse:
    budget_round = selectors.round_get(round_id, user=request.user, staff=True)
    form = PaperBallotForm(request.POST if request.POST.get("action") != "advance" else None)
    bind_pickers(form, request.user, community=budget_round.community_id)
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "advance":
                if ask := confirmation_page(
                    request,
                    title=_("Move the round to its next phase?"),
                    consequence=round_advance_consequence(budget_round),
                    confirm_label=_("Next phase"),
                    cancel_url=reverse("participation_console:round", args=[round_id]),
                ):
                    return ask
                rounds.round_advance(actor=_actor(request), round_id=round_id)
                messages.success(request, _("The round moved to its next phase."))
                return redirect("participation_console:round", round_id=round_id)
            if form.is_valid():
                ballot = ballots.paper_ballot_enter(
                    actor=_actor(request),
                    round_id=round_id,
                    approvals=request.POST.getlist("approvals"),
                    **form.cleaned_data,
                )
                messages.success(
                    request,
                    _("Both entries agree: the paper ballot counts.")
                    if ballot
                    else _("First entry saved: a second person must enter the same sheet."),
                )
                return redirect("participation_console:round", round_id=round_id)
        except DomainError as error:
            if error.status == 404:
                raise
            messages.error(request, str(error))
            status = 400
        if form.is_bound and form.errors:
            status = 400  # e.g. a voter outside the area: nothing entered
    winners = rounds.round_winners(budget_round)
    context = {
        "round": budget_round,
        "voting": selectors.voting_status(budget_round),
        "projects": list(budget_round.projects.all()),
        "form": form,
        "voters": budget_round.voters.count(),
        "winners": [
            (p, selectors.works_project_prefill(budget_round, p) if p.is_works else "")
            for p in winners
        ],
        "winners_total": sum((p.cost for p in winners), Decimal(0)),
        "fund": funding.track_label(budget_round.fund_track),
        "works_app": _works_app(),
        "advance_consequence": round_advance_consequence(budget_round),
        "buildable": chain.projects_to_link(budget_round.community_id)
        if budget_round.phase == Round.Phase.IMPLEMENTATION
        else [],
    }
    return render(request, "participation/console/round.html", context, status=status)


def round_advance_consequence(budget_round: Round) -> str:
    """What moving the round on does, said before it is done (dialog and page alike)."""
    phases = [p.value for p in Round.Phase]
    index = phases.index(budget_round.phase)
    if index + 1 >= len(phases):
        return ""
    target = Round.Phase(phases[index + 1])
    what = {
        Round.Phase.COLLECT: _(
            "The round opens for proposals and its budget is reserved in the community fund."
        ),
        Round.Phase.REVIEW: _(
            "Proposals close: residents can no longer propose projects for this round."
        ),
        Round.Phase.VOTING: _(
            "Voting opens: the ballot rules, the budget and the projects are frozen and can no "
            "longer be changed."
        ),
        Round.Phase.RESULTS: _(
            "Voting closes and the ballots are counted: no more ballots are accepted."
        ),
        Round.Phase.IMPLEMENTATION: _(
            "The winning projects become spending commitments in the community fund under the "
            "council's decision, and the rest of the reservation returns to the fund."
        ),
    }[target]
    return "{} {} {}".format(
        _("The round moves from “%(from)s” to “%(to)s”.")
        % {"from": budget_round.get_phase_display(), "to": target.label},
        what,
        _("This cannot be undone."),
    )


def _works_app() -> bool:
    from django.apps import apps

    return apps.is_installed("shequ.projects")


@staff_required
def round_rules(request: HttpRequest, round_id: int) -> HttpResponse:
    """Ballot rules: approval within the budget or k-approval; greedy or equal shares. The
    service refuses any change once voting has opened."""
    budget_round = selectors.round_get(round_id, user=request.user, staff=True)
    initial = {
        "rule": budget_round.rule,
        "max_choices": budget_round.max_choices,
        "method": budget_round.method,
    }
    form = RulesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rounds.round_set_rules(
                actor=_actor(request),
                round_id=round_id,
                rule=data["rule"],
                max_choices=data["max_choices"],
                method=data["method"],
                budget=data["budget"] or None,
            )
        except DomainError as error:
            _refused(form, error)
        else:
            messages.success(request, _("The ballot rules are saved."))
            return redirect("participation_console:round", round_id=round_id)
    return _form_page(
        request,
        form,
        heading=_("Ballot rules"),
        back=reverse("participation_console:round", args=[round_id]),
        submit=_("Save the rules"),
        context={"round": budget_round, "subject": budget_round, "frozen_notice": True},
    )


@staff_required
def round_dates(request: HttpRequest, round_id: int) -> HttpResponse:
    budget_round = selectors.round_get(round_id, user=request.user, staff=True)
    initial = {
        "collect_until": budget_round.collect_until,
        "review_until": budget_round.review_until,
        "voting_from": budget_round.voting_from,
        "voting_until": budget_round.voting_until,
    }
    form = DatesForm(request.POST or None, initial=initial)
    if submit(
        request,
        form,
        lambda data: rounds.round_set_dates(actor=_actor(request), round_id=round_id, **data),
    ):
        messages.success(request, _("The phase dates are saved."))
        return redirect("participation_console:round", round_id=round_id)
    return _form_page(
        request,
        form,
        heading=_("Phase dates"),
        back=reverse("participation_console:round", args=[round_id]),
        submit=_("Save the dates"),
        context={"round": budget_round, "subject": budget_round, "frozen_notice": True},
    )


@staff_required
def project_add(request: HttpRequest, round_id: int) -> HttpResponse:
    budget_round = selectors.round_get(round_id, user=request.user, staff=True)
    form = ProjectForm(
        request.POST or None,
        choices={"proposal_id": _proposal_options(budget_round.community_id)},
    )
    if submit(
        request,
        form,
        lambda data: rounds.project_add(actor=_actor(request), round_id=round_id, **data),
    ):
        messages.success(request, _("The project is added; review it before voting."))
        return redirect("participation_console:round", round_id=round_id)
    return _form_page(
        request,
        form,
        heading=_("Add a project"),
        back=reverse("participation_console:round", args=[round_id]),
        submit=_("Add"),
        context={"round": budget_round, "subject": budget_round, "frozen_notice": True},
    )


@staff_required
def project_review(request: HttpRequest, project_id: int) -> HttpResponse:
    project = selectors.project_get(project_id, user=request.user)
    form = ReviewForm(request.POST or None, initial={"cost": f"{project.cost:.0f}"})
    if submit(
        request,
        form,
        lambda data: rounds.project_review(actor=_actor(request), project_id=project_id, **data),
    ):
        messages.success(request, _("The review is saved."))
        return redirect("participation_console:round", round_id=project.round_id)
    return _form_page(
        request,
        form,
        heading=_("Feasibility and cost review"),
        back=reverse("participation_console:round", args=[project.round_id]),
        submit=_("Save the review"),
        context={"round": project.round, "subject": project, "frozen_notice": True},
    )


@staff_required
def round_decision(request: HttpRequest, round_id: int) -> HttpResponse:
    """Attach the council's passed spending decision to the results, then commit the winners
    (the round moves to implementation; the funds app records the commitments)."""
    budget_round = selectors.round_get(round_id, user=request.user, staff=True)
    items = selectors.passed_spending_items(community_code=budget_round.community_id)
    options = [
        (i.pk, f"{i.meeting.starts_at:%Y-%m-%d} {i.meeting.title} · {i.title} · {i.amount:,.0f}")
        for i in items[:50]
    ]
    action = request.POST.get("action", "attach") if request.method == "POST" else ""
    commit_error = ""
    form = DecisionForm(
        request.POST if action == "attach" else None,
        choices={"item_id": options},
        initial={"item_id": budget_round.council_approval_item_id},
    )
    if action == "attach" and form.is_valid():
        try:
            rounds.round_attach_decision(
                actor=_actor(request), round_id=round_id, item_id=form.cleaned_data["item_id"]
            )
        except DomainError as error:
            _refused(form, error)
        else:
            messages.success(request, _("The council's decision is attached to the results."))
            return redirect("participation_console:decision", round_id=round_id)
    elif action == "commit":
        try:
            if budget_round.phase != Round.Phase.RESULTS:
                raise DomainError(
                    "not_results_phase", _("Winners are committed once the results are out.")
                )
            rounds.round_advance(actor=_actor(request), round_id=round_id)
        except DomainError as error:
            if error.status == 404:
                raise
            commit_error = str(error)
        else:
            messages.success(request, _("The winners are committed from the round's reservation."))
            return redirect("participation_console:round", round_id=round_id)
    winners = rounds.round_winners(budget_round)
    response = _form_page(
        request,
        form,
        heading=_("Council decision and commitment"),
        back=reverse("participation_console:round", args=[round_id]),
        submit=_("Attach the decision"),
        template="participation/console/decision.html",
        context={
            "round": budget_round,
            "subject": budget_round,
            "winners": winners,
            "winners_total": sum((p.cost for p in winners), Decimal(0)),
            "commit_error": commit_error,
        },
    )
    if commit_error:
        response.status_code = 400
    return response


@staff_required
@require_POST
def project_built(request: HttpRequest, project_id: int) -> HttpResponse:
    """Link a winning project to the project that builds it (or unlink it)."""
    project = selectors.project_get(project_id, user=request.user)
    try:
        rounds.project_link_built(
            actor=_actor(request), project_id=project_id, code=request.POST.get("code", "")
        )
        messages.success(request, _("The link is saved: the proposal's page shows the project."))
    except DomainError as error:
        if error.status == 404:
            raise
        messages.error(request, str(error))
    return redirect("participation_console:round", round_id=project.round_id)
