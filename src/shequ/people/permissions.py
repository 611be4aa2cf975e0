"""Who may do what, as ``rules`` predicates over the user's areas (one place to look)."""

from typing import Any

import rules

from shequ.core.scopes import Area, Role
from shequ.places.models import Division

WORKERS = frozenset(
    {Role.COMMUNITY_WORKER, Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.CITY_COMMITTEE}
)
READERS = WORKERS | {Role.AUDITOR}


def areas_of(user: Any) -> list[Area]:
    """The user's active areas, read once per request and kept on the user object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_shequ_areas", None)
    if cached is None:
        cached = [
            Area(role=r.role, division_code=r.division_id, department_id=r.department_id)
            for r in user.staff_roles.filter(is_active=True)
        ]
        user._shequ_areas = cached
    return list(cached)


def has_role(user: Any, *roles: str) -> bool:
    return any(area.role in roles for area in areas_of(user))


def covers(user: Any, code: str | None, roles: frozenset[str] | set[str]) -> bool:
    """True when one of the user's roles in ``roles`` (or system admin) covers ``code``."""
    for area in areas_of(user):
        if area.role == Role.SYSTEM_ADMIN:
            return True
        if area.role in roles and area.covers_division(code):
            return True
    return False


@rules.predicate
def is_staff_member(user: Any) -> bool:
    return bool(areas_of(user))


@rules.predicate
def can_view_division(user: Any, division: Division | None) -> bool:
    return division is not None and covers(user, division.code, READERS)


@rules.predicate
def can_edit_division(user: Any, division: Division | None) -> bool:
    return division is not None and covers(user, division.code, WORKERS)


@rules.predicate
def can_view_resident(user: Any, resident: Any) -> bool:
    return resident is not None and covers(user, resident.community_id, READERS)


@rules.predicate
def can_verify_resident(user: Any, resident: Any) -> bool:
    return resident is not None and covers(user, resident.community_id, WORKERS)


@rules.predicate
def can_reveal_pii(user: Any, resident: Any) -> bool:
    """Workers of the resident's area may reveal, never auditors or other departments."""
    return resident is not None and covers(user, resident.community_id, WORKERS)


@rules.predicate
def can_view_audit(user: Any) -> bool:
    return has_role(user, Role.CITY_COMMITTEE, Role.AUDITOR, Role.SYSTEM_ADMIN)


@rules.predicate
def can_manage_roles(user: Any) -> bool:
    return has_role(user, Role.SYSTEM_ADMIN)


rules.add_perm("places.view_division", can_view_division)
rules.add_perm("places.change_division", can_edit_division)
rules.add_perm("people.view_resident", can_view_resident)
rules.add_perm("people.verify_resident", can_verify_resident)
rules.add_perm("people.reveal_pii", can_reveal_pii)
rules.add_perm("core.view_auditevent", can_view_audit)
rules.add_perm("people.change_staffrole", can_manage_roles)
rules.add_perm("people.change_department", can_manage_roles)
rules.add_perm("web.use_console", is_staff_member)


def staff_required(view: Any) -> Any:
    """Console views: anonymous users log in; residents without a staff role get 403."""
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login
    from django.core.exceptions import PermissionDenied as DjangoPermissionDenied

    @wraps(view)
    def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not areas_of(request.user):
            raise DjangoPermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
