"""Who may see ratings and answer follow-ups.

Department staff see and answer their own department's; area staff (community worker up to the
city committee, auditors) read the ratings of residents in their area; administrators see all.
"""

from typing import Any

import rules

from shequ.core.scopes import Role
from shequ.people.permissions import READERS, areas_of

# The roles that read ratings in the console (each within its own area or department).
RATING_READERS = frozenset(READERS | {Role.DEPARTMENT_STAFF})


def is_department_staff_of(user: Any, department_id: int) -> bool:
    return any(
        a.role == Role.SYSTEM_ADMIN
        or (a.role == Role.DEPARTMENT_STAFF and a.department_id == department_id)
        for a in areas_of(user)
    )


@rules.predicate
def can_view_ratings(user: Any) -> bool:
    return any(a.role in RATING_READERS or a.role == Role.SYSTEM_ADMIN for a in areas_of(user))


rules.add_perm("ratings.view_rating", can_view_ratings)
