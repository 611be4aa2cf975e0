"""Volunteers over the API: the caller's volunteer record and hours, activities recruiting,
sign-up and withdrawal, check-in with the leader's code; staff read their area's ledger."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from shequ.core.errors import NotFound, PermissionDenied
from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.sso.api_auth import API_AUTH
from shequ.volunteers import selectors
from shequ.volunteers.models import (
    Activity,
    SignUp,
    TimeBankOffer,
    TimeBankRequest,
    TimeCreditEntry,
    TimeSettlement,
    Volunteer,
)
from shequ.volunteers.permissions import can_use_volunteer_console
from shequ.volunteers.services import activities, attendance, timebank

router = Router(tags=["volunteers"], auth=API_AUTH)


class VolunteerHoursOut(Schema):
    credit: Decimal
    honour: Decimal
    correction: Decimal
    total: Decimal


class VolunteerOut(Schema):
    number: str
    status: str
    community: str
    skills: list[str]
    fields: list[str]
    availability: list[str]
    registered_at: datetime
    hours: VolunteerHoursOut
    stars: int


class VolunteerSlotOut(Schema):
    id: int
    starts_at: datetime
    ends_at: datetime
    quota: int
    taken: int
    waiting: int


class VolunteerActivityOut(Schema):
    id: int
    title: str
    description: str
    place: str
    latitude: Decimal
    longitude: Decimal
    team: str
    community: str
    min_age: int
    max_age: int | None
    skills: list[str]
    insured: bool
    signup_deadline: datetime
    status: str

    @staticmethod
    def resolve_team(obj: Activity) -> str:
        return obj.team.name if obj.team else ""

    @staticmethod
    def resolve_community(obj: Activity) -> str:
        return obj.community.name


class VolunteerActivityDetailOut(VolunteerActivityOut):
    slots: list[VolunteerSlotOut]


class VolunteerSignUpIn(Schema):
    slot_id: int


class VolunteerSignUpOut(Schema):
    id: int
    slot_id: int
    activity_id: int
    status: str
    checked_in_at: datetime | None
    checked_out_at: datetime | None

    @staticmethod
    def resolve_activity_id(obj: SignUp) -> int:
        return obj.slot.activity_id


class VolunteerCheckIn(Schema):
    token: str
    latitude: float | None = None
    longitude: float | None = None


class VolunteerLedgerOut(Schema):
    id: int
    kind: str
    hours: Decimal
    served_on: date
    content: str
    reason: str
    recorded_by_name: str
    reverses_id: int | None


def _hours(totals: selectors.Totals) -> dict[str, Decimal]:
    return {
        "credit": totals.credit,
        "honour": totals.honour,
        "correction": totals.correction,
        "total": totals.total,
    }


def _volunteer(request: HttpRequest) -> Volunteer:
    volunteer = selectors.volunteer_of(request.user)
    if volunteer is None:
        raise NotFound("not_volunteer", _("Register as a volunteer first."))
    return volunteer


@router.get("/me", response=VolunteerOut)
def me(request: HttpRequest) -> dict[str, object]:
    """The caller's volunteer record with hours and star level."""
    volunteer = _volunteer(request)
    star = selectors.star_of(volunteer)
    return {
        "number": volunteer.number,
        "status": volunteer.status,
        "community": volunteer.community.name,
        "skills": volunteer.skills,
        "fields": volunteer.fields,
        "availability": volunteer.availability,
        "registered_at": volunteer.registered_at,
        "hours": _hours(selectors.volunteer_totals(volunteer)),
        "stars": star.level if star else 0,
    }


@router.get("/me/hours", response=list[VolunteerLedgerOut])
@paginate
def my_hours(request: HttpRequest) -> object:
    return selectors.ledger_of(_volunteer(request))


@router.get("/activities", response=list[VolunteerActivityOut])
@paginate
def activity_list(request: HttpRequest) -> object:
    """Activities recruiting now."""
    return selectors.activity_list_open()


@router.get("/activities/{activity_id}", response=VolunteerActivityDetailOut)
def activity_detail(request: HttpRequest, activity_id: int) -> dict[str, object]:
    activity = selectors.activity_get_public(activity_id)
    out = VolunteerActivityOut.from_orm(activity).dict()
    out["slots"] = [
        {
            "id": v.slot.pk,
            "starts_at": v.slot.starts_at,
            "ends_at": v.slot.ends_at,
            "quota": v.slot.quota,
            "taken": v.taken,
            "waiting": v.waiting,
        }
        for v in selectors.slot_views(activity)
    ]
    return out


@router.post("/signups", response={201: VolunteerSignUpOut})
def signup(request: HttpRequest, payload: VolunteerSignUpIn) -> Status[SignUp]:
    """Sign up for a slot (or its waiting list when full)."""
    made = activities.signup_create(
        actor=cast(User, request.user), slot_id=payload.slot_id, ip=client_ip(request)
    )
    return Status(201, made)


@router.post("/signups/{signup_id}/withdraw", response=VolunteerSignUpOut)
def withdraw(request: HttpRequest, signup_id: int) -> SignUp:
    return activities.signup_withdraw(
        actor=cast(User, request.user), signup_id=signup_id, ip=client_ip(request)
    )


@router.post("/check-in", response=VolunteerSignUpOut)
def check_in(request: HttpRequest, payload: VolunteerCheckIn) -> SignUp:
    """Check in (first scan) or out (second) with the leader's code, on site."""
    return attendance.checkin_scan(
        actor=cast(User, request.user),
        token=payload.token,
        latitude=payload.latitude,
        longitude=payload.longitude,
        ip=client_ip(request),
    )


@router.get("/staff/ledger", response=list[VolunteerLedgerOut])
@paginate
def staff_ledger(
    request: HttpRequest, since: date | None = None, until: date | None = None
) -> object:
    """Ledger lines counted in the caller's area."""
    if not can_use_volunteer_console(request.user):
        raise PermissionDenied("not_staff", _("You may not see the volunteer ledger."))
    return selectors.ledger_for_staff(user=request.user, since=since, until=until)


# --- Time bank ----------------------------------------------------------------------------


class TimeBalanceOut(Schema):
    balance: Decimal
    deposited: Decimal
    saveable: Decimal


class TimeEntryOut(Schema):
    id: int
    kind: str
    amount: Decimal
    balance_after: Decimal
    content: str
    created_at: datetime


class TimeDepositIn(Schema):
    amount: Decimal | str


class TimeTransferIn(Schema):
    to_number: str
    to_name: str
    amount: Decimal | str


def _balance(volunteer: Volunteer) -> dict[str, Decimal]:
    found = selectors.time_balance_of(volunteer)
    return {"balance": found.balance, "deposited": found.deposited, "saveable": found.saveable}


@router.get("/time-bank/balance", response=TimeBalanceOut)
def time_balance(request: HttpRequest) -> dict[str, Decimal]:
    """The caller's time credits and the service hours they may still save as credits."""
    return _balance(_volunteer(request))


@router.get("/time-bank/history", response=list[TimeEntryOut])
@paginate
def time_history(request: HttpRequest) -> object:
    """The caller's time-credit ledger, newest first."""
    return selectors.time_entries_of(_volunteer(request))


@router.post("/time-bank/deposit", response={201: TimeEntryOut})
def time_deposit(request: HttpRequest, payload: TimeDepositIn) -> Status[TimeCreditEntry]:
    """Save service hours as time credits (the service hours stay as they are)."""
    entry = timebank.time_deposit(
        actor=cast(User, request.user), amount=payload.amount, ip=client_ip(request)
    )
    return Status(201, entry)


@router.post("/time-bank/transfer", response={201: TimeEntryOut})
def time_transfer(request: HttpRequest, payload: TimeTransferIn) -> Status[TimeCreditEntry]:
    """Give credits to a family member by their volunteer number and real name."""
    entry = timebank.time_transfer(
        actor=cast(User, request.user),
        to_number=payload.to_number,
        to_name=payload.to_name,
        amount=payload.amount,
        ip=client_ip(request),
    )
    return Status(201, entry)


# --- Time-bank offers and requests --------------------------------------------------------


class TimeOfferOut(Schema):
    id: int
    service: str
    service_label: str
    title: str
    description: str
    hours: Decimal
    community: str
    is_active: bool
    mine: bool
    created_at: datetime

    @staticmethod
    def resolve_service_label(obj: TimeBankOffer) -> str:
        return str(obj.get_service_display())

    @staticmethod
    def resolve_community(obj: TimeBankOffer) -> str:
        return obj.community.name

    @staticmethod
    def resolve_mine(obj: TimeBankOffer, context: dict[str, Any]) -> bool:
        return bool(obj.provider.user_id == context["request"].user.pk)


class TimeOfferIn(Schema):
    service: str
    title: str
    description: str = ""
    hours: Decimal | str = "1"


class TimeRequestIn(Schema):
    note: str = ""


class TimeRequestOut(Schema):
    id: int
    offer_id: int
    title: str
    note: str
    status: str
    hours: Decimal | None
    requested_at: datetime
    decided_at: datetime | None

    @staticmethod
    def resolve_title(obj: TimeBankRequest) -> str:
        return obj.offer.title


class TimeConfirmIn(Schema):
    hours: Decimal | str


@router.get("/time-bank/offers", response=list[TimeOfferOut])
@paginate
def time_offers(request: HttpRequest) -> object:
    """Services offered in the time bank of the caller's street, other volunteers' first."""
    return selectors.time_offers_nearby(_volunteer(request))


@router.get("/time-bank/offers/mine", response=list[TimeOfferOut])
@paginate
def time_offers_mine(request: HttpRequest) -> object:
    """The caller's own offers, open ones first."""
    return selectors.time_offers_of(_volunteer(request)).select_related("community", "provider")


@router.post("/time-bank/offers", response={201: TimeOfferOut})
def time_offer_create(request: HttpRequest, payload: TimeOfferIn) -> Status[TimeBankOffer]:
    """Offer a service in the time bank of the caller's community."""
    made = timebank.offer_create(
        actor=cast(User, request.user),
        service=payload.service,
        title=payload.title,
        description=payload.description,
        hours=payload.hours,
        ip=client_ip(request),
    )
    return Status(201, made)


@router.post("/time-bank/offers/{offer_id}/close", response=TimeOfferOut)
def time_offer_close(request: HttpRequest, offer_id: int) -> TimeBankOffer:
    """Stop offering a service (open requests stay to be confirmed)."""
    return timebank.offer_close(
        actor=cast(User, request.user), offer_id=offer_id, ip=client_ip(request)
    )


@router.post("/time-bank/offers/{offer_id}/requests", response={201: TimeRequestOut})
def time_offer_request(
    request: HttpRequest, offer_id: int, payload: TimeRequestIn
) -> Status[TimeBankRequest]:
    """Ask for an offered service; the credits move only when the provider confirms."""
    made = timebank.request_create(
        actor=cast(User, request.user), offer_id=offer_id, note=payload.note, ip=client_ip(request)
    )
    return Status(201, made)


@router.get("/time-bank/requests", response=list[TimeRequestOut])
@paginate
def time_requests(request: HttpRequest, to_me: bool = False) -> object:
    """What the caller asked for, or (``to_me``) requests for their offers still to confirm."""
    volunteer = _volunteer(request)
    return selectors.time_requests_to(volunteer) if to_me else selectors.time_requests_of(volunteer)


@router.post("/time-bank/requests/{request_id}/confirm", response=TimeRequestOut)
def time_request_confirm(
    request: HttpRequest, request_id: int, payload: TimeConfirmIn
) -> TimeBankRequest:
    """The provider confirms the service and its duration: the credits move."""
    return timebank.request_confirm(
        actor=cast(User, request.user),
        request_id=request_id,
        hours=payload.hours,
        ip=client_ip(request),
    )


@router.post("/time-bank/requests/{request_id}/cancel", response=TimeRequestOut)
def time_request_cancel(request: HttpRequest, request_id: int) -> TimeBankRequest:
    """The requester or the provider cancels an open request; nothing moves."""
    return timebank.request_cancel(
        actor=cast(User, request.user), request_id=request_id, ip=client_ip(request)
    )


# --- Settlements between communities (staff) ----------------------------------------------


class TimeSettlementOut(Schema):
    id: int
    debtor: str
    creditor: str
    hours: Decimal
    title: str
    created_at: datetime
    settled_how: str
    settled_note: str
    settled_at: datetime | None

    @staticmethod
    def resolve_debtor(obj: TimeSettlement) -> str:
        return obj.debtor.name

    @staticmethod
    def resolve_creditor(obj: TimeSettlement) -> str:
        return obj.creditor.name

    @staticmethod
    def resolve_title(obj: TimeSettlement) -> str:
        return obj.request.offer.title


class TimeSettleIn(Schema):
    method: str
    note: str


def _settlement_reader(request: HttpRequest) -> None:
    if not can_use_volunteer_console(request.user):
        raise PermissionDenied("not_staff", _("You may not see the time-bank settlements."))


@router.get("/staff/time-bank/settlements", response=list[TimeSettlementOut])
@paginate
def staff_settlements(request: HttpRequest, outstanding: bool = False) -> object:
    """Settlements where a community of the caller's area spent or honoured credits."""
    _settlement_reader(request)
    rows = selectors.settlements_for_staff(user=request.user)
    return rows.filter(settled_at__isnull=True) if outstanding else rows


@router.post("/staff/time-bank/settlements/{settlement_id}/settle", response=TimeSettlementOut)
def staff_settlement_settle(
    request: HttpRequest, settlement_id: int, payload: TimeSettleIn
) -> TimeSettlement:
    """The debtor community's staff mark a settlement paid back in hours or cleared by
    agreement, with a note."""
    _settlement_reader(request)
    return timebank.settlement_settle(
        actor=cast(User, request.user),
        settlement_id=settlement_id,
        method=payload.method,
        note=payload.note,
        ip=client_ip(request),
    )
