"""Planners' and experts' work over the API: staff read their area's assignments,
consultations, suggestions, plans and work logs; residents read their community's
consultations, sign in, suggest and rate; everyone reads evaluation reports."""

from datetime import date, datetime
from decimal import Decimal
from typing import cast

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from shequ.core.pii import mask_name
from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.planning import selectors
from shequ.planning.models import (
    Assignment,
    Attendance,
    Consultation,
    ConsultationRating,
    Plan,
    Report,
    Suggestion,
    WorkLog,
)
from shequ.planning.services import attendance, consultations, suggestions
from shequ.sso.api_auth import API_AUTH

router = Router(tags=["planning"])


class AssignmentOut(Schema):
    id: int
    planner: str
    community_code: str
    term_start: date
    term_end: date
    hours_per_month: int
    contract_party: str

    @staticmethod
    def resolve_planner(obj: Assignment) -> str:
        return obj.planner.get_full_name() or obj.planner.get_username()

    @staticmethod
    def resolve_community_code(obj: Assignment) -> str:
        return obj.community_id


class ConsultationOut(Schema):
    id: int
    community_code: str
    title: str
    topic: str
    place: str
    starts_at: datetime
    status: str

    @staticmethod
    def resolve_community_code(obj: Consultation) -> str:
        return obj.community_id


class SuggestionOut(Schema):
    id: int
    consultation_id: int
    text: str
    proposal_id: int | None
    created_at: datetime


class SuggestionIn(Schema):
    text: str


class ConsultationRatingIn(Schema):
    stars: int
    comment: str = ""


class ConsultationRatingOut(Schema):
    id: int
    consultation_id: int
    stars: int
    comment: str


class AttendanceOut(Schema):
    consultation_id: int
    how: str
    signed_at: datetime


class PlanningPersonOut(Schema):
    """A resident as the planner's search shows them: masked name and ID number only."""

    id: int
    name_masked: str
    id_masked: str
    has_account: bool
    signed_in: bool


class PlanningPeopleOut(Schema):
    results: list[PlanningPersonOut]
    more: bool


class PlanningAttendanceIn(Schema):
    resident_id: int


class PlanningAttendanceOut(Schema):
    consultation_id: int
    name_masked: str
    how: str
    signed_at: datetime

    @staticmethod
    def resolve_name_masked(obj: Attendance) -> str:
        return mask_name(obj.name)


class PlanOut(Schema):
    id: int
    community_code: str
    title: str
    summary: str
    status: str
    versions: list[int]
    project_codes: list[str]

    @staticmethod
    def resolve_community_code(obj: Plan) -> str:
        return obj.community_id

    @staticmethod
    def resolve_versions(obj: Plan) -> list[int]:
        return [v.number for v in obj.versions.all()]

    @staticmethod
    def resolve_project_codes(obj: Plan) -> list[str]:
        return [p.code for p in obj.projects.all()]


class WorkLogOut(Schema):
    id: int
    planner: str
    community_code: str
    date: date
    hours: Decimal
    work: str

    @staticmethod
    def resolve_planner(obj: WorkLog) -> str:
        return obj.planner.get_username()

    @staticmethod
    def resolve_community_code(obj: WorkLog) -> str:
        return obj.community_id


class EvaluationReportOut(Schema):
    id: int
    title: str
    author_name: str
    summary: str
    findings: str
    recommendations: str
    policy_ids: list[int]
    indicator_codes: list[str]
    published_at: datetime

    @staticmethod
    def resolve_policy_ids(obj: Report) -> list[int]:
        return [p.pk for p in obj.policies.all()]

    @staticmethod
    def resolve_indicator_codes(obj: Report) -> list[str]:
        return [i.code for i in obj.indicators.all()]


@router.get("/assignments", response=list[AssignmentOut], auth=API_AUTH)
@paginate
def list_assignments(request: HttpRequest) -> object:
    """Planner assignments in the caller's area (a planner: their own communities)."""
    return selectors.assignment_list_for(request.user)


@router.get("/consultations", response=list[ConsultationOut], auth=API_AUTH)
@paginate
def list_consultations(request: HttpRequest) -> object:
    """Staff: consultations of their area."""
    return selectors.consultation_list_for(request.user)


@router.get("/my-consultations", response=list[ConsultationOut], auth=API_AUTH)
@paginate
def list_my_consultations(request: HttpRequest) -> object:
    """A resident: the consultations of their own community."""
    return selectors.consultations_for_resident(request.user)


@router.post(
    "/consultations/{consultation_id}/sign-in", response={201: AttendanceOut}, auth=API_AUTH
)
def sign_in(request: HttpRequest, consultation_id: int) -> Status[Attendance]:
    return Status(
        201,
        attendance.attendance_sign_in(
            actor=cast(User, request.user), consultation_id=consultation_id
        ),
    )


@router.get("/consultations/{consultation_id}/people", response=PlanningPeopleOut, auth=API_AUTH)
def consultation_people(request: HttpRequest, consultation_id: int, q: str = "") -> object:
    """The planner (or a worker) of the consultation searches its community's residents by
    name (optionally followed by the mobile number's last digits); masked; audited."""
    found, more = attendance.resident_search(
        actor=cast(User, request.user),
        consultation_id=consultation_id,
        query=q,
        ip=client_ip(request),
    )
    return {"results": found, "more": more}


@router.post(
    "/consultations/{consultation_id}/attendance",
    response={201: PlanningAttendanceOut},
    auth=API_AUTH,
)
def tick_in(
    request: HttpRequest, consultation_id: int, payload: PlanningAttendanceIn
) -> Status[Attendance]:
    """The planner ticks a resident in (again: the same sign-in, nothing new)."""
    return Status(
        201,
        attendance.attendance_tick(
            actor=cast(User, request.user),
            consultation_id=consultation_id,
            resident_id=payload.resident_id,
            ip=client_ip(request),
        ),
    )


@router.post(
    "/consultations/{consultation_id}/suggestions", response={201: SuggestionOut}, auth=API_AUTH
)
def suggest(
    request: HttpRequest, consultation_id: int, payload: SuggestionIn
) -> Status[Suggestion]:
    """A resident's suggestion while the consultation is open (a photo: the phone page)."""
    return Status(
        201,
        suggestions.suggestion_submit(
            actor=cast(User, request.user), consultation_id=consultation_id, text=payload.text
        ),
    )


@router.post(
    "/consultations/{consultation_id}/rating", response={201: ConsultationRatingOut}, auth=API_AUTH
)
def rate(
    request: HttpRequest, consultation_id: int, payload: ConsultationRatingIn
) -> Status[ConsultationRating]:
    return Status(
        201,
        consultations.rating_submit(
            actor=cast(User, request.user),
            consultation_id=consultation_id,
            stars=payload.stars,
            comment=payload.comment,
        ),
    )


@router.get("/suggestions", response=list[SuggestionOut], auth=API_AUTH)
@paginate
def list_suggestions(request: HttpRequest) -> object:
    return selectors.suggestion_list_for(request.user)


@router.get("/plans", response=list[PlanOut], auth=API_AUTH)
@paginate
def list_plans(request: HttpRequest) -> object:
    return selectors.plan_list_for(request.user)


@router.get("/worklog", response=list[WorkLogOut], auth=API_AUTH)
@paginate
def list_worklog(request: HttpRequest) -> object:
    """A planner's own entries; staff of the area see their planners' entries."""
    return selectors.worklog_list_for(request.user)


@router.get("/reports", response=list[EvaluationReportOut])
@paginate
def list_reports(request: HttpRequest, policy: int | None = None) -> object:
    """Published evaluation reports (public), optionally those assessing one policy."""
    reports = selectors.reports_published()
    return reports.filter(policies=policy) if policy else reports


@router.get("/reports/{report_id}", response=EvaluationReportOut)
def get_report(request: HttpRequest, report_id: int) -> Report:
    return selectors.report_get(report_id=report_id)
