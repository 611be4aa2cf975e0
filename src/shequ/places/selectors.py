"""Reads of divisions. Everything "inside" a division is a range on its indexed code."""

from collections.abc import Iterable
from typing import cast

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from shequ.core.digits import digits_or_none
from shequ.core.errors import NotFound
from shequ.core.scopes import CITY_CODE, code_prefix, within
from shequ.places.models import Division

LEVEL_ORDER = [
    Division.Level.CITY,
    Division.Level.DISTRICT,
    Division.Level.STREET,
    Division.Level.COMMUNITY,
]


def division_get(code: str) -> Division:
    """Raises: NotFound for an unknown code."""
    digits = digits_or_none(code)
    division = Division.objects.filter(pk=digits).first() if digits is not None else None
    if division is None:
        raise NotFound("unknown_division", _("No division has the code %(code)s."), code=code)
    return division


def ancestor_codes(code: str) -> list[str]:
    """Codes of the city, district and street above ``code`` (from the top), itself excluded."""
    prefix = code_prefix(code)
    candidates = [CITY_CODE, code[:6] + "000000", code[:9] + "000"]
    return [c for c in candidates if code_prefix(c) != prefix and len(code_prefix(c)) < len(prefix)]


def division_ancestors(code: str) -> list[Division]:
    codes = ancestor_codes(code)
    found = {d.code: d for d in Division.objects.filter(pk__in=codes)}
    return [found[c] for c in codes if c in found]


def division_children(code: str, *, include_inactive: bool = False) -> QuerySet[Division]:
    children = Division.objects.filter(parent_id=code)
    return children if include_inactive else children.filter(is_active=True)


def division_descendants(code: str, *, level: str | None = None) -> QuerySet[Division]:
    """Every division under ``code`` (itself excluded), optionally of one level."""
    queryset = Division.objects.filter(within("code", code)).exclude(pk=code)
    return queryset.filter(level=level) if level else queryset


def division_list(
    *, level: str | None = None, parent: str | None = None, include_inactive: bool = False
) -> QuerySet[Division]:
    queryset = Division.objects.all()
    if level:
        queryset = queryset.filter(level=level)
    if parent:
        queryset = queryset.filter(parent_id=parent)
    if not include_inactive:
        queryset = queryset.filter(is_active=True)
    return queryset.only(
        "code", "name", "short_name", "name_en", "level", "parent_id", "urban_rural", "is_active"
    )


def division_search(query: str, *, limit: int = 20, level: str | None = None) -> list[Division]:
    """Divisions whose name contains ``query``, or whose code starts with it; shortest first."""
    text = query.strip()
    if not text:
        return []
    digits = digits_or_none(text)
    if digits is not None:
        condition = Q(code__gte=digits.ljust(12, "0"), code__lte=digits.ljust(12, "9"))
    else:
        condition = Q(name__contains=text) | Q(short_name__contains=text)
    queryset = Division.objects.filter(condition, is_active=True)
    if level:
        queryset = queryset.filter(level=level)
    fields = (
        "code",
        "name",
        "short_name",
        "name_en",
        "level",
        "parent_id",
        "urban_rural",
        "is_active",
    )
    rows = list(queryset.only(*fields)[: limit * 5])
    # Exact and prefix matches first, then higher levels, then by code.
    rows.sort(
        key=lambda d: (
            d.short_name != text and d.name != text,
            not d.short_name.startswith(text),
            LEVEL_ORDER.index(Division.Level(d.level)),
            d.code,
        )
    )
    return rows[:limit]


def division_tree(code: str, *, depth: int) -> dict[str, object]:
    """Nested ``{code, name, level, children}`` under ``code``, ``depth`` levels deep."""
    root = division_get(code)
    start = LEVEL_ORDER.index(Division.Level(root.level))
    levels = LEVEL_ORDER[start + 1 : start + 1 + depth]
    rows = (
        list(
            division_descendants(code)
            .filter(level__in=levels, is_active=True)
            .only("code", "short_name", "level", "parent_id")
        )
        if levels
        else []
    )
    nodes: dict[str, dict[str, object]] = {
        root.code: {"code": root.code, "name": str(root), "level": root.level, "children": []}
    }
    for row in rows:
        nodes[row.code] = {"code": row.code, "name": str(row), "level": row.level, "children": []}
    for row in rows:
        parent = nodes.get(row.parent_id or "")
        if parent is not None:
            cast(list[dict[str, object]], parent["children"]).append(nodes[row.code])
    return nodes[root.code]


def divisions_by_code(codes: Iterable[str]) -> dict[str, Division]:
    return {d.code: d for d in Division.objects.filter(pk__in=list(codes))}
