"""Ratings over the API: residents list what they may rate, rate and confirm answers; staff
list ratings and follow-ups of their department or area and answer; public figures."""

from datetime import date, datetime
from typing import cast

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from shequ.core.errors import PermissionDenied
from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.ratings import selectors, services
from shequ.ratings.models import LEVEL_REASONS, REASONS, FollowUp, Level, Rating
from shequ.ratings.permissions import can_view_ratings
from shequ.sso.api_auth import API_AUTH

router = Router(tags=["ratings"], auth=API_AUTH)


class RatingReasonOut(Schema):
    code: str
    label: str


class RatingLevelOut(Schema):
    level: int
    label: str
    poor: bool
    reasons: list[RatingReasonOut]


class RateableOut(Schema):
    subject: str
    subject_id: int
    title: str
    department: str
    used_at: datetime | None


class RatingIn(Schema):
    subject: str
    subject_id: int
    level: int
    reasons: list[str] = []
    comment: str = ""


class RatingFollowUpOut(Schema):
    id: int
    status: str
    status_label: str
    due_date: date
    round: int
    overdue: bool
    answers: list[str]

    @staticmethod
    def resolve_status_label(obj: FollowUp) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_overdue(obj: FollowUp) -> bool:
        return obj.is_overdue

    @staticmethod
    def resolve_answers(obj: FollowUp) -> list[str]:
        return [e.text for e in obj.entries.all() if e.kind == "answer"]


class RatingOut(Schema):
    id: int
    subject: str
    title: str
    department: str
    service_id: int | None
    level: int
    level_label: str
    reasons: list[str]
    comment: str
    addendum: str
    created_at: datetime
    follow_up: RatingFollowUpOut | None

    @staticmethod
    def resolve_department(obj: Rating) -> str:
        return obj.department.short_name or obj.department.name

    @staticmethod
    def resolve_level_label(obj: Rating) -> str:
        return str(obj.get_level_display())

    @staticmethod
    def resolve_follow_up(obj: Rating) -> FollowUp | None:
        return getattr(obj, "follow_up", None)


class FollowUpConfirmIn(Schema):
    resolved: bool
    comment: str = ""


class FollowUpAnswerIn(Schema):
    text: str


class StaffFollowUpOut(RatingFollowUpOut):
    rating_id: int
    title: str
    level: int
    department: str

    @staticmethod
    def resolve_title(obj: FollowUp) -> str:
        return obj.rating.title

    @staticmethod
    def resolve_level(obj: FollowUp) -> int:
        return obj.rating.level

    @staticmethod
    def resolve_department(obj: FollowUp) -> str:
        return obj.department.short_name or obj.department.name


class RatingFiguresOut(Schema):
    total: int
    satisfaction_percent: int | None
    per_level: dict[str, int]


def _figures(figures: selectors.Figures) -> dict[str, object]:
    return {
        "total": figures.total,
        "satisfaction_percent": figures.rate,
        "per_level": {str(level): n for level, _label, n in figures.per_level},
    }


def _require_reader(user: object) -> None:
    if not can_view_ratings(user):
        raise PermissionDenied("not_staff", _("You may not see ratings."))


@router.get("/levels", response=list[RatingLevelOut], auth=None)
def levels(request: HttpRequest) -> list[dict[str, object]]:
    """The five levels and the reasons that may be chosen with each."""
    return [
        {
            "level": value,
            "label": str(label),
            "poor": value in (Level.DISSATISFIED, Level.VERY_DISSATISFIED),
            "reasons": [{"code": c, "label": str(REASONS[c])} for c in LEVEL_REASONS[value]],
        }
        for value, label in Level.choices
    ]


@router.get("/rateable", response=list[RateableOut])
def rateable(request: HttpRequest) -> list[dict[str, object]]:
    """The caller's closed cases, used bookings and paid bills not rated yet."""
    return [
        {
            "subject": item.subject,
            "subject_id": item.subject_id,
            "title": item.title,
            "department": item.department_name,
            "used_at": item.used_at,
        }
        for item in selectors.rateable_list_for(user=request.user)
    ]


@router.get("/mine", response=list[RatingOut])
@paginate
def my_ratings(request: HttpRequest) -> object:
    return selectors.rating_list_for_user(user=request.user).prefetch_related("follow_up__entries")


@router.post("/mine", response={201: RatingOut})
def rate(request: HttpRequest, payload: RatingIn) -> Status[Rating]:
    """Rate a closed case, a used booking or a paid bill, once."""
    rating = services.rating_submit(
        actor=cast(User, request.user),
        subject=payload.subject,
        subject_id=payload.subject_id,
        level=payload.level,
        reasons=payload.reasons,
        comment=payload.comment,
        ip=client_ip(request),
    )
    return Status(201, selectors.rating_get_for_user(user=request.user, rating_id=rating.pk))


@router.post("/mine/{rating_id}/confirm", response=RatingOut)
def confirm(request: HttpRequest, rating_id: int, payload: FollowUpConfirmIn) -> Rating:
    """回访: say whether the department's answer resolved the problem."""
    rating = selectors.rating_get_for_user(user=request.user, rating_id=rating_id)
    follow_up = getattr(rating, "follow_up", None)
    if follow_up is None:
        from shequ.core.errors import NotFound

        raise NotFound("follow_up_not_found", _("No such follow-up."))
    services.follow_up_confirm(
        actor=cast(User, request.user),
        follow_up_id=follow_up.pk,
        resolved=payload.resolved,
        comment=payload.comment,
        ip=client_ip(request),
    )
    return selectors.rating_get_for_user(user=request.user, rating_id=rating_id)


@router.get("/services/{service_id}/figures", response=RatingFiguresOut, auth=None)
def service_figures(request: HttpRequest, service_id: int) -> dict[str, object]:
    """Public: a catalogue service's counts per level and satisfaction rate."""
    return _figures(selectors.service_figures(service_id=service_id))


@router.get("/staff/ratings", response=list[RatingOut])
@paginate
def staff_ratings(
    request: HttpRequest,
    level: int | None = None,
    department_id: int | None = None,
    service_id: int | None = None,
    poor_only: bool = False,
) -> object:
    """Ratings of the caller's department or area (anonymous: no resident is named)."""
    _require_reader(request.user)
    filters = selectors.RatingFilters(
        level=level, department_id=department_id, service_id=service_id, poor_only=poor_only
    )
    return selectors.rating_list_for(user=request.user, filters=filters).prefetch_related(
        "follow_up__entries"
    )


@router.get("/staff/follow-ups", response=list[StaffFollowUpOut])
@paginate
def staff_follow_ups(request: HttpRequest, status: str = "", overdue: bool = False) -> object:
    _require_reader(request.user)
    return selectors.follow_up_list_for(
        user=request.user, status=status, overdue_only=overdue
    ).prefetch_related("entries")


@router.post("/staff/follow-ups/{follow_up_id}/answer", response=StaffFollowUpOut)
def answer(request: HttpRequest, follow_up_id: int, payload: FollowUpAnswerIn) -> FollowUp:
    """The department's answer to a poor rating (its own department's only)."""
    _require_reader(request.user)
    services.follow_up_answer(
        actor=cast(User, request.user),
        follow_up_id=follow_up_id,
        text=payload.text,
        ip=client_ip(request),
    )
    return (
        selectors.follow_up_list_for(user=request.user)
        .prefetch_related("entries")
        .get(pk=follow_up_id)
    )
