"""Checks shared by the co-governance services: text, dates, quantities and money."""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.funds.services.ledger import money_parse
from shequ.places.models import Division


def text(data: dict[str, Any], key: str, max_length: int, *, required: bool = False) -> str:
    value = str(data.get(key) or "").strip()
    if required and not value:
        raise DomainError("required", _("This field is required."), field=key)
    if len(value) > max_length:
        raise DomainError("too_long", _("At most %(n)s characters."), field=key, n=max_length)
    return value


def choice(data: dict[str, Any], key: str, choices: list[str]) -> str:
    value = str(data.get(key) or "")
    if value not in choices:
        raise DomainError("bad_choice", _("Choose one of the options."), field=key)
    return value


def day(data: dict[str, Any], key: str, *, required: bool = False) -> date | None:
    value = data.get(key)
    if value in (None, ""):
        if required:
            raise DomainError("required", _("This field is required."), field=key)
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise DomainError(
            "date_invalid", _("Enter a date such as 2025-03-01."), field=key
        ) from None


def amount(data: dict[str, Any], key: str = "amount") -> Decimal:
    """Yuan, two decimals, zero allowed, never negative (the funds ledger's rule).

    Raises: DomainError ``amount_negative`` and the ledger's ``amount_*`` codes."""
    value = data.get(key)
    if value in (None, ""):
        return Decimal("0.00")
    if str(value).strip().startswith("-"):
        raise DomainError("amount_negative", _("An amount cannot be negative."), field=key)
    return money_parse(value, field=key, allow_zero=True)


def quantity(data: dict[str, Any], key: str = "quantity") -> Decimal:
    """A count (hours, people, sessions) with one decimal, never negative."""
    value = data.get(key)
    if value in (None, ""):
        return Decimal("0")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError("quantity_invalid", _("Enter a number."), field=key) from None
    if not number.is_finite() or number < 0:
        raise DomainError("quantity_negative", _("A quantity cannot be negative."), field=key)
    if number > Decimal("999999999"):
        raise DomainError("quantity_invalid", _("Enter a number."), field=key)
    return number.quantize(Decimal("0.1"))


def division(code: Any, *, field: str, community_only: bool = False) -> Division:
    """An active division below the city. Raises: DomainError ``division_unknown``."""
    levels = (
        [Division.Level.COMMUNITY]
        if community_only
        else [Division.Level.COMMUNITY, Division.Level.STREET]
    )
    found = Division.objects.filter(pk=str(code or ""), level__in=levels).first()
    if found is None:
        raise DomainError(
            "division_unknown", _("Choose a place inside your area from the list."), field=field
        )
    return found


def not_found() -> NotFound:
    return NotFound("not_found", _("No such record in your area."))


def day_required(data: dict[str, Any], key: str) -> date:
    """A date that must be given. Raises: DomainError ``required``, ``date_invalid``."""
    value = day(data, key, required=True)
    if value is None:
        raise DomainError("required", _("This field is required."), field=key)
    return value


def shown(number: Decimal | int) -> str:
    """A quantity or amount as people write it in a message: 5, 2.5, 100 (no trailing 0)."""
    value = Decimal(number).normalize()
    return f"{value:f}"
