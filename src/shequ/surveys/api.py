"""Survey endpoints: surveys, questions, submissions, quota board, results and trend."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from shequ.core.api import PROBLEM_TYPE
from shequ.core.services import client_ip
from shequ.sso.api_auth import API_AUTH
from shequ.surveys import selectors
from shequ.surveys.models import MAX_ENTRIES, Question
from shequ.surveys.services.answers import AnswersInvalid, VersionQuestions
from shequ.surveys.services.responses import (
    response_save_by_interviewer,
    response_save_by_invitation,
)
from shequ.surveys.services.surveys import survey_latest_version
from shequ.surveys.statistics import Estimate

router = Router(tags=["surveys"])


class SurveyOut(Schema):
    id: int
    title_zh: str
    title_en: str
    series: str
    wave: int
    division_code: str = Field(alias="division_id")
    status: str
    opened_at: datetime | None
    closed_at: datetime | None


class QuestionOut(Schema):
    name: str
    qtype: str
    label_zh: str
    label_en: str
    required: bool
    relevant: str
    constraint: str
    items: list[dict[str, str]]
    score_weight: float
    choices: list[str]


class SectionOut(Schema):
    """A section; a repeated one (a roster) is answered as a list of entries under its name,
    ``repeat_count`` giving their number ("3" or "${q}"), else the respondent decides (up to
    ``max_entries``, at least one when ``required``)."""

    name: str
    label_zh: str
    label_en: str
    repeat: bool
    repeat_count: str
    required: bool
    max_entries: int
    questions: list[str]


class SurveyDetailOut(SurveyOut):
    version: int
    sections: list[SectionOut]
    questions: list[QuestionOut]


class ResponseIn(Schema):
    # {question: answer}; a repeated section's answers are a list of entries under its name:
    # {"household_member": [{"member_name": "...", "age": 40}, ...]}
    answers: dict[str, Any]
    submit: bool = True
    invitation_token: str | None = None


class InterviewIn(Schema):
    answers: dict[str, Any]
    submit: bool = True
    invitation_id: int


class ResponseOut(Schema):
    id: int
    status: str
    score: float | None


class EstimateOut(Schema):
    value: float | None
    low: float | None
    high: float | None
    n: int
    design_effect: float | None
    effective_n: float | None


class BreakdownOut(Schema):
    code: str
    name: str
    n: int
    suppressed: bool
    index: EstimateOut | None
    recognition_rate: EstimateOut | None


class ResultsOut(Schema):
    n: int
    index: EstimateOut
    recognition_rate: EstimateOut
    recognition_threshold: float
    bootstrap_index_ci: list[float] | None
    breakdown: list[BreakdownOut]
    methods: list[str]


class QuotaOut(Schema):
    division_code: str
    name: str
    population: int
    allocated: int
    invited: int
    complete: int
    partial: int


class TrendOut(Schema):
    survey_id: int
    wave: int
    index: EstimateOut
    recognition_rate: EstimateOut


def _estimate(e: Estimate | None) -> dict[str, Any] | None:
    if e is None:
        return None
    return {
        "value": e.value,
        "low": e.low,
        "high": e.high,
        "n": e.n,
        "design_effect": e.deff,
        "effective_n": e.n_eff,
    }


def _invalid(error: AnswersInvalid) -> HttpResponse:
    body = {
        "type": PROBLEM_TYPE + error.code,
        "title": str(error),
        "status": 422,
        "code": error.code,
        "errors": [{"field": e.field, "code": e.code, "message": str(e)} for e in error.errors],
    }
    return JsonResponse(body, status=422, content_type="application/problem+json")


@router.get("", response=list[SurveyOut], auth=API_AUTH)
@paginate
def list_surveys(request: HttpRequest) -> Any:
    """Surveys whose area overlaps the caller's."""
    return selectors.survey_list_for(request.user)


@router.get("/{int:survey_id}", response=SurveyDetailOut, auth=API_AUTH)
def get_survey(request: HttpRequest, survey_id: int) -> dict[str, Any]:
    """A survey with the questions of its latest version."""
    survey = selectors.survey_get_for(request.user, survey_id)
    version = survey_latest_version(survey)
    questions = VersionQuestions(version)
    return {
        **{
            field: getattr(survey, field)
            for field in (
                "id",
                "title_zh",
                "title_en",
                "series",
                "wave",
                "division_id",
                "status",
                "opened_at",
                "closed_at",
            )
        },
        "version": version.number,
        "sections": [
            {
                **{
                    field: getattr(section, field)
                    for field in (
                        "name",
                        "label_zh",
                        "label_en",
                        "repeat",
                        "repeat_count",
                        "required",
                    )
                },
                "max_entries": MAX_ENTRIES,
                "questions": [q.name for q in section_questions],
            }
            for section, section_questions in questions.parts()
        ],
        "questions": [
            {**_question(q), "choices": questions.choices_of(q)} for q in questions.questions
        ],
    }


def _question(q: Question) -> dict[str, Any]:
    return {
        field: getattr(q, field)
        for field in ("name", "qtype", "label_zh", "label_en", "required", "relevant")
    } | {"constraint": q.constraint, "items": q.items, "score_weight": q.score_weight}


@router.post(
    "/responses",
    response={200: ResponseOut, 422: dict[str, Any]},
    auth=None,
    url_name="surveys_response_submit",
)
def submit_response(request: HttpRequest, payload: ResponseIn) -> Any:
    """Answer through a one-time invitation token (partial when ``submit`` is false)."""
    try:
        return response_save_by_invitation(
            token=payload.invitation_token or "", answers=payload.answers, submit=payload.submit
        )
    except AnswersInvalid as error:
        return _invalid(error)


@router.post("/interviews", response={200: ResponseOut, 422: dict[str, Any]}, auth=API_AUTH)
def submit_interview(request: HttpRequest, payload: InterviewIn) -> Any:
    """A worker records a sampled resident's answers (tagged with the worker)."""
    try:
        return response_save_by_interviewer(
            actor=request.user,
            invitation_id=payload.invitation_id,
            answers=payload.answers,
            submit=payload.submit,
            ip=client_ip(request),
        )
    except AnswersInvalid as error:
        return _invalid(error)


@router.get("/{int:survey_id}/quota", response=list[QuotaOut], auth=API_AUTH)
def quota(request: HttpRequest, survey_id: int) -> list[dict[str, Any]]:
    """Completion per stratum of the sampling plan, inside the caller's area."""
    survey = selectors.survey_get_for(request.user, survey_id)
    return [
        {
            "division_code": row.division.code,
            "name": row.division.name,
            "population": row.population,
            "allocated": row.allocated,
            "invited": row.invited,
            "complete": row.complete,
            "partial": row.partial,
        }
        for row in selectors.quota_board(request.user, survey)
    ]


@router.get("/{int:survey_id}/results", response=ResultsOut, auth=API_AUTH)
def results(request: HttpRequest, survey_id: int, level: str = "district") -> dict[str, Any]:
    """Index and recognition rate with 95% CIs; breakdown by district, street or community."""
    survey = selectors.survey_get_for(request.user, survey_id)
    if level not in ("district", "street", "community"):
        level = "district"
    computed = selectors.survey_results(request.user, survey, levels=(level,), distributions=False)
    return {
        "n": computed.n,
        "index": _estimate(computed.index),
        "recognition_rate": _estimate(computed.recognition),
        "recognition_threshold": survey.recognition_threshold,
        "bootstrap_index_ci": list(computed.bootstrap) if computed.bootstrap else None,
        "breakdown": [
            {
                "code": row.code,
                "name": row.name,
                "n": row.n,
                "suppressed": row.suppressed,
                "index": _estimate(row.index),
                "recognition_rate": _estimate(row.recognition),
            }
            for row in computed.breakdowns[level]
        ],
        "methods": selectors.methods_note(survey, computed),
    }


@router.get("/{int:survey_id}/trend", response=list[TrendOut], auth=API_AUTH)
def trend(request: HttpRequest, survey_id: int) -> list[dict[str, Any]]:
    """The index of every wave of this survey's series."""
    survey = selectors.survey_get_for(request.user, survey_id)
    return [
        {
            "survey_id": row["survey"].pk,
            "wave": row["wave"],
            "index": _estimate(row["index"]),
            "recognition_rate": _estimate(row["recognition"]),
        }
        for row in selectors.survey_trend(request.user, survey)
    ]
