"""Who may do what with social organisations and calls.

- Civil-affairs work (登记管理) is done by area staff: a street officer files community-based
  organisations of their street (备案); district officers and the city committee register,
  rate and inspect organisations whose registering authority lies in their area.
- Community workers read the organisations serving their community and partner applications.
- Calls are issued by district officers or the city committee for their area; they screen,
  assign experts, determine, answer objections, sign contracts and pay tranches.
- An organisation's accounts (``Membership``) act for it: its administrator edits its contact
  details and invites staff; admin and staff draft and submit applications and report.
- Experts (``Expert``) score the applications they are assigned to and not recused from.
"""

from typing import Any

import rules

from shequ.core.scopes import Role
from shequ.people.permissions import READERS, covers, has_role

REGISTRARS = frozenset({Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.CITY_COMMITTEE})
# Registered kinds (社会团体, 社会服务机构, 基金会) are registered by a district bureau or above.
REGISTERED_BY = frozenset({Role.DISTRICT_OFFICER, Role.CITY_COMMITTEE})
CALL_ISSUERS = frozenset({Role.DISTRICT_OFFICER, Role.CITY_COMMITTEE})


def can_register(user: Any, authority_code: str | None, *, filed: bool) -> bool:
    """May register (or, ``filed``, file 备案) an organisation with this authority."""
    return covers(user, authority_code, REGISTRARS if filed else REGISTERED_BY)


def can_manage_calls(user: Any, division_code: str | None) -> bool:
    return covers(user, division_code, CALL_ISSUERS)


def is_member(user: Any, organisation_id: int, *, admin: bool = False) -> bool:
    """True when the user holds an active account of the organisation (its admin, if asked)."""
    if not getattr(user, "is_authenticated", False):
        return False
    rows = user.civil_memberships.filter(organisation_id=organisation_id, ended_on__isnull=True)
    if admin:
        rows = rows.filter(role__in=["admin", "founder"])
    return bool(rows.exists())


def is_expert(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    expert = getattr(user, "civil_expert", None)
    return expert is not None and expert.is_active


@rules.predicate
def may_use_civil_console(user: Any) -> bool:
    return has_role(user, *(READERS | {Role.SYSTEM_ADMIN}))


rules.add_perm("civil.use_console", may_use_civil_console)
