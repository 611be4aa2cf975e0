"""Indicators over the API: the tree of a version, a unit's values with their counts,
rankings with rank intervals (staff who read results, within their areas)."""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema
from ninja.pagination import paginate

from shequ.core.errors import NotFound, PermissionDenied
from shequ.indicators import selectors
from shequ.indicators.models import Indicator, Result, Run, TreeVersion
from shequ.indicators.permissions import can_view_indicators
from shequ.sso.api_auth import API_AUTH

router = Router(tags=["indicators"], auth=API_AUTH)


class IndicatorsIndicatorOut(Schema):
    code: str
    name: str
    definition: str
    unit: str
    direction: str
    target: float
    weight: float
    source: str
    computation: str
    owner: str
    level: str
    missing: str
    sub_dimension: str
    dimension: str

    @staticmethod
    def resolve_sub_dimension(obj: Indicator) -> str:
        return obj.node.code

    @staticmethod
    def resolve_dimension(obj: Indicator) -> str:
        return obj.node.parent.code if obj.node.parent else ""


class IndicatorsNodeOut(Schema):
    code: str
    name: str
    weight: float
    parent: str


class IndicatorsVersionOut(Schema):
    id: int
    number: int
    name: str
    status: str
    normalisation: str
    aggregation: str
    weighting: str
    draws: int
    seed: int


class IndicatorsTreeOut(Schema):
    version: IndicatorsVersionOut
    nodes: list[IndicatorsNodeOut]
    indicators: list[IndicatorsIndicatorOut]


class IndicatorsValueOut(Schema):
    indicator: str
    value: float | None
    target: float
    met: bool | None
    source: str
    numerator: float | None
    denominator: float | None
    computed_at: str | None


class IndicatorsResultOut(Schema):
    code: str
    name: str
    level: str
    score: float | None
    dimension_scores: dict[str, float | None]
    met: int
    measured: int
    ranked: bool
    rank: int | None
    peers: int
    rank_median: float | None
    rank_low: int | None
    rank_high: int | None
    city_rank: int | None
    city_rank_low: int | None
    city_rank_high: int | None
    moved_most_by: str

    @staticmethod
    def resolve_code(obj: Result) -> str:
        return obj.division_id

    @staticmethod
    def resolve_name(obj: Result) -> str:
        return obj.division.name


class IndicatorsUnitOut(Schema):
    run: int
    year: int
    result: IndicatorsResultOut
    values: list[IndicatorsValueOut]


def _reader(request: HttpRequest) -> None:
    if not can_view_indicators(request.user):
        raise PermissionDenied("not_staff", _("You may not see the evaluation."))


def _run(run_id: int | None, year: int | None) -> Run:
    run = selectors.run_get(run_id) if run_id else selectors.run_latest(year=year)
    if run is None:
        raise NotFound("no_run", _("No evaluation has been run yet."))
    return run


def _version_out(version: TreeVersion) -> dict[str, object]:
    return {f: getattr(version, f) for f in IndicatorsVersionOut.model_fields}


@router.get("/tree", response=IndicatorsTreeOut)
def tree(request: HttpRequest, version: int | None = None) -> dict[str, object]:
    """The published tree (or version ``version``): dimensions, sub-dimensions, indicators."""
    _reader(request)
    found = selectors.version_get(version) if version else selectors.version_current()
    if found is None:
        raise NotFound("no_tree", _("No indicator tree is published yet."))
    nodes = list(found.nodes.select_related("parent"))
    return {
        "version": _version_out(found),
        "nodes": [
            {
                "code": n.code,
                "name": n.name,
                "weight": float(n.weight),
                "parent": n.parent.code if n.parent else "",
            }
            for n in nodes
        ],
        "indicators": list(found.indicators.select_related("node__parent")),
    }


@router.get("/rankings", response=list[IndicatorsResultOut])
@paginate
def rankings(
    request: HttpRequest,
    level: str = "community",
    run: int | None = None,
    year: int | None = None,
    within: str = "",
) -> object:
    """Scores and ranks with their 90 % intervals, inside the caller's areas."""
    _reader(request)
    if level not in ("community", "street", "district"):
        level = "community"
    return selectors.results_for(
        user=request.user, run=_run(run, year), level=level, within=within or None
    )


@router.get("/units/{code}", response=IndicatorsUnitOut)
def unit(
    request: HttpRequest, code: str, run: int | None = None, year: int | None = None
) -> dict[str, object]:
    """One unit's result and every indicator's value with the counts behind it."""
    _reader(request)
    found = _run(run, year)
    result = selectors.result_get_for(user=request.user, run=found, code=code)
    rows = selectors.values_of(run=found, code=code) if result.level == "community" else []
    return {
        "run": found.pk,
        "year": found.year,
        "result": result,
        "values": [
            {
                "indicator": r.indicator.code,
                "value": r.value.value if r.value else None,
                "target": float(r.indicator.target),
                "met": r.met,
                "source": r.indicator.source,
                "numerator": (r.value.inputs or {}).get("numerator") if r.value else None,
                "denominator": (r.value.inputs or {}).get("denominator") if r.value else None,
                "computed_at": (
                    r.value.computation.computed_at.isoformat()
                    if r.value and r.value.computation
                    else None
                ),
            }
            for r in rows
        ],
    }
