"""Who reviews and publishes stories: workers covering the item's community (not auditors,
who may read the queue). Residents donate and withdraw their own items."""

from typing import Any

import rules

from shequ.core.scopes import Role
from shequ.people.permissions import READERS, WORKERS, covers, has_role


def can_review(user: Any, community_code: str | None) -> bool:
    return covers(user, community_code, WORKERS)


@rules.predicate
def may_use_console(user: Any) -> bool:
    return has_role(user, *READERS, Role.SYSTEM_ADMIN)


rules.add_perm("stories.use_console", may_use_console)
