"""Saving a response through each channel (invitation link, logged-in resident, interviewer,
open link) under its row locks and limits.

Respondents' own submissions are not put in the audit trail on purpose: a trail entry would
tie a person to their answers.
"""

import hashlib
import hmac
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound, RateLimited
from shequ.core.scopes import within
from shequ.core.services import audit_record
from shequ.places.models import Division
from shequ.surveys.models import (
    AGE_BAND_LIMITS,
    AgeBand,
    Answer,
    Invitation,
    QuestionType,
    Response,
    Survey,
)
from shequ.surveys.permissions import can_interview
from shequ.surveys.services._common import (
    SEX_VALUES,
    survey_reference_date,
    token_hash,
    years_before,
)
from shequ.surveys.services.answers import VersionQuestions, answers_clean
from shequ.surveys.services.photos import _prepare_photos, _store_photos
from shequ.surveys.services.surveys import survey_latest_version

OPEN_LINK_STARTS_PER_HOUR = 20


def network_hash(ip: str | None) -> str:
    """A keyed hash of the caller's address: enough to limit abuse, not to find them."""
    if not ip:
        return ""
    return hmac.new(settings.SECRET_KEY.encode(), ip.encode(), hashlib.sha256).hexdigest()


def age_band_of(birth_date: date | None, reference: date) -> str:
    if birth_date is None:
        return ""
    for band, low, high in AGE_BAND_LIMITS:
        if years_before(reference, high + 1) < birth_date <= years_before(reference, low):
            return str(band)
    return ""


class AlreadySubmitted(DomainError):
    status = 409


def _write(
    *,
    survey: Survey,
    response: Response | None,
    answers: Mapping[str, Any],
    submit: bool,
    fields: dict[str, Any],
) -> Response:
    """Validate then store; the caller holds the row locks and the transaction."""
    if survey.status != Survey.Status.OPEN:
        raise DomainError("survey_closed", _("This survey is not open for answers."))
    if response is not None and response.status == Response.Status.COMPLETE:
        raise AlreadySubmitted(
            "already_submitted", _("This questionnaire has already been submitted.")
        )
    version = response.version if response is not None else survey_latest_version(survey)
    answers = _prepare_photos(response, version, answers)
    rows, score = answers_clean(VersionQuestions(version), answers, submit=submit)
    if response is None:
        response = Response(survey=survey, version=version, **fields)
    else:
        for key, value in fields.items():
            setattr(response, key, value)
    response.score = score
    if submit:
        response.status = Response.Status.COMPLETE
        response.submitted_at = timezone.now()
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError as exc:
        raise AlreadySubmitted(
            "already_submitted", _("This questionnaire has already been submitted.")
        ) from exc
    held = Answer.objects.filter(response=response, question__qtype=QuestionType.IMAGE)
    old_photos = set(held.values_list("value_text", flat=True))
    Answer.objects.filter(response=response).delete()
    for row in rows:
        row.response = response
    Answer.objects.bulk_create(rows)
    _store_photos(answers, rows, old_photos)
    return response


def _resident_fields(invitation: Invitation, survey: Survey) -> dict[str, Any]:
    resident = invitation.resident
    code = invitation.community_id
    return {
        "invitation": invitation,
        "district_code": code[:6] + "000000",
        "street_code": code[:9] + "000",
        "community_code": code,
        "age_band": age_band_of(resident.birth_date, survey_reference_date(survey)),
        "sex": resident.sex if resident.sex in SEX_VALUES else "",
    }


def _locked_invitation(**lookup: Any) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update().select_related("resident").filter(**lookup).first()
    )
    if invitation is None:
        raise NotFound("invitation_not_found", _("This invitation link is not valid."))
    return invitation


def _invitation_response(invitation: Invitation) -> Response | None:
    return Response.objects.filter(invitation=invitation).first()


def response_save_by_invitation(
    *, token: str, answers: Mapping[str, Any], submit: bool
) -> Response:
    """A sampled resident answers through their one-time link (partial saves allowed).

    Raises: NotFound(invitation_not_found), DomainError(survey_closed, already_submitted),
    AnswersInvalid.
    """
    with transaction.atomic():
        invitation = _locked_invitation(token_hash=token_hash(token or ""))
        survey = Survey.objects.get(pk=invitation.survey_id)
        return _write(
            survey=survey,
            response=_invitation_response(invitation),
            answers=answers,
            submit=submit,
            fields={**_resident_fields(invitation, survey), "channel": Response.Channel.INVITATION},
        )


def response_save_for_resident(
    *, actor: Any, survey_id: int, answers: Mapping[str, Any], submit: bool
) -> Response:
    """A logged-in resident answers the survey they were invited to."""
    resident = getattr(actor, "resident", None)
    with transaction.atomic():
        if resident is None:
            raise NotFound("invitation_not_found", _("You are not invited to this survey."))
        invitation = _locked_invitation(survey_id=survey_id, resident=resident)
        survey = Survey.objects.get(pk=invitation.survey_id)
        return _write(
            survey=survey,
            response=_invitation_response(invitation),
            answers=answers,
            submit=submit,
            fields={**_resident_fields(invitation, survey), "channel": Response.Channel.INVITATION},
        )


def response_save_by_interviewer(
    *,
    actor: Any,
    invitation_id: int,
    answers: Mapping[str, Any],
    submit: bool,
    ip: str | None = None,
) -> Response:
    """A worker records a sampled resident's answers door to door (tagged with the worker).

    Raises: NotFound (not in the worker's area), DomainError, AnswersInvalid.
    """
    with transaction.atomic():
        invitation = _locked_invitation(pk=invitation_id)
        if not can_interview(actor, invitation):
            raise NotFound("invitation_not_found", _("No such invitation in your area."))
        survey = Survey.objects.get(pk=invitation.survey_id)
        existing = _invitation_response(invitation)
        response = _write(
            survey=survey,
            response=existing,
            answers=answers,
            submit=submit,
            fields={
                **_resident_fields(invitation, survey),
                "channel": existing.channel if existing else Response.Channel.INTERVIEWER,
                "interviewer": actor,
            },
        )
        if submit:
            audit_record(
                actor=actor,
                verb="survey.interview_recorded",
                target=survey,
                division_code=invitation.community_id,
                ip=ip,
            )
        return response


def response_save_open(
    *,
    slug: str,
    resume_key: str,
    answers: Mapping[str, Any],
    submit: bool,
    profile: Mapping[str, str],
    ip: str | None,
) -> Response:
    """Anyone answers through the open link, within the per-address limits.

    ``profile`` gives community code, age band and sex (asked, for weighting). Raises:
    NotFound, RateLimited(open_link_limit), DomainError, AnswersInvalid.
    """
    if len(resume_key) < 16:
        raise DomainError("bad_resume_key", _("Reload the page and try again."))
    address = network_hash(ip)
    with transaction.atomic():
        survey = (
            Survey.objects.select_for_update()
            .filter(open_link_slug=slug or "-", open_link_enabled=True)
            .first()
        )
        if survey is None:
            raise NotFound("survey_not_found", _("No such survey."))
        key_hash = token_hash(resume_key)
        response = Response.objects.filter(survey=survey, resume_key_hash=key_hash).first()
        now = timezone.now()
        if response is None and address:
            started = Response.objects.filter(
                survey=survey, ip_hash=address, started_at__gte=now - timedelta(hours=1)
            ).count()
            if started >= OPEN_LINK_STARTS_PER_HOUR:
                raise RateLimited(
                    "open_link_limit", _("Too many questionnaires from this network; try later.")
                )
        if submit and address:
            done = Response.objects.filter(
                survey=survey,
                ip_hash=address,
                status=Response.Status.COMPLETE,
                submitted_at__gte=now - timedelta(days=1),
            ).count()
            if done >= survey.open_link_daily_limit:
                raise RateLimited(
                    "open_link_limit", _("Too many questionnaires from this network; try later.")
                )
        fields: dict[str, Any] = {
            "channel": Response.Channel.OPEN,
            "resume_key_hash": key_hash,
            "ip_hash": address,
        }
        code = str(profile.get("community_code", "") or "")
        band = str(profile.get("age_band", "") or "")
        sex = str(profile.get("sex", "") or "")
        community = (
            Division.objects.filter(
                within("code", survey.division_id), pk=code, level=Division.Level.COMMUNITY
            ).first()
            if code
            else None
        )
        if submit or code:
            if community is None:
                raise DomainError(
                    "bad_community", _("Choose your community."), field="community_code"
                )
            if band not in AgeBand.values:
                raise DomainError("bad_age_band", _("Choose your age group."), field="age_band")
            if sex not in SEX_VALUES:
                raise DomainError("bad_sex", _("Choose your sex."), field="sex")
            fields.update(
                district_code=code[:6] + "000000",
                street_code=code[:9] + "000",
                community_code=code,
                age_band=band,
                sex=sex,
            )
        return _write(
            survey=survey, response=response, answers=answers, submit=submit, fields=fields
        )
