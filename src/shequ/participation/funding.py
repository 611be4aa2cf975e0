"""The money link: a thin adapter over the funds app's public services.

Every call into ``shequ.funds`` from this app goes through here, so the contract between the
two apps is one page long:

- a round that opens reserves its budget in the community fund named by
  ``fund_track``/``fund_year`` (``reservation_create``): the money leaves the fund's available
  balance, so a second round (or any commitment) can only use what is still free;
- a passed spending item of a council meeting becomes a funds ``ApprovalRecord``
  (``approval_record_create(meeting_id=..., source="participation")``): the funds app takes
  the members in office and present from the meeting's register and sign-in
  (``selectors.meeting_held``, read back through ``shequ.funds.councils``);
- each winning project becomes a funds ``Commitment`` under that approval record, drawn from
  the round's reservation (``commitment_create(reservation_id=...)``);
- when the round ends the unspent rest of the reservation goes back to the fund
  (``reservation_release``).
"""

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, PermissionDenied
from shequ.participation.models import AgendaItem, Round, RoundProject
from shequ.people.models import User


def _may_move_money(actor: User, community_code: str) -> None:
    """Refuse clearly before anything is counted or written when the actor may run the
    community's meetings and rounds but not move its money (e.g. the city committee)."""
    from shequ.funds.permissions import can_record_decision

    if not can_record_decision(actor, community_code):
        raise PermissionDenied(
            "funds_not_permitted",
            _("Only the community's workers or its street or district officers may do this."),
        )


def reserve_round_budget(*, actor: User, budget_round: Round) -> int:
    """Reserve the round's budget in the community fund when the round opens; returns the
    funds reservation id.

    Raises: PermissionDenied ``funds_not_permitted``; DomainError ``no_fund``,
    ``insufficient_funds`` (the fund's free balance is less than the budget).
    """
    from shequ.funds.services.reservations import reservation_create

    _may_move_money(actor, budget_round.community_id)
    reservation = reservation_create(
        actor=actor,
        community_code=budget_round.community_id,
        track=budget_round.fund_track,
        year=budget_round.fund_year,
        amount=budget_round.budget,
        purpose=budget_round.title,
    )
    return reservation.pk


def release_round_reservation(*, actor: User, budget_round: Round) -> None:
    """Give what the round did not commit back to the fund (once; a released reservation is
    left as it is)."""
    from shequ.funds.services.reservations import reservation_release

    if budget_round.reservation_id is None:
        return
    try:
        reservation_release(
            actor=actor,
            reservation_id=budget_round.reservation_id,
            reason=f"round {budget_round.pk} ended",
        )
    except DomainError as error:
        if error.code != "reservation_released":
            raise


def approval_record_from_decision(*, actor: User, item: AgendaItem) -> int:
    """Record the council's passed spending decision in the funds app; returns its id. The
    members in office and present come from the meeting (its register and sign-in)."""
    from shequ.funds.services.decisions import approval_record_create

    record = approval_record_create(
        actor=actor,
        community_code=item.meeting.community_id,
        subject=item.title,
        amount=item.amount,
        meeting_id=item.meeting_id,
        members_present=item.present,
        votes_for=item.votes_for,
        votes_against=item.votes_against,
        votes_abstain=item.votes_abstain,
        source="participation",
    )
    return record.pk


def may_record_decision(*, actor: User, item: AgendaItem) -> None:
    """Raises: PermissionDenied ``funds_not_permitted`` when a passed spending item could not
    be recorded in the funds app by ``actor`` (checked before the vote is counted)."""
    if item.kind == AgendaItem.Kind.SPENDING:
        _may_move_money(actor, item.meeting.community_id)


def commit_winner(
    *, actor: User, budget_round: Round, project: RoundProject, approval_record_id: int
) -> int:
    """Commit a winning project's cost out of the round's reservation; returns the
    commitment id."""
    from shequ.funds.models import Commitment
    from shequ.funds.services.spending import commitment_create

    with translation.override(settings.LANGUAGE_CODE):
        supplier = str(_("To be procured"))
    commitment = commitment_create(
        actor=actor,
        community_code=budget_round.community_id,
        approval_id=approval_record_id,
        track=budget_round.fund_track,
        year=budget_round.fund_year,
        project=project.title,
        category=Commitment.Category.FACILITIES
        if project.is_works
        else Commitment.Category.SERVICES,
        supplier=supplier,
        amount=project.cost,
        reservation_id=budget_round.reservation_id,
    )
    return commitment.pk


def fund_accounts(community_code: str) -> list[tuple[int, str, int, Any]]:
    """The community's fund accounts a round may draw on: (account id, track, year, free
    balance), newest year first."""
    from shequ.funds.models import Account

    return list(
        Account.objects.filter(kind=Account.Kind.FUND, division_id=community_code)
        .order_by("-year", "track")
        .values_list("id", "track", "year", "balance")
    )


def fund_of(community_code: str, account_id: int) -> tuple[str, int]:
    """(track, year) of one of the community's fund accounts.

    Raises: DomainError ``no_fund`` when the account is not a fund of this community."""
    for pk, track, year, _balance in fund_accounts(community_code):
        if pk == account_id:
            return track, year
    raise DomainError("no_fund", _("Choose one of the community's fund accounts."), field="fund")


def track_label(track: str) -> str:
    from shequ.funds.models import Track

    return str(Track(track).label) if track in Track.values else track
