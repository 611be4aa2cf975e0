"""Reads behind the shared console pickers: divisions and residents inside a staff member's area.

A picker never offers what its user may not pick: the divisions are those inside one of the
user's areas (and, to reach them, the districts and streets above), the residents those living
inside them.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from shequ.core.scopes import CITY_CODE, Area, Role, areas_q, code_prefix, code_range
from shequ.people.models import Resident
from shequ.people.permissions import WORKERS, areas_of
from shequ.places.models import Division

PERSON_RESULT_LIMIT = 10
# Names found before the phone-tail filter (phones are encrypted: the tail is checked in Python).
PERSON_TAIL_CANDIDATES = 300
LEVEL_ORDER = (Division.Level.DISTRICT, Division.Level.STREET, Division.Level.COMMUNITY)


# Roles whose divisions a division picker may list: the workers, and department staff, who
# serve the whole city (a department's form may be limited to some communities).
DIVISION_PICKER_ROLES = WORKERS | {Role.DEPARTMENT_STAFF, Role.PLANNER}


def picker_areas(user: Any, roles: Iterable[str] = WORKERS) -> list[Area]:
    """The user's areas that count for a picker: roles in ``roles`` with a division, or admin.
    Department staff (when in ``roles``) pick anywhere in the city."""
    wanted = set(roles)
    areas = []
    for area in areas_of(user):
        if area.role == Role.SYSTEM_ADMIN or (area.role in wanted and area.division_code):
            areas.append(area)
        elif area.role == Role.DEPARTMENT_STAFF and area.role in wanted:
            areas.append(Area(role=area.role, division_code=CITY_CODE))
    return areas


def levels_up_to(level: str | None) -> list[str]:
    """The levels a picker offers: exactly ``level``, or any level below the city (None)."""
    return [level] if level else [str(x) for x in LEVEL_ORDER]


def divisions_allowed(areas: Sequence[Area], level: str | None) -> QuerySet[Division]:
    """Active divisions of ``level`` (any level below the city when None) inside ``areas``."""
    queryset = Division.objects.filter(is_active=True, level__in=levels_up_to(level))
    if not areas:
        return queryset.none()
    condition = areas_q(areas, division_field="code")
    if condition is not None:
        queryset = queryset.filter(condition)
    return queryset.only("code", "name", "short_name", "name_en", "level", "parent_id").order_by(
        "code"
    )


def ancestor_codes_of(code: str) -> list[str]:
    """District and street codes above ``code`` (from the top), itself excluded."""
    prefix = code_prefix(code)
    codes = []
    if len(prefix) > 6:
        codes.append(code[:6] + "000000")
    if len(prefix) > 9:
        codes.append(code[:9] + "000")
    return codes


def division_path_labels(divisions: Sequence[Division]) -> dict[str, str]:
    """``{code: "武侯区 · 玉林街道 · 倪家桥社区"}``: each division with the districts and streets
    above it, so a plain list (without JavaScript) still tells same-named communities apart."""
    above = {c for d in divisions for c in ancestor_codes_of(d.code)}
    names = {d.code: str(d) for d in divisions}
    missing = above - names.keys()
    if missing:
        names.update(
            (d.code, str(d))
            for d in Division.objects.filter(pk__in=missing).only("code", "name", "short_name")
        )
    return {
        d.code: " · ".join([*(names.get(c, c) for c in ancestor_codes_of(d.code)), str(d)])
        for d in divisions
    }


def _leads_into(code: str, areas: Sequence[Area]) -> bool:
    """True when ``code`` is inside one of ``areas`` or contains one of them."""
    for area in areas:
        if area.is_everywhere or area.covers_division(code):
            return True
        if area.division_code:
            low, high = code_range(code)
            if low <= area.division_code <= high:
                return True
    return False


def division_children_for(areas: Sequence[Area], parent: str) -> list[Division]:
    """The active children of ``parent`` (the city when empty) a picker shows to ``areas``:
    only those on the way to, or inside, one of the areas. Empty for a division the areas
    neither reach nor contain."""
    parent_code = parent or CITY_CODE
    if not areas or not _leads_into(parent_code, areas):
        return []
    children = Division.objects.filter(parent_id=parent_code, is_active=True).only(
        "code", "name", "short_name", "level"
    )
    return [child for child in children.order_by("code") if _leads_into(child.code, areas)]


def residents_pickable(user: Any, roles: Iterable[str] = WORKERS) -> QuerySet[Resident]:
    """Residents living inside the user's picker areas (none for anybody else)."""
    areas = picker_areas(user, roles)
    if not areas:
        return Resident.objects.none()
    condition = areas_q(areas, division_field="community_id")
    queryset = Resident.objects.all()
    return queryset if condition is None else queryset.filter(condition)


@dataclass(frozen=True)
class PersonChoice:
    """One resident as a picker shows them: never a full ID or phone number."""

    id: int
    name: str
    id_masked: str
    community: str

    @classmethod
    def of(cls, resident: Resident) -> "PersonChoice":
        return cls(
            id=resident.pk,
            name=resident.real_name,
            id_masked=resident.id_number.masked if resident.id_number else "",
            community=str(resident.community) if resident.community_id else "",
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "id_masked": self.id_masked,
            "community": self.community,
        }


def split_person_query(query: str) -> tuple[str, str]:
    """``"张三 1234"`` → (``"张三"``, ``"1234"``): the name and the phone tail typed after it."""
    text = query.strip()
    name = "".join(ch for ch in text if not ch.isdigit() and not ch.isspace())
    digits = "".join(ch for ch in text if ch.isdigit())
    return name, digits


def person_search(
    user: Any,
    query: str,
    *,
    community: str = "",
    roles: Iterable[str] = WORKERS,
    limit: int = PERSON_RESULT_LIMIT,
) -> tuple[list[PersonChoice], bool]:
    """Residents of the user's area whose name starts with the name typed, optionally only
    those whose mobile number ends with the digits typed after it, optionally only of one
    community. Returns (at most ``limit`` people, whether there were more)."""
    name, tail = split_person_query(query)
    if not name:
        return [], False
    queryset = residents_pickable(user, roles).filter(real_name__startswith=name)
    if community:
        queryset = queryset.filter(community_id=community)
    queryset = queryset.select_related("community").order_by("real_name", "id")
    if tail:
        found = [
            r
            for r in queryset[:PERSON_TAIL_CANDIDATES]
            if r.phone and r.phone.reveal().endswith(tail)
        ]
    else:
        found = list(queryset[: limit + 1])
    return [PersonChoice.of(r) for r in found[:limit]], len(found) > limit


def person_choice_for(user: Any, resident_id: int, roles: Iterable[str] = WORKERS) -> PersonChoice:
    """The picked resident as shown back on a form; raises Resident.DoesNotExist outside."""
    resident = residents_pickable(user, roles).select_related("community").get(pk=resident_id)
    return PersonChoice.of(resident)
