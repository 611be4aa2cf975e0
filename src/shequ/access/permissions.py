"""Who may do what in the 15-minute service circle.

Planners are the city committee and district officers (and system administrators): they start
runs and ask for sites, each within their area. Every staff reader may look at coverage, but
only for the divisions inside their own area.
"""

from typing import Any

import rules

from shequ.core.scopes import Role
from shequ.people.permissions import READERS, areas_of, covers

PLANNERS = frozenset({Role.CITY_COMMITTEE, Role.DISTRICT_OFFICER})


def is_planner(user: Any) -> bool:
    return any(a.role in PLANNERS or a.role == Role.SYSTEM_ADMIN for a in areas_of(user))


def may_plan_in(user: Any, division_code: str) -> bool:
    return covers(user, division_code, PLANNERS)


def may_start_run(user: Any) -> bool:
    """Runs (always city-wide: walks cross boundaries) are started by any planner."""
    return is_planner(user)


def may_read(user: Any) -> bool:
    return any(a.role in READERS or a.role == Role.SYSTEM_ADMIN for a in areas_of(user))


@rules.predicate
def can_plan_access(user: Any) -> bool:
    return is_planner(user)


rules.add_perm("access.add_run", can_plan_access)


@rules.predicate
def can_read_access(user: Any) -> bool:
    return may_read(user)


rules.add_perm("access.use_console", can_read_access)
