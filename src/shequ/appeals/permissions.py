"""Who may do what with residents' requests.

- dispatchers (派单员): the city committee for the whole city, district officers (the
  district's 12345 desk) for their district; they also take hotline calls and re-dispatch;
- the committee edits categories, units and the dispatch catalogue;
- a unit's members sign for, return and close its requests: staff of its department, or the
  worker of the community / officer of the street or district that the unit is;
- supervisors read every request in their area (area staff and auditors).
"""

from typing import TYPE_CHECKING, Any, cast

import rules
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Q
from django.http import HttpRequest

from shequ.core.scopes import Role
from shequ.people.permissions import READERS, areas_of, covers, has_role

if TYPE_CHECKING:
    from shequ.people.models import User

DISPATCHERS = frozenset({Role.CITY_COMMITTEE, Role.DISTRICT_OFFICER})
_UNIT_ROLE_OF_KIND: dict[str, str] = {
    Role.COMMUNITY_WORKER: "community",
    Role.STREET_OFFICER: "street",
    Role.DISTRICT_OFFICER: "district",
}


def may_dispatch(user: Any, community_code: str | None) -> bool:
    """True when the user dispatches requests of this place (or anywhere when ``None``)."""
    if community_code is None:
        return has_role(user, *DISPATCHERS, Role.SYSTEM_ADMIN)
    return covers(user, community_code, DISPATCHERS)


# The community's own workers and the offices above them turn requests into proposals and
# projects: they run both.
OUTCOME_LINKERS = frozenset(
    {Role.COMMUNITY_WORKER, Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.CITY_COMMITTEE}
)


def may_link_outcome(user: Any, community_code: str) -> bool:
    """True when the user may link this community's requests to a proposal or project."""
    return covers(user, community_code, OUTCOME_LINKERS)


def may_decide_extension(user: Any, community_code: str) -> bool:
    """The supervising desk (the dispatchers of the place) grants or refuses more time."""
    return may_dispatch(user, community_code)


def may_rule(user: Any) -> bool:
    """The city committee rules which unit handles a request that bounced (审定)."""
    return has_role(user, Role.CITY_COMMITTEE)


def unit_member_ids(unit: Any) -> list[int]:
    """Users who work in ``unit``: its department's staff, or the officers of its place."""
    from shequ.people.models import StaffRole

    condition = Q(pk__in=[])
    if unit.department_id is not None:
        condition |= Q(role=Role.DEPARTMENT_STAFF, department_id=unit.department_id)
    if unit.division_id:
        role = {"community": Role.COMMUNITY_WORKER, "street": Role.STREET_OFFICER}.get(
            unit.kind, Role.DISTRICT_OFFICER
        )
        condition |= Q(role=role, division_id=unit.division_id)
    return sorted(
        set(StaffRole.objects.filter(condition, is_active=True).values_list("user_id", flat=True))
    )


def dispatcher_ids(community_code: str) -> list[int]:
    """The supervising desk of a place: the city committee and the district's officers."""
    from shequ.people.models import StaffRole

    return sorted(
        set(
            StaffRole.objects.filter(
                Q(role=Role.CITY_COMMITTEE)
                | Q(role=Role.DISTRICT_OFFICER, division_id=community_code[:6] + "000000"),
                is_active=True,
            ).values_list("user_id", flat=True)
        )
    )


def committee_ids() -> list[int]:
    from shequ.people.models import StaffRole

    return sorted(
        set(
            StaffRole.objects.filter(role=Role.CITY_COMMITTEE, is_active=True).values_list(
                "user_id", flat=True
            )
        )
    )


def may_edit_catalogue(user: Any) -> bool:
    return has_role(user, Role.CITY_COMMITTEE, Role.SYSTEM_ADMIN)


def unit_filter_of(user: Any) -> Q:
    """Units the user works in, as a filter on ``Unit``."""
    condition = Q(pk__in=[])
    for area in areas_of(user):
        if area.role == Role.DEPARTMENT_STAFF and area.department_id is not None:
            condition |= Q(department_id=area.department_id)
        kind = _UNIT_ROLE_OF_KIND.get(area.role)
        if kind and area.division_code:
            condition |= Q(kind=kind, division_id=area.division_code)
    return condition


def unit_ids_of(user: Any) -> list[int]:
    from shequ.appeals.models import Unit

    cached = getattr(user, "_appeal_units", None)
    if cached is None:
        cached = list(Unit.objects.filter(unit_filter_of(user)).values_list("pk", flat=True))
        if getattr(user, "is_authenticated", False):
            user._appeal_units = cached
    return list(cached)


def may_supervise(user: Any, community_code: str | None) -> bool:
    return covers(user, community_code, READERS)


@rules.predicate
def can_use_appeals_console(user: Any) -> bool:
    return any(
        a.role in READERS or a.role in (Role.SYSTEM_ADMIN, Role.DEPARTMENT_STAFF)
        for a in areas_of(user)
    )


rules.add_perm("appeals.use_console", can_use_appeals_console)


def console_user(request: HttpRequest) -> "User":
    """The signed-in staff member who may use the requests' console; 403 for anyone else."""
    if not can_use_appeals_console(request.user):
        raise DjangoPermissionDenied
    return cast("User", request.user)
