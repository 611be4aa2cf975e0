"""Reservations (预留): a budgeting round's budget held in the ledger while the round runs."""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.funds.models import Account, LedgerTransaction, Reservation
from shequ.funds.permissions import can_reserve
from shequ.funds.services._common import _community
from shequ.funds.services.ledger import (
    _back_to_fund,
    _fund_account,
    _fund_year,
    _post,
    account_for,
    money_parse,
)


def _reservation_to_draw(
    reservation_id: int, *, community_code: str, track: str, year: int, value: Decimal
) -> Reservation:
    """The open reservation a commitment draws from, locked. Raises: DomainError
    ``reservation_not_found``, ``reservation_released``, ``reservation_other_fund``,
    ``over_reservation``."""
    reservation = Reservation.objects.select_for_update().filter(pk=reservation_id).first()
    if reservation is None or reservation.community_id != community_code:
        raise DomainError(
            "reservation_not_found",
            _("No such reservation in this community's fund."),
            field="reservation",
        )
    if reservation.status != Reservation.Status.OPEN:
        raise DomainError(
            "reservation_released",
            _("This reservation has been released; nothing more can be committed from it."),
            field="reservation",
        )
    if (reservation.track, reservation.year) != (track, year):
        raise DomainError(
            "reservation_other_fund",
            _("The reservation holds money of another fund or year."),
            field="reservation",
        )
    if value > reservation.remaining:
        raise DomainError(
            "over_reservation",
            _("Only %(left)s yuan of the reservation is left."),
            field="amount",
            left=f"{reservation.remaining:,.2f}",
        )
    return reservation


@transaction.atomic
def reservation_create(
    *,
    actor: Any,
    community_code: str,
    track: str,
    year: int,
    amount: Any,
    purpose: str,
    ip: str | None = None,
) -> Reservation:
    """Hold ``amount`` of the community's fund for ``purpose``: it moves from the available
    balance into the fund's reserved account, under the same row locks as every posting, so
    two reservations (or a reservation and a commitment) can never hold more than the fund has.

    Raises: NotFound; DomainError ``purpose_required``, ``track_invalid``, ``no_fund``,
    ``insufficient_funds``, amount errors.
    """
    if not can_reserve(actor, community_code):
        raise NotFound("community_not_found", _("No such community in your area."))
    _community(community_code)
    value = money_parse(amount)
    text = purpose.strip()
    if not text:
        raise DomainError("purpose_required", _("Say what the money is reserved for."))
    year = _fund_year(track, year)
    fund = _fund_account(community_code, track, year)
    reserved = account_for(Account.Kind.RESERVED, community_code, track, year)
    entry = _post(
        actor=actor,
        kind=LedgerTransaction.Kind.RESERVE,
        division_code=community_code,
        year=year,
        legs=[(fund.pk, -value), (reserved.pk, value)],
        memo=text[:200],
    )
    user = actor if getattr(actor, "is_authenticated", False) else None
    reservation = Reservation.objects.create(
        community_id=community_code,
        track=track,
        year=year,
        purpose=text[:200],
        amount=value,
        transaction=entry,
        created_by=user,
    )
    audit_record(
        actor=actor,
        verb="funds.reserved",
        target=reservation,
        division_code=community_code,
        changes={"amount": [None, str(value)], "purpose": [None, reservation.purpose]},
        ip=ip,
    )
    return reservation


@transaction.atomic
def reservation_release(
    *, actor: Any, reservation_id: int, reason: str = "", ip: str | None = None
) -> Reservation:
    """End a reservation: what was not committed out of it goes back to the available balance
    of the fund (the unspent rest of a budgeting round). Releasing twice is refused.

    Raises: NotFound; DomainError ``reservation_released``.
    """
    reservation = Reservation.objects.select_for_update().filter(pk=reservation_id).first()
    if reservation is None or not can_reserve(actor, reservation.community_id):
        raise NotFound("reservation_not_found", _("No such reservation in your area."))
    if reservation.status != Reservation.Status.OPEN:
        raise DomainError(
            "reservation_released",
            _("This reservation has been released; nothing more can be committed from it."),
        )
    left = reservation.remaining
    if left > 0:
        _back_to_fund(
            actor,
            LedgerTransaction.Kind.UNRESERVE,
            Account.Kind.RESERVED,
            reservation,
            left,
            f"release: {reservation.purpose}",
        )
    reservation.released += left
    reservation.status = Reservation.Status.RELEASED
    reservation.released_at = timezone.now()
    reservation.save(update_fields=["released", "status", "released_at"])
    audit_record(
        actor=actor,
        verb="funds.reservation_released",
        target=reservation,
        division_code=reservation.community_id,
        reason=reason.strip()[:500],
        changes={
            "status": ["open", "released"],
            "released": [None, str(left)],
            "committed": [None, str(reservation.used)],
        },
        ip=ip,
    )
    return reservation
