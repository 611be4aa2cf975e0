"""Who may manage department apps: system administrators only."""

from typing import Any

import rules

from shequ.core.scopes import Role
from shequ.people.permissions import has_role


@rules.predicate
def can_manage_apps(user: Any) -> bool:
    return has_role(user, Role.SYSTEM_ADMIN)


rules.add_perm("sso.change_departmentapp", can_manage_apps)
