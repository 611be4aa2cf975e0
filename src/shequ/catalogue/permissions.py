"""Who may edit services: the staff of the department that publishes them."""

from typing import Any

import rules

from shequ.core.scopes import Role
from shequ.people.permissions import areas_of


def departments_of(user: Any) -> set[int]:
    """Ids of the departments the user works for as department staff."""
    return {
        area.department_id
        for area in areas_of(user)
        if area.role == Role.DEPARTMENT_STAFF and area.department_id is not None
    }


def is_system_admin(user: Any) -> bool:
    return any(area.role == Role.SYSTEM_ADMIN for area in areas_of(user))


@rules.predicate
def can_edit_service(user: Any, service: Any) -> bool:
    if service is None:
        return bool(departments_of(user)) or is_system_admin(user)
    return is_system_admin(user) or service.department_id in departments_of(user)


@rules.predicate
def can_manage_topics(user: Any) -> bool:
    """Life events and themes are the city's reference data: the committee's and the
    system administrators'."""
    return any(area.role in (Role.CITY_COMMITTEE, Role.SYSTEM_ADMIN) for area in areas_of(user))


rules.add_perm("catalogue.change_service", can_edit_service)
rules.add_perm("catalogue.change_topic", can_manage_topics)
