"""Who may do what, as ``rules`` predicates over the user's areas (one place to look)."""

from typing import Any

import rules
from django.apps import apps
from django.conf import settings
from django.db.models import Exists, OuterRef
from django_otp.models import Device

from shequ.core.scopes import Area, Role
from shequ.people.models import StaffRole
from shequ.places.models import Division

WORKERS = frozenset(
    {Role.COMMUNITY_WORKER, Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.CITY_COMMITTEE}
)
READERS = WORKERS | {Role.AUDITOR}


# Set by people.middleware on the user of a request: the persistent id of the device that
# passed the second factor in this session ("" when none did). Users read outside a request
# (services, tasks, commands) carry no such attribute and are not held back.
SECOND_FACTOR_ATTR = "_shequ_second_factor"
# Set when a request's user holds roles needing two-factor sign-in but has not passed it.
TWO_FACTOR_PENDING_ATTR = "_shequ_two_factor_pending"
TWO_FACTOR_URL = "people:two_factor"


def areas_of(user: Any) -> list[Area]:
    """The user's active areas, read once per request and kept on the user object.

    A signed-in staff member who has not passed the second factor holds none of them yet:
    every page, endpoint and selector then treats them as a resident (fail closed).
    """
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_shequ_areas", None)
    holds_roles = getattr(user, "holds_staff_roles", None)
    if cached is None and holds_roles is not None and not holds_roles:
        # Loaded for this request with no active role (people.selectors.user_for_request).
        cached = user._shequ_areas = []
    if cached is None:
        device_id = getattr(user, SECOND_FACTOR_ATTR, None)
        roles = user.staff_roles.filter(is_active=True)
        if device_id:
            # One query still: the session's device is checked in the same statement, so a
            # reset by an administrator takes effect on the very next request.
            roles = roles.annotate(second_factor=second_factor_exists(device_id))
        rows = list(roles)
        cached = [
            Area(role=r.role, division_code=r.division_id, department_id=r.department_id)
            for r in rows
        ]
        if device_id is not None:
            verified = bool(device_id) and bool(rows) and rows[0].second_factor
            needed = settings.SHEQU_TWO_FACTOR_ROLES
            if not verified and any(area.role in needed for area in cached):
                setattr(user, TWO_FACTOR_PENDING_ATTR, True)
                cached = []
        user._shequ_areas = cached
    return list(cached)


def second_factor_exists(device_id: str, user_ref: str = "user_id") -> Exists:
    """True in a query over a user's rows (``user_ref`` names the user's id there) when
    ``device_id`` is a confirmed device of theirs."""
    label, _, pk = device_id.rpartition("/")
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return Exists(StaffRole.objects.none())
    if not issubclass(model, Device) or not pk.isdigit():
        return Exists(StaffRole.objects.none())
    return Exists(model.objects.filter(pk=int(pk), user_id=OuterRef(user_ref), confirmed=True))


def two_factor_pending(user: Any) -> bool:
    """True when the request's user must pass the second factor before any staff work."""
    areas_of(user)
    return bool(getattr(user, TWO_FACTOR_PENDING_ATTR, False))


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
            if two_factor_pending(request.user):
                return redirect_to_login(request.get_full_path(), TWO_FACTOR_URL)
            raise DjangoPermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
