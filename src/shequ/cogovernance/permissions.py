"""Who may do what in co-governance: workers of a community, street and district officers and
the committee keep the registry, the lists and the agreements of their own areas (auditors
read); district officers and the committee designate demonstration communities."""

from typing import Any

import rules

from shequ.core.scopes import Role
from shequ.people.permissions import READERS, WORKERS, covers, has_role

DESIGNATORS = frozenset({Role.DISTRICT_OFFICER, Role.CITY_COMMITTEE})


def can_edit(user: Any, division_code: str | None) -> bool:
    return covers(user, division_code, WORKERS)


def can_read(user: Any, division_code: str | None) -> bool:
    return covers(user, division_code, READERS)


def can_designate(user: Any, community_code: str | None) -> bool:
    return covers(user, community_code, DESIGNATORS)


@rules.predicate
def may_use_console(user: Any) -> bool:
    return has_role(user, *READERS, Role.SYSTEM_ADMIN)


@rules.predicate
def may_designate(user: Any) -> bool:
    return has_role(user, *DESIGNATORS, Role.SYSTEM_ADMIN)


rules.add_perm("cogovernance.use_console", may_use_console)
rules.add_perm("cogovernance.designate", may_designate)
