"""Applications over the API: residents submit (multipart) and follow; staff work the queue."""

from datetime import date, datetime
from typing import Any, cast

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from shequ.casework import selectors
from shequ.casework.models import Application, ApplicationEvent
from shequ.casework.permissions import can_manage_holidays
from shequ.casework.services.answers import application_reveal_answer
from shequ.casework.services.applications import (
    application_act,
    application_bulk_act,
    application_submit,
    application_withdraw,
)
from shequ.casework.services.holidays import HolidayDay, InvalidHolidays, holiday_year_enter
from shequ.core.errors import NotFound, PermissionDenied
from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.sso.api_auth import API_AUTH

router = Router(tags=["casework"], auth=API_AUTH)


class EventOut(Schema):
    action: str
    from_status: str
    to_status: str
    note: str
    created_at: datetime


class ApplicationOut(Schema):
    id: int
    reference: str | None
    service_id: int
    service_name: str
    department: str
    community_code: str | None
    status: str
    status_label: str
    submitted_at: datetime
    due_date: date | None
    # True when the legal deadline is not computable (the holiday table does not reach it).
    deadline_pending: bool
    escalated: bool
    reason: str

    @staticmethod
    def resolve_service_name(obj: Application) -> str:
        return obj.service.name

    @staticmethod
    def resolve_department(obj: Application) -> str:
        return obj.department.short_name

    @staticmethod
    def resolve_community_code(obj: Application) -> str | None:
        return obj.community_id

    @staticmethod
    def resolve_status_label(obj: Application) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_deadline_pending(obj: Application) -> bool:
        return obj.deadline_pending and obj.is_open

    @staticmethod
    def resolve_escalated(obj: Application) -> bool:
        return obj.escalated_at is not None

    @staticmethod
    def resolve_reason(obj: Application) -> str:
        return getattr(obj, "reason", "") or ""


class ApplicationDetailOut(ApplicationOut):
    data: dict[str, Any]
    events: list[EventOut]
    # The fields and document slots to correct or supply (补正), while more information is
    # requested; otherwise empty.
    requested: list[str]

    @staticmethod
    def resolve_requested(obj: Application) -> list[str]:
        return list(obj.requested) if obj.status == "more_info" else []

    @staticmethod
    def resolve_events(obj: Application) -> list[ApplicationEvent]:
        return list(obj.events.all())

    @staticmethod
    def resolve_data(obj: Application) -> dict[str, Any]:
        """The answers; a phone or ID number answer only masked."""
        return selectors.answers_masked(obj.data)


class ApplicantFactsOut(Schema):
    """The registry's facts on the applicant: age today, verification level, masked ID."""

    on_registry: bool
    age: int | None
    level: int
    level_label: str
    id_number_masked: str


class StaffApplicationDetailOut(ApplicationDetailOut):
    applicant_facts: ApplicantFactsOut

    @staticmethod
    def resolve_applicant_facts(obj: Application) -> selectors.ApplicantFacts:
        return selectors.applicant_facts(obj)


class AnswerRevealIn(Schema):
    field: str
    reason: str


class AnswerRevealOut(Schema):
    field: str
    value: str


class ActionIn(Schema):
    action: str
    note: str = ""
    # request_info: the field and document slot names the applicant must correct or supply.
    requested: list[str] = []


class BulkIn(Schema):
    ids: list[int]
    action: str
    note: str = ""
    # For ``request_info``: the fields and documents to correct, checked per application.
    requested: list[str] = []


class BulkOut(Schema):
    done: list[int]
    refused: dict[int, str]


@router.get("/mine", response=list[ApplicationOut])
@paginate
def my_applications(request: HttpRequest) -> object:
    """The caller's own applications (办理进度)."""
    return selectors.application_list_for_applicant(user=request.user)


@router.get("/mine/{application_id}", response=ApplicationDetailOut)
def my_application(request: HttpRequest, application_id: int) -> Application:
    return selectors.application_get_for_applicant(user=request.user, application_id=application_id)


@router.post("/services/{service_id}/applications", response={201: ApplicationDetailOut})
def submit(
    request: HttpRequest,
    service_id: int,
    files: list[UploadedFile] = File(default=None),  # noqa: B008 - ninja parameter declaration
) -> Status[Application]:
    """Submit as multipart form data: one part per field, one file part per document slot."""
    application = application_submit(
        actor=cast(User, request.user),
        service_id=service_id,
        data=request.POST,
        files=request.FILES,
        ip=client_ip(request),
    )
    return Status(
        201,
        selectors.application_get_for_applicant(user=request.user, application_id=application.pk),
    )


@router.post("/mine/{application_id}/withdraw", response=ApplicationOut)
def withdraw(request: HttpRequest, application_id: int) -> Application:
    return application_withdraw(
        actor=cast(User, request.user), application_id=application_id, ip=client_ip(request)
    )


@router.get("/queue", response=list[ApplicationOut])
@paginate
def staff_queue(
    request: HttpRequest,
    status: str | None = None,
    due: str | None = None,
    area: str | None = None,
    escalated: bool = False,
) -> object:
    """The staff member's queue, same scope and filters as the console."""
    return selectors.application_queue_for(
        user=request.user, status=status, due=due, area=area, escalated=escalated
    )


@router.post("/queue/bulk", response=BulkOut)
def staff_bulk(request: HttpRequest, payload: BulkIn) -> dict[str, object]:
    outcome = application_bulk_act(
        actor=cast(User, request.user),
        application_ids=payload.ids,
        action=payload.action,
        note=payload.note,
        requested=payload.requested,
        ip=client_ip(request),
    )
    return {"done": outcome.done, "refused": outcome.refused}


# After /queue/bulk: a path parameter matches any segment, so it must come last.
@router.get("/queue/{application_id}", response=StaffApplicationDetailOut)
def staff_application(request: HttpRequest, application_id: int) -> Application:
    return selectors.application_get_for_staff(user=request.user, application_id=application_id)


@router.post("/queue/{application_id}/actions", response=ApplicationOut)
def staff_act(request: HttpRequest, application_id: int, payload: ActionIn) -> Application:
    """accept · request_info (``requested``: the items to correct or supply) · approve ·
    reject (reason required) · complete."""
    return application_act(
        actor=cast(User, request.user),
        application_id=application_id,
        action=payload.action,
        note=payload.note,
        requested=payload.requested,
        ip=client_ip(request),
    )


@router.post("/queue/{application_id}/reveal", response=AnswerRevealOut)
def staff_reveal(
    request: HttpRequest, application_id: int, payload: AnswerRevealIn
) -> dict[str, str]:
    """A phone or ID number answered on the application, in full: staff who work the case,
    reason required, rate-limited, audited."""
    value = application_reveal_answer(
        actor=cast(User, request.user),
        application_id=application_id,
        field=payload.field,
        reason=payload.reason,
        ip=client_ip(request),
    )
    return {"field": payload.field, "value": value}


# --- The holiday table (the city committee, system administrators) --------------------------


class HolidayDayIO(Schema):
    day: date
    kind: str  # "off" (a day off) or "work" (a weekend day made a working day, 调休上班)
    name: str


class HolidayYearIn(Schema):
    source: str
    days: list[HolidayDayIO]


class HolidayYearOut(Schema):
    year: int
    source: str
    days: list[HolidayDayIO]


def _holiday_keeper(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not can_manage_holidays(user):
        raise PermissionDenied(
            "not_allowed", _("Only the city committee may enter the holiday table.")
        )
    return user


@router.get("/holidays", response=list[int], tags=["holidays"])
def holiday_years(request: HttpRequest) -> list[int]:
    """The years whose holidays are entered in full."""
    _holiday_keeper(request)
    return [row.entry.year for row in selectors.holiday_years()]


@router.get("/holidays/{year}", response=HolidayYearOut, tags=["holidays"])
def holiday_year(request: HttpRequest, year: int) -> dict[str, Any]:
    """A year's days off and make-up working days, with the notice they come from."""
    _holiday_keeper(request)
    for row in selectors.holiday_years():
        if row.entry.year == year:
            return {"year": year, "source": row.entry.source, "days": row.days}
    raise NotFound(
        "holiday_year_not_found", _("The holidays of %(year)s are not entered."), year=year
    )


@router.put("/holidays/{year}", response=HolidayYearOut, tags=["holidays"])
def put_holiday_year(request: HttpRequest, year: int, payload: HolidayYearIn) -> dict[str, Any]:
    """Enter (or replace) a year's holidays from the State Council's notice; working days
    are counted from them at once; audited."""
    actor = _holiday_keeper(request)
    days = [HolidayDay(day=d.day, kind=d.kind, name=d.name) for d in payload.days]
    try:
        holiday_year_enter(
            actor=actor,
            year=year,
            source=payload.source,
            days=days,
            replace=True,
            ip=client_ip(request),
        )
    except InvalidHolidays as error:
        raise error.errors[0] from error
    return holiday_year(request, year)
