"""The ledger of community money (账本): amounts, accounts, postings, reversal, reconciliation.

Every service runs in one database transaction: a refused or crashing call leaves no posting.
Balances change only in ``_post``, which locks the touched accounts (in primary-key order, so
two posts never deadlock) and refuses any account that holds money going below zero; the
database check constraint ``funds_account_no_overdraft`` is the last line of defence.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.funds.models import (
    NO_YEAR,
    Account,
    Commitment,
    LedgerTransaction,
    Payment,
    Posting,
    Reservation,
    Track,
)
from shequ.funds.permissions import can_reverse
from shequ.funds.services._common import _check_year

FEN = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")


# ---------------------------------------------------------------------------------------------
# Money


def money_parse(value: Any, *, field: str = "amount", allow_zero: bool = False) -> Decimal:
    """A positive amount in yuan with at most two decimal places (fen).

    Raises: DomainError ``amount_invalid``, ``amount_not_positive``, ``amount_too_precise``,
    ``amount_too_large``.
    """
    if isinstance(value, float):
        # Floats cannot say 0.1 exactly; read their shortest decimal form, never their binary.
        value = repr(value)
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise DomainError(
            "amount_invalid", _("Enter an amount in yuan, e.g. 1200.50."), field=field
        ) from None
    if not amount.is_finite():
        raise DomainError(
            "amount_invalid", _("Enter an amount in yuan, e.g. 1200.50."), field=field
        )
    if amount < 0 or (amount == 0 and not allow_zero):
        raise DomainError(
            "amount_not_positive", _("The amount must be greater than zero."), field=field
        )
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and amount != amount.quantize(FEN):
        raise DomainError(
            "amount_too_precise",
            _("Amounts are in yuan with at most two decimal places (fen)."),
            field=field,
        )
    if amount > MAX_AMOUNT:
        raise DomainError("amount_too_large", _("The amount is too large."), field=field)
    return amount.quantize(FEN)


# ---------------------------------------------------------------------------------------------
# Ledger core


def account_for(kind: str, division_code: str, track: str, year: int) -> Account:
    """The ledger account (created on first use)."""
    account, _created = Account.objects.get_or_create(
        kind=kind, division_id=division_code, track=track, year=year
    )
    return account


def _account_ids(
    keys: Iterable[tuple[str, str, str, int]],
) -> dict[tuple[str, str, str, int], int]:
    found: dict[tuple[str, str, str, int], int] = {}
    by_kind: dict[tuple[str, str, int], list[str]] = defaultdict(list)
    for kind, code, track, year in set(keys):
        by_kind[(kind, track, year)].append(code)
    for (kind, track, year), codes in by_kind.items():
        rows = Account.objects.filter(
            kind=kind, track=track, year=year, division_id__in=codes
        ).values_list("division_id", "id")
        for code, pk in rows:
            found[(kind, code, track, year)] = pk
    return found


def _accounts_for(
    keys: Iterable[tuple[str, str, str, int]],
) -> dict[tuple[str, str, str, int], int]:
    """Ids of many accounts at once, creating the missing ones in one statement."""
    wanted = set(keys)
    found = _account_ids(wanted)
    missing = wanted - set(found)
    if missing:
        Account.objects.bulk_create(
            [Account(kind=k, division_id=c, track=t, year=y) for k, c, t, y in missing],
            batch_size=1000,
            ignore_conflicts=True,
        )
        found.update(_account_ids(missing))
    return found


def _post(
    *,
    actor: Any,
    kind: str,
    division_code: str,
    year: int,
    legs: Sequence[tuple[int, Decimal]],
    memo: str = "",
    reverses: LedgerTransaction | None = None,
    reason: str = "",
) -> LedgerTransaction:
    """Write one balanced transaction and move the balances, under row locks.

    Callers check permissions; this checks the money. Must run inside ``transaction.atomic``.
    Raises: DomainError ``unbalanced``, ``insufficient_funds``.
    """
    merged: dict[int, Decimal] = defaultdict(Decimal)
    for account_id, amount in legs:
        if amount != amount.quantize(FEN):
            raise DomainError("amount_too_precise", _("Amounts are in fen at most."))
        merged[account_id] += amount
    merged = {pk: amount for pk, amount in merged.items() if amount != 0}
    if len(merged) < 2 or sum(merged.values(), Decimal(0)) != 0:
        raise DomainError("unbalanced", _("The postings of a transaction must sum to zero."))
    accounts = list(Account.objects.select_for_update().filter(pk__in=list(merged)).order_by("pk"))
    for account in accounts:
        new_balance = account.balance + merged[account.pk]
        if account.kind not in Account.SOURCE_KINDS and new_balance < 0:
            raise DomainError(
                "insufficient_funds",
                _("Not enough money: %(account)s holds %(balance)s yuan."),
                account=str(account),
                balance=f"{account.balance:,.2f}",
            )
        account.balance = new_balance
    user = actor if getattr(actor, "is_authenticated", False) else None
    entry = LedgerTransaction.objects.create(
        kind=kind,
        division_id=division_code,
        year=year,
        memo=memo[:200],
        reverses=reverses,
        reason=reason[:500],
        created_by=user,
    )
    Posting.objects.bulk_create(
        [Posting(transaction=entry, account_id=pk, amount=amount) for pk, amount in merged.items()],
        batch_size=1000,
    )
    Account.objects.bulk_update(accounts, ["balance"], batch_size=500)
    return entry


@transaction.atomic
def transaction_reverse(
    *, actor: Any, transaction_id: int, reason: str, ip: str | None = None
) -> LedgerTransaction:
    """A correcting entry that mirrors ``transaction_id``; the original stays as it was.

    Raises: NotFound; PermissionDenied; DomainError ``reason_required``,
    ``reversal_of_reversal``, ``already_reversed``, ``reversal_not_supported``,
    ``insufficient_funds``.
    """
    original = LedgerTransaction.objects.select_for_update().filter(pk=transaction_id).first()
    if original is None or not can_reverse(actor, original.division_id):
        raise NotFound("transaction_not_found", _("No such transaction in your area."))
    if not reason.strip():
        raise DomainError(
            "reason_required", _("Give the reason for the correction."), field="reason"
        )
    if original.kind == LedgerTransaction.Kind.REVERSAL:
        raise DomainError(
            "reversal_of_reversal",
            _("A reversal cannot be reversed; post a new transaction instead."),
        )
    if LedgerTransaction.objects.filter(reverses=original).exists():
        raise DomainError("already_reversed", _("This transaction has already been reversed."))
    if original.kind in (LedgerTransaction.Kind.RESERVE, LedgerTransaction.Kind.UNRESERVE):
        raise DomainError(
            "reversal_not_supported",
            _("Reservations are corrected by releasing them, not by reversal."),
        )
    if original.kind not in (
        LedgerTransaction.Kind.ALLOCATION,
        LedgerTransaction.Kind.PAYMENT,
        LedgerTransaction.Kind.DONATION,
    ):
        raise DomainError(
            "reversal_not_supported",
            _("Commitments are corrected by releasing them, not by reversal."),
        )
    legs = [(p.account_id, -p.amount) for p in original.postings.all()]
    if original.kind == LedgerTransaction.Kind.PAYMENT:
        payment = Payment.objects.select_related("commitment").get(transaction=original)
        commitment = Commitment.objects.select_for_update().get(pk=payment.commitment_id)
        if commitment.status == Commitment.Status.CLOSED:
            raise DomainError(
                "commitment_closed", _("The spending item is closed; it cannot change.")
            )
        commitment.paid -= payment.amount
        commitment.save(update_fields=["paid"])
    entry = _post(
        actor=actor,
        kind=LedgerTransaction.Kind.REVERSAL,
        division_code=original.division_id,
        year=original.year,
        legs=legs,
        memo=f"reversal of #{original.pk}",
        reverses=original,
        reason=reason.strip(),
    )
    audit_record(
        actor=actor,
        verb="funds.transaction_reversed",
        target=entry,
        division_code=original.division_id,
        reason=reason.strip(),
        changes={"reverses": [None, original.pk]},
        ip=ip,
    )
    return entry


def _fund_year(track: str, year: int) -> int:
    if track not in Track.values:
        raise DomainError("track_invalid", _("Choose a fund."), field="track")
    return NO_YEAR if track == Track.DONATION else _check_year(year)


def _fund_account(community_code: str, track: str, year: int) -> Account:
    """Raises: DomainError ``no_fund`` when the community has no such fund."""
    fund = Account.objects.filter(
        kind=Account.Kind.FUND, division_id=community_code, track=track, year=year
    ).first()
    if fund is None:
        raise DomainError(
            "no_fund", _("This community has no such fund for that year."), field="track"
        )
    return fund


def _back_to_fund(
    actor: Any,
    kind: str,
    held_kind: str,
    holder: Commitment | Reservation,
    value: Decimal,
    memo: str,
) -> None:
    """Post money held for ``holder`` (commitment or reservation) back to its fund account."""
    held = account_for(held_kind, holder.community_id, holder.track, holder.year)
    fund = account_for(Account.Kind.FUND, holder.community_id, holder.track, holder.year)
    _post(
        actor=actor,
        kind=kind,
        division_code=holder.community_id,
        year=holder.year,
        legs=[(held.pk, -value), (fund.pk, value)],
        memo=memo[:200],
    )


# ---------------------------------------------------------------------------------------------
# Reconciliation (对账)


@dataclass
class ReconcileProblem:
    what: str
    detail: str


def ledger_reconcile() -> tuple[int, list[ReconcileProblem]]:
    """Prove the ledger: every balance equals the sum of its postings, every transaction
    sums to zero, no account holding money is negative. Returns (accounts checked, problems)."""
    problems: list[ReconcileProblem] = []
    sums = dict(Posting.objects.values_list("account_id").annotate(s=Sum("amount")).order_by())
    checked = 0
    for account in Account.objects.all().iterator(chunk_size=2000):
        checked += 1
        total = Decimal(str(sums.get(account.pk) or 0)).quantize(FEN)
        if total != account.balance:
            problems.append(
                ReconcileProblem(
                    f"account {account.pk} ({account})",
                    f"balance {account.balance} != postings {total}",
                )
            )
        if account.kind not in Account.SOURCE_KINDS and account.balance < 0:
            problems.append(
                ReconcileProblem(f"account {account.pk} ({account})", f"negative {account.balance}")
            )
    # Summed per transaction in the database, compared in fen: SQLite adds decimals as
    # binary floats, so a raw comparison with zero would report rounding noise.
    per_transaction = (
        Posting.objects.values_list("transaction_id")
        .annotate(s=Sum("amount"))
        .order_by("transaction_id")
    )
    for txn, total in per_transaction.iterator(chunk_size=5000):
        if Decimal(str(total)).quantize(FEN) != 0:
            problems.append(ReconcileProblem(f"transaction {txn}", f"postings sum to {total}"))
    problems.extend(_reconcile_holdings())
    return checked, problems


def _reconcile_holdings() -> list[ReconcileProblem]:
    """The reserved and commitment accounts hold exactly what their open items still hold:
    per (community, track, year), reserved = Σ reservation remainders and commitments =
    Σ (committed − paid − released) of the spending items."""
    problems: list[ReconcileProblem] = []
    expected: dict[tuple[str, str, str, int], Decimal] = defaultdict(Decimal)
    for code, track, year, total in (
        Reservation.objects.values_list("community_id", "track", "year")
        .annotate(s=Sum(F("amount") - F("used") - F("released")))
        .order_by()
    ):
        expected[(Account.Kind.RESERVED, code, track, year)] += Decimal(str(total or 0))
    for code, track, year, total in (
        Commitment.objects.values_list("community_id", "track", "year")
        .annotate(s=Sum(F("amount") - F("paid") - F("released")))
        .order_by()
    ):
        expected[(Account.Kind.COMMITMENT, code, track, year)] += Decimal(str(total or 0))
    # Commitments of grants and purchased services are held by the civil app's contracts, not
    # by spending items: they are left out here.
    held = (
        Account.objects.filter(kind__in=[Account.Kind.RESERVED, Account.Kind.COMMITMENT])
        .exclude(track=Track.GRANTS)
        .values_list("pk", "kind", "division_id", "track", "year", "balance")
    )
    seen: set[tuple[str, str, str, int]] = set()
    for pk, kind, code, track, year, balance in held.iterator(chunk_size=2000):
        key = (kind, code, track, year)
        seen.add(key)
        want = expected.get(key, Decimal(0)).quantize(FEN)
        if balance != want:
            problems.append(
                ReconcileProblem(
                    f"account {pk} ({kind} {code} {track} {year})",
                    f"balance {balance} != open items {want}",
                )
            )
    for key, want in expected.items():
        if key not in seen and want.quantize(FEN) != 0:
            problems.append(ReconcileProblem(f"{key[0]} {key[1]} {key[2]} {key[3]}", "no account"))
    return problems
