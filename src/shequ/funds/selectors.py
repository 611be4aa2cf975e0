"""Reads of community money: the public disclosure, scoped staff lists, reports."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import (
    Case,
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import NotFound
from shequ.core.scopes import code_prefix, within
from shequ.funds.models import (
    Account,
    AllocationLine,
    ApprovalRecord,
    Commitment,
    Donation,
    LedgerTransaction,
    Objection,
    Payment,
    Reservation,
)
from shequ.funds.permissions import can_view_funds
from shequ.people.selectors import scope_queryset
from shequ.places.models import Division

ZERO = Decimal("0.00")


@dataclass
class FundBalance:
    track: str
    track_label: str
    year: int
    available: Decimal = ZERO
    reserved: Decimal = ZERO
    committed: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def received(self) -> Decimal:
        return self.available + self.reserved + self.committed + self.paid


LATEST = 50  # items per section on the fund page and per page of the full lists

# The sections of the disclosure, in page order; each has a full paginated list.
SECTIONS = ("decisions", "spending", "reservations", "allocations", "donations")


@dataclass
class Disclosure:
    community: Division
    balances: list[FundBalance]
    allocations: list[AllocationLine]
    decisions: list[Any]  # ApprovalRecord with open_objections, objection_count, window_open
    commitments: list[Commitment]
    donations: list[Donation]
    reservations: list[Reservation] = field(default_factory=list)
    totals: dict[str, Decimal] = field(default_factory=dict)
    # How many items each section holds in all (the page shows the latest ``LATEST``).
    counts: dict[str, int] = field(default_factory=dict)

    def more(self, section: str) -> bool:
        shown = {
            "decisions": self.decisions,
            "spending": self.commitments,
            "reservations": self.reservations,
            "allocations": self.allocations,
            "donations": self.donations,
        }[section]
        return self.counts.get(section, 0) > len(shown)


def community_get(code: str) -> Division:
    """Raises: NotFound for anything that is not an active community."""
    division = Division.objects.filter(
        code=code, level=Division.Level.COMMUNITY, is_active=True
    ).first()
    if division is None:
        raise NotFound("community_not_found", _("No such community."))
    return division


def balances_of(code: str) -> list[FundBalance]:
    rows: dict[tuple[str, int], FundBalance] = {}
    labels = dict(Account._meta.get_field("track").choices or [])
    accounts = Account.objects.filter(
        division_id=code,
        kind__in=[
            Account.Kind.FUND,
            Account.Kind.RESERVED,
            Account.Kind.COMMITMENT,
            Account.Kind.PAYABLE,
        ],
    ).order_by("-year", "track")
    for account in accounts:
        key = (account.track, account.year)
        row = rows.setdefault(
            key,
            FundBalance(account.track, str(labels.get(account.track, "")), account.year),
        )
        if account.kind == Account.Kind.FUND:
            row.available = account.balance
        elif account.kind == Account.Kind.RESERVED:
            row.reserved = account.balance
        elif account.kind == Account.Kind.COMMITMENT:
            row.committed = account.balance
        else:
            row.paid = account.balance
    return list(rows.values())


def public_decisions(code: str) -> QuerySet[ApprovalRecord]:
    """A community's council decisions, newest meeting first, with their objection counts."""
    return (
        ApprovalRecord.objects.filter(community_id=code)
        .annotate(
            open_objections=Count("objections", filter=Q(objections__status="open")),
            objection_count=Count("objections"),
        )
        .order_by("-meeting_date", "-id")
    )


def public_spending(code: str) -> QuerySet[Commitment]:
    """A community's spending items, newest first, with their payments (receipts)."""
    payments = Prefetch(
        "payments",
        queryset=Payment.objects.only(
            "id", "commitment_id", "amount", "invoice_number", "urgent_reason", "created_at"
        ).order_by("id"),
    )
    return (
        Commitment.objects.filter(community_id=code)
        .defer("created_by", "transaction")
        .prefetch_related(payments)
        .order_by("-created_at", "-id")
    )


def public_reservations(code: str) -> QuerySet[Reservation]:
    return Reservation.objects.filter(community_id=code).order_by("-id")


def public_allocations(code: str) -> QuerySet[AllocationLine]:
    return AllocationLine.objects.filter(community_id=code).order_by("-year", "track")


def public_donations(code: str) -> QuerySet[Donation]:
    return Donation.objects.filter(community_id=code).order_by("-id")


def public_section(code: str, section: str) -> QuerySet[Any]:
    """The full list of one section of the disclosure. Raises: NotFound for another name."""
    readers = {
        "decisions": public_decisions,
        "spending": public_spending,
        "reservations": public_reservations,
        "allocations": public_allocations,
        "donations": public_donations,
    }
    if section not in readers:
        raise NotFound("section_not_found", _("No such list."))
    return readers[section](code)


def decisions_with_window(decisions: list[ApprovalRecord]) -> list[ApprovalRecord]:
    """Mark each decision whose objection window is still open (``window_open``) and attach
    its objections with their answers (``public_objections``, objector masked) in one query,
    none when no decision shown has an objection."""
    now = timezone.now()
    for decision in decisions:
        decision.window_open = now <= decision.objection_deadline  # type: ignore[attr-defined]
        decision.public_objections = []  # type: ignore[attr-defined]
    objected = {d.pk: d for d in decisions if getattr(d, "objection_count", 1)}
    if objected:
        objections = (
            Objection.objects.filter(approval_id__in=list(objected))
            .select_related("resident_user__resident")
            .order_by("id")
        )
        for objection in objections:
            objected[objection.approval_id].public_objections.append(objection)  # type: ignore[attr-defined]
    return decisions


def _count_of(model: type[models.Model]) -> Coalesce:
    """How many rows of ``model`` belong to the outer community, as one correlated subquery
    (the community's index answers it without reading the rows)."""
    rows = (
        model._default_manager.filter(community_id=OuterRef("pk"))
        .order_by()
        .values("community_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=models.IntegerField()), 0)


def community_disclosure(code: str, *, latest: int | None = None) -> Disclosure:
    """Everything the public may see of one community's money (公示): the balances, and the
    latest ``latest`` items of each section with how many there are in all; donors masked.

    Eight queries whatever the size of the ledger, each reading at most ``latest`` rows.
    Raises: NotFound for anything that is not an active community.
    """
    community = (
        Division.objects.filter(code=code, level=Division.Level.COMMUNITY, is_active=True)
        .annotate(
            n_decisions=_count_of(ApprovalRecord),
            n_spending=_count_of(Commitment),
            n_reservations=_count_of(Reservation),
            n_allocations=_count_of(AllocationLine),
            n_donations=_count_of(Donation),
        )
        .first()
    )
    if community is None:
        raise NotFound("community_not_found", _("No such community."))
    latest = latest or LATEST
    balances = balances_of(code)
    totals = {
        "received": sum((b.received for b in balances), ZERO),
        "available": sum((b.available for b in balances), ZERO),
        "reserved": sum((b.reserved for b in balances), ZERO),
        "committed": sum((b.committed for b in balances), ZERO),
        "paid": sum((b.paid for b in balances), ZERO),
    }
    return Disclosure(
        community=community,
        balances=balances,
        allocations=list(public_allocations(code)[:latest]),
        decisions=decisions_with_window(list(public_decisions(code)[:latest])),
        commitments=list(public_spending(code)[:latest]),
        donations=list(public_donations(code)[:latest]),
        reservations=list(public_reservations(code)[:latest]),
        totals=totals,
        counts={section: getattr(community, f"n_{section}") for section in SECTIONS},
    )


def community_spending_for_staff(code: str) -> QuerySet[Commitment]:
    """The community's spending items for its console: open ones (still to pay) first."""
    still_open = Case(When(status=Commitment.Status.OPEN, then=Value(0)), default=Value(1))
    return (
        public_spending(code).select_related("approval").order_by(still_open, "-created_at", "-id")
    )


def decisions_with_room(code: str) -> QuerySet[ApprovalRecord]:
    """The community's council decisions with approved money not yet committed (the ones a
    new commitment can refer to), newest meeting first."""
    committed = Coalesce(
        Sum("commitments__amount"), Value(ZERO), output_field=models.DecimalField()
    )
    return (
        ApprovalRecord.objects.filter(community_id=code)
        .annotate(committed=committed)
        .filter(committed__lt=F("amount"))
        .order_by("-meeting_date", "-id")
    )


def commitment_list_for(user: Any, *, division_code: str | None = None) -> QuerySet[Commitment]:
    """Spending items in the user's area."""
    queryset = scope_queryset(Commitment.objects.all(), user, division_field="community_id")
    if division_code:
        queryset = queryset.filter(within("community_id", division_code))
    return queryset.select_related("community", "approval").order_by("-id")


def commitment_get_for(user: Any, commitment_id: int) -> Commitment:
    """Raises: NotFound when missing or outside the user's area."""
    found = commitment_list_for(user).prefetch_related("payments").filter(pk=commitment_id).first()
    if found is None:
        raise NotFound("commitment_not_found", _("No such spending item in your area."))
    return found


def reservation_list_for(
    user: Any, *, division_code: str | None = None, status: str | None = None
) -> QuerySet[Reservation]:
    """Reservations (budgeting rounds' budgets held in the ledger) in the user's area."""
    queryset = scope_queryset(Reservation.objects.all(), user, division_field="community_id")
    if division_code:
        queryset = queryset.filter(within("community_id", division_code))
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-id")


def approval_list_for(user: Any, *, division_code: str | None = None) -> QuerySet[ApprovalRecord]:
    queryset = scope_queryset(ApprovalRecord.objects.all(), user, division_field="community_id")
    if division_code:
        queryset = queryset.filter(within("community_id", division_code))
    return queryset.select_related("community").order_by("-meeting_date", "-id")


def objection_list_for(user: Any, *, status: str | None = None) -> QuerySet[Objection]:
    queryset = scope_queryset(Objection.objects.all(), user, division_field="community_id")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.select_related("approval", "community").order_by("-id")


def account_list_for(
    user: Any, *, year: int | None = None, division_code: str | None = None
) -> QuerySet[Account]:
    queryset = scope_queryset(Account.objects.all(), user, division_field="division_id")
    if year is not None:
        queryset = queryset.filter(year=year)
    if division_code:
        queryset = queryset.filter(within("division_id", division_code))
    return queryset.order_by("division_id", "-year", "track", "kind")


def transaction_list_for(
    user: Any, *, division_code: str | None = None
) -> QuerySet[LedgerTransaction]:
    queryset = scope_queryset(LedgerTransaction.objects.all(), user, division_field="division_id")
    if division_code:
        queryset = queryset.filter(within("division_id", division_code))
    return queryset.select_related("created_by").order_by("-id")


@dataclass
class ReportRow:
    code: str
    name: str
    allocated: Decimal = ZERO
    committed: Decimal = ZERO
    paid: Decimal = ZERO
    by_category: dict[str, Decimal] = field(default_factory=dict)

    @property
    def execution_rate(self) -> Decimal:
        """Share of the allocation actually paid out (执行率), in percent."""
        if not self.allocated:
            return ZERO
        return (self.paid * 100 / self.allocated).quantize(Decimal("0.1"))


def funds_report(user: Any, *, year: int, division_code: str) -> list[ReportRow]:
    """Allocation, commitments and payments per child division of ``division_code`` for
    ``year``, with spending by category. Grouped in the database (three queries).

    Raises: NotFound when the division is outside the user's area.
    """
    division = Division.objects.filter(code=division_code).first()
    if division is None or not can_view_funds(user, division_code):
        raise NotFound("division_not_found", _("No such division in your area."))
    children = list(Division.objects.filter(parent_id=division_code).order_by("code"))
    if division.level == Division.Level.COMMUNITY or not children:
        children = [division]
    # Children of one division share a prefix length: 6 (districts), 9 (streets), 12.
    width = len(code_prefix(children[0].code))
    rows = {code_prefix(c.code): ReportRow(c.code, str(c)) for c in children}

    def row_for(code: str) -> ReportRow | None:
        return rows.get(code[:width])

    area = within("community_id", division_code)
    allocations = (
        AllocationLine.objects.filter(area, year=year)
        .values_list("community_id")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    for code, total in allocations:
        row = row_for(code)
        if row:
            row.allocated += total
    spending = (
        Commitment.objects.filter(area, year=year)
        .values_list("community_id", "category")
        .annotate(c=Sum("amount"), p=Sum("paid"), r=Sum("released"))
        .order_by()
    )
    for code, category, committed, paid, released in spending:
        row = row_for(code)
        if row:
            row.committed += committed - paid - released
            row.paid += paid
            row.by_category[category] = row.by_category.get(category, ZERO) + paid
    return list(rows.values())


def monthly_payments(user: Any, *, year: int, division_code: str) -> list[tuple[int, Decimal]]:
    """Payments per month of ``year`` inside the division (the monthly report)."""
    if not can_view_funds(user, division_code):
        raise NotFound("division_not_found", _("No such division in your area."))
    from django.db.models.functions import ExtractMonth

    rows = (
        Payment.objects.filter(within("community_id", division_code), commitment__year=year)
        .annotate(month=ExtractMonth("created_at"))
        .values_list("month")
        .annotate(s=Sum("amount"))
        .order_by("month")
    )
    totals = dict(rows)
    return [
        (month, Decimal(totals.get(month) or 0).quantize(Decimal("0.01"))) for month in range(1, 13)
    ]
