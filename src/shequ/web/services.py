"""Writes behind the shared console pickers."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from shequ.core.scopes import CITY_CODE
from shequ.core.services import audit_record
from shequ.people.permissions import WORKERS
from shequ.web import selectors
from shequ.web.selectors import PersonChoice


def _search_as_logged(query: str) -> str:
    """The name as typed; of the mobile number, at most its last four digits, masked."""
    name, tail = selectors.split_person_query(query)
    return (f"{name} ****{tail[-4:]}" if tail else name)[:200]


def person_search_logged(
    *,
    actor: Any,
    query: str,
    community: str = "",
    roles: Iterable[str] = WORKERS,
    ip: str | None = None,
) -> tuple[list[PersonChoice], bool]:
    """Search residents by name for a picker. Looking people up is seeing a list of residents,
    so every search is in the audit log: who searched, for what, in which area, how many found.
    """
    with transaction.atomic():
        found, more = selectors.person_search(actor, query, community=community, roles=roles)
        areas = [area.division_code or CITY_CODE for area in selectors.picker_areas(actor, roles)]
        audit_record(
            actor=actor,
            verb="people.resident_search",
            division_code=community or (areas[0] if len(areas) == 1 else ""),
            reason=_search_as_logged(query),
            changes={"areas": sorted(set(areas)), "found": len(found), "more": more},
            ip=ip,
        )
    return found, more
