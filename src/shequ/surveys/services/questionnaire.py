"""Writes of a survey's questions: the builder's edits of questions and sections (rosters
included), a whole definition, an XLSForm import.

Every edit reads the latest version's definition under the survey's row lock, applies the
change, runs the same checks as an import and only then writes; a version with responses is
frozen, so the edit becomes the next version.
"""

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
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
)
from shequ.surveys.expressions import ExpressionError, parse_constraint, parse_relevant
from shequ.surveys.models import CHOICE_TYPES, QuestionType, Survey, SurveyVersion
from shequ.surveys.services._common import _require_manager, _survey_for_update
from shequ.surveys.services.surveys import survey_create, survey_latest_version
from shequ.surveys.xlsform import parse_xlsform

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
