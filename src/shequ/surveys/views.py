"""Residents' pages: answer through an invitation link, the open link, or one's own account."""

import secrets
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shequ.core.errors import DomainError, NotFound
from shequ.core.services import client_ip
from shequ.surveys import selectors
from shequ.surveys.forms import (
    OpenProfileForm,
    answers_from_post,
    entries_changed,
    is_entry_action,
)
from shequ.surveys.models import Invitation, Question, Response, Survey, SurveyVersion
from shequ.surveys.rendering import questionnaire
from shequ.surveys.services._common import token_hash
from shequ.surveys.services.answers import AnswersInvalid, response_answers
from shequ.surveys.services.responses import (
    response_save_by_invitation,
    response_save_for_resident,
    response_save_open,
)
from shequ.surveys.services.surveys import survey_latest_version

RESUME_COOKIE = "survey_resume_%s"


def _page(
    request: HttpRequest,
    *,
    survey: Survey,
    response: Response | None,
    save: Callable[[dict[str, Any], bool], Response],
    extra: dict[str, Any] | None = None,
    profile_form: OpenProfileForm | None = None,
    places: selectors.PlacePicker | None = None,
) -> HttpResponse:
    """The shared answer page: GET shows saved answers; POST saves or submits."""
    version: SurveyVersion = (
        response.version if response is not None else survey_latest_version(survey)
    )
    errors: list[DomainError] = []
    values = response_answers(response) if response is not None else {}
    status = 200
    if request.method == "POST":
        questions = list(
            Question.objects.filter(version=version).select_related("section").order_by("position")
        )
        values = answers_from_post(questions, request.POST, request.FILES)
        action = request.POST.get("action", "")
        if is_entry_action(action):
            # Adding or removing an entry without the page's script: shown again, not saved.
            return render(
                request,
                "surveys/answer.html",
                {
                    "survey": survey,
                    "sections": questionnaire(
                        version, entries_changed(values, action, questions), []
                    ),
                    "profile_form": profile_form,
                    "places": places,
                    **(extra or {}),
                },
            )
        submit = action == "submit"
        try:
            saved = save(values, submit)
        except AnswersInvalid as error:
            errors = list(error.errors)
            status = 400
        except NotFound:
            raise
        except DomainError as error:
            errors = [error]
            status = 409 if error.code == "already_submitted" else 400
        else:
            if saved.status == Response.Status.COMPLETE:
                return redirect("surveys:thanks")
            return render(
                request,
                "surveys/answer.html",
                {
                    "survey": survey,
                    "sections": questionnaire(version, values, []),
                    "saved": True,
                    "profile_form": profile_form,
                    "places": places,
                    **(extra or {}),
                },
            )
    general = [
        str(e) for e in errors if not e.field or e.field in ("community_code", "age_band", "sex")
    ]
    return render(
        request,
        "surveys/answer.html",
        {
            "survey": survey,
            "sections": questionnaire(version, values, errors),
            "general_errors": general,
            "profile_form": profile_form,
            "places": places,
            "submitted": (response is not None and response.status == Response.Status.COMPLETE)
            or any(e.code == "already_submitted" for e in errors),
            **(extra or {}),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def answer_by_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = (
        Invitation.objects.select_related("survey").filter(token_hash=token_hash(token)).first()
    )
    if invitation is None:
        raise NotFound("invitation_not_found", _("This invitation link is not valid."))
    response = Response.objects.filter(invitation=invitation).first()
    return _page(
        request,
        survey=invitation.survey,
        response=response,
        save=lambda answers, submit: response_save_by_invitation(
            token=token, answers=answers, submit=submit
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def answer_as_resident(request: HttpRequest, survey_id: int) -> HttpResponse:
    resident = getattr(request.user, "resident", None)
    invitation = (
        Invitation.objects.select_related("survey")
        .filter(survey_id=survey_id, resident=resident)
        .first()
        if resident is not None
        else None
    )
    if invitation is None:
        raise NotFound("invitation_not_found", _("You are not invited to this survey."))
    response = Response.objects.filter(invitation=invitation).first()
    return _page(
        request,
        survey=invitation.survey,
        response=response,
        save=lambda answers, submit: response_save_for_resident(
            actor=request.user, survey_id=survey_id, answers=answers, submit=submit
        ),
    )


@require_http_methods(["GET", "POST"])
def answer_open(request: HttpRequest, slug: str) -> HttpResponse:
    survey = (
        Survey.objects.select_related("division")
        .filter(open_link_slug=slug, open_link_enabled=True)
        .first()
    )
    if survey is None:
        raise NotFound("survey_not_found", _("No such survey."))
    cookie = RESUME_COOKIE % survey.pk
    resume_key = request.COOKIES.get(cookie) or secrets.token_urlsafe(24)
    response = Response.objects.filter(
        survey=survey, resume_key_hash=token_hash(resume_key)
    ).first()
    if response is not None and response.status == Response.Status.COMPLETE:
        # This browser already answered: offer a fresh questionnaire on the next visit only.
        resume_key = secrets.token_urlsafe(24)
        response = None
    profile_form = OpenProfileForm(request.POST or None)
    places = selectors.open_link_places(
        survey,
        {key: str(request.POST.get(key, "")) for key in ("district", "street", "community_code")},
    )
    if request.method == "POST" and request.POST.get("website"):
        # The honeypot field is invisible to people; only scripts fill it.
        raise NotFound("survey_not_found", _("No such survey."))
    result = _page(
        request,
        survey=survey,
        response=response,
        profile_form=profile_form,
        places=places,
        save=lambda answers, submit: response_save_open(
            slug=slug,
            resume_key=resume_key,
            answers=answers,
            submit=submit,
            profile={k: request.POST.get(k, "") for k in ("community_code", "age_band", "sex")},
            ip=client_ip(request),
        ),
        extra={"open_link": True},
    )
    result.set_cookie(cookie, resume_key, max_age=60 * 60 * 24 * 30, httponly=True, samesite="Lax")
    return result


def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "surveys/thanks.html")


@login_required
def my_surveys(request: HttpRequest) -> HttpResponse:
    resident = getattr(request.user, "resident", None)
    invitations = (
        Invitation.objects.filter(resident=resident, survey__status=Survey.Status.OPEN)
        .select_related("survey", "response")
        .order_by("-survey__opened_at")
        if resident is not None
        else Invitation.objects.none()
    )
    return render(request, "surveys/my_surveys.html", {"invitations": invitations})
