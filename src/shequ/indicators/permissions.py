"""Who may see and change the indicators.

Everyone working on an area (community worker up to the city committee, auditors) reads the
results inside it; the city committee and administrators edit the tree, run the evaluation,
close periods and share the incentive fund; workers enter the values of their own area.
"""

from typing import Any

import rules

from shequ.core.scopes import Role
from shequ.people.permissions import READERS, WORKERS, areas_of, covers

EDITORS = frozenset({Role.CITY_COMMITTEE})


@rules.predicate
def can_view_indicators(user: Any) -> bool:
    return any(a.role in READERS or a.role == Role.SYSTEM_ADMIN for a in areas_of(user))


@rules.predicate
def can_edit_tree(user: Any) -> bool:
    return any(a.role in EDITORS or a.role == Role.SYSTEM_ADMIN for a in areas_of(user))


@rules.predicate
def can_enter_values(user: Any) -> bool:
    return any(a.role in WORKERS or a.role == Role.SYSTEM_ADMIN for a in areas_of(user))


def can_enter_value_for(user: Any, division_code: str) -> bool:
    return covers(user, division_code, WORKERS)


def can_view_division(user: Any, division_code: str) -> bool:
    return covers(user, division_code, READERS)


rules.add_perm("indicators.view_result", can_view_indicators)
rules.add_perm("indicators.change_treeversion", can_edit_tree)
rules.add_perm("indicators.add_value", can_enter_values)
