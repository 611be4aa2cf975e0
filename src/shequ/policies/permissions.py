"""Who may author policies: officers of a street, district or the city (and administrators),
each for policies of their own area. Everyone may read published policies."""

from typing import Any

import rules

from shequ.core.scopes import Area, Role
from shequ.people.permissions import areas_of

AUTHORS = frozenset(
    {Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.CITY_COMMITTEE, Role.SYSTEM_ADMIN}
)


def author_areas(user: Any) -> list[Area]:
    return [a for a in areas_of(user) if a.role in AUTHORS]


@rules.predicate
def can_author_policies(user: Any) -> bool:
    return bool(author_areas(user))


def may_author_in(user: Any, division_code: str) -> bool:
    return any(a.covers_division(division_code) for a in author_areas(user))


rules.add_perm("policies.change_policy", can_author_policies)
