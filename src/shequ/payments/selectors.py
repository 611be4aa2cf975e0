"""Reads of payments: a resident's bills and receipts, departments' bills, reconciliation."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import NotFound
from shequ.core.scopes import Role
from shequ.payments.models import (
    Bill,
    Payment,
    Receipt,
    Refund,
    UtilityAccount,
    UtilityCompany,
)
from shequ.payments.providers import provider_get
from shequ.people.selectors import scope_queryset
from shequ.places.models import Division


def bill_list_for_user(*, user: Any) -> QuerySet[Bill]:
    """The user's own bills: unpaid first, then newest."""
    return (
        Bill.objects.filter(user_id=user.pk)
        .select_related("department", "community")
        .order_by("-status", "-created_at")
    )


def utility_accounts_for_user(*, user: Any) -> list[UtilityAccount]:
    return list(UtilityAccount.objects.filter(user_id=user.pk).select_related("company"))


def utility_companies() -> QuerySet[UtilityCompany]:
    """Every registered company with how many accounts residents have bound."""
    return UtilityCompany.objects.select_related("department").annotate(bound=Count("accounts"))


def donation_community(code: str) -> Division:
    community = Division.objects.filter(code=code, level=Division.Level.COMMUNITY).first()
    if community is None:
        raise NotFound("community_not_found", _("No such community."))
    return community


def bill_get_for_user(*, user: Any, bill_id: int) -> Bill:
    bill = bill_list_for_user(user=user).filter(pk=bill_id).first()
    if bill is None:
        raise NotFound("bill_not_found", _("No such bill."))
    return bill


def receipt_for_bill(bill: Bill) -> Receipt | None:
    return (
        Receipt.objects.filter(payment__bill=bill, payment__status=Payment.Status.SUCCEEDED)
        .select_related("payment")
        .first()
    )


def bill_list_for(*, user: Any, status: str | None = None) -> QuerySet[Bill]:
    """Bills of the staff member's department (all for administrators)."""
    queryset = scope_queryset(
        Bill.objects.select_related("department", "community", "user"),
        user,
        division_field=None,
        department_field="department_id",
        roles={Role.DEPARTMENT_STAFF},
    )
    if status in Bill.Status.values:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-id")


def bill_get_for(*, user: Any, bill_id: int) -> Bill:
    bill = bill_list_for(user=user).filter(pk=bill_id).first()
    if bill is None:
        raise NotFound("bill_not_found", _("No such bill."))
    return bill


@dataclass
class DepartmentDay:
    department: str
    payments: int = 0
    paid: Decimal = Decimal("0.00")
    refunds: Decimal = Decimal("0.00")

    @property
    def net(self) -> Decimal:
        return self.paid - self.refunds


@dataclass
class Reconciliation:
    """Our books of one day against the provider's statement (对账)."""

    day: date
    rows: list[DepartmentDay]
    provider_total: Decimal
    our_total: Decimal
    missing_at_provider: list[str] = field(default_factory=list)
    missing_here: list[str] = field(default_factory=list)
    amount_differs: list[str] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return not (self.missing_at_provider or self.missing_here or self.amount_differs)


def reconciliation_report(*, user: Any, day: date) -> Reconciliation:
    """Per-department totals of one local day, and every mismatch with the provider."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    end = start + timedelta(days=1)
    bills = bill_list_for(user=user)
    payments = list(
        Payment.objects.filter(
            bill__in=bills.values("pk"),
            status=Payment.Status.SUCCEEDED,
            confirmed_at__gte=start,
            confirmed_at__lt=end,
        )
        .select_related("bill__department", "bill__community")
        .order_by("bill__department__name")
    )
    refunds = list(
        Refund.objects.filter(
            payment__bill__in=bills.values("pk"), created_at__gte=start, created_at__lt=end
        ).select_related("payment__bill__department", "payment__bill__community")
    )
    rows: dict[str, DepartmentDay] = {}
    for payment in payments:
        name = payment.bill.payee_name
        row = rows.setdefault(name, DepartmentDay(department=name))
        row.payments += 1
        row.paid += payment.amount
    for refund in refunds:
        name = refund.payment.bill.payee_name
        rows.setdefault(name, DepartmentDay(department=name)).refunds += refund.amount
    ours = {p.provider_txn_id: p.amount for p in payments if p.provider_txn_id}
    statement = [line for line in provider_get().statement(day=day) if line.kind == "charge"]
    theirs = {line.txn_id: line.amount for line in statement}
    report = Reconciliation(
        day=day,
        rows=sorted(rows.values(), key=lambda r: r.department),
        provider_total=sum(theirs.values(), Decimal("0.00")),
        our_total=sum(ours.values(), Decimal("0.00")),
    )
    report.missing_at_provider = sorted(set(ours) - set(theirs))
    known_elsewhere = set(
        Payment.objects.filter(provider_txn_id__in=set(theirs) - set(ours))
        .exclude(bill__in=bills.values("pk"))
        .values_list("provider_txn_id", flat=True)
    )
    # Charges of other departments are not this user's business; unknown ones are.
    report.missing_here = sorted(set(theirs) - set(ours) - known_elsewhere)
    report.amount_differs = sorted(t for t in set(ours) & set(theirs) if ours[t] != theirs[t])
    return report
