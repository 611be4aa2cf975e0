"""The ``UtilityInterface`` (缴费机构接口): check an account number (户号) with its company and
ask for what is due; and the local interface used on laptops, in the demo and in the tests.

A real deployment points ``SHEQU_UTILITY_INTERFACE`` at a class that calls the companies'
own systems (each city has its gateway for 水电气); the platform only needs these two calls.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError
from shequ.core.pii import mask_name
from shequ.payments.models import LocalUtilityAccount, UtilityCompany


@dataclass(frozen=True)
class AccountCheck:
    holder_masked: str
    address: str


@dataclass(frozen=True)
class Due:
    period: str  # "2026-11"
    amount: Decimal
    due_date: date


class UtilityInterface(Protocol):
    def check_account(self, *, company: UtilityCompany, number: str) -> AccountCheck:
        """Raises: DomainError ``account_check_failed`` / ``account_unknown``."""
        ...

    def dues(self, *, company: UtilityCompany, number: str, today: date) -> list[Due]: ...


def interface_get() -> UtilityInterface:
    path = getattr(
        settings, "SHEQU_UTILITY_INTERFACE", "shequ.payments.utilities.LocalUtilityInterface"
    )
    interface: UtilityInterface = import_string(path)()
    return interface


def luhn_ok(number: str) -> bool:
    """The mod-10 check digit that account numbers of the local interface carry."""
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def luhn_complete(stem: str) -> str:
    """``stem`` with the check digit appended (for demo accounts)."""
    return next(stem + d for d in "0123456789" if luhn_ok(stem + d))


def _previous_month(today: date) -> tuple[str, date]:
    first = today.replace(day=1)
    year, month = (first.year, first.month - 1) if first.month > 1 else (first.year - 1, 12)
    # Due at the end of the current month, as the companies' monthly bills are.
    next_first = date(first.year + (first.month // 12), first.month % 12 + 1, 1)
    return f"{year:04d}-{month:02d}", date.fromordinal(next_first.toordinal() - 1)


class LocalUtilityInterface:
    """Answers from ``LocalUtilityAccount``: the check digit first, then the account."""

    def check_account(self, *, company: UtilityCompany, number: str) -> AccountCheck:
        if not luhn_ok(number):
            raise DomainError(
                "account_check_failed",
                _("%(company)s says this account number is not valid: check the digits.")
                % {"company": company.name},
                field="number",
            )
        account = LocalUtilityAccount.objects.filter(company=company, number=number).first()
        if account is None:
            raise DomainError(
                "account_unknown",
                _("%(company)s has no account with this number.") % {"company": company.name},
                field="number",
            )
        return AccountCheck(
            holder_masked=mask_name(account.holder_name.strip()), address=account.address
        )

    def dues(self, *, company: UtilityCompany, number: str, today: date) -> list[Due]:
        account = LocalUtilityAccount.objects.filter(company=company, number=number).first()
        if account is None or account.monthly_amount <= 0:
            return []
        period, due_date = _previous_month(today)
        return [Due(period=period, amount=account.monthly_amount, due_date=due_date)]
