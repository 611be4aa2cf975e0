"""Pieces several survey services share: the survey's row lock and who may manage it, the
hash of one-time tokens (invitation links, open-link resume keys), and the reference date
and sexes that sampling, responses and weights all use.
"""

import hashlib
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import NotFound
from shequ.surveys.models import Survey
from shequ.surveys.permissions import can_manage_survey

SEX_VALUES = ("M", "F")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def survey_reference_date(survey: Survey) -> date:
    return survey.reference_date or timezone.localdate()


def _survey_for_update(survey_id: int) -> Survey:
    survey = Survey.objects.select_for_update().filter(pk=survey_id).first()
    if survey is None:
        raise NotFound("survey_not_found", _("No such survey."))
    return survey


def _require_manager(actor: Any, survey: Survey) -> None:
    if not can_manage_survey(actor, survey):
        raise NotFound("survey_not_found", _("No such survey."))
