"""Reads of the 15-minute service circle, always within the caller's area."""

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from shequ.access.models import (
    ALL_ESSENTIAL,
    CoverageRow,
    Facility,
    FacilityCategory,
    Network,
    Run,
    Siting,
)
from shequ.access.permissions import may_read
from shequ.access.services.runs import run_result
from shequ.core.errors import DomainError, NotFound
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


@dataclass(frozen=True)
class FacilitySourceCount:
    source: str
    label: str
    count: int
    far: int


def facility_sources(network: Network) -> list[FacilitySourceCount]:
    """How many facilities of a network came from each source, and how many of them snapped
    farther than the limit from the network (flagged)."""
    labels = dict(Facility.Source.choices)
    rows = (
        Facility.objects.filter(network=network)
        .values("source")
        .annotate(n=Count("id"), far=Count("id", filter=Q(far_snap=True)))
        .order_by("source")
    )
    return [
        FacilitySourceCount(
            r["source"], str(labels.get(r["source"], r["source"])), r["n"], r["far"]
        )
        for r in rows
    ]


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
    # Unknown shares (a category without data) last on both databases.
    return qs.order_by(F("share").asc(nulls_last=True), "division_id")


@dataclass
class DivisionCoverage:
    code: str
    name: str
    parent_name: str
    population: float
    shares: dict[str, float | None] = field(default_factory=dict)
    all_share: float | None = None
    failing: list[str] = field(default_factory=list)
    cells: list[tuple[float | None, bool]] = field(default_factory=list)
    failing_names: list[str] = field(default_factory=list)


@dataclass
class CoverageTable:
    run: Run
    level: str
    categories: list[dict[str, Any]]
    rows: list[DivisionCoverage]
    # Categories with no facility at all in the run: shown as "no data", never as failing.
    no_data: list[dict[str, Any]] = field(default_factory=list)


def run_no_data(run: Run) -> set[str]:
    """Codes of the run's categories that had no facility (unknown, not failed)."""
    return set(run.summary.get("no_data", []))


def community_table(
    user: Any, run: Run, *, level: str = Division.Level.COMMUNITY, within: str = ""
) -> CoverageTable:
    """Divisions of one level ranked by worst "all essential" coverage, with failing categories."""
    qs = coverage_rows_for(user, run, level=level, within=within).select_related("division__parent")
    unknown = run_no_data(run)
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
            item.all_share = row.share
        else:
            item.shares[row.category] = row.share
            if row.category not in unknown and (row.share is None or row.share < PROMISE_SHARE):
                item.failing.append(row.category)
    categories = run.parameters.get("categories", [])
    for item in by_code.values():
        item.cells = [(item.shares.get(c["code"]), c["code"] in item.failing) for c in categories]
        item.failing_names = [c["name"] for c in categories if c["code"] in item.failing]
    rows = sorted(
        by_code.values(),
        key=lambda r: (r.all_share is None, r.all_share or 0.0, -len(r.failing), r.code),
    )
    return CoverageTable(
        run=run,
        level=level,
        categories=categories,
        rows=rows,
        no_data=[c for c in categories if c["code"] in unknown],
    )


def communities_to_locate(user: Any) -> QuerySet[Division]:
    """Active communities of the user's area with no service-centre location: until they are
    located, their residents are assigned to a neighbour and their centre is not counted."""
    qs = Division.objects.filter(
        level=Division.Level.COMMUNITY, is_active=True, longitude__isnull=True
    ).select_related("parent")
    return scope_queryset(qs, user, division_field="code", roles=READERS).order_by("code")


def node_minutes_for(user: Any, run: Run, category: str) -> dict[str, Any]:
    """Walk minutes per network node for one category, only nodes inside the user's area."""
    from shequ.access.services.networks import network_load

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


def share_text(value: float | None) -> str:
    """A share as a percentage with one decimal ("12.3%"), or "—" when unknown."""
    return "—" if value is None else f"{value * 100:.1f}%"


def _pp(value: float | None) -> str:
    """A change in percentage points, signed ("+3.2", "−0.4", "0.0")."""
    if value is None:
        return "—"
    text = f"{value * 100:+.1f}"
    return "0.0" if text in ("+0.0", "-0.0") else text.replace("-", "−")


@dataclass
class CategoryChange:
    code: str
    name: str
    share_a: float | None
    share_b: float | None
    failing_a: int
    failing_b: int

    @property
    def diff(self) -> float | None:
        if self.share_a is None or self.share_b is None:
            return None
        return self.share_b - self.share_a

    @property
    def pct_a(self) -> str:
        return share_text(self.share_a)

    @property
    def pct_b(self) -> str:
        return share_text(self.share_b)

    @property
    def diff_pp(self) -> str:
        return _pp(self.diff)


@dataclass
class DivisionChange:
    code: str
    name: str
    parent_name: str
    population: float
    share_a: float | None
    share_b: float | None

    @property
    def diff(self) -> float:
        return (self.share_b or 0.0) - (self.share_a or 0.0)

    @property
    def pct_a(self) -> str:
        return share_text(self.share_a)

    @property
    def pct_b(self) -> str:
        return share_text(self.share_b)

    @property
    def diff_pp(self) -> str:
        return _pp(self.diff)

    @property
    def fails_a(self) -> bool:
        return (self.share_a or 0.0) < PROMISE_SHARE

    @property
    def fails_b(self) -> bool:
        return (self.share_b or 0.0) < PROMISE_SHARE

    @property
    def fixed(self) -> bool:
        """Failed the promise before and keeps it after."""
        return (self.share_a or 0.0) < PROMISE_SHARE <= (self.share_b or 0.0)


@dataclass
class RunComparison:
    a: Run
    b: Run
    category: str
    category_name: str
    categories: list[CategoryChange]
    divisions: list[DivisionChange]
    improved: int
    worsened: int


def comparable_runs_for(user: Any, run: Run) -> QuerySet[Run]:
    """Finished runs of the same network as ``run`` (the candidates to compare it with)."""
    return (
        run_list_for(user)
        .filter(network_id=run.network_id, status=Run.Status.DONE)
        .exclude(pk=run.pk)
    )


def run_compare(user: Any, a: Run, b: Run, *, category: str = "") -> RunComparison:
    """Coverage of run ``b`` against run ``a`` (same network), per category over the user's
    area and per community for one category (default: the one that changed most)."""
    if a.network_id != b.network_id:
        raise DomainError(
            "access_different_networks",
            _("Only runs of the same network can be compared."),
            field="b",
        )
    if a.status != Run.Status.DONE or b.status != Run.Status.DONE:
        raise DomainError("access_run_not_done", _("This run has not finished."), field="b")
    params = {c["code"]: c for c in a.parameters.get("categories", [])}
    names = {code: c["name"] for code, c in params.items()}
    names[ALL_ESSENTIAL] = _("All daily needs")
    per_run: list[dict[str, dict[str, CoverageRow]]] = []
    for run in (a, b):
        rows: dict[str, dict[str, CoverageRow]] = {}
        qs = coverage_rows_for(user, run, level=Division.Level.COMMUNITY).select_related(
            "division__parent"
        )
        for row in qs:
            rows.setdefault(row.category, {})[row.division_id] = row
        per_run.append(rows)
    codes = [c for c in [*params, ALL_ESSENTIAL] if c in per_run[0] or c in per_run[1]]
    changes: list[CategoryChange] = []
    for code in codes:
        shares: list[float | None] = []
        failing: list[int] = []
        for rows in per_run:
            cells = rows.get(code, {}).values()
            population = sum(r.population for r in cells)
            covered = sum(r.covered for r in cells)
            shares.append(covered / population if population > 0 else None)
            failing.append(sum(1 for r in cells if r.share is None or r.share < PROMISE_SHARE))
        changes.append(
            CategoryChange(
                code=code,
                name=names.get(code, code),
                share_a=shares[0],
                share_b=shares[1],
                failing_a=failing[0],
                failing_b=failing[1],
            )
        )
    if category not in codes:
        moved = [c for c in changes if c.code != ALL_ESSENTIAL and c.diff]
        category = (
            max(moved, key=lambda c: abs(c.diff or 0.0)).code
            if moved
            else (codes[0] if codes else "")
        )
    before = per_run[0].get(category, {})
    after = per_run[1].get(category, {})
    divisions: list[DivisionChange] = []
    for code in sorted(set(before) | set(after)):
        row = after.get(code) or before[code]
        divisions.append(
            DivisionChange(
                code=code,
                name=row.division.name,
                parent_name=row.division.parent.name if row.division.parent else "",
                population=row.population,
                share_a=before[code].share if code in before else None,
                share_b=after[code].share if code in after else None,
            )
        )
    divisions.sort(key=lambda d: (-d.diff, d.code))
    return RunComparison(
        a=a,
        b=b,
        category=category,
        category_name=names.get(category, category),
        categories=changes,
        divisions=divisions,
        improved=sum(1 for d in divisions if d.diff > 1e-9),
        worsened=sum(1 for d in divisions if d.diff < -1e-9),
    )


# --- public (no login) -----------------------------------------------------------------------


def run_public() -> Run | None:
    """The newest finished analysis of the network as it is (not a what-if)."""
    return (
        Run.objects.filter(status=Run.Status.DONE, base_run__isnull=True)
        .order_by("-finished_at", "-id")
        .first()
    )


def coverage_public() -> tuple[Run | None, list[CoverageRow]]:
    """The public run and its coverage rows of every district, street and community (shares
    of modelled residents, no person in them)."""
    run = run_public()
    if run is None:
        return None, []
    return run, list(CoverageRow.objects.filter(run=run).order_by("division_id", "category"))
