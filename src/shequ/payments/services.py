"""Writes of payments: issue and cancel bills, pay idempotently, take callbacks, refund."""

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.services import audit_record
from shequ.notices.models import Category
from shequ.notices.services import message_send, plain_text
from shequ.payments.models import Bill, Payment, Refund, UtilityAccount, UtilityCompany
from shequ.payments.permissions import is_department_staff_of, is_system_admin
from shequ.payments.providers import Charge, LocalGateway, provider_get
from shequ.payments.utilities import interface_get
from shequ.people.models import Department, Resident, User
from shequ.places.models import Division

MAX_BILL = Decimal("1000000.00")
CENT = Decimal("0.01")


def _money(value: Any, *, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError):
        raise DomainError("bad_amount", _("Enter an amount in yuan."), field=field) from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_BILL:
        raise DomainError(
            "amount_out_of_range",
            _("The amount must be between 0.01 and 1,000,000 yuan."),
            field=field,
        )
    return amount


@transaction.atomic
def bill_issue(
    *,
    actor: User | None,
    department_id: int,
    resident_id: int,
    title: str,
    amount: Any,
    due_date: date,
    category: str = Bill.Category.FEE,
) -> Bill:
    """Issue a bill from a department to a resident with an account; the resident is told.

    Raises: PermissionDenied (not your department), NotFound (resident), DomainError.
    """
    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        raise NotFound("department_not_found", _("No such department."))
    if actor is not None and not is_department_staff_of(actor, department.pk):
        raise PermissionDenied(
            "not_your_department", _("You may issue bills only for your own department.")
        )
    resident = Resident.objects.filter(pk=resident_id, user__isnull=False).first()
    if resident is None or resident.user_id is None:
        raise NotFound("resident_not_found", _("No such resident with an account."))
    clean_title = plain_text(title, field="title", max_length=120)
    clean_amount = _money(amount, field="amount")
    if category not in Bill.Category.values:
        raise DomainError("bad_choice", _("Choose one of the options."), field="category")
    if due_date < timezone.localdate():
        raise DomainError("due_in_past", _("The due date cannot be in the past."), field="due_date")
    bill = Bill.objects.create(
        user_id=resident.user_id,
        department=department,
        category=category,
        title=clean_title,
        amount=clean_amount,
        due_date=due_date,
        issued_by=actor,
    )
    _issued(bill, actor=actor, division_code=resident.community_id or "")
    return bill


def _issued(bill: Bill, *, actor: User | None, division_code: str = "", prefix: str = "ZD") -> None:
    """Number a new bill, audit it and tell the resident (a donation's payer needs no note)."""
    bill.reference = f"{prefix}{timezone.localdate():%Y%m%d}{bill.pk:06d}"
    bill.save(update_fields=["reference"])
    audit_record(
        actor=actor,
        verb="donation.start" if bill.category == Bill.Category.DONATION else "bill.issue",
        target=bill,
        division_code=division_code,
        changes={"amount": [None, str(bill.amount)]},
    )
    if bill.category != Bill.Category.DONATION:
        message_send(
            user_id=bill.user_id,
            category=Category.BILL,
            title=_("New bill: %(title)s, ¥%(amount)s")
            % {"title": bill.title, "amount": bill.amount},
            url=f"/payments/bills/{bill.pk}/",
        )


@transaction.atomic
def bill_cancel(*, actor: User, bill_id: int, reason: str) -> Bill:
    """Cancel an unpaid bill (an open payment attempt fails with it).

    Raises: NotFound (not your department's), DomainError ``not_cancellable``.
    """
    bill = Bill.objects.select_for_update().filter(pk=bill_id).first()
    if bill is None or not is_department_staff_of(actor, bill.department_id):
        raise NotFound("bill_not_found", _("No such bill."))
    clean_reason = plain_text(reason, field="reason", max_length=300)
    if bill.status != Bill.Status.UNPAID:
        raise DomainError("not_cancellable", _("Only unpaid bills can be cancelled."))
    bill.status = Bill.Status.CANCELLED
    bill.save(update_fields=["status"])
    Payment.objects.filter(bill=bill, status=Payment.Status.CREATED).update(
        status=Payment.Status.FAILED
    )
    audit_record(actor=actor, verb="bill.cancel", target=bill, reason=clean_reason)
    message_send(
        user_id=bill.user_id,
        category=Category.BILL,
        title=_("Bill cancelled: %(title)s") % {"title": bill.title},
        body=clean_reason,
        url=f"/payments/bills/{bill.pk}/",
    )
    return bill


def _owned_bill(actor: User, bill_id: int) -> Bill:
    bill = Bill.objects.select_for_update().filter(pk=bill_id, user_id=actor.pk).first()
    if bill is None:
        raise NotFound("bill_not_found", _("No such bill."))
    return bill


@transaction.atomic
def payment_start(*, actor: User, bill_id: int, idempotency_key: str) -> tuple[Payment, Charge]:
    """Start paying a bill. Repeating the request (double click, retry) returns the same
    payment and cashier page; it never creates a second charge.

    Raises: NotFound (not your bill), DomainError ``bill_not_payable`` / ``bad_key``.
    """
    key = (idempotency_key or "").strip()
    if not 8 <= len(key) <= 64:
        raise DomainError("bad_key", _("Missing or invalid idempotency key."))
    bill = _owned_bill(actor, bill_id)
    existing = Payment.objects.filter(idempotency_key=key).first()
    if existing is not None and existing.bill_id != bill.pk:
        raise DomainError("bad_key", _("Missing or invalid idempotency key."))
    if bill.status != Bill.Status.UNPAID:
        raise DomainError(
            "bill_not_payable",
            _("This bill is %(status)s and cannot be paid."),
            status=bill.get_status_display(),
        )
    live = existing or Payment.objects.filter(bill=bill, status=Payment.Status.CREATED).first()
    provider = provider_get()
    if live is not None and live.provider_txn_id:
        from django.urls import reverse

        return live, Charge(
            txn_id=live.provider_txn_id,
            pay_url=reverse("payments:gateway", args=[live.provider_txn_id]),
        )
    charge = provider.create_charge(
        amount=bill.amount, subject=bill.title, reference=bill.reference or str(bill.pk)
    )
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                bill=bill,
                provider=provider.name,
                provider_txn_id=charge.txn_id,
                idempotency_key=key,
                amount=bill.amount,
            )
    except IntegrityError:
        raise DomainError(
            "payment_in_progress", _("A payment for this bill is already in progress.")
        ) from None
    audit_record(actor=actor, verb="payment.start", target=payment)
    return payment, charge


def local_gateway_confirm(*, txn_id: str, duplicates: int = 2) -> None:
    """The payer confirmed on the local gateway's cashier page: the gateway settles, then its
    callbacks arrive asynchronously (more than once, as real gateways' do)."""
    from shequ.payments.tasks import local_gateway_callback

    if not LocalGateway().settle(txn_id=txn_id):
        return
    for _n in range(duplicates):
        local_gateway_callback.enqueue(txn_id=txn_id)


@transaction.atomic
def payment_refund(*, actor: User, bill_id: int, amount: Any, reason: str) -> Refund:
    """Refund all or part of a paid bill through its provider (department staff).

    Raises: NotFound (not your department's bill), DomainError ``not_refundable`` /
    ``refund_too_large`` / field errors.
    """
    bill = Bill.objects.select_for_update().filter(pk=bill_id).first()
    if bill is None or not is_department_staff_of(actor, bill.department_id):
        raise NotFound("bill_not_found", _("No such bill."))
    clean_reason = plain_text(reason, field="reason", max_length=300)
    clean_amount = _money(amount, field="amount")
    if bill.status not in (Bill.Status.PAID, Bill.Status.REFUNDED):
        raise DomainError("not_refundable", _("Only paid bills can be refunded."))
    if clean_amount > bill.amount - bill.refunded_amount:
        raise DomainError(
            "refund_too_large", _("The refund is more than what is left to refund."), field="amount"
        )
    payment = Payment.objects.get(bill=bill, status=Payment.Status.SUCCEEDED)
    refund_id = provider_get().refund(txn_id=payment.provider_txn_id or "", amount=clean_amount)
    refund = Refund.objects.create(
        payment=payment,
        amount=clean_amount,
        reason=clean_reason,
        provider_refund_id=refund_id,
        actor=actor,
    )
    Bill.objects.filter(pk=bill.pk).update(refunded_amount=F("refunded_amount") + clean_amount)
    bill.refresh_from_db()
    if bill.refunded_amount == bill.amount:
        bill.status = Bill.Status.REFUNDED
        bill.save(update_fields=["status"])
    audit_record(
        actor=actor,
        verb="payment.refund",
        target=bill,
        reason=clean_reason,
        changes={"refunded": [None, str(clean_amount)]},
    )
    message_send(
        user_id=bill.user_id,
        category=Category.BILL,
        title=_("Refund of ¥%(amount)s for %(title)s")
        % {"amount": clean_amount, "title": bill.title},
        body=clean_reason,
        url=f"/payments/bills/{bill.pk}/",
    )
    return refund


# —— Utility accounts (户号绑定) and what is due on them ——

MAX_BINDINGS = 20


@transaction.atomic
def utility_company_create(
    *, actor: User, code: str, name: str, kind: str, department_id: int
) -> UtilityCompany:
    """Register a company whose accounts residents may bind (system administrators).

    Raises: PermissionDenied, NotFound (department), DomainError (fields, duplicate code).
    """
    if not is_system_admin(actor):
        raise PermissionDenied(
            "not_admin", _("Only a system administrator may register utility companies.")
        )
    clean_code = (code or "").strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,39}", clean_code):
        raise DomainError(
            "bad_code", _("Use 2 to 40 lower-case letters, digits or dashes."), field="code"
        )
    if UtilityCompany.objects.filter(code=clean_code).exists():
        raise DomainError("duplicate_code", _("This code is already in use."), field="code")
    clean_name = plain_text(name, field="name", max_length=100)
    if kind not in UtilityCompany.Kind.values:
        raise DomainError("bad_choice", _("Choose one of the options."), field="kind")
    department = Department.objects.filter(pk=department_id, is_active=True).first()
    if department is None:
        raise NotFound("department_not_found", _("No such department."))
    company = UtilityCompany.objects.create(
        code=clean_code, name=clean_name, kind=kind, department=department
    )
    audit_record(actor=actor, verb="utility_company.create", target=company)
    return company


@transaction.atomic
def utility_account_bind(
    *, actor: User, company_id: int, number: str, label: str = ""
) -> UtilityAccount:
    """Bind a utility account number after the company's interface confirmed it; what is
    due on it becomes the resident's bills at once.

    Raises: NotFound (company), DomainError ``bad_account_number`` / ``account_check_failed``
    / ``account_unknown`` / ``already_bound`` / ``too_many_accounts``.
    """
    company = UtilityCompany.objects.filter(pk=company_id, is_active=True).first()
    if company is None:
        raise NotFound("company_not_found", _("No such utility company."))
    clean = re.sub(r"[\s-]", "", str(number or ""))
    if not re.fullmatch(r"\d{6,20}", clean):
        raise DomainError(
            "bad_account_number",
            _("An account number is 6 to 20 digits, as printed on your bill."),
            field="number",
        )
    clean_label = plain_text(label, field="label", max_length=20, required=False)
    accounts = UtilityAccount.objects.select_for_update().filter(user_id=actor.pk)
    if any(a.company_id == company.pk and a.number == clean for a in accounts):
        raise DomainError(
            "already_bound", _("You have already bound this account."), field="number"
        )
    if len(accounts) >= MAX_BINDINGS:
        raise DomainError(
            "too_many_accounts",
            _("You can bind at most %(n)s accounts."),
            n=MAX_BINDINGS,
        )
    checked = interface_get().check_account(company=company, number=clean)
    account = UtilityAccount.objects.create(
        user_id=actor.pk,
        company=company,
        number=clean,
        label=clean_label,
        holder_masked=checked.holder_masked,
        address=checked.address[:200],
    )
    audit_record(actor=actor, verb="utility_account.bind", target=account)
    utility_dues_sync(account=account)
    return account


@transaction.atomic
def utility_account_unbind(*, actor: User, account_id: int) -> None:
    """Unbind an account; its bills stay (paid ones are records, unpaid ones still owed).

    Raises: NotFound (not yours).
    """
    account = UtilityAccount.objects.filter(pk=account_id, user_id=actor.pk).first()
    if account is None:
        raise NotFound("utility_account_not_found", _("No such account."))
    audit_record(actor=actor, verb="utility_account.unbind", target=account)
    Bill.objects.filter(utility_account=account).update(utility_account=None)
    account.delete()


def utility_dues_sync(*, account: UtilityAccount) -> int:
    """Ask the company what is due on ``account`` and add each new period as a bill (one bill
    per account and period, however often this runs). Returns how many bills were added."""
    dues = interface_get().dues(
        company=account.company, number=account.number, today=timezone.localdate()
    )
    added = 0
    for due in dues:
        amount = _money(due.amount, field="amount")
        year, month = due.period.split("-")
        with transaction.atomic():
            bill, created = Bill.objects.get_or_create(
                utility_account=account,
                period=due.period,
                defaults={
                    "user_id": account.user_id,
                    "department_id": account.company.department_id,
                    "category": Bill.Category.UTILITY,
                    "title": _("%(company)s %(year)s-%(month)s (account %(number)s)")
                    % {
                        "company": account.company.name,
                        "year": year,
                        "month": month,
                        "number": account.number,
                    },
                    "amount": amount,
                    "due_date": due.due_date,
                },
            )
            if not created:
                continue
            _issued(bill, actor=None)
            added += 1
    UtilityAccount.objects.filter(pk=account.pk).update(synced_at=timezone.now())
    return added


def utility_dues_sync_for_user(*, user: User, older_than: timedelta = timedelta(hours=6)) -> int:
    """Refresh the user's accounts not asked about recently (opening the bills page)."""
    cutoff = timezone.now() - older_than
    stale = UtilityAccount.objects.filter(user_id=user.pk).select_related("company")
    return sum(
        utility_dues_sync(account=a) for a in stale if a.synced_at is None or a.synced_at < cutoff
    )


# —— Donations to a community fund (社区基金捐款), paid like a bill ——

MIN_DONATION = Decimal("1.00")
MAX_DONATION = Decimal("50000.00")


@transaction.atomic
def donation_start(
    *, actor: User, community_code: str, amount: Any, purpose: str = "", name_public: bool
) -> Bill:
    """A resident's online gift to a community's foundation: a bill payable to the fund, paid
    through the payment provider; once paid, the funds app posts it to the fund's ledger and
    issues the receipt (``bill_paid``).

    Raises: NotFound (community), DomainError ``amount_out_of_range`` / ``bad_amount``.
    """
    community = Division.objects.filter(
        code=str(community_code or ""), level=Division.Level.COMMUNITY
    ).first()
    if community is None:
        raise NotFound("community_not_found", _("No such community."))
    try:
        value = Decimal(str(amount).strip().replace(",", "")).quantize(CENT)
    except (InvalidOperation, ValueError):
        raise DomainError("bad_amount", _("Enter an amount in yuan."), field="amount") from None
    if not value.is_finite() or not MIN_DONATION <= value <= MAX_DONATION:
        raise DomainError(
            "amount_out_of_range",
            _("An online donation is between 1 and 50,000 yuan."),
            field="amount",
        )
    clean_purpose = plain_text(purpose, field="purpose", max_length=200, required=False)
    bill = Bill.objects.create(
        user_id=actor.pk,
        community=community,
        category=Bill.Category.DONATION,
        title=_("Donation to the %(community)s community fund") % {"community": community.name},
        amount=value,
        due_date=timezone.localdate(),
        donation_purpose=clean_purpose,
        donation_name_public=bool(name_public),
    )
    _issued(bill, actor=actor, division_code=community.code, prefix="JK")
    return bill
