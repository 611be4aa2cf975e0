"""Staff roles and the areas they cover (角色与管辖范围).

Division codes are hierarchical 12-digit codes (city 5101, district 510107, street 510107005,
community 510107005004), so "inside my area" is a range test on an indexed column.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

CITY_CODE = "510100000000"


class Role(models.TextChoices):
    COMMUNITY_WORKER = "community_worker", _("Community worker")
    STREET_OFFICER = "street_officer", _("Street officer")
    DISTRICT_OFFICER = "district_officer", _("District officer")
    CITY_COMMITTEE = "city_committee", _("City committee")
    DEPARTMENT_STAFF = "department_staff", _("Department staff")
    AUDITOR = "auditor", _("Auditor")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    # 社区规划师: a planner held over a district or a street, assigned to its communities.
    PLANNER = "planner", _("Community planner")
    # 智库专家: an expert of the think tank who evaluates policies (an area, usually the city).
    EXPERT = "expert", _("Think-tank expert")


DIVISION_ROLES = frozenset(
    {
        Role.COMMUNITY_WORKER,
        Role.STREET_OFFICER,
        Role.DISTRICT_OFFICER,
        Role.CITY_COMMITTEE,
        Role.AUDITOR,
        Role.PLANNER,
        Role.EXPERT,
    }
)


def code_prefix(code: str) -> str:
    """The significant part of a division code: ``510107005000`` → ``510107005``."""
    if code.endswith("00000000"):
        return code[:4]
    if code.endswith("000000"):
        return code[:6]
    if code.endswith("000"):
        return code[:9]
    return code


def code_range(code: str) -> tuple[str, str]:
    """Inclusive bounds of every code inside the division ``code`` (itself included)."""
    prefix = code_prefix(code)
    pad = 12 - len(prefix)
    return prefix + "0" * pad, prefix + "9" * pad


def within(field: str, code: str) -> Q:
    low, high = code_range(code)
    return Q(**{f"{field}__gte": low, f"{field}__lte": high})


@dataclass(frozen=True)
class Area:
    """What one role grants: everything under a division, or one department's records."""

    role: str
    division_code: str | None = None
    department_id: int | None = None

    @property
    def is_everywhere(self) -> bool:
        return self.role == Role.SYSTEM_ADMIN or self.division_code == CITY_CODE

    def covers_division(self, code: str | None) -> bool:
        if self.is_everywhere:
            return True
        if self.division_code is None or not code:
            return False
        low, high = code_range(self.division_code)
        return low <= code <= high


def areas_q(
    areas: Iterable[Area], *, division_field: str | None, department_field: str | None = None
) -> Q | None:
    """A filter matching rows inside any of ``areas``; ``None`` means no restriction."""
    condition = Q(pk__in=[])
    for area in areas:
        if area.is_everywhere:
            return None
        if area.division_code and division_field:
            condition |= within(division_field, area.division_code)
        if area.department_id is not None and department_field:
            condition |= Q(**{department_field: area.department_id})
    return condition
