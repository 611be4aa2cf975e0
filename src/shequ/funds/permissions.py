"""Who may do what with community money (one place to look)."""

from typing import Any

import rules

from shequ.core.scopes import Role
from shequ.people.permissions import READERS, covers, has_role

FINANCE = frozenset({Role.DISTRICT_OFFICER, Role.CITY_COMMITTEE})
SPENDERS = frozenset({Role.COMMUNITY_WORKER})
# Street and district officers may run a community's council vote or budgeting round on its
# behalf: they record the decision, hold the round's budget and commit its winners from it.
# Payments, closures and donations stay with the community's own workers.
DECIDERS = frozenset({Role.COMMUNITY_WORKER, Role.STREET_OFFICER, Role.DISTRICT_OFFICER})
ANSWERERS = frozenset({Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.CITY_COMMITTEE})


def can_view_funds(user: Any, code: str | None) -> bool:
    """Staff of the area (and auditors) read the ledger of ``code``."""
    return covers(user, code, READERS)


def can_configure_allocation(user: Any, district_code: str | None) -> bool:
    """District finance officers configure and post their district; the city any district."""
    return covers(user, district_code, FINANCE)


def can_manage_incentive_pool(user: Any) -> bool:
    return has_role(user, Role.CITY_COMMITTEE, Role.SYSTEM_ADMIN)


def can_spend(user: Any, community_code: str | None) -> bool:
    """Community workers record decisions, commit, pay and take donations for their community."""
    return covers(user, community_code, SPENDERS)


def can_record_decision(user: Any, community_code: str | None) -> bool:
    """Record a council decision (议事会决议) of the community: its workers, or a street or
    district officer of the area closing the vote on its behalf. Never auditors."""
    return covers(user, community_code, DECIDERS)


def can_reserve(user: Any, community_code: str | None) -> bool:
    """Reserve (and release) money of the community's fund for a budgeting round, and commit
    the round's winners out of the reservation."""
    return covers(user, community_code, DECIDERS)


def can_answer_objection(user: Any, community_code: str | None) -> bool:
    return covers(user, community_code, ANSWERERS)


def can_reverse(user: Any, division_code: str | None) -> bool:
    """Corrections are reversing transactions by a finance officer of the area."""
    return covers(user, division_code, FINANCE)


@rules.predicate
def may_use_funds_console(user: Any) -> bool:
    return has_role(user, *READERS, Role.SYSTEM_ADMIN)


rules.add_perm("funds.use_console", may_use_funds_console)
