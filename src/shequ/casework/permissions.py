"""Who may act on applications: the department's staff; community workers for the first check
of community-level services; supervisors (政务服务效能督查) see escalated cases."""

from typing import Any

import rules

from shequ.core.scopes import Role
from shequ.people.permissions import WORKERS, areas_of, covers

# The department whose staff supervise every department's overdue cases (市网络理政办).
SUPERVISING_DEPARTMENT = "zhengwu"
# What community workers may do on community-level services; the rest is the department's.
COMMUNITY_ACTIONS = frozenset({"accept", "request_info"})


def is_department_staff_of(user: Any, department_id: int) -> bool:
    return any(
        (a.role == Role.DEPARTMENT_STAFF and a.department_id == department_id)
        or a.role == Role.SYSTEM_ADMIN
        for a in areas_of(user)
    )


def is_supervisor(user: Any) -> bool:
    from shequ.people.models import Department

    ids = {a.department_id for a in areas_of(user) if a.role == Role.DEPARTMENT_STAFF}
    if any(a.role == Role.SYSTEM_ADMIN for a in areas_of(user)):
        return True
    return bool(ids) and Department.objects.filter(pk__in=ids, code=SUPERVISING_DEPARTMENT).exists()


def may_act(user: Any, application: Any, action: str) -> bool:
    """May ``user`` take the staff ``action`` on ``application``?"""
    if is_department_staff_of(user, application.department_id):
        return True
    return (
        action in COMMUNITY_ACTIONS
        and application.service.community_level
        and application.community_id is not None
        and covers(user, application.community_id, WORKERS)
    )


@rules.predicate
def can_build_forms(user: Any, service: Any = None) -> bool:
    if service is None:
        return any(a.role in (Role.DEPARTMENT_STAFF, Role.SYSTEM_ADMIN) for a in areas_of(user))
    return is_department_staff_of(user, service.department_id)


rules.add_perm("casework.add_formdefinition", can_build_forms)


@rules.predicate
def can_manage_holidays(user: Any) -> bool:
    """The city committee (and administrators) keep the holiday table."""
    return any(a.role in (Role.CITY_COMMITTEE, Role.SYSTEM_ADMIN) for a in areas_of(user))


rules.add_perm("casework.change_holiday", can_manage_holidays)
