"""Who may do what in resident participation (one place to look)."""

from typing import Any

import rules

from shequ.core.scopes import Role
from shequ.people.models import Resident, VerificationLevel
from shequ.people.permissions import READERS, WORKERS, covers, has_role

# Community workers run councils and rounds; street and district officers may help.
ORGANISERS = WORKERS


def verified_resident_of(user: Any, community_code: str) -> Resident | None:
    """The user's resident record when it is ID-checked and lives in ``community_code``."""
    if not getattr(user, "is_authenticated", False):
        return None
    resident = Resident.objects.filter(user_id=user.pk).first()
    if (
        resident is None
        or resident.community_id != community_code
        or resident.verification_level < VerificationLevel.ID_CHECKED
    ):
        return None
    return resident


def can_view(user: Any, community_code: str | None) -> bool:
    return covers(user, community_code, READERS)


def can_organise(user: Any, community_code: str | None) -> bool:
    """Moderate proposals, run councils, meetings and rounds of ``community_code``."""
    return covers(user, community_code, ORGANISERS)


@rules.predicate
def may_use_console(user: Any) -> bool:
    return has_role(user, *READERS, Role.SYSTEM_ADMIN)


rules.add_perm("participation.use_console", may_use_console)
