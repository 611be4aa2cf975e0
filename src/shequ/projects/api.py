"""Project endpoints (/api/v1/projects/...): the public list, map and project, following,
and the staff's status moves, progress reports and as-of statistics, scoped as the pages."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import django_auth

from shequ.core.errors import PermissionDenied
from shequ.core.services import client_ip
from shequ.people.permissions import areas_of
from shequ.projects import selectors, services
from shequ.projects.models import Project, StatusEvent

router = Router(tags=["projects"])


class ProjectOut(Schema):
    code: str
    name: str
    type_code: str
    type_name: str
    year: int
    status: str
    status_since: date
    progress: int
    district_code: str
    community_code: str
    planned_total: Decimal

    @staticmethod
    def resolve_type_code(obj: Project) -> str:
        return obj.project_type.code if hasattr(obj.project_type, "code") else ""

    @staticmethod
    def resolve_type_name(obj: Project) -> str:
        return obj.project_type.name

    @staticmethod
    def resolve_district_code(obj: Project) -> str:
        return obj.district_id

    @staticmethod
    def resolve_community_code(obj: Project) -> str:
        return obj.division_id


class StatusEventOut(Schema):
    status: str
    occurred_on: date
    note: str


class ProjectDetailOut(ProjectOut):
    location: dict[str, Any] | None
    implementer: str
    actual_total: Decimal
    events: list[StatusEventOut]

    @staticmethod
    def resolve_events(obj: Project) -> list[StatusEvent]:
        return list(obj.status_events.all())


class FilterIn(Schema):
    district: str = ""
    type: str = ""
    status: str = ""
    year: int | None = None
    q: str = ""


class TransitionIn(Schema):
    target: str
    on: date | None = None
    note: str = ""


class ProgressIn(Schema):
    month: date
    progress: int
    actual_city: Decimal = Decimal("0")
    actual_district: Decimal = Decimal("0")
    actual_social: Decimal = Decimal("0")
    note: str = ""


class ProgressOut(Schema):
    month: date
    progress: int
    note: str


class FollowOut(Schema):
    following: bool


class TypeRowOut(Schema):
    type_code: str
    type_name: str
    implemented: int
    planned_count: int
    investment: Decimal
    by_status: dict[str, int]


class StatsOut(Schema):
    as_of: date
    year: int
    sentence: str
    total: int
    rows: list[TypeRowOut]
    by_district: dict[str, int]


def _filter(params: FilterIn) -> selectors.ProjectFilter:
    return selectors.ProjectFilter.from_params(params.dict())


@router.get("", response=list[ProjectOut])
@paginate(LimitOffsetPagination)
def list_projects(request: HttpRequest, filters: Query[FilterIn]) -> Any:
    """Every project (public accountability), filtered by district, type, status, year."""
    return selectors.project_public_list(_filter(filters))


@router.get("/mine", response=list[ProjectOut], auth=django_auth)
@paginate(LimitOffsetPagination)
def list_my_area(request: HttpRequest, filters: Query[FilterIn]) -> Any:
    """Staff: the projects of the caller's area (as the console list)."""
    if not areas_of(request.user):
        raise PermissionDenied("forbidden", _("Only staff may list their area's projects."))
    return selectors.project_list_for(request.user, _filter(filters))


@router.get("/map")
def map_points(request: HttpRequest, filters: Query[FilterIn]) -> dict[str, Any]:
    """Compact points for the public map: ``fields`` names the columns of each point."""
    return selectors.map_points(_filter(filters))


@router.get("/districts.geojson")
def districts(request: HttpRequest) -> dict[str, Any]:
    """The 20 district boundaries (WGS84), the map's base layer."""
    return selectors.district_geojson()


@router.get("/stats", response=StatsOut, auth=django_auth)
def stats(request: HttpRequest, as_of: date, year: int, district: str = "") -> dict[str, Any]:
    """Counts as of a date from the status history, within the caller's area."""
    if not areas_of(request.user):
        raise PermissionDenied("forbidden", _("Only staff may read statistics."))
    report = selectors.as_of_report(request.user, as_of=as_of, year=year, district=district)
    return {
        "as_of": as_of,
        "year": year,
        "sentence": report.sentence(),
        "total": report.total,
        "rows": [
            {
                "type_code": r.project_type.code,
                "type_name": r.project_type.name,
                "implemented": r.implemented,
                "planned_count": r.planned_count,
                "investment": r.investment,
                "by_status": r.by_status,
            }
            for r in report.rows
        ],
        "by_district": {d.code: n for d, n in report.by_district},
    }


@router.get("/{code}", response=ProjectDetailOut)
def get_project(request: HttpRequest, code: str) -> Project:
    return selectors.project_get_public(code)


@router.post("/{code}/transitions", response=ProjectDetailOut, auth=django_auth)
def transition(request: HttpRequest, code: str, payload: TransitionIn) -> Project:
    services.project_transition(
        actor=request.user,  # type: ignore[arg-type]
        code=code,
        target=payload.target,
        on=payload.on,
        note=payload.note,
        ip=client_ip(request),
    )
    return selectors.project_get_for(request.user, code)


@router.post("/{code}/progress", response=ProgressOut, auth=django_auth)
def progress(request: HttpRequest, code: str, payload: ProgressIn) -> Any:
    return services.progress_report_submit(
        actor=request.user,  # type: ignore[arg-type]
        code=code,
        month=payload.month,
        progress=payload.progress,
        actual_city=payload.actual_city,
        actual_district=payload.actual_district,
        actual_social=payload.actual_social,
        note=payload.note,
        ip=client_ip(request),
    )


@router.post("/{code}/follow", response=FollowOut, auth=django_auth)
def follow(request: HttpRequest, code: str) -> dict[str, bool]:
    services.project_follow(actor=request.user, code=code, follow=True)  # type: ignore[arg-type]
    return {"following": True}


@router.delete("/{code}/follow", response=FollowOut, auth=django_auth)
def unfollow(request: HttpRequest, code: str) -> dict[str, bool]:
    services.project_follow(actor=request.user, code=code, follow=False)  # type: ignore[arg-type]
    return {"following": False}
