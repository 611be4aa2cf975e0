"""Project endpoints (/api/v1/projects/...): the public list, map and project, following,
and the staff's status moves, progress reports and as-of statistics, scoped as the pages."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from shequ.core.errors import PermissionDenied
from shequ.core.services import client_ip
from shequ.people.permissions import areas_of
from shequ.projects import selectors
from shequ.projects.models import FollowerMessage, Photo, ProgressReport, Project, StatusEvent
from shequ.projects.services import followers, lifecycle, reporting
from shequ.sso.api_auth import API_AUTH

router = Router(tags=["projects"])


class ProjectOut(Schema):
    code: str
    name: str
    type_code: str
    type_name: str
    type_name_en: str
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
    def resolve_type_name_en(obj: Project) -> str:
        return obj.project_type.name_en

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


class ReportOut(Schema):
    """A month's progress report, as the public page shows it."""

    month: date
    progress: int
    actual_total: Decimal
    note: str

    @staticmethod
    def resolve_actual_total(obj: ProgressReport) -> Decimal:
        return obj.actual_city + obj.actual_district + obj.actual_social


class PhotoOut(Schema):
    phase: str
    caption: str
    url: str
    uploaded_at: datetime

    @staticmethod
    def resolve_url(obj: Photo, context: dict[str, Any]) -> str:
        return str(context["request"].build_absolute_uri(obj.image.url))

    @staticmethod
    def resolve_uploaded_at(obj: Photo) -> datetime:
        return obj.created_at


class ProgressFeedOut(Schema):
    """A project's monthly reports (oldest first) and its site photos with their addresses."""

    code: str
    progress: int
    reports: list[ReportOut]
    photos: list[PhotoOut]


class FollowOut(Schema):
    following: bool


class FollowerMessageOut(Schema):
    project_code: str
    text: str
    created_at: datetime

    @staticmethod
    def resolve_project_code(obj: FollowerMessage) -> str:
        return obj.project.code


class FollowingOut(Schema):
    """A resident's followed projects and the latest messages about them."""

    projects: list[ProjectOut]
    messages: list[FollowerMessageOut]


class TypeRowOut(Schema):
    type_code: str
    type_name: str
    type_name_en: str
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
@paginate
def list_projects(request: HttpRequest, filters: Query[FilterIn]) -> Any:
    """Every project (public accountability), filtered by district, type, status, year."""
    return selectors.project_public_list(_filter(filters))


@router.get("/mine", response=list[ProjectOut], auth=API_AUTH)
@paginate
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


@router.get("/stats", response=StatsOut, auth=API_AUTH)
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
                "type_name_en": r.project_type.name_en,
                "implemented": r.implemented,
                "planned_count": r.planned_count,
                "investment": r.investment,
                "by_status": r.by_status,
            }
            for r in report.rows
        ],
        "by_district": {d.code: n for d, n in report.by_district},
    }


@router.get("/following", response=FollowingOut, auth=API_AUTH)
def following(request: HttpRequest) -> dict[str, Any]:
    """The caller's followed projects and the messages about them (as /projects/mine/)."""
    return {
        "projects": list(selectors.followed_projects_for(request.user)),
        "messages": list(selectors.follower_messages_for(request.user)),
    }


@router.get("/{code}", response=ProjectDetailOut)
def get_project(request: HttpRequest, code: str) -> Project:
    return selectors.project_get_public(code)


@router.post("/{code}/transitions", response=ProjectDetailOut, auth=API_AUTH)
def transition(request: HttpRequest, code: str, payload: TransitionIn) -> Project:
    lifecycle.project_transition(
        actor=request.user,  # type: ignore[arg-type]
        code=code,
        target=payload.target,
        on=payload.on,
        note=payload.note,
        ip=client_ip(request),
    )
    return selectors.project_get_for(request.user, code)


@router.get("/{code}/progress", response=ProgressFeedOut)
def progress_feed(request: HttpRequest, code: str) -> Project:
    """Public: the monthly progress reports and the site photos (absolute URLs) of a project."""
    return selectors.project_progress_public(code)


@router.post("/{code}/photos", response={201: PhotoOut}, auth=API_AUTH)
def add_photo(
    request: HttpRequest,
    code: str,
    phase: Form[str],
    image: File[UploadedFile],
    caption: Form[str] = "",
) -> Status:
    """Staff of the area (or the responsible department): a site photo, JPEG/PNG/WebP ≤ 5 MB
    (multipart form; ``phase`` is before, during or after)."""
    photo = reporting.photo_add(
        actor=request.user,  # type: ignore[arg-type]
        code=code,
        phase=phase,
        upload=image,
        caption=caption,
        ip=client_ip(request),
    )
    return Status(201, photo)


@router.post("/{code}/progress", response=ProgressOut, auth=API_AUTH)
def progress(request: HttpRequest, code: str, payload: ProgressIn) -> Any:
    return reporting.progress_report_submit(
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


@router.get("/{code}/follow", response=FollowOut, auth=API_AUTH)
def follow_state(request: HttpRequest, code: str) -> dict[str, bool]:
    """Whether the caller follows the project."""
    project = selectors.project_get_public(code)
    return {"following": selectors.is_following(request.user, project)}


@router.post("/{code}/follow", response=FollowOut, auth=API_AUTH)
def follow(request: HttpRequest, code: str) -> dict[str, bool]:
    followers.project_follow(actor=request.user, code=code, follow=True)  # type: ignore[arg-type]
    return {"following": True}


@router.delete("/{code}/follow", response=FollowOut, auth=API_AUTH)
def unfollow(request: HttpRequest, code: str) -> dict[str, bool]:
    followers.project_follow(actor=request.user, code=code, follow=False)  # type: ignore[arg-type]
    return {"following": False}
