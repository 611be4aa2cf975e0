"""Spending decided by residents (承诺 → 支付 → 结项): commitments of a fund to a council
decision, payments against them with the receipt, release and closing."""

from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.civil.selectors import organisation_for_payment
from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.funds.models import (
    Account,
    ApprovalRecord,
    Commitment,
    LedgerTransaction,
    Objection,
    Payment,
)
from shequ.funds.permissions import can_reserve, can_spend
from shequ.funds.services._common import _check_upload, _community
from shequ.funds.services.ledger import (
    _back_to_fund,
    _fund_account,
    _fund_year,
    _post,
    account_for,
    money_parse,
)
from shequ.funds.services.reservations import _reservation_to_draw


@transaction.atomic
def commitment_create(
    *,
    actor: Any,
    community_code: str,
    approval_id: int | None,
    track: str,
    year: int,
    project: str,
    category: str,
    supplier: str,
    amount: Any,
    reservation_id: int | None = None,
    organisation_id: int | None = None,
    ip: str | None = None,
) -> Commitment:
    """Commit money of a community fund to a spending item approved by the council.

    The supplier is a registered social organisation (``organisation_id``, its name kept in
    ``supplier``) or, for anyone else, a name typed in ``supplier``.

    With ``reservation_id`` the money comes out of that reservation (a budgeting round's
    budget held since the round opened), not out of the fund's available balance.
    Raises: NotFound; DomainError ``approval_required``, ``approval_other_community``,
    ``over_approval``, ``no_fund``, ``insufficient_funds``, the reservation errors of
    ``_reservation_to_draw``, amount errors.
    """
    allowed = (
        can_spend(actor, community_code)
        if reservation_id is None
        else can_reserve(actor, community_code)
    )
    if not allowed:
        raise NotFound("community_not_found", _("No such community in your area."))
    _community(community_code)
    value = money_parse(amount)
    if not project.strip():
        raise DomainError("project_required", _("Name the project."), field="project")
    organisation = None
    if organisation_id is not None:
        organisation = organisation_for_payment(organisation_id)
        supplier = organisation.name
    if not supplier.strip():
        raise DomainError("supplier_required", _("Name the supplier."), field="supplier")
    if category not in Commitment.Category.values:
        raise DomainError("category_invalid", _("Choose a category."), field="category")
    year = _fund_year(track, year)
    if approval_id is None:
        raise DomainError(
            "approval_required",
            _("Spending needs a decision of the residents' council."),
            field="approval",
        )
    approval = ApprovalRecord.objects.select_for_update().filter(pk=approval_id).first()
    if approval is None:
        raise DomainError(
            "approval_required",
            _("Spending needs a decision of the residents' council."),
            field="approval",
        )
    if approval.community_id != community_code:
        raise DomainError(
            "approval_other_community",
            _("That decision belongs to another community."),
            field="approval",
        )
    committed = approval.commitments.aggregate(s=Sum("amount"))["s"] or Decimal(0)
    if committed + value > approval.amount:
        raise DomainError(
            "over_approval",
            _("The council approved %(approved)s yuan; %(left)s yuan is left of it."),
            field="amount",
            approved=f"{approval.amount:,.2f}",
            left=f"{approval.amount - committed:,.2f}",
        )
    reservation = None
    if reservation_id is not None:
        reservation = _reservation_to_draw(
            reservation_id, community_code=community_code, track=track, year=year, value=value
        )
        source = account_for(Account.Kind.RESERVED, community_code, track, year)
    else:
        source = _fund_account(community_code, track, year)
    held = account_for(Account.Kind.COMMITMENT, community_code, track, year)
    entry = _post(
        actor=actor,
        kind=LedgerTransaction.Kind.COMMITMENT,
        division_code=community_code,
        year=year,
        legs=[(source.pk, -value), (held.pk, value)],
        memo=project.strip()[:200],
    )
    if reservation is not None:
        reservation.used += value
        reservation.save(update_fields=["used"])
    user = actor if getattr(actor, "is_authenticated", False) else None
    commitment = Commitment.objects.create(
        community_id=community_code,
        track=track,
        year=year,
        approval=approval,
        reservation=reservation,
        project=project.strip()[:200],
        category=category,
        supplier=supplier.strip()[:200],
        organisation=organisation,
        amount=value,
        transaction=entry,
        created_by=user,
    )
    changes: dict[str, Any] = {"amount": [None, str(value)], "approval": [None, approval.pk]}
    if reservation is not None:
        changes["reservation"] = [None, reservation.pk]
    if organisation is not None:
        changes["organisation"] = [None, organisation.pk]
    audit_record(
        actor=actor,
        verb="funds.committed",
        target=commitment,
        division_code=community_code,
        changes=changes,
        ip=ip,
    )
    return commitment


def _commitment_for_update(actor: Any, commitment_id: int) -> Commitment:
    commitment = Commitment.objects.select_for_update().filter(pk=commitment_id).first()
    if commitment is None or not can_spend(actor, commitment.community_id):
        raise NotFound("commitment_not_found", _("No such spending item in your area."))
    if commitment.status == Commitment.Status.CLOSED:
        raise DomainError("commitment_closed", _("The spending item is closed; it cannot change."))
    return commitment


@transaction.atomic
def payment_create(
    *,
    actor: Any,
    commitment_id: int,
    amount: Any,
    invoice_number: str,
    receipt: UploadedFile | None,
    urgent_reason: str = "",
    ip: str | None = None,
) -> Payment:
    """Pay the supplier against a commitment, with the receipt (invoice) attached.

    Payment waits for the decision's objection window to close: residents may still object
    until then. An urgent payment inside the window needs ``urgent_reason``, written down,
    audited (``funds.paid_urgently``) and disclosed with the payment; an open objection
    holds every payment, urgent or not.
    Raises: NotFound; DomainError ``objection_window_open``, ``objection_open``,
    ``over_commitment``, ``commitment_closed``, ``invoice_required``, amount and file errors.
    """
    commitment = _commitment_for_update(actor, commitment_id)
    value = money_parse(amount)
    if not invoice_number.strip():
        raise DomainError(
            "invoice_required", _("Enter the invoice number."), field="invoice_number"
        )
    receipt_file = _check_upload(receipt, field="receipt", required=True)
    if Objection.objects.filter(
        approval_id=commitment.approval_id, status=Objection.Status.OPEN
    ).exists():
        raise DomainError(
            "objection_open",
            _("A resident's objection to this decision is open; payment waits for the answer."),
        )
    deadline = ApprovalRecord.objects.values_list("objection_deadline", flat=True).get(
        pk=commitment.approval_id
    )
    urgent = ""
    if timezone.now() <= deadline:
        urgent = urgent_reason.strip()
        if not urgent:
            raise DomainError(
                "objection_window_open",
                _(
                    "Residents may object to this decision until %(until)s; payment waits "
                    "until then. Only an urgent payment may go earlier, with the reason "
                    "written down."
                ),
                field="urgent_reason",
                until=timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M"),
            )
        if len(urgent) > 500:
            raise DomainError(
                "reason_too_long", _("At most %(n)s characters."), field="urgent_reason", n=500
            )
    if value > commitment.remaining:
        raise DomainError(
            "over_commitment",
            _("Only %(left)s yuan of this commitment is left to pay."),
            field="amount",
            left=f"{commitment.remaining:,.2f}",
        )
    held = account_for(
        Account.Kind.COMMITMENT, commitment.community_id, commitment.track, commitment.year
    )
    paid = account_for(
        Account.Kind.PAYABLE, commitment.community_id, commitment.track, commitment.year
    )
    entry = _post(
        actor=actor,
        kind=LedgerTransaction.Kind.PAYMENT,
        division_code=commitment.community_id,
        year=commitment.year,
        legs=[(held.pk, -value), (paid.pk, value)],
        memo=f"{commitment.project} · {invoice_number.strip()}"[:200],
    )
    commitment.paid += value
    commitment.save(update_fields=["paid"])
    user = actor if getattr(actor, "is_authenticated", False) else None
    payment = Payment(
        commitment=commitment,
        community_id=commitment.community_id,
        amount=value,
        invoice_number=invoice_number.strip()[:60],
        urgent_reason=urgent,
        transaction=entry,
        created_by=user,
    )
    assert receipt_file is not None  # checked above  # noqa: S101
    payment.receipt.save(receipt_file.name or "receipt.pdf", receipt_file, save=False)
    payment.save()
    changes: dict[str, Any] = {"amount": [None, str(value)], "commitment": [None, commitment.pk]}
    if urgent:
        changes["objection_deadline"] = [None, deadline.isoformat()]
    audit_record(
        actor=actor,
        verb="funds.paid_urgently" if urgent else "funds.paid",
        target=payment,
        division_code=commitment.community_id,
        reason=urgent,
        changes=changes,
        ip=ip,
    )
    return payment


def _release(actor: Any, commitment: Commitment, value: Decimal, memo: str) -> None:
    _back_to_fund(
        actor, LedgerTransaction.Kind.RELEASE, Account.Kind.COMMITMENT, commitment, value, memo
    )
    commitment.released += value
    commitment.save(update_fields=["released"])


@transaction.atomic
def commitment_release(
    *, actor: Any, commitment_id: int, amount: Any, reason: str, ip: str | None = None
) -> Commitment:
    """Give unspent commitment back to the fund.

    Raises: NotFound; DomainError ``reason_required``, ``over_commitment``, amount errors.
    """
    commitment = _commitment_for_update(actor, commitment_id)
    value = money_parse(amount)
    if not reason.strip():
        raise DomainError("reason_required", _("Give the reason."), field="reason")
    if value > commitment.remaining:
        raise DomainError(
            "over_commitment",
            _("Only %(left)s yuan of this commitment is left to pay."),
            field="amount",
            left=f"{commitment.remaining:,.2f}",
        )
    _release(actor, commitment, value, f"release: {commitment.project}")
    audit_record(
        actor=actor,
        verb="funds.released",
        target=commitment,
        division_code=commitment.community_id,
        reason=reason.strip(),
        changes={"released": [None, str(value)]},
        ip=ip,
    )
    return commitment


@transaction.atomic
def commitment_close(*, actor: Any, commitment_id: int, ip: str | None = None) -> Commitment:
    """Close a spending item: whatever is unpaid goes back to the fund; no more payments.

    Raises: NotFound; DomainError ``commitment_closed``.
    """
    commitment = _commitment_for_update(actor, commitment_id)
    left = commitment.remaining
    if left > 0:
        _release(actor, commitment, left, f"closed: {commitment.project}")
    commitment.status = Commitment.Status.CLOSED
    commitment.save(update_fields=["status"])
    audit_record(
        actor=actor,
        verb="funds.closed",
        target=commitment,
        division_code=commitment.community_id,
        changes={"status": ["open", "closed"], "released": [None, str(left)]},
        ip=ip,
    )
    return commitment
