"""Community money endpoints under /api/v1/funds/. Disclosure is public; the rest is scoped."""

from datetime import date, datetime
from decimal import Decimal
from typing import cast

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from shequ.appeals.selectors import (
    RequestsBehind,
    attach_requests_behind,
    prefetched_requests_behind,
    requests_behind_prefetch,
)
from shequ.core.errors import PermissionDenied
from shequ.core.services import client_ip
from shequ.funds import selectors
from shequ.funds.models import (
    Account,
    ApprovalRecord,
    Commitment,
    LedgerTransaction,
    Objection,
    Payment,
    Reservation,
)
from shequ.funds.services import (
    allocation,
    decisions,
    ledger,
    objections,
    reservations,
    spending,
)
from shequ.people.permissions import areas_of
from shequ.sso.api_auth import API_AUTH

router = Router(tags=["funds"], auth=API_AUTH)


def _staff(request: HttpRequest) -> None:
    if not areas_of(request.user):
        raise PermissionDenied("forbidden", _("Only staff may read the ledger."))


class BalanceOut(Schema):
    track: str
    year: int
    received: Decimal
    available: Decimal
    reserved: Decimal
    committed: Decimal
    paid: Decimal


class AllocationLineOut(Schema):
    year: int
    track: str
    amount: Decimal


class PublicObjectionOut(Schema):
    """An objection as disclosed: the objector's name masked, with the staff answer."""

    objector: str
    reason: str
    status: str
    answer: str
    created_at: datetime
    answered_at: datetime | None

    @staticmethod
    def resolve_objector(obj: Objection) -> str:
        return obj.objector_public


class RequestBehindOut(Schema):
    """A public resident request that led to the spending (its page: ``/appeals/{id}/``)."""

    id: int
    number: str
    category: str


def _behind(obj: object) -> RequestsBehind:
    """The requests behind a spending item or decision: attached in bulk by the disclosure,
    read for the one object elsewhere."""
    behind = getattr(obj, "requests_behind", None)
    if behind is None and isinstance(obj, Commitment):
        behind = prefetched_requests_behind(obj)
    if behind is None:
        if isinstance(obj, Commitment):
            attach_requests_behind(commitments=[obj])
        else:
            attach_requests_behind(decisions=[obj])
        behind = obj.requests_behind  # type: ignore[attr-defined]
    return cast(RequestsBehind, behind)


def _behind_out(obj: object) -> list[dict[str, object]]:
    return [
        {"id": a.pk, "number": a.number, "category": a.category.name} for a in _behind(obj).public
    ]


class DecisionOut(Schema):
    id: int
    subject: str
    amount: Decimal
    meeting_date: date
    members_total: int
    members_present: int
    votes_for: int
    votes_against: int
    votes_abstain: int
    objection_deadline: datetime
    open_objections: int = 0
    objections: list[PublicObjectionOut] = []
    requests_count: int = Field(
        0, description="Resident requests that led to this decision's spending (private ones too)"
    )
    requests: list[RequestBehindOut] = Field([], description="The public ones among them")

    @staticmethod
    def resolve_requests_count(obj: ApprovalRecord) -> int:
        return _behind(obj).count

    @staticmethod
    def resolve_requests(obj: ApprovalRecord) -> list[dict[str, object]]:
        return _behind_out(obj)

    @staticmethod
    def resolve_objections(obj: ApprovalRecord) -> list[Objection]:
        return list(getattr(obj, "public_objections", []))


class PaymentOut(Schema):
    id: int
    amount: Decimal
    invoice_number: str
    urgent_reason: str
    created_at: datetime
    receipt_url: str

    @staticmethod
    def resolve_receipt_url(obj: Payment) -> str:
        return f"/funds/receipts/{obj.pk}/"


class CommitmentOut(Schema):
    id: int
    community_code: str
    track: str
    year: int
    approval_id: int
    reservation_id: int | None
    project: str
    category: str
    supplier: str
    organisation_id: int | None
    amount: Decimal
    paid: Decimal
    released: Decimal
    status: str
    payments: list[PaymentOut]
    requests_count: int = Field(
        0, description="Resident requests this spending answers (private ones too)"
    )
    requests: list[RequestBehindOut] = Field([], description="The public ones among them")

    @staticmethod
    def resolve_community_code(obj: Commitment) -> str:
        return obj.community_id

    @staticmethod
    def resolve_requests_count(obj: Commitment) -> int:
        return _behind(obj).count

    @staticmethod
    def resolve_requests(obj: Commitment) -> list[dict[str, object]]:
        return _behind_out(obj)

    @staticmethod
    def resolve_payments(obj: Commitment) -> list[Payment]:
        return list(obj.payments.all())


class DonationOut(Schema):
    id: int
    donor: str
    amount: Decimal
    purpose: str
    received_at: datetime

    @staticmethod
    def resolve_donor(obj: object) -> str:
        return str(getattr(obj, "donor_public", ""))


class ReservationOut(Schema):
    id: int
    community_code: str
    track: str
    year: int
    purpose: str
    amount: Decimal
    used: Decimal
    released: Decimal
    status: str
    created_at: datetime

    @staticmethod
    def resolve_community_code(obj: Reservation) -> str:
        return obj.community_id


class DisclosureOut(Schema):
    """The balances and the latest 50 items of each section; ``counts`` says how many each
    section holds in all (the public pages list them all, paginated)."""

    community_code: str
    community_name: str
    balances: list[BalanceOut]
    allocations: list[AllocationLineOut]
    decisions: list[DecisionOut]
    commitments: list[CommitmentOut]
    reservations: list[ReservationOut]
    donations: list[DonationOut]
    counts: dict[str, int]


@router.get("/communities/{code}/disclosure", response=DisclosureOut, auth=None)
def disclosure(request: HttpRequest, code: str) -> dict[str, object]:
    """A community's public fund disclosure (公示): no login, donors masked."""
    data = selectors.community_disclosure(code)
    attach_requests_behind(commitments=data.commitments, decisions=data.decisions)
    return {
        "community_code": data.community.code,
        "community_name": data.community.name,
        "balances": [
            {
                "track": b.track,
                "year": b.year,
                "received": b.received,
                "available": b.available,
                "reserved": b.reserved,
                "committed": b.committed,
                "paid": b.paid,
            }
            for b in data.balances
        ],
        "allocations": data.allocations,
        "decisions": data.decisions,
        "commitments": data.commitments,
        "reservations": data.reservations,
        "donations": data.donations,
        "counts": data.counts,
    }


class AccountOut(Schema):
    id: int
    kind: str
    division_code: str
    track: str
    year: int
    balance: Decimal

    @staticmethod
    def resolve_division_code(obj: Account) -> str:
        return obj.division_id


@router.get("/accounts", response=list[AccountOut])
@paginate
def list_accounts(
    request: HttpRequest, year: int | None = None, division: str | None = None
) -> object:
    """Ledger accounts in the caller's area."""
    _staff(request)
    return selectors.account_list_for(request.user, year=year, division_code=division)


class TransactionOut(Schema):
    id: int
    kind: str
    division_code: str
    year: int
    memo: str
    reverses_id: int | None
    reason: str
    created_at: datetime

    @staticmethod
    def resolve_division_code(obj: LedgerTransaction) -> str:
        return obj.division_id


@router.get("/transactions", response=list[TransactionOut])
@paginate
def list_transactions(request: HttpRequest, division: str | None = None) -> object:
    _staff(request)
    return selectors.transaction_list_for(request.user, division_code=division)


class ReverseIn(Schema):
    reason: str


@router.post("/transactions/{transaction_id}/reverse", response={201: TransactionOut})
def reverse(
    request: HttpRequest, transaction_id: int, payload: ReverseIn
) -> Status[LedgerTransaction]:
    """A correcting (reversing) transaction; the original is never edited."""
    entry = ledger.transaction_reverse(
        actor=request.user,
        transaction_id=transaction_id,
        reason=payload.reason,
        ip=client_ip(request),
    )
    return Status(201, entry)


class FormulaIn(Schema):
    base_urban: str
    base_rural: str
    per_household: str
    per_resident: str
    floor: str
    cap: str
    city_share: str = "50"


class FormulaOut(Schema):
    year: int
    district_code: str
    base_urban: Decimal
    base_rural: Decimal
    per_household: Decimal
    per_resident: Decimal
    floor: Decimal
    cap: Decimal
    city_share: Decimal

    @staticmethod
    def resolve_district_code(obj: object) -> str:
        return str(getattr(obj, "district_id", ""))


@router.put("/allocations/{year}/formulas/{district}", response=FormulaOut)
def save_formula(request: HttpRequest, year: int, district: str, payload: FormulaIn) -> object:
    return allocation.formula_save(
        actor=request.user,
        year=year,
        district_code=district,
        data=payload.dict(),
        ip=client_ip(request),
    )


class PreviewRowOut(Schema):
    district_code: str
    district_name: str
    communities: int
    security: Decimal
    incentive: Decimal
    total: Decimal
    city_part: Decimal
    district_part: Decimal
    has_formula: bool
    posted: bool


def _preview_rows(rows: list[allocation.DistrictPreview]) -> list[dict[str, object]]:
    return [
        {
            "district_code": r.district.code,
            "district_name": r.district.name,
            "communities": r.communities,
            "security": r.security,
            "incentive": r.incentive,
            "total": r.total,
            "city_part": r.city_part,
            "district_part": r.district_part,
            "has_formula": r.has_formula,
            "posted": r.posted,
        }
        for r in rows
    ]


@router.get("/allocations/{year}/preview", response=list[PreviewRowOut])
def preview(request: HttpRequest, year: int, district: str | None = None) -> object:
    """What posting would allocate, per district (nothing is written)."""
    return _preview_rows(
        allocation.allocation_preview(actor=request.user, year=year, district_code=district)
    )


class PostIn(Schema):
    district: str | None = None


@router.post("/allocations/{year}/post", response={201: list[PreviewRowOut]})
def post_allocation(request: HttpRequest, year: int, payload: PostIn) -> Status[object]:
    allocation.allocation_post(
        actor=request.user, year=year, district_code=payload.district, ip=client_ip(request)
    )
    rows = allocation.allocation_preview(
        actor=request.user, year=year, district_code=payload.district
    )
    return Status(201, _preview_rows(rows))


class DecisionIn(Schema):
    """Either ``meeting_id`` (a council meeting held on the platform: its day, members in
    office and members signed in are taken from it) or ``meeting_date`` with
    ``members_present``, checked against the council register of that day.
    ``members_total``, if sent, must equal the register's members in office."""

    community_code: str
    subject: str
    amount: str
    meeting_id: int | None = None
    meeting_date: date | None = None
    members_total: int | None = None
    members_present: int | None = None
    votes_for: int
    votes_against: int
    votes_abstain: int


@router.post("/decisions", response={201: DecisionOut})
def create_decision(request: HttpRequest, payload: DecisionIn) -> Status[ApprovalRecord]:
    """Record a resident council decision (the minutes file is attached in the console)."""
    data = payload.dict()
    record = decisions.approval_record_create(
        actor=request.user,
        community_code=data.pop("community_code"),
        ip=client_ip(request),
        **data,
    )
    return Status(201, record)


class ObjectionIn(Schema):
    reason: str


class ObjectionOut(Schema):
    id: int
    approval_id: int
    status: str
    reason: str
    answer: str
    created_at: datetime


@router.post("/decisions/{approval_id}/objections", response={201: ObjectionOut})
def object_to(request: HttpRequest, approval_id: int, payload: ObjectionIn) -> Status[Objection]:
    """A verified resident of the community objects during the disclosure window."""
    objection = objections.objection_raise(
        actor=request.user, approval_id=approval_id, reason=payload.reason, ip=client_ip(request)
    )
    return Status(201, objection)


class AnswerIn(Schema):
    answer: str


@router.post("/objections/{objection_id}/answer", response=ObjectionOut)
def answer(request: HttpRequest, objection_id: int, payload: AnswerIn) -> Objection:
    return objections.objection_answer(
        actor=request.user, objection_id=objection_id, answer=payload.answer, ip=client_ip(request)
    )


class CommitmentIn(Schema):
    community_code: str
    approval_id: int | None = None
    track: str
    year: int
    project: str
    category: str
    supplier: str = ""
    organisation_id: int | None = None
    amount: str
    reservation_id: int | None = None


@router.get("/commitments", response=list[CommitmentOut])
@paginate
def list_commitments(request: HttpRequest, division: str | None = None) -> object:
    _staff(request)
    return selectors.commitment_list_for(request.user, division_code=division).prefetch_related(
        "payments", requests_behind_prefetch()
    )


@router.post("/commitments", response={201: CommitmentOut})
def create_commitment(request: HttpRequest, payload: CommitmentIn) -> Status[Commitment]:
    data = payload.dict()
    commitment = spending.commitment_create(
        actor=request.user, community_code=data.pop("community_code"), ip=client_ip(request), **data
    )
    return Status(201, commitment)


@router.post("/commitments/{commitment_id}/payments", response={201: PaymentOut})
def pay(
    request: HttpRequest,
    commitment_id: int,
    amount: Form[str],
    invoice_number: Form[str],
    receipt: File[UploadedFile],
    urgent_reason: Form[str] = "",
) -> Status[Payment]:
    """Pay the supplier with the receipt attached (multipart form). Payment waits for the
    decision's objection window to close (``objection_window_open``); an urgent payment
    before then gives ``urgent_reason``, which is audited and disclosed."""
    payment = spending.payment_create(
        actor=request.user,
        commitment_id=commitment_id,
        amount=amount,
        invoice_number=invoice_number,
        receipt=receipt,
        urgent_reason=urgent_reason,
        ip=client_ip(request),
    )
    return Status(201, payment)


@router.post("/commitments/{commitment_id}/close", response=CommitmentOut)
def close(request: HttpRequest, commitment_id: int) -> Commitment:
    spending.commitment_close(
        actor=request.user, commitment_id=commitment_id, ip=client_ip(request)
    )
    return selectors.commitment_get_for(request.user, commitment_id)


class ReservationIn(Schema):
    community_code: str
    track: str
    year: int
    amount: str
    purpose: str


class ReleaseIn(Schema):
    reason: str = ""


@router.get("/reservations", response=list[ReservationOut])
@paginate
def list_reservations(
    request: HttpRequest, division: str | None = None, status: str | None = None
) -> object:
    """Money held for budgeting rounds, in the caller's area."""
    _staff(request)
    return selectors.reservation_list_for(request.user, division_code=division, status=status)


@router.post("/reservations", response={201: ReservationOut})
def create_reservation(request: HttpRequest, payload: ReservationIn) -> Status[Reservation]:
    """Hold money of a community fund (e.g. a budgeting round's budget)."""
    data = payload.dict()
    reservation = reservations.reservation_create(
        actor=request.user,
        community_code=data.pop("community_code"),
        ip=client_ip(request),
        **data,
    )
    return Status(201, reservation)


@router.post("/reservations/{reservation_id}/release", response=ReservationOut)
def release_reservation(
    request: HttpRequest, reservation_id: int, payload: ReleaseIn
) -> Reservation:
    """Give what was not committed out of the reservation back to the fund."""
    return reservations.reservation_release(
        actor=request.user,
        reservation_id=reservation_id,
        reason=payload.reason,
        ip=client_ip(request),
    )


class ReportRowOut(Schema):
    code: str
    name: str
    allocated: Decimal
    committed: Decimal
    paid: Decimal
    execution_rate: Decimal
    by_category: dict[str, Decimal]


@router.get("/reports/{year}", response=list[ReportRowOut])
def report(request: HttpRequest, year: int, division: str) -> object:
    """Execution rate and spending by category per child division."""
    return selectors.funds_report(request.user, year=year, division_code=division)
