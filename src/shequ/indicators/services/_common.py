"""Checks and helpers the indicator services share."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.indicators.models import (
    Period,
    TreeVersion,
)
from shequ.indicators.permissions import can_edit_tree

HUNDRED = Decimal(100)
TOLERANCE = Decimal("0.01")


def _require_editor(actor: Any) -> None:
    if actor is not None and not can_edit_tree(actor):
        raise PermissionDenied(
            "forbidden", _("Only the city committee changes the indicator tree.")
        )


def _version_for_update(version_id: int) -> TreeVersion:
    version = TreeVersion.objects.select_for_update().filter(pk=version_id).first()
    if version is None:
        raise NotFound("not_found", _("No such version of the indicator tree."))
    return version


def _require_draft(version: TreeVersion) -> None:
    if not version.is_editable:
        raise DomainError(
            "version_frozen",
            _("Version %(number)s is published; make a new version to change it.")
            % {"number": version.number},
        )


def _decimal(raw: Any, what: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(
            "not_a_number", _("%(what)s is not a number.") % {"what": what}, field="value"
        ) from None
    if not value.is_finite():
        raise DomainError("not_a_number", _("%(what)s is not a number.") % {"what": what})
    return value


def _open_period(year: int) -> Period:
    period, _created = Period.objects.get_or_create(year=year)
    if period.closed_at is not None:
        raise DomainError(
            "period_closed",
            _("The period %(year)s is closed; its values no longer change.") % {"year": year},
            field="year",
        )
    return period
