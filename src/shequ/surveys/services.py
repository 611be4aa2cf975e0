"""Writes of surveys: build and version, sample and invite, collect answers, weight.

Every function checks who may act, runs in one transaction and leaves nothing half-written
when it refuses. Respondents' own submissions are not put in the audit trail on purpose: a
trail entry would tie a person to their answers.
"""

import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from math import isfinite
from typing import Any

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import IntegrityError, transaction
from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound, PermissionDenied, RateLimited
from shequ.core.pii import mask_numbers_in_text
from shequ.core.scopes import within
from shequ.core.services import audit_record
from shequ.people.models import Resident
from shequ.places.models import Division
from shequ.surveys.definition import (
    NAME_RE,
    ChoiceDef,
    DefinitionInvalid,
    ItemDef,
    ListDef,
    QuestionDef,
    SectionDef,
    SurveyDefinition,
    definition_of,
    definition_problems,
    definition_write,
    entry_count,
    entry_field,
)
from shequ.surveys.expressions import (
    ExpressionError,
    evaluate_constraint,
    evaluate_relevant,
    parse_constraint,
    parse_relevant,
)
from shequ.surveys.models import (
    AGE_BAND_LIMITS,
    ANSWERLESS_TYPES,
    CHOICE_TYPES,
    KEEP_PHOTO,
    MAX_ENTRIES,
    AgeBand,
    Answer,
    Choice,
    Invitation,
    Question,
    QuestionType,
    Response,
    SamplingPlan,
    Section,
    Stratum,
    Survey,
    SurveyVersion,
)
from shequ.surveys.permissions import can_create_survey, can_interview, can_manage_survey
from shequ.surveys.statistics import AllocationError, allocate, rake
from shequ.surveys.xlsform import parse_xlsform

TEXT_MAX = 2000
# Markup or script in a free-text answer is refused, not escaped and stored.
MARKUP_RE = re.compile(r"<\s*[A-Za-z/!]|javascript\s*:|on[a-z]+\s*=", re.IGNORECASE)
OPEN_LINK_STARTS_PER_HOUR = 20
SEX_VALUES = ("M", "F")


# --- small shared pieces ---------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def network_hash(ip: str | None) -> str:
    """A keyed hash of the caller's address: enough to limit abuse, not to find them."""
    if not ip:
        return ""
    return hmac.new(settings.SECRET_KEY.encode(), ip.encode(), hashlib.sha256).hexdigest()


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_band_of(birth_date: date | None, reference: date) -> str:
    if birth_date is None:
        return ""
    for band, low, high in AGE_BAND_LIMITS:
        if years_before(reference, high + 1) < birth_date <= years_before(reference, low):
            return str(band)
    return ""


def survey_reference_date(survey: Survey) -> date:
    return survey.reference_date or timezone.localdate()


def sampling_frame(survey: Survey) -> QuerySet[Resident]:
    """Adults of the survey's area with a known community, birth date and sex."""
    reference = survey_reference_date(survey)
    return Resident.objects.filter(
        within("community_id", survey.division_id),
        community__isnull=False,
        birth_date__lte=years_before(reference, 18),
        sex__in=SEX_VALUES,
    )


def age_band_case(reference: date) -> Case:
    whens = [
        When(birth_date__gt=years_before(reference, high + 1), then=Value(str(band)))
        for band, _low, high in AGE_BAND_LIMITS[:-1]
    ]
    return Case(*whens, default=Value(str(AGE_BAND_LIMITS[-1][0])), output_field=CharField())


def stratum_code(community_code: str, level: str) -> str:
    if level == SamplingPlan.Level.DISTRICT:
        return community_code[:6] + "000000"
    if level == SamplingPlan.Level.STREET:
        return community_code[:9] + "000"
    return community_code


def _survey_for_update(survey_id: int) -> Survey:
    survey = Survey.objects.select_for_update().filter(pk=survey_id).first()
    if survey is None:
        raise NotFound("survey_not_found", _("No such survey."))
    return survey


def _require_manager(actor: Any, survey: Survey) -> None:
    if not can_manage_survey(actor, survey):
        raise NotFound("survey_not_found", _("No such survey."))


# --- building and versions -------------------------------------------------------------------


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


BUILDER_DIRECTIONS = ("up", "down")


def _definition_change(
    *,
    actor: Any,
    survey_id: int,
    change: Callable[[SurveyDefinition], SurveyDefinition],
    verb: str,
    detail: str,
    ip: str | None,
) -> SurveyVersion:
    """Apply ``change`` to the latest definition under the survey's row lock, check, store.

    The change and every rule are checked before anything is written, so a refusal leaves
    the survey as it was. A version with responses is frozen: the result becomes the next
    version, and the responses stay with the version they answered.
    Raises: NotFound, DomainError(survey_closed, and whatever ``change`` raises),
    DefinitionInvalid.
    """
    with transaction.atomic():
        survey = _survey_for_update(survey_id)
        _require_manager(actor, survey)
        if survey.status == Survey.Status.CLOSED:
            raise DomainError("survey_closed", _("This survey is closed."))
        version = survey_latest_version(survey)
        definition = change(definition_of(version))
        problems = [
            p
            for p in definition_problems(definition)
            # An empty draft is allowed while building; opening needs questions.
            if p.code != "no_questions"
        ]
        if problems:
            raise DefinitionInvalid(problems)
        if version.responses.exists():
            version = SurveyVersion.objects.create(survey=survey, number=version.number + 1)
        definition_write(version, definition)
        audit_record(
            actor=actor,
            verb=verb,
            target=survey,
            division_code=survey.division_id,
            changes={
                "version": [None, version.number],
                "questions": [None, len(definition.questions())],
                "edit": [None, detail],
            },
            ip=ip,
        )
    return version


def survey_definition_save(
    *, actor: Any, survey_id: int, definition: SurveyDefinition, ip: str | None = None
) -> SurveyVersion:
    """Store new questions. A version with responses is frozen: the edit makes a new one.

    Raises: NotFound, DefinitionInvalid, DomainError(survey_closed).
    """
    problems = definition_problems(definition)
    if problems:
        raise DefinitionInvalid(problems)
    return _definition_change(
        actor=actor,
        survey_id=survey_id,
        change=lambda _current: definition,
        verb="survey.version_saved",
        detail="replaced",
        ip=ip,
    )


def _find_question(definition: SurveyDefinition, name: str) -> tuple[SectionDef, QuestionDef]:
    for section in definition.sections:
        for question in section.questions:
            if question.name == name:
                return section, question
    raise NotFound("question_not_found", _("No such question."))


def _find_section(definition: SurveyDefinition, name: str) -> SectionDef:
    section = next((s for s in definition.sections if s.name == name), None)
    if section is None:
        raise NotFound("section_not_found", _("No such section."))
    return section


def _referring(definition: SurveyDefinition, name: str) -> list[str]:
    """Names of the questions whose show-if rule mentions question ``name``."""
    names = []
    for question in definition.questions():
        try:
            expression = parse_relevant(question.relevant)
        except ExpressionError:
            continue
        if expression is not None and name in expression.names and question.name != name:
            names.append(question.name)
    return names


def _check_expressions(relevant: str, constraint: str) -> None:
    """Refuse an unreadable show-if rule or constraint under its own field."""
    try:
        parse_relevant(relevant)
    except ExpressionError as exc:
        raise DomainError(
            "bad_relevant",
            _("The show-if rule cannot be read: %(e)s"),
            field="relevant",
            e=str(exc),
        ) from exc
    try:
        parse_constraint(constraint)
    except ExpressionError as exc:
        raise DomainError(
            "bad_constraint",
            _("The constraint cannot be read: %(e)s"),
            field="constraint",
            e=str(exc),
        ) from exc


def _unique_list_name(definition: SurveyDefinition, base: str) -> str:
    taken = {cl.name for cl in definition.lists}
    name, n = f"{base}_list"[:60], 2
    while name in taken:
        name, n = f"{base}_list{n}"[:60], n + 1
    return name


def _drop_unused_list(definition: SurveyDefinition, list_name: str) -> None:
    if list_name and not any(q.list_name == list_name for q in definition.questions()):
        definition.lists = [cl for cl in definition.lists if cl.name != list_name]


def _move(items: list[Any], index: int, direction: str) -> bool:
    """Swap ``items[index]`` with its neighbour; False when it is already at that end."""
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(items):
        return False
    items[index], items[other] = items[other], items[index]
    return True


def _direction(direction: str) -> None:
    if direction not in BUILDER_DIRECTIONS:
        raise DomainError("bad_direction", _("Move a question up or down."))


def survey_question_add(
    *,
    actor: Any,
    survey_id: int,
    question: QuestionDef,
    section_name: str = "main",
    new_list: ListDef | None = None,
    ip: str | None = None,
) -> SurveyVersion:
    """Append one question (and its choice list) to a section; see _definition_change.

    Raises: NotFound, DomainError(duplicate_question, bad_relevant, bad_constraint),
    DefinitionInvalid.
    """

    def change(definition: SurveyDefinition) -> SurveyDefinition:
        if question.name in {q.name for q in definition.questions()}:
            raise DomainError(
                "duplicate_question",
                _("A question named %(n)s already exists; choose another name."),
                field="name",
                n=question.name,
            )
        _check_expressions(question.relevant, question.constraint)
        if new_list is not None and new_list.choices:
            new_list.name = _unique_list_name(definition, question.name)
            definition.lists.append(new_list)
            question.list_name = new_list.name
        section = next((s for s in definition.sections if s.name == section_name), None)
        if section is None:
            section = SectionDef(section_name)
            definition.sections.append(section)
        section.questions.append(question)
        return definition

    return _definition_change(
        actor=actor,
        survey_id=survey_id,
        change=change,
        verb="survey.version_saved",
        detail=f"question_added:{question.name}",
        ip=ip,
    )


def survey_question_update(
    *,
    actor: Any,
    survey_id: int,
    name: str,
    new_name: str,
    label_zh: str,
    label_en: str = "",
    required: bool = False,
    relevant: str = "",
    constraint: str = "",
    choices: list[ChoiceDef] | None = None,
    items: list[ItemDef] | None = None,
    score_weight: float = 0.0,
    ip: str | None = None,
) -> SurveyVersion:
    """Edit one question: labels, name, required, show-if, constraint, choices, rows, weight.

    ``choices`` (choice questions) replaces the question's options; when the list is shared
    with other questions, this question gets a copy of its own and the others keep theirs.
    ``items`` replaces a matrix's rows. Once the version has responses the edit makes the
    next version. Raises: NotFound, DomainError(duplicate_question, question_referenced,
    bad_relevant, bad_constraint, survey_closed), DefinitionInvalid.
    """
    new_name = new_name.strip()

    def change(definition: SurveyDefinition) -> SurveyDefinition:
        _section, question = _find_question(definition, name)
        if new_name != name:
            if new_name in {q.name for q in definition.questions()}:
                raise DomainError(
                    "duplicate_question",
                    _("A question named %(n)s already exists; choose another name."),
                    field="name",
                    n=new_name,
                )
            users = _referring(definition, name)
            if users:
                raise DomainError(
                    "question_referenced",
                    _(
                        "%(n)s is used in the show-if rule of %(others)s; change those rules "
                        "before renaming it."
                    ),
                    field="name",
                    n=name,
                    others=", ".join(users),
                )
        _check_expressions(relevant, constraint)
        question.name = new_name
        question.label_zh = label_zh.strip()
        question.label_en = label_en.strip()
        question.required = required
        question.relevant = relevant.strip()
        question.constraint = constraint.strip()
        question.score_weight = score_weight
        if items is not None and question.qtype == QuestionType.MATRIX:
            question.items = list(items)
        if choices is not None and question.qtype in CHOICE_TYPES:
            current = next((cl for cl in definition.lists if cl.name == question.list_name), None)
            if current is None or [vars(c) for c in current.choices] != [vars(c) for c in choices]:
                shared = sum(q.list_name == question.list_name for q in definition.questions())
                if current is not None and shared == 1:
                    current.choices = list(choices)
                else:
                    old = question.list_name
                    question.list_name = _unique_list_name(definition, new_name)
                    definition.lists.append(ListDef(question.list_name, list(choices)))
                    _drop_unused_list(definition, old)
        return definition

    return _definition_change(
        actor=actor,
        survey_id=survey_id,
        change=change,
        verb="survey.version_saved",
        detail=f"question_changed:{name}",
        ip=ip,
    )


def survey_question_delete(
    *, actor: Any, survey_id: int, name: str, ip: str | None = None
) -> SurveyVersion:
    """Remove a question no show-if rule refers to (its unshared choice list goes too).

    Raises: NotFound, DomainError(question_referenced, survey_closed).
    """

    def change(definition: SurveyDefinition) -> SurveyDefinition:
        section, question = _find_question(definition, name)
        users = _referring(definition, name)
        if users:
            raise DomainError(
                "question_referenced",
                _(
                    "%(n)s cannot be deleted: the show-if rule of %(others)s refers to it. "
                    "Change those rules first."
                ),
                n=name,
                others=", ".join(users),
            )
        section.questions.remove(question)
        _drop_unused_list(definition, question.list_name)
        return definition

    return _definition_change(
        actor=actor,
        survey_id=survey_id,
        change=change,
        verb="survey.version_saved",
        detail=f"question_deleted:{name}",
        ip=ip,
    )


def survey_question_move(
    *, actor: Any, survey_id: int, name: str, direction: str, ip: str | None = None
) -> SurveyVersion:
    """Move a question one place up or down; past its section's edge it joins the next
    section. A move that puts a question before one its show-if rule refers to is refused.

    Raises: NotFound, DomainError(cannot_move, bad_direction), DefinitionInvalid.
    """
    _direction(direction)

    def change(definition: SurveyDefinition) -> SurveyDefinition:
        section, question = _find_question(definition, name)
        index = section.questions.index(question)
        if not _move(section.questions, index, direction):
            s_index = definition.sections.index(section)
            target = s_index - 1 if direction == "up" else s_index + 1
            if not 0 <= target < len(definition.sections):
                raise DomainError(
                    "cannot_move",
                    _("%(n)s is already the first question.")
                    if direction == "up"
                    else _("%(n)s is already the last question."),
                    n=name,
                )
            section.questions.remove(question)
            neighbour = definition.sections[target].questions
            if direction == "up":
                neighbour.append(question)
            else:
                neighbour.insert(0, question)
        return definition

    return _definition_change(
        actor=actor,
        survey_id=survey_id,
        change=change,
        verb="survey.version_saved",
        detail=f"question_moved_{direction}:{name}",
        ip=ip,
    )


def survey_section_save(
    *,
    actor: Any,
    survey_id: int,
    name: str,
    label_zh: str = "",
    label_en: str = "",
    new_name: str | None = None,
    repeat: bool | None = None,
    repeat_count: str = "",
    required: bool = False,
    ip: str | None = None,
) -> SurveyVersion:
    """Add a section (``new_name`` None) or change section ``name``'s name and labels.

    ``repeat`` True makes it a repeated section (a roster) with ``repeat_count`` and
    ``required`` (see SectionDef), False a plain one; None leaves that as it is.
    Raises: NotFound, DomainError(bad_section_name, duplicate_section), DefinitionInvalid.
    """
    target_name = (new_name if new_name is not None else name).strip()
    if not NAME_RE.match(target_name):
        raise DomainError(
            "bad_section_name",
            _("A section name uses letters, digits and _ (starting with a letter)."),
            field="name",
        )

    def change(definition: SurveyDefinition) -> SurveyDefinition:
        names = [s.name for s in definition.sections]
        if new_name is None:  # a new section, at the end
            section = SectionDef(target_name)
            taken = target_name in names
            definition.sections.append(section)
        else:
            section = _find_section(definition, name)
            taken = target_name != name and target_name in names
        if taken:
            raise DomainError(
                "duplicate_section",
                _("A section named %(n)s already exists."),
                field="name",
                n=target_name,
            )
        section.name = target_name
        section.label_zh = label_zh.strip()
        section.label_en = label_en.strip()
        if repeat is not None:
            section.repeat = repeat
            section.repeat_count = repeat_count.strip() if repeat else ""
            section.required = required and repeat
        return definition

    return _definition_change(
        actor=actor,
        survey_id=survey_id,
        change=change,
        verb="survey.version_saved",
        detail=f"section_saved:{target_name}",
        ip=ip,
    )


def survey_section_move(
    *, actor: Any, survey_id: int, name: str, direction: str, ip: str | None = None
) -> SurveyVersion:
    """Move a section (with its questions) one place up or down.

    Raises: NotFound, DomainError(cannot_move), DefinitionInvalid (show-if order).
    """
    _direction(direction)

    def change(definition: SurveyDefinition) -> SurveyDefinition:
        section = _find_section(definition, name)
        if not _move(definition.sections, definition.sections.index(section), direction):
            raise DomainError(
                "cannot_move",
                _("%(n)s is already the first section.")
                if direction == "up"
                else _("%(n)s is already the last section."),
                n=name,
            )
        return definition

    return _definition_change(
        actor=actor,
        survey_id=survey_id,
        change=change,
        verb="survey.version_saved",
        detail=f"section_moved_{direction}:{name}",
        ip=ip,
    )


def survey_section_delete(
    *, actor: Any, survey_id: int, name: str, ip: str | None = None
) -> SurveyVersion:
    """Remove an empty section. Raises: NotFound, DomainError(section_not_empty)."""

    def change(definition: SurveyDefinition) -> SurveyDefinition:
        section = _find_section(definition, name)
        if section.questions:
            raise DomainError(
                "section_not_empty",
                _("The section %(n)s still has questions; move or delete them first."),
                n=name,
            )
        definition.sections.remove(section)
        return definition

    return _definition_change(
        actor=actor,
        survey_id=survey_id,
        change=change,
        verb="survey.version_saved",
        detail=f"section_deleted:{name}",
        ip=ip,
    )


def survey_import_xlsform(
    *,
    actor: Any,
    content: bytes,
    survey_id: int | None = None,
    division_code: str = "",
    series: str = "",
    wave: int = 1,
    title_zh: str = "",
    ip: str | None = None,
) -> Survey:
    """A survey from an XLSForm file: a new survey, or a new version of ``survey_id``.

    Raises: DefinitionInvalid (every problem with its sheet, row and column), NotFound.
    """
    parsed = parse_xlsform(content)
    if survey_id is not None:
        survey_definition_save(
            actor=actor, survey_id=survey_id, definition=parsed.definition, ip=ip
        )
        return Survey.objects.get(pk=survey_id)
    return survey_create(
        actor=actor,
        title_zh=title_zh or parsed.title,
        series=series or parsed.form_id.lower().replace("_", "-"),
        wave=wave,
        division_code=division_code,
        definition=parsed.definition,
        ip=ip,
    )


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


# --- sampling ------------------------------------------------------------------------------


def stratum_populations(survey: Survey, level: str) -> dict[str, int]:
    """Adults in the frame per stratum code, counted in the database by community."""
    rows = sampling_frame(survey).values_list("community_id").annotate(n=Count("id")).order_by()
    populations: dict[str, int] = {}
    for community_id, n in rows:
        code = stratum_code(community_id, level)
        populations[code] = populations.get(code, 0) + n
    return dict(sorted(populations.items()))


def sampling_plan_set(
    *,
    actor: Any,
    survey_id: int,
    target_n: int,
    stratum_level: str = SamplingPlan.Level.DISTRICT,
    min_per_stratum: int = 30,
    seed: int = 2018,
    ip: str | None = None,
) -> SamplingPlan:
    """Strata and their allocation for ``target_n`` (sums to n exactly).

    Raises: NotFound, DomainError(plan_drawn, bad_level, target_too_large, minimum_too_large).
    """
    if stratum_level not in SamplingPlan.Level.values:
        raise DomainError("bad_level", _("Choose district, street or community strata."))
    with transaction.atomic():
        survey = _survey_for_update(survey_id)
        _require_manager(actor, survey)
        existing = SamplingPlan.objects.filter(survey=survey).first()
        if existing is not None and existing.drawn_at is not None:
            raise DomainError(
                "plan_drawn", _("The sample is already drawn; the plan can no longer change.")
            )
        survey.reference_date = survey.reference_date or timezone.localdate()
        survey.save(update_fields=["reference_date"])
        populations = stratum_populations(survey, stratum_level)
        try:
            allocation = allocate(target_n, list(populations.values()), min_per_stratum)
        except AllocationError as exc:
            if "floor" in str(exc) or "minimum" in str(exc):
                raise DomainError(
                    "minimum_too_large",
                    _("The minimum per stratum times the number of strata exceeds the target."),
                    field="min_per_stratum",
                ) from exc
            raise DomainError(
                "target_too_large",
                _("The target sample size must be between 1 and the %(n)s adults in the registry."),
                field="target_n",
                n=sum(populations.values()),
            ) from exc
        if existing is not None:
            existing.delete()
        plan = SamplingPlan.objects.create(
            survey=survey,
            target_n=target_n,
            stratum_level=stratum_level,
            min_per_stratum=min_per_stratum,
            seed=seed,
            created_by=actor,
        )
        Stratum.objects.bulk_create(
            Stratum(plan=plan, division_id=code, population=population, allocated=allocated)
            for (code, population), allocated in zip(populations.items(), allocation, strict=True)
        )
        audit_record(
            actor=actor,
            verb="survey.plan_set",
            target=survey,
            division_code=survey.division_id,
            changes={"target_n": [None, target_n], "strata": [None, len(populations)]},
            ip=ip,
        )
    return plan


def sampling_plan_draw(
    *, actor: Any, survey_id: int, ip: str | None = None
) -> list[tuple[int, str]]:
    """Draw the residents to invite (seeded, reproducible) and create their invitations.

    Returns (invitation id, one-time token) pairs: the tokens exist only here, for sending;
    the database keeps their hashes. Raises: NotFound, DomainError(no_plan, plan_drawn).
    """
    with transaction.atomic():
        survey = _survey_for_update(survey_id)
        _require_manager(actor, survey)
        plan = SamplingPlan.objects.select_for_update().filter(survey=survey).first()
        if plan is None:
            raise DomainError("no_plan", _("Set a sampling plan first."))
        if plan.drawn_at is not None:
            raise DomainError("plan_drawn", _("The sample is already drawn."))
        strata = list(plan.strata.order_by("division_id"))
        frame = list(sampling_frame(survey).order_by("id").values_list("id", "community_id"))
        ids = np.array([row[0] for row in frame], dtype=np.int64)
        codes = np.array([stratum_code(row[1], plan.stratum_level) for row in frame])
        communities = np.array([row[1] for row in frame])
        rng = np.random.default_rng(plan.seed)
        issued: list[tuple[Invitation, str]] = []
        for stratum in strata:
            members = np.flatnonzero(codes == stratum.division_id)
            take = min(stratum.allocated, len(members))
            chosen = np.sort(rng.choice(members, size=take, replace=False))
            for index in chosen:
                token = secrets.token_urlsafe(24)
                issued.append(
                    (
                        Invitation(
                            survey=survey,
                            stratum=stratum,
                            resident_id=int(ids[index]),
                            community_id=str(communities[index]),
                            token_hash=token_hash(token),
                        ),
                        token,
                    )
                )
        Invitation.objects.bulk_create([inv for inv, _t in issued], batch_size=2000)
        hashes = {inv.token_hash: token for inv, token in issued}
        pairs = [
            (pk, hashes[h])
            for pk, h in Invitation.objects.filter(survey=survey).values_list("id", "token_hash")
        ]
        plan.drawn_at = timezone.now()
        plan.save(update_fields=["drawn_at"])
        audit_record(
            actor=actor,
            verb="survey.sample_drawn",
            target=survey,
            division_code=survey.division_id,
            changes={"invitations": [None, len(pairs)], "seed": [None, plan.seed]},
            ip=ip,
        )
    return sorted(pairs)


# --- answers -------------------------------------------------------------------------------


class AlreadySubmitted(DomainError):
    status = 409


class AnswersInvalid(DomainError):
    """Every answer that breaks a rule, each under its question's name."""

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__(
            "answers_invalid",
            _("Some answers need attention: %(first)s"),
            first=str(errors[0]) if errors else "",
        )
        self.errors = errors


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,12}", value.strip()):
        return int(value.strip())
    return None


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if isfinite(number) else None


class VersionQuestions:
    """A version's sections and questions with their choice names, loaded in three queries."""

    def __init__(self, version: SurveyVersion) -> None:
        self.version = version
        self.sections = list(Section.objects.filter(version=version).order_by("position"))
        self.questions = list(Question.objects.filter(version=version).order_by("position"))
        self.section_of = {s.pk: s for s in self.sections}
        self.choices: dict[int, list[str]] = {}
        for list_id, name in (
            Choice.objects.filter(choice_list__version=version)
            .order_by("choice_list_id", "position")
            .values_list("choice_list_id", "name")
        ):
            self.choices.setdefault(list_id, []).append(name)

    def choices_of(self, question: Question) -> list[str]:
        return self.choices.get(question.choice_list_id or 0, [])

    def parts(self) -> list[tuple[Section, list[Question]]]:
        """Each section with its questions, in the questionnaire's order."""
        by_section: dict[int, list[Question]] = {s.pk: [] for s in self.sections}
        for question in self.questions:
            by_section[question.section_id].append(question)
        return [(s, by_section[s.pk]) for s in self.sections]


def _clean_value(
    question: Question, value: Any, choices: list[str], *, field: str | None = None
) -> tuple[Any, DomainError | None]:
    name = field or question.name
    qtype = question.qtype

    def bad(code: str, message: Any) -> tuple[Any, DomainError]:
        return None, DomainError(code, message, field=name)

    if qtype in (QuestionType.SINGLE, QuestionType.LIKERT5):
        text = str(value)
        if text not in choices:
            return bad("not_a_choice", _("Choose one of the options."))
        return text, None
    if qtype == QuestionType.MULTIPLE:
        items = value if isinstance(value, list) else str(value).split()
        items = [str(i) for i in items]
        if len(set(items)) != len(items) or any(i not in choices for i in items):
            return bad("not_a_choice", _("Choose among the options, each once."))
        return items, None
    if qtype in (QuestionType.RATING10, QuestionType.RATING100):
        number = _as_int(value)
        top = 10 if qtype == QuestionType.RATING10 else 100
        if number is None or not 0 <= number <= top:
            return bad("out_of_range", _("Give a whole number from 0 to %(top)s.") % {"top": top})
        return number, None
    if qtype == QuestionType.INTEGER:
        number = _as_int(value)
        if number is None:
            return bad("not_integer", _("Give a whole number."))
        return number, None
    if qtype == QuestionType.DECIMAL:
        real = _as_float(value)
        if real is None:
            return bad("not_number", _("Give a number."))
        return real, None
    if qtype == QuestionType.DATE:
        if isinstance(value, date):
            return value, None
        try:
            return date.fromisoformat(str(value).strip()), None
        except ValueError:
            return bad("not_date", _("Give a date as YYYY-MM-DD."))
    if qtype == QuestionType.TEXT:
        if not isinstance(value, str | int | float):
            return bad("not_text", _("Give text."))
        text = str(value).strip()
        if len(text) > TEXT_MAX:
            return bad("text_too_long", _("At most %(n)s characters.") % {"n": TEXT_MAX})
        if MARKUP_RE.search(text):
            return bad("text_markup", _("Text answers may not contain markup or script."))
        return text, None
    if qtype == QuestionType.GEOPOINT:
        point = parse_geopoint(value)
        if point is None:
            return bad(
                "not_location",
                _("Give a location as latitude and longitude (e.g. 30.66 104.07)."),
            )
        return format_geopoint(*point), None
    if qtype == QuestionType.IMAGE:
        if isinstance(value, NewPhoto | KeptPhoto):
            return value, None
        if isinstance(value, BadPhoto):
            return bad(value.code, value.message)
        return bad("not_photo", _("Take or choose a photo (JPEG, PNG, WebP or HEIC)."))
    if qtype == QuestionType.PHONE:
        text = str(value).strip() if isinstance(value, str | int) else ""
        if not PHONE_RE.fullmatch(text) or not 3 <= sum(c.isdigit() for c in text) <= 20:
            return bad("not_phone", _("Give a phone number (digits, spaces, + and - only)."))
        return text, None
    if qtype == QuestionType.MATRIX:
        if not isinstance(value, Mapping):
            return bad("not_matrix", _("Answer each row of the table."))
        rows = {item["name"] for item in question.items}
        cleaned = {}
        for item, choice in value.items():
            if item not in rows:
                return bad("unknown_row", _("This table has no such row."))
            if _empty(choice):
                continue
            if str(choice) not in choices:
                return bad("not_a_choice", _("Choose one of the options."))
            cleaned[item] = str(choice)
        return cleaned, None
    return bad("bad_type", _("Unsupported question."))


PHOTO_MAX_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class NewPhoto:
    """A photo uploaded with this save, already checked; written once the answers are valid."""

    name: str
    data: bytes


@dataclass(frozen=True)
class KeptPhoto:
    """The photo this response already holds for the question."""

    name: str


@dataclass(frozen=True)
class BadPhoto:
    """An upload that is not an acceptable photo (reported with the other answer problems)."""

    code: str
    message: str


def photo_storage() -> FileSystemStorage:
    """Where residents' photos are kept: outside MEDIA_ROOT (see SURVEY_PHOTO_ROOT)."""
    return FileSystemStorage(location=settings.SURVEY_PHOTO_ROOT)


def _photo_extension(head: bytes) -> str | None:
    """The image format by its first bytes (the browser's file name and type are not trusted)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"heim", b"heis", b"mif1"):
        return "heic"
    return None


def _take_photo(upload: Any) -> NewPhoto | BadPhoto:
    data = upload.read(PHOTO_MAX_BYTES + 1)
    if len(data) > PHOTO_MAX_BYTES:
        return BadPhoto(
            "photo_too_large",
            str(_("A photo may be at most %(mb)s MB.") % {"mb": PHOTO_MAX_BYTES // 2**20}),
        )
    extension = _photo_extension(bytes(data[:16]))
    if extension is None:
        return BadPhoto("not_photo", str(_("Take or choose a photo (JPEG, PNG, WebP or HEIC).")))
    return NewPhoto(f"{uuid.uuid4().hex}.{extension}", bytes(data))


def _kept_photo(value: Any, held: Mapping[tuple[str, int], str], name: str, entry: int) -> Any:
    """An upload read and checked; "keep" resolved to the response's own stored photo (the
    one of the entry the marker names, as entries may have been removed since), else None;
    anything else as it came."""
    if isinstance(value, str) and value.startswith(KEEP_PHOTO):
        source = value.removeprefix(KEEP_PHOTO)
        stored = held.get((name, int(source) if source.isdigit() else entry))
        return KeptPhoto(stored) if stored else None
    if callable(getattr(value, "read", None)):
        return _take_photo(value)
    return value


def _prepare_photos(
    response: Response | None, version: SurveyVersion, answers: Mapping[str, Any]
) -> dict[str, Any]:
    """Answers with photo questions' uploads read and checked, and "keep" resolved from the
    response's stored answers (dropped when there is nothing to keep), also in entries."""
    photos = list(
        Question.objects.filter(version=version, qtype=QuestionType.IMAGE).values_list(
            "name", "section__name", "section__repeat"
        )
    )
    names = {name for name, _section, repeat in photos if not repeat}
    in_entries: dict[str, set[str]] = {}
    for name, section, repeat in photos:
        if repeat:
            in_entries.setdefault(section, set()).add(name)
    prepared = dict(answers)
    if not names & set(answers) and not set(in_entries) & set(answers):
        return prepared
    held: dict[tuple[str, int], str] = {}
    if response is not None and response.pk is not None:
        held = {
            (name, entry): text
            for name, entry, text in Answer.objects.filter(
                response=response, question__qtype=QuestionType.IMAGE
            ).values_list("question__name", "entry", "value_text")
        }
    for name in names & set(answers):
        value = _kept_photo(answers[name], held, name, 0)
        if value is None:
            prepared.pop(name)
        else:
            prepared[name] = value
    for section, section_names in in_entries.items():
        entries = answers.get(section)
        if not isinstance(entries, list):
            continue
        kept: list[Any] = []
        for index, entry in enumerate(entries, start=1):
            if isinstance(entry, Mapping):
                entry = {
                    key: _kept_photo(value, held, key, index) if key in section_names else value
                    for key, value in entry.items()
                }
                entry = {key: value for key, value in entry.items() if value is not None}
            kept.append(entry)
        prepared[section] = kept
    return prepared


PHONE_RE = re.compile(r"\+?[\d\s()-]{3,30}")


def parse_geopoint(value: Any) -> tuple[float, float] | None:
    """(latitude, longitude) from ODK's ``"lat lon [altitude accuracy]"`` text, a
    ``[lat, lon]`` list or a ``{"lat": .., "lon": ..}`` mapping; None if it is not one."""
    if isinstance(value, Mapping):
        parts: list[Any] = [value.get("lat"), value.get("lon")]
    elif isinstance(value, list | tuple):
        parts = list(value)[:2]
    elif isinstance(value, str):
        parts = value.replace(",", " ").split()[:2]
    else:
        return None
    if len(parts) != 2:
        return None
    lat, lon = (_as_float(p) for p in parts)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def format_geopoint(lat: float, lon: float) -> str:
    """The stored form of a location: ODK's "lat lon", 7 decimals (about 1 cm)."""

    def decimal(x: float) -> str:
        return f"{x:.7f}".rstrip("0").rstrip(".")

    return f"{decimal(lat)} {decimal(lon)}"


def _position_score(choice: str, choices: list[str]) -> float:
    return choices.index(choice) / (len(choices) - 1) * 100 if len(choices) > 1 else 100.0


def _in_entry(error: DomainError, index: int) -> DomainError:
    """``error`` saying which entry it is about ("第 2 项: ...")."""
    return DomainError(
        error.code, _("Entry %(n)s: %(message)s"), field=error.field, n=index, message=error
    )


def _answer_clean(
    question: Question,
    raw: Any,
    choices: list[str],
    shown: Mapping[str, Any],
    *,
    field: str,
    submit: bool,
) -> tuple[Any, DomainError | None]:
    """One answer checked: (value, None), (None, None) when there is none to keep (hidden,
    empty, a note), or (None, the error)."""
    if question.qtype in ANSWERLESS_TYPES:
        if not _empty(raw):
            return None, DomainError(
                "no_answer", _("This is a note; it takes no answer."), field=field
            )
        return None, None
    if not evaluate_relevant(parse_relevant(question.relevant), shown):
        return None, None
    if isinstance(raw, Mapping):
        raw = {k: v for k, v in raw.items() if not _empty(v)}
    if _empty(raw):
        if submit and question.required:
            return None, DomainError("required", _("This question needs an answer."), field=field)
        return None, None
    value, error = _clean_value(question, raw, choices, field=field)
    if error is None and question.constraint:
        checked = value
        if not evaluate_constraint(parse_constraint(question.constraint), checked):
            error = DomainError(
                "constraint",
                _("This answer is outside the allowed values."),
                field=field,
            )
    if (
        error is None
        and question.qtype == QuestionType.MATRIX
        and submit
        and question.required
        and len(value) != len(question.items)
    ):
        error = DomainError("required", _("Answer every row of the table."), field=field)
    if error is not None:
        return None, error
    return value, None


def _answer_rows(
    question: Question, value: Any, choices: list[str]
) -> tuple[list[Answer], float | None]:
    """The unsaved Answer rows of one checked answer, and its 0–100 score if it is scored."""
    rows: list[Answer] = []
    score = None
    if question.qtype == QuestionType.MATRIX:
        scores = []
        for item, choice in value.items():
            item_score = _position_score(choice, choices)
            scores.append(item_score)
            rows.append(Answer(question=question, item=item, value_text=choice, score=item_score))
        return rows, (sum(scores) / len(scores) if scores else None)
    answer = Answer(question=question)
    if question.qtype == QuestionType.LIKERT5:
        score = _position_score(value, choices)
        answer.value_text = value
    elif question.qtype == QuestionType.SINGLE:
        answer.value_text = value
    elif question.qtype == QuestionType.MULTIPLE:
        answer.value_choices = value
    elif question.qtype in (QuestionType.RATING10, QuestionType.RATING100):
        answer.value_number = float(value)
        score = value * 10.0 if question.qtype == QuestionType.RATING10 else float(value)
    elif question.qtype in (QuestionType.INTEGER, QuestionType.DECIMAL):
        answer.value_number = float(value)
    elif question.qtype == QuestionType.DATE:
        answer.value_date = value
    elif question.qtype == QuestionType.IMAGE:
        answer.value_text = value.name
    else:
        # Checked as typed (a constraint may test the shape of a number); kept with
        # any ID or mobile number in it masked.
        answer.value_text = mask_numbers_in_text(str(value))
    answer.score = score
    return [answer], score


def _empty_entry(entry: Mapping[str, Any]) -> bool:
    return all(_empty(value) for value in entry.values())


def _entries_clean(
    questions: VersionQuestions,
    section: Section,
    section_questions: list[Question],
    raw: Any,
    shown: Mapping[str, Any],
    errors: list[DomainError],
    *,
    submit: bool,
) -> list[Answer]:
    """A repeated section's entries, each checked like a questionnaire of its own (its
    show-if rules see the entry's answers and those outside the section); problems are
    added to ``errors`` naming the entry."""
    name = section.name
    entries = [] if _empty(raw) else raw
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        errors.append(
            DomainError(
                "not_entries",
                _("Give the entries as a list, one set of answers for each entry."),
                field=name,
            )
        )
        return []
    expected = entry_count(section.repeat_count, shown)
    if expected is not None and expected > MAX_ENTRIES:
        errors.append(
            DomainError(
                "too_many_entries",
                _("At most %(n)s entries can be collected here."),
                field=name,
                n=MAX_ENTRIES,
            )
        )
        return []
    limit = MAX_ENTRIES if expected is None else expected
    given = max((i for i, e in enumerate(entries, start=1) if not _empty_entry(e)), default=0)
    if given > limit:
        errors.append(
            DomainError(
                "too_many_entries",
                _("This part takes at most %(n)s entries; %(given)s were given."),
                field=name,
                n=limit,
                given=given,
            )
        )
        return []
    entries = list(entries[:limit])
    if expected is not None:
        entries += [{}] * (expected - len(entries))
    applies = any(
        evaluate_relevant(parse_relevant(q.relevant), shown)
        for q in section_questions
        if q.qtype not in ANSWERLESS_TYPES
    )
    if (
        submit
        and section.required
        and expected is None
        and applies
        and all(_empty_entry(e) for e in entries)
    ):
        errors.append(DomainError("entries_required", _("Add at least one entry."), field=name))
    known = {q.name for q in section_questions}
    rows: list[Answer] = []
    for index, entry in enumerate(entries, start=1):
        for key in entry:
            if key not in known:
                errors.append(
                    _in_entry(
                        DomainError(
                            "unknown_question",
                            _("No such question."),
                            field=entry_field(name, index, str(key)),
                        ),
                        index,
                    )
                )
        values = dict(shown)
        for question in section_questions:
            choices = questions.choices_of(question)
            value, error = _answer_clean(
                question,
                entry.get(question.name),
                choices,
                values,
                field=entry_field(name, index, question.name),
                submit=submit,
            )
            if error is not None:
                errors.append(_in_entry(error, index))
                continue
            if value is None:
                continue
            values[question.name] = value
            entry_rows, _score = _answer_rows(question, value, choices)
            for row in entry_rows:
                row.entry = index
            rows.extend(entry_rows)
    return rows


def answers_clean(
    questions: VersionQuestions, answers: Mapping[str, Any], *, submit: bool
) -> tuple[list[Answer], float | None]:
    """Validate answers against the version; unsaved Answer rows and the respondent's score.

    Answers to questions the skip logic hides are dropped; required applies on submit only.
    A repeated section's answers are a list of entries under the section's name, each a
    mapping of its questions' answers (``{"household_member": [{"age": 40}, ...]}``).
    Raises: AnswersInvalid listing every problem.
    """
    errors: list[DomainError] = []
    parts = questions.parts()
    known = {
        name
        for section, section_questions in parts
        for name in ([section.name] if section.repeat else [q.name for q in section_questions])
    }
    for name in answers:
        if name not in known:
            errors.append(DomainError("unknown_question", _("No such question."), field=name))
    shown_values: dict[str, Any] = {}
    rows: list[Answer] = []
    weighted = total_weight = 0.0
    for section, section_questions in parts:
        if section.repeat:
            rows.extend(
                _entries_clean(
                    questions,
                    section,
                    section_questions,
                    answers.get(section.name),
                    shown_values,
                    errors,
                    submit=submit,
                )
            )
            continue
        for question in section_questions:
            choices = questions.choices_of(question)
            value, error = _answer_clean(
                question,
                answers.get(question.name),
                choices,
                shown_values,
                field=question.name,
                submit=submit,
            )
            if error is not None:
                errors.append(error)
                continue
            if value is None:
                continue
            shown_values[question.name] = value
            answer_rows, score = _answer_rows(question, value, choices)
            rows.extend(answer_rows)
            if score is not None and question.score_weight > 0:
                weighted += question.score_weight * score
                total_weight += question.score_weight
    if errors:
        raise AnswersInvalid(errors)
    return rows, (weighted / total_weight if total_weight > 0 else None)


def _answer_value(answer: Answer) -> Any:
    if answer.question.qtype == QuestionType.MULTIPLE:
        return answer.value_choices
    if answer.value_date is not None:
        return answer.value_date.isoformat()
    if answer.value_number is not None:
        number = answer.value_number
        return int(number) if number.is_integer() else number
    return answer.value_text


def response_answers(response: Response) -> dict[str, Any]:
    """A saved response's answers in the shape the services accept (to resume)."""
    values: dict[str, Any] = {}
    entries: dict[str, dict[int, dict[str, Any]]] = {}
    for answer in response.answers.select_related("question__section"):
        question = answer.question
        target = values
        if answer.entry:
            target = entries.setdefault(question.section.name, {}).setdefault(answer.entry, {})
        if question.qtype == QuestionType.MATRIX:
            target.setdefault(question.name, {})[answer.item] = answer.value_text
        else:
            target[question.name] = _answer_value(answer)
    for name, by_index in entries.items():
        # An entry left empty has no rows; it keeps its place so the others keep their number.
        values[name] = [by_index.get(i, {}) for i in range(1, max(by_index) + 1)]
    return values


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


def _store_photos(answers: Mapping[str, Any], rows: list[Answer], old: set[str]) -> None:
    """Write the new photos the stored answers name; drop replaced ones once committed.

    A photo of a question the skip logic hid has no answer row and is not written.
    """
    stored = {row.value_text for row in rows if row.question.qtype == QuestionType.IMAGE}
    storage = photo_storage()
    for value in _new_photos(answers):
        if value.name in stored:
            storage.save(value.name, ContentFile(value.data))
    stale = old - stored

    def remove() -> None:
        for name in stale:
            storage.delete(name)

    if stale:
        transaction.on_commit(remove)


def _new_photos(answers: Mapping[str, Any]) -> Iterator[NewPhoto]:
    """The uploads among the answers, also those in repeated sections' entries."""
    for value in answers.values():
        if isinstance(value, NewPhoto):
            yield value
        elif isinstance(value, list):
            for entry in value:
                if isinstance(entry, Mapping):
                    yield from (v for v in entry.values() if isinstance(v, NewPhoto))


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


# --- weighting -----------------------------------------------------------------------------


def survey_weights_compute(*, actor: Any, survey_id: int, ip: str | None = None) -> dict[str, Any]:
    """Rake complete responses to the registry's district, age-band and sex margins.

    The sample table and the margins are counted in the database; the fitting runs over at
    most districts × 4 × 2 cells; weights are written with one UPDATE per cell.
    Raises: NotFound, DomainError(no_responses).
    """
    with transaction.atomic():
        survey = _survey_for_update(survey_id)
        if actor is not None:
            _require_manager(actor, survey)
        complete = Response.objects.filter(survey=survey, status=Response.Status.COMPLETE)
        cells = list(
            complete.exclude(district_code="")
            .exclude(age_band="")
            .exclude(sex="")
            .values_list("district_code", "age_band", "sex")
            .annotate(n=Count("id"))
            .order_by()
        )
        if not cells:
            raise DomainError("no_responses", _("There are no complete responses to weight."))
        frame = sampling_frame(survey)
        reference = survey_reference_date(survey)
        by_district = dict(
            frame.annotate(d=Substr("community_id", 1, 6))
            .values_list("d")
            .annotate(n=Count("id"))
            .order_by()
        )
        by_band = dict(
            frame.annotate(band=age_band_case(reference))
            .values_list("band")
            .annotate(n=Count("id"))
            .order_by()
        )
        by_sex = dict(frame.values_list("sex").annotate(n=Count("id")).order_by())
        districts = sorted({d + "000000" for d in by_district} | {c[0] for c in cells})
        bands = [str(b) for b, _l, _h in AGE_BAND_LIMITS]
        sexes = list(SEX_VALUES)
        counts = np.zeros((len(districts), len(bands), len(sexes)))
        for district, band, sex, n in cells:
            counts[districts.index(district), bands.index(band), sexes.index(sex)] = n
        margins = [
            np.array([by_district.get(d[:6], 0) for d in districts], dtype=float),
            np.array([by_band.get(b, 0) for b in bands], dtype=float),
            np.array([by_sex.get(s, 0) for s in sexes], dtype=float),
        ]
        result = rake(counts, margins)
        for i, j, k in zip(*np.nonzero(counts), strict=True):
            complete.filter(district_code=districts[i], age_band=bands[j], sex=sexes[k]).update(
                weight=float(result.weights[i, j, k])
            )
        complete.filter(Q(district_code="") | Q(age_band="") | Q(sex="")).update(weight=1.0)
        report = {
            "iterations": result.iterations,
            "converged": result.converged,
            "max_margin_error": result.max_error,
            "cells": int(np.count_nonzero(counts)),
            "respondents": int(counts.sum()),
            "districts": len(districts),
            "weight_min": float(result.weights[counts > 0].min()),
            "weight_max": float(result.weights[counts > 0].max()),
        }
        survey.weights_computed_at = timezone.now()
        survey.weights_report = report
        survey.save(update_fields=["weights_computed_at", "weights_report"])
        audit_record(
            actor=actor,
            verb="survey.weights_computed",
            target=survey,
            division_code=survey.division_id,
            changes={"respondents": [None, report["respondents"]]},
            ip=ip,
        )
    return report
