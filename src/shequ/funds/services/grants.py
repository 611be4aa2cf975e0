"""Money of grants and purchased services (track ``grants``) in the community ledger.

The civil app signs a contract with a social organisation for a community's project and pays
it in tranches. Both go through ``_post`` like every other movement, so the community's public
disclosure shows the money committed and paid, and the commitment account can never be paid
below zero: a tranche beyond the contract is refused by the ledger itself. The money comes
from the city's pool for grants (a source account). Callers check permissions.
"""

from decimal import Decimal
from typing import Any

from shequ.core.scopes import CITY_CODE
from shequ.funds.models import Account, LedgerTransaction, Track
from shequ.funds.services._common import _check_year, _community
from shequ.funds.services.ledger import _post, account_for, money_parse


def grant_commit(
    *, actor: Any, community_code: str, year: int, amount: Any, memo: str
) -> LedgerTransaction:
    """Commit a contract's amount to the community's grants account. Must run inside the
    caller's transaction.

    Raises: NotFound (not a community), DomainError amount and year errors.
    """
    _community(community_code)
    value: Decimal = money_parse(amount)
    year = _check_year(year)
    pool = account_for(Account.Kind.CITY_POOL, CITY_CODE, Track.GRANTS, year)
    held = account_for(Account.Kind.COMMITMENT, community_code, Track.GRANTS, year)
    return _post(
        actor=actor,
        kind=LedgerTransaction.Kind.COMMITMENT,
        division_code=community_code,
        year=year,
        legs=[(pool.pk, -value), (held.pk, value)],
        memo=memo,
    )


def grant_pay(
    *, actor: Any, community_code: str, year: int, amount: Any, memo: str
) -> LedgerTransaction:
    """Pay a tranche out of the community's committed grants. Must run inside the caller's
    transaction.

    Raises: DomainError ``insufficient_funds`` (beyond what is committed), amount errors.
    """
    value: Decimal = money_parse(amount)
    held = account_for(Account.Kind.COMMITMENT, community_code, Track.GRANTS, year)
    paid = account_for(Account.Kind.PAYABLE, community_code, Track.GRANTS, year)
    return _post(
        actor=actor,
        kind=LedgerTransaction.Kind.PAYMENT,
        division_code=community_code,
        year=year,
        legs=[(held.pk, -value), (paid.pk, value)],
        memo=memo,
    )
