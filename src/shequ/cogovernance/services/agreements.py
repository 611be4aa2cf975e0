"""Writes of co-building agreements (共建协议): agreements, commitments, deliveries."""

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from shequ.cogovernance.models import Agreement, AreaOrganisation, Category, Commitment, Delivery
from shequ.cogovernance.permissions import can_edit
from shequ.cogovernance.services._common import (
    amount,
    choice,
    day,
    day_required,
    division,
    not_found,
    quantity,
    shown,
    text,
)
from shequ.core.errors import DomainError
from shequ.core.services import audit_record
from shequ.core.uploads import accept_upload
from shequ.people.models import User

PHOTO_MAX_KB = 4 * 1024


def _commitment_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = {
        "category": choice(data, "category", Category.values),
        "description": text(data, "description", 200, required=True),
        "quantity": quantity(data),
        "unit_label": text(data, "unit_label", 20),
        "amount": amount(data),
    }
    if not fields["quantity"] and not fields["amount"]:
        raise DomainError("nothing_committed", _("Give a quantity or an amount."), field="quantity")
    return fields


@transaction.atomic
def agreement_create(
    *,
    actor: User,
    data: dict[str, Any],
    commitments: list[dict[str, Any]] | None = None,
    ip: str | None = None,
) -> Agreement:
    """Record an agreement between a community and a unit, with its first commitments.

    Raises: DomainError (a field, ``period_order``, ``amount_negative`` on a commitment)."""
    community = division(data.get("community"), field="community", community_only=True)
    if not can_edit(actor, community.code):
        raise DomainError(
            "division_unknown",
            _("Choose a place inside your area from the list."),
            field="community",
        )
    unit = AreaOrganisation.objects.filter(pk=data.get("unit") or 0).first()
    if unit is None or not can_edit(actor, unit.division_id):
        raise DomainError("unit_unknown", _("Choose one of the options."), field="unit")
    start = day_required(data, "starts_on")
    end = day_required(data, "ends_on")
    if end < start:
        raise DomainError(
            "period_order", _("The agreement cannot end before it starts."), field="ends_on"
        )
    parsed = [_commitment_fields(c) for c in commitments or []]
    agreement = Agreement.objects.create(
        community=community,
        unit=unit,
        title=text(data, "title", 120, required=True),
        starts_on=start,
        ends_on=end,
        signed_on=day(data, "signed_on"),
        created_by=actor,
    )
    Commitment.objects.bulk_create(Commitment(agreement=agreement, **c) for c in parsed)
    audit_record(
        actor=actor,
        verb="cogov.agreement_create",
        target=agreement,
        division_code=community.code,
        ip=ip,
    )
    return agreement


def _agreement_for_edit(actor: User, agreement_id: int) -> Agreement:
    agreement = Agreement.objects.select_for_update().filter(pk=agreement_id).first()
    if agreement is None or not can_edit(actor, agreement.community_id):
        raise not_found()
    return agreement


@transaction.atomic
def commitment_add(
    *, actor: User, agreement_id: int, data: dict[str, Any], ip: str | None = None
) -> Commitment:
    """Add what the unit commits. Raises: NotFound, DomainError (``amount_negative`` …)."""
    agreement = _agreement_for_edit(actor, agreement_id)
    commitment = Commitment.objects.create(agreement=agreement, **_commitment_fields(data))
    audit_record(
        actor=actor,
        verb="cogov.commitment_add",
        target=commitment,
        division_code=agreement.community_id,
        ip=ip,
    )
    return commitment


@transaction.atomic
def delivery_record(
    *,
    actor: User,
    commitment_id: int,
    data: dict[str, Any],
    photo: UploadedFile | None = None,
    ip: str | None = None,
) -> Delivery:
    """Record what the unit delivered against a commitment, with an evidence photo.

    Raises: NotFound, DomainError (a field, ``outside_period``, a photo that is not one)."""
    commitment = Commitment.objects.select_related("agreement").filter(pk=commitment_id).first()
    if commitment is None:
        raise not_found()
    agreement = _agreement_for_edit(actor, commitment.agreement_id)
    delivered_on = day_required(data, "delivered_on")
    if not agreement.starts_on <= delivered_on <= agreement.ends_on:
        raise DomainError(
            "outside_period",
            _("The date is outside the agreement's period."),
            field="delivered_on",
        )
    delivery = Delivery(
        commitment=commitment,
        delivered_on=delivered_on,
        description=text(data, "description", 200, required=True),
        quantity=quantity(data),
        amount=amount(data),
        recorded_by=actor,
    )
    if photo is not None:
        stored, kind = accept_upload(
            photo, field="photo", types=("jpg", "png"), max_kb=PHOTO_MAX_KB
        )
        delivery.photo.save(
            "evidence.jpg" if kind == "image/jpeg" else "evidence.png", stored, save=False
        )
    delivery.save()
    audit_record(
        actor=actor,
        verb="cogov.delivery_record",
        target=delivery,
        division_code=agreement.community_id,
        ip=ip,
    )
    return delivery


@transaction.atomic
def agreement_update(
    *, actor: User, agreement_id: int, data: dict[str, Any], ip: str | None = None
) -> Agreement:
    """Correct an agreement's title, period, signing date and unit (the community stays). The
    unit cannot change once deliveries are recorded, and the period must keep every delivery.

    Raises: NotFound, DomainError (a field, ``period_order``, ``unit_locked``,
    ``deliveries_outside``)."""
    agreement = _agreement_for_edit(actor, agreement_id)
    deliveries = Delivery.objects.filter(commitment__agreement=agreement)
    unit_id = int(str(data.get("unit") or agreement.unit_id))
    if unit_id != agreement.unit_id:
        if deliveries.exists():
            raise DomainError(
                "unit_locked",
                _("The unit cannot change once deliveries are recorded."),
                field="unit",
            )
        unit = AreaOrganisation.objects.filter(pk=unit_id).first()
        if unit is None or not can_edit(actor, unit.division_id):
            raise DomainError("unit_unknown", _("Choose one of the options."), field="unit")
        agreement.unit = unit
    start = day_required(data, "starts_on")
    end = day_required(data, "ends_on")
    if end < start:
        raise DomainError(
            "period_order", _("The agreement cannot end before it starts."), field="ends_on"
        )
    if deliveries.exclude(delivered_on__range=(start, end)).exists():
        raise DomainError(
            "deliveries_outside",
            _("Some deliveries fall outside this period: keep the period around them."),
            field="starts_on",
        )
    agreement.title = text(data, "title", 120, required=True)
    agreement.starts_on, agreement.ends_on = start, end
    agreement.signed_on = day(data, "signed_on")
    agreement.save()
    audit_record(
        actor=actor,
        verb="cogov.agreement_update",
        target=agreement,
        division_code=agreement.community_id,
        ip=ip,
    )
    return agreement


@transaction.atomic
def commitment_update(
    *, actor: User, commitment_id: int, data: dict[str, Any], ip: str | None = None
) -> Commitment:
    """Correct a commitment. Its quantity and amount cannot go below what was delivered.

    Raises: NotFound, DomainError (a field, ``below_delivered``, ``nothing_committed``)."""
    commitment = Commitment.objects.select_for_update().filter(pk=commitment_id).first()
    if commitment is None:
        raise not_found()
    agreement = _agreement_for_edit(actor, commitment.agreement_id)
    fields = _commitment_fields(data)
    delivered = commitment.deliveries.aggregate(q=Sum("quantity"), a=Sum("amount"))
    for key in ("quantity", "amount"):
        done = delivered["q" if key == "quantity" else "a"] or 0
        if done and fields[key] < done:
            raise DomainError(
                "below_delivered",
                _("%(delivered)s has already been delivered; the commitment cannot be less."),
                field=key,
                delivered=shown(done),
            )
    for key, value in fields.items():
        setattr(commitment, key, value)
    commitment.save()
    audit_record(
        actor=actor,
        verb="cogov.commitment_update",
        target=commitment,
        division_code=agreement.community_id,
        ip=ip,
    )
    return commitment
