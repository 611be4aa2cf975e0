"""Who may run the portal's open data: the city committee and system administrators freeze
datasets and re-read the search index by hand (the nightly tasks do it anyway)."""

from typing import Any

import rules

from shequ.core.scopes import Role
from shequ.people.permissions import areas_of

PUBLISHERS = frozenset({Role.CITY_COMMITTEE, Role.SYSTEM_ADMIN})


@rules.predicate
def can_publish_data(user: Any) -> bool:
    return any(a.role in PUBLISHERS for a in areas_of(user))


rules.add_perm("portal.publish_data", can_publish_data)
