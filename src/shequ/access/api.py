"""15-minute service circle endpoints (/api/v1/access/...): runs and their progress, coverage
by division (scoped to the caller's area), walk minutes per node for the map, and siting."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status

from shequ.access import background, selectors
from shequ.access.models import Network, Run, Siting
from shequ.access.permissions import may_read
from shequ.access.services import siting as siting_services
from shequ.core.errors import NotFound, PermissionDenied
from shequ.sso.api_auth import API_AUTH

router = Router(tags=["access"])


class RunOut(Schema):
    id: int
    label: str
    network_id: int
    base_run_id: int | None
    status: str
    progress: float
    message: str
    summary: dict[str, Any]
    created_at: datetime
    finished_at: datetime | None
    seconds: float | None
    error: str


class RunIn(Schema):
    network_id: int | None = None
    label: str = ""
    thresholds: dict[str, float] = {}


class CoverageOut(Schema):
    division_code: str
    division_name: str
    level: str
    category: str
    population: float
    covered: float
    share: float | None


class NodeMinutesOut(Schema):
    category: str
    lon: list[float]
    lat: list[float]
    minutes: list[float | None]


class SitingIn(Schema):
    category: str
    k: int = 5
    district: str = ""
    candidates: list[tuple[float, float]] = []
    what_if: bool = True


class SiteOut(Schema):
    step: int
    node: int
    lon: float
    lat: float
    community: str
    gain: float
    covered_after: float


class SitingOut(Schema):
    id: int
    run_id: int
    category: str
    k: int
    candidate_source: str
    n_candidates: int
    total_population: float
    initial_covered: float
    final_covered: float
    sites: list[SiteOut]
    what_if_run_id: int | None

    @staticmethod
    def resolve_category(obj: Siting) -> str:
        return obj.category.code


def _reader(request: HttpRequest) -> None:
    if not may_read(request.user):
        raise PermissionDenied("forbidden", _("Only staff may read the analysis."))


@router.get("/runs", response=list[RunOut], auth=API_AUTH)
def runs(request: HttpRequest) -> Any:
    """The latest 50 runs (city-wide analyses)."""
    _reader(request)
    return list(selectors.run_list_for(request.user)[:50])


@router.post("/runs", response={201: RunOut}, auth=API_AUTH)
def run_start(request: HttpRequest, payload: RunIn) -> Status:
    """Start a run on a network (default: the newest) with optional threshold overrides."""
    network = (
        Network.objects.filter(pk=payload.network_id).first()
        if payload.network_id
        else Network.objects.first()
    )
    if network is None:
        raise NotFound("not_found", _("No such network."))
    run = background.run_start(
        actor=request.user, network=network, label=payload.label, thresholds=payload.thresholds
    )
    return Status(201, run)


@router.get("/runs/{run_id}", response=RunOut, auth=API_AUTH)
def run_detail(request: HttpRequest, run_id: int) -> Run:
    """One run with its status and progress (poll this while it runs)."""
    return selectors.run_get_for(request.user, run_id)


@router.get("/runs/{run_id}/coverage", response=list[CoverageOut], auth=API_AUTH)
def coverage(
    request: HttpRequest, run_id: int, level: str = "district", category: str = "", within: str = ""
) -> list[dict[str, Any]]:
    """Covered share per division and category (``_all`` = every essential category)."""
    run = selectors.run_get_for(request.user, run_id)
    rows = selectors.coverage_rows_for(
        request.user, run, level=level, category=category, within=within
    )
    return [
        {
            "division_code": r.division_id,
            "division_name": r.division.name,
            "level": r.level,
            "category": r.category,
            "population": r.population,
            "covered": r.covered,
            "share": r.share,
        }
        for r in rows
    ]


@router.get("/runs/{run_id}/nodes", response=NodeMinutesOut, auth=API_AUTH, url_name="access_nodes")
def nodes(request: HttpRequest, run_id: int, category: str) -> dict[str, Any]:
    """Walk minutes to the nearest facility of a category, per node in the caller's area."""
    run = selectors.run_get_for(request.user, run_id)
    return selectors.node_minutes_for(request.user, run, category)


@router.post("/runs/{run_id}/sitings", response={201: SitingOut}, auth=API_AUTH)
def siting_create(request: HttpRequest, run_id: int, payload: SitingIn) -> Status:
    """Best k new sites for a category, with each step's gain.

    Candidates: the given (lon, lat) points, else every network node of ``district``.
    """
    run = selectors.run_get_for(request.user, run_id)
    siting = siting_services.siting_create(
        actor=request.user,
        run=run,
        category_code=payload.category,
        k=payload.k,
        district_code=payload.district,
        candidates=payload.candidates or None,
    )
    if payload.what_if and siting.sites:
        background.siting_what_if(actor=request.user, siting=siting)
    return Status(201, siting)


@router.get("/sitings/{siting_id}", response=SitingOut, auth=API_AUTH)
def siting_detail(request: HttpRequest, siting_id: int) -> Siting:
    return selectors.siting_get_for(request.user, siting_id)
