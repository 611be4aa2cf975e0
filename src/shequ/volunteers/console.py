"""Community workers: volunteers of their area, teams and their leaders, the hours ledger
(honour hours, corrections), figures per community and team, star levels and objections."""

from datetime import date
from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error, perform
from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.people.permissions import staff_required
from shequ.volunteers import selectors
from shequ.volunteers.forms import (
    DecisionForm,
    HonourForm,
    LeaderForm,
    ReasonForm,
    SettleForm,
    TeamForm,
)
from shequ.volunteers.permissions import can_edit_volunteer_records, can_use_volunteer_console
from shequ.volunteers.services import exports, ledger, stars, teams, timebank
from shequ.web.pickers import bind_pickers


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _reader(request: HttpRequest) -> None:
    if not can_use_volunteer_console(request.user):
        raise DjangoPermissionDenied


@staff_required
def overview(request: HttpRequest) -> HttpResponse:
    """Volunteers of the area with their hours, figures per community and team."""
    _reader(request)
    since, until = _day(request.GET.get("since")), _day(request.GET.get("until"))
    rows = selectors.ledger_for_staff(user=request.user, since=since, until=until)
    page = Paginator(selectors.volunteer_list_for(user=request.user), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "volunteers/console/overview.html",
        {
            "page": page,
            "totals": selectors.totals_of(rows),
            "by_community": selectors.totals_by_community(rows),
            "by_team": selectors.totals_by_team(rows),
            "per_thousand": selectors.volunteers_per_thousand(user=request.user),
            "since": since,
            "until": until,
            "may_edit": can_edit_volunteer_records(request.user),
        },
    )


@staff_required
def export(request: HttpRequest) -> HttpResponse:
    """The area's volunteers as an Excel file in the national system's fields."""
    _reader(request)
    data, _rows = exports.volunteer_export(actor=_user(request), ip=client_ip(request))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="volunteers-{stamp}.xlsx"'
    return response


@staff_required
def team_list(request: HttpRequest) -> HttpResponse:
    """Teams of the area, and the form to set one up."""
    _reader(request)
    form = TeamForm(request.POST if request.method == "POST" else None)
    bind_pickers(form, request.user)
    status = 200
    if request.method == "POST":
        if not can_edit_volunteer_records(request.user):
            raise DjangoPermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = teams.team_create(
                    actor=_user(request),
                    name=data["name"],
                    kind=data["kind"],
                    division_code=data["division"],
                    department_id=data["department"].pk if data["department"] else None,
                    organisation=data["organisation"],
                    description=data["description"],
                    ip=client_ip(request),
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = 400
            else:
                messages.success(request, _("Team set up; now choose its leader."))
                return redirect("volunteers_console:team", team_id=made.pk)
        else:
            status = 400
    return render(
        request,
        "volunteers/console/teams.html",
        {
            "teams": Paginator(selectors.team_list_for_staff(user=request.user), 50).get_page(
                request.GET.get("page")
            ),
            "form": form,
        },
        status=status,
    )


@staff_required
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    """A team's members; choose a leader with the person picker."""
    _reader(request)
    found = selectors.team_list_for_staff(user=request.user).filter(pk=team_id).first()
    if found is None:
        raise NotFound("not_found", _("Not found."))
    form = LeaderForm(request.POST if request.method == "POST" else None)
    bind_pickers(form, request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                teams.team_leader_set(
                    actor=_user(request),
                    team_id=found.pk,
                    resident_id=form.cleaned_data["person"],
                    ip=client_ip(request),
                )
            except NotFound:
                raise
            except DomainError as error:
                add_domain_error(form, error)
                status = 400
            else:
                messages.success(request, _("Leader set."))
                return redirect("volunteers_console:team", team_id=found.pk)
        else:
            status = 400
    return render(
        request,
        "volunteers/console/team.html",
        {"team": found, "members": selectors.team_members(found), "form": form},
        status=status,
    )


@staff_required
def volunteer_detail(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    """One volunteer's ledger; certify honour hours; reverse an entry with a reason."""
    _reader(request)
    volunteer = selectors.volunteer_get_for(user=request.user, volunteer_id=volunteer_id)
    form = HonourForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not can_edit_volunteer_records(request.user):
            raise DjangoPermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                ledger.hours_honour_add(
                    actor=_user(request),
                    volunteer_id=volunteer.pk,
                    hours=data["hours"],
                    served_on=data["served_on"],
                    content=data["content"],
                    reason=data["reason"],
                    ip=client_ip(request),
                )
            except NotFound:
                raise
            except DomainError as error:
                add_domain_error(form, error)
                status = 400
            else:
                messages.success(request, _("Honour hours recorded."))
                return redirect("volunteers_console:volunteer", volunteer_id=volunteer.pk)
        else:
            status = 400
    return render(
        request,
        "volunteers/console/volunteer.html",
        {
            "volunteer": volunteer,
            "entries": Paginator(selectors.ledger_of(volunteer), 50).get_page(
                request.GET.get("page")
            ),
            "totals": selectors.volunteer_totals(volunteer),
            "form": form,
            "reason_form": ReasonForm(),
            "may_edit": can_edit_volunteer_records(request.user),
        },
        status=status,
    )


@staff_required
@require_POST
def entry_correct(request: HttpRequest, entry_id: int) -> HttpResponse:
    _reader(request)
    volunteer_id = request.POST.get("volunteer", "")
    try:
        correction = ledger.hours_correct(
            actor=_user(request),
            entry_id=entry_id,
            reason=request.POST.get("reason", ""),
            ip=client_ip(request),
        )
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, str(error))
    else:
        volunteer_id = str(correction.volunteer_id)
        messages.success(request, _("The entry has been reversed."))
    if volunteer_id.isdigit():
        return redirect("volunteers_console:volunteer", volunteer_id=int(volunteer_id))
    return redirect("volunteers_console:overview")


@staff_required
def star_list(request: HttpRequest) -> HttpResponse:
    """Star levels of the area: recompute from the ledger, decide objections."""
    _reader(request)
    page = Paginator(selectors.stars_for_staff(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "volunteers/console/stars.html",
        {
            "page": page,
            "form": DecisionForm(),
            "may_edit": can_edit_volunteer_records(request.user),
        },
    )


@staff_required
@require_POST
def star_compute(request: HttpRequest) -> HttpResponse:
    if not can_edit_volunteer_records(request.user):
        raise DjangoPermissionDenied
    counts = stars.star_levels_compute(actor=_user(request))
    messages.success(
        request,
        _("%(announced)s star levels announced, %(awarded)s awarded.") % counts,
    )
    return redirect("volunteers_console:stars")


@staff_required
@require_POST
def star_decide(request: HttpRequest, award_id: int) -> HttpResponse:
    _reader(request)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision."))
        return redirect("volunteers_console:stars")
    perform(
        request,
        lambda: stars.star_objection_decide(
            actor=_user(request),
            award_id=award_id,
            uphold=form.cleaned_data["uphold"],
            decision=form.cleaned_data["decision"],
            ip=client_ip(request),
        ),
        done=_("Decided."),
    )
    return redirect("volunteers_console:stars")


@staff_required
def time_bank(request: HttpRequest) -> HttpResponse:
    """Time-credit balances kept by the area's communities, and the settlements between
    communities (credits of one spent on a service honoured by another), totalled per pair."""
    _reader(request)
    settlements = selectors.settlements_for_staff(user=request.user)
    page = Paginator(selectors.time_accounts_for_staff(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    latest = list(settlements[:100])
    for row in latest:
        row.settleable = selectors.settlement_settleable_by(request.user, row)  # type: ignore[attr-defined]
    return render(
        request,
        "volunteers/console/time_bank.html",
        {
            "page": page,
            "pairs": selectors.settlement_totals(settlements),
            "settlements": latest,
            "settle_form": SettleForm(),
        },
    )


@staff_required
@require_POST
def settlement_settle(request: HttpRequest, settlement_id: int) -> HttpResponse:
    """The debtor community's staff mark a settlement paid back or cleared by agreement."""
    _reader(request)
    perform(
        request,
        lambda: timebank.settlement_settle(
            actor=_user(request),
            settlement_id=settlement_id,
            method=request.POST.get("method", ""),
            note=request.POST.get("note", ""),
            ip=client_ip(request),
        ),
        done=_("The settlement is marked settled."),
    )
    return redirect("volunteers_console:time_bank")
