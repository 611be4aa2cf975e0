"""Reads of the 15-minute service circle, always within the caller's area."""

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import QuerySet

from shequ.access.models import ALL_ESSENTIAL, CoverageRow, FacilityCategory, Network, Run, Siting
from shequ.access.permissions import may_read
from shequ.access.services import run_result
from shequ.core.errors import NotFound
from shequ.core.scopes import Role
from shequ.people.permissions import READERS, areas_of
from shequ.people.selectors import scope_queryset
from shequ.places.models import Division

# A community keeps the promise for a category when this share of its residents is covered.
PROMISE_SHARE = 0.9


def _require_reader(user: Any) -> None:
    if not may_read(user):
        raise NotFound("not_found", "not found")


def run_list_for(user: Any) -> QuerySet[Run]:
    """Runs are city-wide analyses: every staff reader sees the list (figures stay scoped)."""
    if not may_read(user):
        return Run.objects.none()
    return Run.objects.select_related("network", "base_run").order_by("-created_at", "-id")


def run_get_for(user: Any, run_id: int) -> Run:
    run = run_list_for(user).filter(pk=run_id).first()
    if run is None:
        raise NotFound("not_found", "not found")
    return run


def latest_run_for(user: Any) -> Run | None:
    return run_list_for(user).filter(status=Run.Status.DONE, base_run__isnull=True).first()


def network_list() -> QuerySet[Network]:
    return Network.objects.order_by("-created_at")


def category_list() -> list[FacilityCategory]:
    return list(FacilityCategory.objects.all())


def coverage_rows_for(
    user: Any, run: Run, *, level: str = "", category: str = "", within: str = ""
) -> QuerySet[CoverageRow]:
    qs = CoverageRow.objects.filter(run=run).select_related("division")
    qs = scope_queryset(qs, user, division_field="division_id", roles=READERS)
    if level:
        qs = qs.filter(level=level)
    if category:
        qs = qs.filter(category=category)
    if within:
        from shequ.core.scopes import within as within_q

        qs = qs.filter(within_q("division_id", within))
    return qs.order_by("share", "division_id")


@dataclass
class DivisionCoverage:
    code: str
    name: str
    parent_name: str
    population: float
    shares: dict[str, float | None] = field(default_factory=dict)
    all_share: float = 0.0
    failing: list[str] = field(default_factory=list)
    cells: list[tuple[float | None, bool]] = field(default_factory=list)


@dataclass
class CoverageTable:
    run: Run
    level: str
    categories: list[dict[str, Any]]
    rows: list[DivisionCoverage]


def community_table(
    user: Any, run: Run, *, level: str = Division.Level.COMMUNITY, within: str = ""
) -> CoverageTable:
    """Divisions of one level ranked by worst "all essential" coverage, with failing categories."""
    qs = coverage_rows_for(user, run, level=level, within=within).select_related("division__parent")
    by_code: dict[str, DivisionCoverage] = {}
    for row in qs.order_by("division_id", "category"):
        item = by_code.get(row.division_id)
        if item is None:
            parent = row.division.parent
            item = by_code[row.division_id] = DivisionCoverage(
                code=row.division_id,
                name=row.division.name,
                parent_name=parent.name if parent else "",
                population=row.population,
            )
        if row.category == ALL_ESSENTIAL:
            item.all_share = row.share or 0.0
        else:
            item.shares[row.category] = row.share
            if row.share is None or row.share < PROMISE_SHARE:
                item.failing.append(row.category)
    categories = run.parameters.get("categories", [])
    for item in by_code.values():
        item.cells = [(item.shares.get(c["code"]), c["code"] in item.failing) for c in categories]
    rows = sorted(by_code.values(), key=lambda r: (r.all_share, -len(r.failing), r.code))
    return CoverageTable(run=run, level=level, categories=categories, rows=rows)


def node_minutes_for(user: Any, run: Run, category: str) -> dict[str, Any]:
    """Walk minutes per network node for one category, only nodes inside the user's area."""
    from shequ.access.services import network_load

    stored = run_result(run)
    if category not in stored.categories:
        raise NotFound("not_found", "not found")
    net = network_load(run.network)
    row = stored.minutes[stored.categories.index(category)]
    keep = stored.community != ""
    areas = [a for a in areas_of(user) if a.role in READERS or a.role == Role.SYSTEM_ADMIN]
    if not any(a.is_everywhere for a in areas):
        allowed = np.zeros(keep.size, dtype=bool)
        for a in areas:
            if a.division_code:
                prefix = a.division_code.rstrip("0")
                prefix = a.division_code[: max(len(prefix), 6)]
                allowed |= np.char.startswith(stored.community, prefix)
        keep &= allowed
    idx = np.flatnonzero(keep)
    minutes = row[idx]
    return {
        "category": category,
        "lon": np.round(net.lon[idx], 6).tolist(),
        "lat": np.round(net.lat[idx], 6).tolist(),
        "minutes": [None if not np.isfinite(m) else round(float(m), 1) for m in minutes],
    }


def siting_list_for(user: Any, run: Run) -> QuerySet[Siting]:
    qs = Siting.objects.filter(run=run).select_related("category", "district", "what_if_run")
    if any(a.is_everywhere for a in areas_of(user)):
        return qs
    return scope_queryset(qs, user, division_field="district_id", roles=READERS)


def siting_get_for(user: Any, siting_id: int) -> Siting:
    qs = Siting.objects.select_related("category", "district", "what_if_run", "run")
    siting = qs.filter(pk=siting_id).first()
    if siting is None or not siting_list_for(user, siting.run).filter(pk=siting_id).exists():
        raise NotFound("not_found", "not found")
    return siting
