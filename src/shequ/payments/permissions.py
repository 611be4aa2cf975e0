"""Who may issue bills and refunds: staff of the bill's department."""

from typing import Any

import rules

from shequ.core.scopes import Role
from shequ.people.permissions import areas_of


def is_department_staff_of(user: Any, department_id: int | None) -> bool:
    return any(
        a.role == Role.SYSTEM_ADMIN
        or (a.role == Role.DEPARTMENT_STAFF and a.department_id == department_id)
        for a in areas_of(user)
    )


@rules.predicate
def can_issue_bills(user: Any) -> bool:
    return any(a.role in (Role.DEPARTMENT_STAFF, Role.SYSTEM_ADMIN) for a in areas_of(user))


rules.add_perm("payments.add_bill", can_issue_bills)


@rules.predicate
def is_system_admin(user: Any) -> bool:
    return any(a.role == Role.SYSTEM_ADMIN for a in areas_of(user))


rules.add_perm("payments.add_utilitycompany", is_system_admin)
