"""A survey's questions as plain data: read from a version, checked, written to a version.

The builder, the XLSForm importer and the API all produce a ``SurveyDefinition``; one
validator checks it and one writer stores it, so every way in obeys the same rules.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError
from shequ.surveys.expressions import ExpressionError, parse_constraint, parse_relevant
from shequ.surveys.models import (
    CHOICE_TYPES,
    MAX_ENTRIES,
    SCORABLE_TYPES,
    Choice,
    ChoiceList,
    Question,
    QuestionType,
    Section,
    SurveyVersion,
)

NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,59}$")
LIKERT_POINTS = 5
_COUNT_REF_RE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]{0,59})\}$")


@dataclass
class ChoiceDef:
    name: str
    label_zh: str
    label_en: str = ""


@dataclass
class ListDef:
    name: str
    choices: list[ChoiceDef] = field(default_factory=list)


@dataclass
class ItemDef:
    name: str
    label_zh: str
    label_en: str = ""


@dataclass
class QuestionDef:
    name: str
    qtype: str
    label_zh: str
    label_en: str = ""
    required: bool = False
    relevant: str = ""
    constraint: str = ""
    list_name: str = ""
    items: list[ItemDef] = field(default_factory=list)
    score_weight: float = 0.0


@dataclass
class SectionDef:
    """A section; ``repeat`` makes it a roster whose questions are answered once per entry.

    ``repeat_count`` is blank (the respondent adds entries, at least one when ``required``),
    a whole number, or ``${q}`` for an earlier whole-number question outside any repeat;
    with a count, ``required`` has no effect (the count says how many).
    """

    name: str
    label_zh: str = ""
    label_en: str = ""
    questions: list[QuestionDef] = field(default_factory=list)
    repeat: bool = False
    repeat_count: str = ""
    required: bool = False


@dataclass
class SurveyDefinition:
    sections: list[SectionDef] = field(default_factory=list)
    lists: list[ListDef] = field(default_factory=list)

    def questions(self) -> list[QuestionDef]:
        return [q for s in self.sections for q in s.questions]


def repeat_count_of(text: str) -> int | str | None:
    """A repeated section's count: None (the respondent decides), a whole number, or the
    name of the question giving it. Raises: ValueError when it is none of these."""
    text = text.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return int(text)
    match = _COUNT_REF_RE.match(text)
    if match is None:
        raise ValueError(text)
    return match.group(1)


def entry_field(section: str, index: int, question: str) -> str:
    """Where an answer inside a repeated section is reported: ``section[2]/question``
    (XLSForm's path notation, as in the export's column headers)."""
    return f"{section}[{index}]/{question}"


def entry_count(repeat_count: str, answers: Mapping[str, Any]) -> int | None:
    """How many entries a repeated section has, given the answers outside it: None when the
    respondent decides. A count question that is unanswered, hidden or not a whole number
    gives none."""
    try:
        count = repeat_count_of(repeat_count)
    except ValueError:
        return 0
    if count is None or isinstance(count, int):
        return count
    value = answers.get(count)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition or a file, with where it is."""

    code: str
    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""

    def __str__(self) -> str:
        where = []
        if self.sheet:
            where.append(str(_("sheet %(sheet)s") % {"sheet": self.sheet}))
        if self.row is not None:
            where.append(str(_("row %(row)s") % {"row": self.row}))
        if self.column:
            where.append(str(_("column %(column)s") % {"column": self.column}))
        return f"{', '.join(where)}: {self.message}" if where else self.message


# The builder form field each problem belongs under (the rest show above the form).
PROBLEM_FIELDS = {
    "bad_name": "name",
    "duplicate_question": "name",
    "missing_label": "label_zh",
    "unknown_list": "choices",
    "likert_points": "choices",
    "duplicate_choice": "choices",
    "empty_list": "choices",
    "matrix_empty": "items",
    "matrix_rows": "items",
    "bad_weight": "score_weight",
    "bad_relevant": "relevant",
    "relevant_order": "relevant",
    "bad_constraint": "constraint",
    "bad_repeat_count": "repeat_count",
    "not_repeated": "repeat_count",
}


class DefinitionInvalid(DomainError):
    """Raised with every problem found, so a user fixes a file in one pass."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            "survey_definition_invalid",
            _("The questionnaire has %(n)s problem(s): %(first)s"),
            n=len(problems),
            first=str(problems[0]) if problems else "",
        )
        self.problems = problems
        self.errors = [
            DomainError(p.code, str(p), field=PROBLEM_FIELDS.get(p.code)) for p in problems
        ]


def definition_problems(
    definition: SurveyDefinition,
    *,
    where: dict[str, tuple[str, int]] | None = None,
    letters: dict[str, str] | None = None,
) -> list[Problem]:
    """Every rule the definition breaks.

    ``where`` maps a question name to its (sheet, row) and ``letters`` a column key to the
    sheet's column letter, so problems found in an imported file point at the cell.
    """
    where = where or {}
    letters = letters or {}
    problems: list[Problem] = []

    def add(code: str, message: str, name: str = "", column: str = "") -> None:
        sheet, row = where.get(name, ("", None))
        problems.append(
            Problem(code, message, sheet, row, letters.get(column, column) if sheet else "")
        )

    lists = {}
    for choice_list in definition.lists:
        if choice_list.name in lists:
            add(
                "duplicate_list",
                str(_("The choice list %(n)s appears twice.") % {"n": choice_list.name}),
            )
        lists[choice_list.name] = choice_list
        names = [c.name for c in choice_list.choices]
        if len(set(names)) != len(names):
            add(
                "duplicate_choice",
                str(_("The choice list %(n)s repeats a choice name.") % {"n": choice_list.name}),
            )
        if not choice_list.choices:
            add(
                "empty_list",
                str(_("The choice list %(n)s has no choices.") % {"n": choice_list.name}),
            )
    seen: set[str] = set()
    if not definition.questions():
        add("no_questions", str(_("The questionnaire has no questions.")))
    section_names = [s.name for s in definition.sections]
    if len(set(section_names)) != len(section_names):
        add("duplicate_section", str(_("Two sections have the same name.")))
    for question in definition.questions():
        name = question.name
        if not NAME_RE.match(name):
            add(
                "bad_name",
                str(_("%(n)s is not a valid question name (letters, digits, _).") % {"n": name}),
                name,
                "name",
            )
        if name in seen:
            add(
                "duplicate_question",
                str(_("The question name %(n)s appears twice.") % {"n": name}),
                name,
                "name",
            )
        if question.qtype not in QuestionType.values:
            add(
                "bad_type",
                str(_("%(t)s is not a supported question type.") % {"t": question.qtype}),
                name,
                "type",
            )
            seen.add(name)
            continue
        if not question.label_zh.strip():
            add(
                "missing_label",
                str(_("The question %(n)s has no Chinese label.") % {"n": name}),
                name,
                "label",
            )
        if question.qtype in CHOICE_TYPES:
            chosen = lists.get(question.list_name)
            if chosen is None:
                add(
                    "unknown_list",
                    str(
                        _("The question %(n)s uses an unknown choice list %(l)s.")
                        % {"n": name, "l": question.list_name or "—"}
                    ),
                    name,
                    "type",
                )
            elif question.qtype == QuestionType.LIKERT5 and len(chosen.choices) != LIKERT_POINTS:
                add(
                    "likert_points",
                    str(
                        _("The Likert question %(n)s needs a list of exactly 5 choices.")
                        % {"n": name}
                    ),
                    name,
                    "type",
                )
        if question.qtype == QuestionType.MATRIX:
            item_names = [i.name for i in question.items]
            if not item_names:
                add(
                    "matrix_empty",
                    str(_("The matrix %(n)s has no rows.") % {"n": name}),
                    name,
                    "type",
                )
            if len(set(item_names)) != len(item_names) or not all(
                NAME_RE.match(i) for i in item_names
            ):
                add(
                    "matrix_rows",
                    str(_("The matrix %(n)s has repeated or invalid row names.") % {"n": name}),
                    name,
                    "name",
                )
        if question.score_weight < 0 or (
            question.score_weight > 0 and question.qtype not in SCORABLE_TYPES
        ):
            add(
                "bad_weight",
                str(
                    _(
                        "Only Likert, rating and matrix questions can carry a non-negative "
                        "index weight (%(n)s)."
                    )
                    % {"n": name}
                ),
                name,
                "score_weight",
            )
        try:
            relevant = parse_relevant(question.relevant)
        except ExpressionError as exc:
            add(
                "bad_relevant",
                str(_("The show-if rule of %(n)s cannot be read: %(e)s") % {"n": name, "e": exc}),
                name,
                "relevant",
            )
        else:
            for ref in relevant.names if relevant else ():
                if ref not in seen:
                    add(
                        "relevant_order",
                        str(
                            _(
                                "The show-if rule of %(n)s refers to %(r)s, which is not an "
                                "earlier question."
                            )
                            % {"n": name, "r": ref}
                        ),
                        name,
                        "relevant",
                    )
        try:
            parse_constraint(question.constraint)
        except ExpressionError as exc:
            add(
                "bad_constraint",
                str(_("The constraint of %(n)s cannot be read: %(e)s") % {"n": name, "e": exc}),
                name,
                "constraint",
            )
        seen.add(name)
    _check_repeats(definition, add)
    return problems


def _check_repeats(definition: SurveyDefinition, add: Callable[[str, str, str, str], None]) -> None:
    """What repeated sections may not do: each entry is answered on its own, so nothing
    outside a repeat may depend on an answer inside it, and its count must be knowable
    before its entries are shown."""
    outside: dict[str, QuestionDef] = {}
    home: dict[str, str] = {}
    for section in definition.sections:
        for question in section.questions:
            home[question.name] = section.name
            if not section.repeat:
                outside[question.name] = question
    seen: set[str] = set()
    for section in definition.sections:
        name = section.name
        if not section.repeat:
            if section.repeat_count or section.required:
                add(
                    "not_repeated",
                    str(
                        _(
                            "The section %(n)s is not repeated: a number of entries or "
                            '"at least one entry" applies only to a repeated section.'
                        )
                        % {"n": name}
                    ),
                    name,
                    "repeat_count",
                )
            seen.update(q.name for q in section.questions)
            continue
        if not NAME_RE.match(name):
            add(
                "bad_name",
                str(_("%(n)s is not a valid question name (letters, digits, _).") % {"n": name}),
                name,
                "name",
            )
        elif name in home:
            add(
                "repeat_name_taken",
                str(
                    _("The repeated section %(n)s has the name of a question; rename one of them.")
                    % {"n": name}
                ),
                name,
                "name",
            )
        try:
            count = repeat_count_of(section.repeat_count)
        except ValueError:
            count = 0
        if count is not None and (
            (isinstance(count, int) and not 1 <= count <= MAX_ENTRIES)
            or (
                isinstance(count, str)
                and (
                    count not in seen
                    or count not in outside
                    or outside[count].qtype != QuestionType.INTEGER
                )
            )
        ):
            add(
                "bad_repeat_count",
                str(
                    _(
                        "The number of entries of %(n)s must be a whole number from 1 to "
                        "%(max)s or ${q} for an earlier whole-number question outside any "
                        "repeat (%(c)s)."
                    )
                    % {"n": name, "max": MAX_ENTRIES, "c": section.repeat_count}
                ),
                name,
                "repeat_count",
            )
        mine = {q.name for q in section.questions}
        for question in section.questions:
            if question.qtype == QuestionType.MATRIX:
                add(
                    "matrix_in_repeat",
                    str(
                        _("The matrix %(q)s cannot be inside the repeated section %(n)s.")
                        % {"q": question.name, "n": name}
                    ),
                    question.name,
                    "type",
                )
            if question.score_weight > 0:
                add(
                    "weight_in_repeat",
                    str(
                        _(
                            "%(q)s is inside the repeated section %(n)s: a respondent's index "
                            "cannot weigh answers given once per entry."
                        )
                        % {"q": question.name, "n": name}
                    ),
                    question.name,
                    "score_weight",
                )
        for question in section.questions:
            for ref in _relevant_names(question.relevant):
                if ref in home and ref not in mine and ref not in outside:
                    add(
                        "relevant_repeat",
                        str(
                            _(
                                "The show-if rule of %(q)s refers to %(r)s, which is inside "
                                "another repeated section."
                            )
                            % {"q": question.name, "r": ref}
                        ),
                        question.name,
                        "relevant",
                    )
        seen.update(mine)
    for question in outside.values():
        for ref in _relevant_names(question.relevant):
            if ref in home and ref not in outside:
                add(
                    "relevant_repeat",
                    str(
                        _(
                            "The show-if rule of %(q)s refers to %(r)s, which is inside the "
                            "repeated section %(s)s and has one answer per entry."
                        )
                        % {"q": question.name, "r": ref, "s": home[ref]}
                    ),
                    question.name,
                    "relevant",
                )


def _relevant_names(relevant: str) -> set[str]:
    try:
        expression = parse_relevant(relevant)
    except ExpressionError:
        return set()  # reported as bad_relevant
    return expression.names if expression else set()


def definition_of(version: SurveyVersion) -> SurveyDefinition:
    """The definition stored in ``version`` (four queries)."""
    lists = {cl.pk: cl for cl in ChoiceList.objects.filter(version=version).order_by("name")}
    list_defs = {pk: ListDef(cl.name) for pk, cl in lists.items()}
    for choice in Choice.objects.filter(choice_list__version=version).order_by(
        "choice_list_id", "position"
    ):
        list_defs[choice.choice_list_id].choices.append(
            ChoiceDef(choice.name, choice.label_zh, choice.label_en)
        )
    sections = {
        s.pk: SectionDef(
            s.name,
            s.label_zh,
            s.label_en,
            repeat=s.repeat,
            repeat_count=s.repeat_count,
            required=s.required,
        )
        for s in version.sections.all()
    }
    for q in Question.objects.filter(version=version).order_by("position"):
        sections[q.section_id].questions.append(
            QuestionDef(
                name=q.name,
                qtype=q.qtype,
                label_zh=q.label_zh,
                label_en=q.label_en,
                required=q.required,
                relevant=q.relevant,
                constraint=q.constraint,
                list_name=lists[q.choice_list_id].name if q.choice_list_id else "",
                items=[ItemDef(**item) for item in q.items],
                score_weight=q.score_weight,
            )
        )
    return SurveyDefinition(
        sections=list(sections.values()),
        lists=sorted(list_defs.values(), key=lambda cl: cl.name),
    )


def definition_write(version: SurveyVersion, definition: SurveyDefinition) -> None:
    """Replace the contents of an unfrozen ``version`` with ``definition`` (already checked)."""
    Question.objects.filter(version=version).delete()
    Section.objects.filter(version=version).delete()
    ChoiceList.objects.filter(version=version).delete()
    list_ids: dict[str, ChoiceList] = {}
    for list_def in definition.lists:
        list_ids[list_def.name] = ChoiceList.objects.create(version=version, name=list_def.name)
    Choice.objects.bulk_create(
        Choice(
            choice_list=list_ids[list_def.name],
            position=i,
            name=c.name,
            label_zh=c.label_zh,
            label_en=c.label_en,
        )
        for list_def in definition.lists
        for i, c in enumerate(list_def.choices)
    )
    position = 0
    questions = []
    for s_pos, section_def in enumerate(definition.sections):
        section = Section.objects.create(
            version=version,
            position=s_pos,
            name=section_def.name,
            label_zh=section_def.label_zh,
            label_en=section_def.label_en,
            repeat=section_def.repeat,
            repeat_count=section_def.repeat_count.strip() if section_def.repeat else "",
            required=section_def.required and section_def.repeat,
        )
        for q in section_def.questions:
            questions.append(
                Question(
                    version=version,
                    section=section,
                    position=position,
                    name=q.name,
                    qtype=q.qtype,
                    label_zh=q.label_zh,
                    label_en=q.label_en,
                    required=q.required,
                    relevant=q.relevant,
                    constraint=q.constraint,
                    choice_list=list_ids.get(q.list_name) if q.qtype in CHOICE_TYPES else None,
                    items=[vars(i) for i in q.items],
                    score_weight=q.score_weight,
                )
            )
            position += 1
    Question.objects.bulk_create(questions)
