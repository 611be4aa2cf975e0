"""Who may publish community notices: workers covering the community (not auditors)."""

from typing import Any

import rules

from shequ.people.permissions import WORKERS, areas_of


@rules.predicate
def can_publish_notices(user: Any) -> bool:
    return any(area.role in WORKERS for area in areas_of(user))


rules.add_perm("notices.add_communitynotice", can_publish_notices)


def publishable_communities(user: Any) -> list[str]:
    """Community codes the user may publish to when they work for exactly one community."""
    return [
        area.division_code
        for area in areas_of(user)
        if area.role in WORKERS and area.division_code and not area.division_code.endswith("000")
    ]
