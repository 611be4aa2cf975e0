"""Who may do what with planners' work and the think tank's reports.

- Street and district officers and the committee assign planners to the communities of their
  area (a community worker may not hire their own planner).
- A planner runs consultations, plans and a work log in the communities they are assigned to
  (an assignment whose term covers the day); community workers of the area may run
  consultations and turn suggestions into proposals too.
- Everyone holding a reading role over the community (workers, officers, committee, auditors)
  reads; experts write reports; the public reads reports on a policy's page.
"""

from datetime import date
from typing import Any

import rules

from shequ.core.scopes import Role
from shequ.people.permissions import READERS, WORKERS, covers, has_role

ASSIGNERS = frozenset({Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.CITY_COMMITTEE})
CONSOLE_ROLES = (*READERS, Role.PLANNER, Role.EXPERT, Role.SYSTEM_ADMIN)


def can_assign(user: Any, community_code: str | None) -> bool:
    return covers(user, community_code, ASSIGNERS)


def is_assigned(user: Any, community_code: str | None, on: date) -> bool:
    from shequ.planning.models import Assignment

    if not community_code or not has_role(user, Role.PLANNER):
        return False
    return Assignment.objects.filter(
        planner_id=user.pk, community_id=community_code, term_start__lte=on, term_end__gte=on
    ).exists()


def can_run(user: Any, community_code: str | None, on: date) -> bool:
    """Schedule and run consultations, turn suggestions into proposals, keep plans."""
    return covers(user, community_code, WORKERS) or is_assigned(user, community_code, on)


def can_read(user: Any, community_code: str | None) -> bool:
    from shequ.planning.models import Assignment

    if covers(user, community_code, READERS):
        return True
    return has_role(user, Role.PLANNER) and (
        Assignment.objects.filter(planner_id=user.pk, community_id=community_code).exists()
    )


def is_expert(user: Any) -> bool:
    return has_role(user, Role.EXPERT, Role.SYSTEM_ADMIN)


@rules.predicate
def may_use_console(user: Any) -> bool:
    return has_role(user, *CONSOLE_ROLES)


rules.add_perm("planning.use_console", may_use_console)
