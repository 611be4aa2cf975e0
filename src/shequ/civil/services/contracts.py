"""Writes of grant contracts: sign the contract of a selected application (its amount committed
in the funds ledger) and its tranches: reported by the organisation, accepted and paid by the
issuer through the funds ledger.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.civil.models import Application, Call, Contract, Tranche
from shequ.civil.permissions import is_member
from shequ.civil.services.calls import _call_for_manager, _money
from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.funds.services.grants import grant_commit, grant_pay
from shequ.notices.services import plain_text


@dataclass
class TrancheData:
    milestone: str
    amount: Any
    due_on: date


@transaction.atomic
def contract_sign(
    *,
    actor: Any,
    application_id: int,
    signed_on: date,
    ends_on: date,
    tranches: Sequence[TrancheData],
    ip: str | None = None,
) -> Contract:
    """Sign the contract of a selected application once the public notice has ended with every
    objection answered; its amount is committed in the funds ledger (grants track).

    Raises: NotFound; DomainError ``not_awarded``, ``notice_running``, ``objections_open``,
    ``contract_exists``, ``term_invalid``, ``tranches_sum``, amount errors.
    """
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("call", "organisation")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise NotFound("application_not_found", _("No such application in your area."))
    call = _call_for_manager(actor, application.call_id)
    if application.status != Application.Status.AWARDED or application.award_amount is None:
        raise DomainError("not_awarded", _("Only a selected application gets a contract."))
    if (
        call.stage == Call.Stage.NOTICE
        and call.notice_ends_at
        and timezone.now() < call.notice_ends_at
    ):
        raise DomainError(
            "notice_running",
            _("The public notice runs until %(end)s; sign the contract after it."),
            end=timezone.localtime(call.notice_ends_at).strftime("%Y-%m-%d %H:%M"),
        )
    if call.objections.filter(answered_at__isnull=True).exists():
        raise DomainError("objections_open", _("Answer every objection before signing."))
    if hasattr(application, "contract"):
        raise DomainError("contract_exists", _("This application already has a contract."))
    if not signed_on < ends_on <= signed_on + timedelta(days=3 * 366):
        raise DomainError(
            "term_invalid", _("A contract runs from one day to three years."), field="ends_on"
        )
    rows = [t for t in tranches if str(t.milestone).strip()]
    amounts = [_money(t.amount, field="tranches") for t in rows]
    if not rows or sum(amounts, Decimal(0)) != application.award_amount:
        raise DomainError(
            "tranches_sum",
            _("The tranches must add up to the amount awarded, %(amount)s yuan."),
            field="tranches",
            amount=f"{application.award_amount:,.2f}",
        )
    division_code = application.community_id or call.division_id
    entry = grant_commit(
        actor=actor,
        community_code=division_code,
        year=call.year,
        amount=application.award_amount,
        memo=f"{application.organisation.name} · {application.title}"[:200],
    )
    contract = Contract.objects.create(
        application=application,
        amount=application.award_amount,
        division_id=division_code,
        signed_on=signed_on,
        ends_on=ends_on,
        commitment_transaction_id=entry.pk,
        signed_by=actor,
    )
    Tranche.objects.bulk_create(
        [
            Tranche(
                contract=contract,
                number=index,
                milestone=plain_text(t.milestone, field="tranches", max_length=120),
                amount=amount,
                due_on=t.due_on,
            )
            for index, (t, amount) in enumerate(zip(rows, amounts, strict=True), start=1)
        ]
    )
    if call.stage != Call.Stage.AWARDED:
        call.stage = Call.Stage.AWARDED
        call.save(update_fields=["stage"])
    audit_record(
        actor=actor,
        verb="civil.contract_sign",
        target=contract,
        division_code=division_code,
        changes={"amount": [None, str(contract.amount)], "ledger": [None, entry.pk]},
        ip=ip,
    )
    return contract


def _tranche(tranche_id: int) -> Tranche:
    tranche = (
        Tranche.objects.select_for_update(of=("self",))
        .select_related("contract__application__call", "contract__application__organisation")
        .filter(pk=tranche_id)
        .first()
    )
    if tranche is None:
        raise NotFound("tranche_not_found", _("No such milestone."))
    return tranche


@transaction.atomic
def tranche_report(
    *, actor: Any, tranche_id: int, report: str, people_served: int | None, ip: str | None = None
) -> Tranche:
    """The organisation reports a milestone's progress (text and numbers).

    Raises: NotFound (not the actor's organisation); DomainError ``already_accepted``.
    """
    tranche = _tranche(tranche_id)
    application = tranche.contract.application
    if not is_member(actor, application.organisation_id):
        raise NotFound("tranche_not_found", _("No such milestone."))
    if tranche.status in (Tranche.Status.ACCEPTED, Tranche.Status.PAID):
        raise DomainError("already_accepted", _("This milestone's report is already accepted."))
    if people_served is not None and people_served < 0:
        raise DomainError("count_invalid", _("Counts cannot be negative."), field="people_served")
    tranche.report = plain_text(report, field="report", max_length=4000)
    tranche.people_served = people_served
    tranche.status = Tranche.Status.REPORTED
    tranche.reported_at = timezone.now()
    tranche.save(update_fields=["report", "people_served", "status", "reported_at"])
    audit_record(
        actor=actor,
        verb="civil.tranche_report",
        target=tranche.contract,
        division_code=tranche.contract.division_id,
        ip=ip,
    )
    return tranche


@transaction.atomic
def tranche_accept(*, actor: Any, tranche_id: int, ip: str | None = None) -> Tranche:
    """The issuing office accepts a milestone's report as evidence.

    Raises: NotFound; DomainError ``no_report``.
    """
    tranche = _tranche(tranche_id)
    _call_for_manager(actor, tranche.contract.application.call_id)
    if tranche.status != Tranche.Status.REPORTED:
        raise DomainError("no_report", _("There is no report to accept for this milestone."))
    tranche.status = Tranche.Status.ACCEPTED
    tranche.accepted_at = timezone.now()
    tranche.save(update_fields=["status", "accepted_at"])
    audit_record(
        actor=actor,
        verb="civil.tranche_accept",
        target=tranche.contract,
        division_code=tranche.contract.division_id,
        ip=ip,
    )
    return tranche


@transaction.atomic
def tranche_pay(*, actor: Any, tranche_id: int, ip: str | None = None) -> Tranche:
    """Pay an accepted milestone's tranche out of the ledger (shown in the public disclosure).

    Raises: NotFound; DomainError ``evidence_not_accepted``, ``already_paid``,
    ``beyond_contract``, ``insufficient_funds`` (the ledger's own refusal).
    """
    tranche = _tranche(tranche_id)
    contract = Contract.objects.select_for_update().get(pk=tranche.contract_id)
    call = _call_for_manager(actor, contract.application.call_id)
    if tranche.status == Tranche.Status.PAID:
        raise DomainError("already_paid", _("This tranche has been paid."))
    if tranche.status != Tranche.Status.ACCEPTED:
        raise DomainError(
            "evidence_not_accepted",
            _("Pay a tranche only after its milestone report is accepted."),
        )
    if contract.paid + tranche.amount > contract.amount:
        raise DomainError("beyond_contract", _("This payment would exceed the contract."))
    entry = grant_pay(
        actor=actor,
        community_code=contract.division_id,
        year=call.year,
        amount=tranche.amount,
        memo=f"{contract.application.organisation.name} · {tranche.milestone}"[:200],
    )
    tranche.status = Tranche.Status.PAID
    tranche.paid_at = timezone.now()
    tranche.payment_transaction_id = entry.pk
    tranche.save(update_fields=["status", "paid_at", "payment_transaction_id"])
    contract.paid += tranche.amount
    contract.save(update_fields=["paid"])
    audit_record(
        actor=actor,
        verb="civil.tranche_pay",
        target=contract,
        division_code=contract.division_id,
        changes={"amount": [None, str(tranche.amount)], "ledger": [None, entry.pk]},
        ip=ip,
    )
    return tranche
