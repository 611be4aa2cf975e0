"""Who may manage a venue: workers covering its community; staff of its department."""

from typing import Any

import rules

from shequ.core.scopes import Role
from shequ.people.permissions import WORKERS, areas_of, covers


def may_manage_venue(user: Any, venue: Any) -> bool:
    if venue.community_id and covers(user, venue.community_id, WORKERS):
        return True
    return any(
        a.role == Role.SYSTEM_ADMIN
        or (a.role == Role.DEPARTMENT_STAFF and venue.department_id == a.department_id)
        for a in areas_of(user)
    )


@rules.predicate
def can_manage_venues(user: Any) -> bool:
    return any(
        a.role in WORKERS or a.role in (Role.DEPARTMENT_STAFF, Role.SYSTEM_ADMIN)
        for a in areas_of(user)
    )


def may_create_venue(user: Any, *, division_code: str | None, department_id: int | None) -> bool:
    """A venue may be opened by whoever will manage it: workers whose area covers its
    division, staff of its department; a venue of neither by the committee or administrators."""
    if division_code and covers(user, division_code, WORKERS):
        return True
    if any(
        a.role == Role.DEPARTMENT_STAFF and department_id and a.department_id == department_id
        for a in areas_of(user)
    ):
        return True
    return any(a.role in (Role.SYSTEM_ADMIN, Role.CITY_COMMITTEE) for a in areas_of(user))


rules.add_perm("bookings.change_venue", can_manage_venues)
rules.add_perm("bookings.add_venue", can_manage_venues)
