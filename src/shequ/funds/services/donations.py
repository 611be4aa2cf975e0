"""Community foundations (社区基金): gifts recorded into the donation fund."""

from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import NotFound
from shequ.core.services import audit_record
from shequ.funds.models import NO_YEAR, Account, Donation, LedgerTransaction, Track
from shequ.funds.permissions import can_spend
from shequ.funds.receipts import ReceiptFacts, receipt_pdf
from shequ.funds.services._common import _check_upload, _community
from shequ.funds.services.ledger import _post, account_for, money_parse


@transaction.atomic
def donation_record(
    *,
    actor: Any,
    community_code: str,
    donor_name: str,
    name_public: bool,
    amount: Any,
    purpose: str = "",
    receipt: UploadedFile | None = None,
    ip: str | None = None,
) -> Donation:
    """Record a gift to the community foundation; it becomes spendable like any fund.

    Raises: NotFound; DomainError amount and file errors.
    """
    if not can_spend(actor, community_code):
        raise NotFound("community_not_found", _("No such community in your area."))
    _community(community_code)
    value = money_parse(amount)
    receipt_file = _check_upload(receipt, field="receipt", required=False)
    donors = account_for(Account.Kind.DONORS, community_code, Track.DONATION, NO_YEAR)
    fund = account_for(Account.Kind.FUND, community_code, Track.DONATION, NO_YEAR)
    entry = _post(
        actor=actor,
        kind=LedgerTransaction.Kind.DONATION,
        division_code=community_code,
        year=NO_YEAR,
        legs=[(donors.pk, -value), (fund.pk, value)],
        memo=purpose.strip()[:200],
    )
    user = actor if getattr(actor, "is_authenticated", False) else None
    donation = Donation(
        community_id=community_code,
        donor_name=donor_name.strip()[:100],
        name_public=name_public,
        amount=value,
        purpose=purpose.strip()[:200],
        transaction=entry,
        created_by=user,
    )
    if receipt_file is not None:
        donation.receipt.save(receipt_file.name or "receipt.pdf", receipt_file, save=False)
    donation.save()
    audit_record(
        actor=actor,
        verb="funds.donation_recorded",
        target=donation,
        division_code=community_code,
        changes={"amount": [None, str(value)], "donor": [None, donation.donor_public]},
        ip=ip,
    )
    return donation


def donation_receive_paid(
    *, bill: Any, transaction_id: str, receipt_number: str, paid_at: Any
) -> Donation:
    """A resident's online gift, paid: post it to the community's foundation and keep the
    platform's receipt with it. Runs inside the payment confirmation's transaction, once per
    bill (a repeated confirmation finds the donation already there).
    """
    existing = Donation.objects.filter(bill=bill).first()
    if existing is not None:
        return existing
    community_code = bill.community_id
    donors = account_for(Account.Kind.DONORS, community_code, Track.DONATION, NO_YEAR)
    fund = account_for(Account.Kind.FUND, community_code, Track.DONATION, NO_YEAR)
    entry = _post(
        actor=None,
        kind=LedgerTransaction.Kind.DONATION,
        division_code=community_code,
        year=NO_YEAR,
        legs=[(donors.pk, -bill.amount), (fund.pk, bill.amount)],
        memo=bill.donation_purpose[:200],
    )
    resident = getattr(bill.user, "resident", None)
    donation = Donation(
        community_id=community_code,
        donor_name=resident.real_name if resident is not None else "",
        name_public=bill.donation_name_public,
        amount=bill.amount,
        purpose=bill.donation_purpose[:200],
        transaction=entry,
        created_by=bill.user,
        bill=bill,
    )
    pdf = receipt_pdf(
        ReceiptFacts(
            number=receipt_number,
            fund_name=bill.payee_name,
            donor=donation.donor_public,
            amount=bill.amount,
            purpose=donation.purpose,
            paid_at=paid_at,
            transaction=transaction_id,
        )
    )
    donation.receipt.save(f"{receipt_number}.pdf", ContentFile(pdf), save=False)
    donation.save()
    audit_record(
        actor=bill.user,
        verb="funds.donation_recorded",
        target=donation,
        division_code=community_code,
        changes={"amount": [None, str(bill.amount)], "donor": [None, donation.donor_public]},
    )
    return donation
