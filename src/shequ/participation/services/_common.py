"""Checks and helpers that several service modules share: who may take part or organise,
amounts in yuan, messages to a proposal's followers."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.notices.services import message_send
from shequ.participation.models import Follow, Proposal
from shequ.participation.permissions import can_organise, verified_resident_of
from shequ.people.models import Resident, User


def require_verified(actor: User, community_code: str) -> Resident:
    resident = verified_resident_of(actor, community_code)
    if resident is None:
        raise PermissionDenied(
            "not_a_verified_resident",
            _("Only ID-checked residents of this community may take part."),
        )
    return resident


def require_organiser(actor: User, community_code: str, *, what: str = "") -> None:
    if not can_organise(actor, community_code):
        raise NotFound("not_found", _("No such item in your area."))


def money_or_none(value: Any, *, field: str, required: bool = False) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise DomainError("required", _("This field is required."), field=field)
        return None
    return money(value, field=field)


def money(value: Any, *, field: str) -> Decimal:
    if value in (None, ""):
        raise DomainError("required", _("This field is required."), field=field)
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except ArithmeticError:
        raise DomainError("invalid_amount", _("Enter an amount in yuan."), field=field) from None
    if amount <= 0 or not amount.is_finite() or amount >= Decimal("1e12"):
        raise DomainError("invalid_amount", _("Enter an amount in yuan."), field=field)
    return amount


def notify_followers(proposal: Proposal, title: Any) -> None:
    user_ids = set(Follow.objects.filter(proposal=proposal).values_list("user_id", flat=True))
    for user_id in sorted(user_ids):
        message_send(
            user_id=user_id,
            category="community",
            title=title,
            body=proposal.title,
            url=f"/participation/proposals/{proposal.pk}/",
        )


def local_minute(value: datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
