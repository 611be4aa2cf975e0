"""Writes of a survey as a whole: create it with its first version, its index and access
settings, open and close it.

Every function checks who may act, runs in one transaction and leaves nothing half-written
when it refuses.
"""

import re
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.services import audit_record
from shequ.places.models import Division
from shequ.surveys.definition import (
    DefinitionInvalid,
    SurveyDefinition,
    definition_problems,
    definition_write,
)
from shequ.surveys.models import Question, Survey, SurveyVersion
from shequ.surveys.permissions import can_create_survey, can_manage_survey
from shequ.surveys.services._common import _require_manager, _survey_for_update


def survey_create(
    *,
    actor: Any,
    title_zh: str,
    series: str,
    division_code: str,
    title_en: str = "",
    wave: int = 1,
    definition: SurveyDefinition | None = None,
    ip: str | None = None,
) -> Survey:
    """A draft survey with its first version (empty, or ``definition``).

    Raises: PermissionDenied, DomainError (bad area, duplicate wave), DefinitionInvalid.
    """
    if not can_create_survey(actor):
        raise PermissionDenied("forbidden", _("You may not create surveys."))
    division = Division.objects.filter(pk=division_code).first()
    probe = Survey(division_id=division_code)
    if division is None or not can_manage_survey(actor, probe):
        raise DomainError(
            "bad_area", _("Choose an area you are responsible for."), field="division_code"
        )
    if not title_zh.strip():
        raise DomainError(
            "title_required", _("The survey needs a Chinese title."), field="title_zh"
        )
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,59}", series):
        raise DomainError(
            "bad_series",
            _("The series key uses lower-case letters, digits and hyphens."),
            field="series",
        )
    if definition is not None:
        problems = definition_problems(definition)
        if problems:
            raise DefinitionInvalid(problems)
    with transaction.atomic():
        if Survey.objects.filter(series=series, wave=wave).exists():
            raise DomainError(
                "duplicate_wave", _("This series already has that wave."), field="wave"
            )
        survey = Survey.objects.create(
            title_zh=title_zh.strip(),
            title_en=title_en.strip(),
            series=series,
            wave=wave,
            division=division,
            created_by=actor,
        )
        version = SurveyVersion.objects.create(survey=survey, number=1)
        if definition is not None:
            definition_write(version, definition)
        audit_record(
            actor=actor, verb="survey.created", target=survey, division_code=division.code, ip=ip
        )
    return survey


def survey_latest_version(survey: Survey) -> SurveyVersion:
    version = survey.versions.order_by("-number").first()
    if version is None:  # every survey is created with version 1; guard against bad data
        raise NotFound("survey_not_found", _("No such survey."))
    return version


def survey_settings_update(
    *,
    actor: Any,
    survey_id: int,
    recognition_threshold: float,
    min_cell_size: int,
    open_link_enabled: bool,
    open_link_daily_limit: int = 3,
    ip: str | None = None,
) -> Survey:
    """Index and access settings. Raises: NotFound, DomainError(bad_threshold, bad_cell)."""
    if not 0 <= recognition_threshold <= 100:
        raise DomainError(
            "bad_threshold",
            _("The threshold is a score from 0 to 100."),
            field="recognition_threshold",
        )
    if not 1 <= min_cell_size <= 1000:
        raise DomainError(
            "bad_cell", _("The smallest cell is 1 to 1000 respondents."), field="min_cell_size"
        )
    with transaction.atomic():
        survey = _survey_for_update(survey_id)
        _require_manager(actor, survey)
        before = {
            "recognition_threshold": survey.recognition_threshold,
            "min_cell_size": survey.min_cell_size,
            "open_link_enabled": survey.open_link_enabled,
        }
        survey.recognition_threshold = recognition_threshold
        survey.min_cell_size = min_cell_size
        survey.open_link_enabled = open_link_enabled
        survey.open_link_daily_limit = max(1, open_link_daily_limit)
        if open_link_enabled and not survey.open_link_slug:
            survey.open_link_slug = secrets.token_urlsafe(12)
        survey.save()
        from shequ.core.services import changes_between

        audit_record(
            actor=actor,
            verb="survey.settings_changed",
            target=survey,
            division_code=survey.division_id,
            changes=changes_between(
                before,
                {
                    "recognition_threshold": recognition_threshold,
                    "min_cell_size": min_cell_size,
                    "open_link_enabled": open_link_enabled,
                },
            ),
            ip=ip,
        )
    return survey


def survey_open(*, actor: Any, survey_id: int, ip: str | None = None) -> Survey:
    """Start collecting. Raises: NotFound, DomainError(no_questions, survey_closed)."""
    with transaction.atomic():
        survey = _survey_for_update(survey_id)
        _require_manager(actor, survey)
        if survey.status == Survey.Status.CLOSED:
            raise DomainError("survey_closed", _("This survey is closed."))
        if not Question.objects.filter(version=survey_latest_version(survey)).exists():
            raise DomainError("no_questions", _("Add questions before opening the survey."))
        survey.status = Survey.Status.OPEN
        survey.opened_at = survey.opened_at or timezone.now()
        survey.reference_date = survey.reference_date or timezone.localdate()
        survey.save(update_fields=["status", "opened_at", "reference_date"])
        audit_record(
            actor=actor,
            verb="survey.opened",
            target=survey,
            division_code=survey.division_id,
            ip=ip,
        )
    return survey


def survey_close(*, actor: Any, survey_id: int, ip: str | None = None) -> Survey:
    with transaction.atomic():
        survey = _survey_for_update(survey_id)
        _require_manager(actor, survey)
        survey.status = Survey.Status.CLOSED
        survey.closed_at = timezone.now()
        survey.save(update_fields=["status", "closed_at"])
        audit_record(
            actor=actor,
            verb="survey.closed",
            target=survey,
            division_code=survey.division_id,
            ip=ip,
        )
    return survey


def survey_results_publish(
    *, actor: Any, survey_id: int, publish: bool, ip: str | None = None
) -> Survey:
    """Show (or stop showing) a closed survey's results, with their confidence intervals, on
    the public dashboards. Raises: NotFound, DomainError(survey_not_closed, ...)."""
    with transaction.atomic():
        survey = _survey_for_update(survey_id)
        _require_manager(actor, survey)
        if publish and survey.status != Survey.Status.CLOSED:
            raise DomainError(
                "survey_not_closed", _("Close the survey before publishing its results.")
            )
        if publish == (survey.results_published_at is not None):
            raise DomainError(
                "results_already_published" if publish else "results_not_published",
                _("The results are already published.")
                if publish
                else _("The results are not published."),
            )
        survey.results_published_at = timezone.now() if publish else None
        survey.save(update_fields=["results_published_at"])
        audit_record(
            actor=actor,
            verb="survey.results_published" if publish else "survey.results_withdrawn",
            target=survey,
            division_code=survey.division_id,
            ip=ip,
        )
    return survey
