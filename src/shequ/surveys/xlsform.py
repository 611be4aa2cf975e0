"""XLSForm (the spreadsheet standard of ODK and KoboToolbox) to and from our definitions.

Supported: ``select_one``/``select_multiple`` with a ``choices`` list, ``integer``,
``decimal``, ``date``, ``text``, ``range`` (0–10 and 0–100 ratings), Likert as a
``select_one`` with ``appearance`` ``likert`` over 5 choices, matrices as a ``begin_group``
with ``appearance`` ``table-list`` whose rows share one list, sections as other groups;
``required``, ``relevant``, ``constraint``, ``label::中文 (zh)`` / ``label::English (en)``
columns, and our own ``score_weight`` column (the item's weight in the satisfaction index).
"""

import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from shequ.surveys.definition import (
    ChoiceDef,
    DefinitionInvalid,
    ItemDef,
    ListDef,
    Problem,
    QuestionDef,
    SectionDef,
    SurveyDefinition,
    definition_problems,
)
from shequ.surveys.models import QuestionType

ZH_LABEL = "label::中文 (zh)"
EN_LABEL = "label::English (en)"
SURVEY_COLUMNS = [
    "type",
    "name",
    ZH_LABEL,
    EN_LABEL,
    "required",
    "relevant",
    "constraint",
    "appearance",
    "parameters",
    "score_weight",
]
CHOICE_COLUMNS = ["list_name", "name", ZH_LABEL, EN_LABEL]
IGNORED_TYPES = {"start", "end", "today", "deviceid", "username", "audit"}
RANGES = {"10": QuestionType.RATING10, "100": QuestionType.RATING100}
MAX_ROWS = 2000


@dataclass
class ParsedForm:
    definition: SurveyDefinition
    title: str = ""
    form_id: str = ""
    problems: list[Problem] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _truthy(value: str) -> bool:
    return value.lower() in {"yes", "true", "true()", "1", "y"}


def _columns(header: tuple[Any, ...]) -> dict[str, int]:
    """Map our column keys to indexes; label columns by language tag."""
    found: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = _text(raw)
        lower = name.lower()
        if lower.startswith("label::"):
            if "(en" in lower or "english" in lower:
                found.setdefault("label_en", index)
            elif "(zh" in lower or "中文" in name or "chinese" in lower:
                found.setdefault("label_zh", index)
        elif lower == "label":
            found.setdefault("label_zh", index)
        elif lower:
            found.setdefault(lower, index)
    return found


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _parameters(text: str) -> dict[str, str]:
    pairs = {}
    for part in text.replace(";", " ").split():
        if "=" in part:
            key, _sep, value = part.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def parse_xlsform(content: bytes) -> ParsedForm:
    """Read an XLSForm workbook. Raises: DefinitionInvalid naming sheet, row and column."""
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise DefinitionInvalid(
            [Problem("not_xlsx", _("The file is not an Excel workbook (.xlsx)."))]
        ) from exc
    problems: list[Problem] = []
    sheets = {name.lower(): workbook[name] for name in workbook.sheetnames}
    if "survey" not in sheets:
        raise DefinitionInvalid(
            [Problem("missing_sheet", _("The workbook has no sheet named survey."), "survey")]
        )
    lists = _parse_choices(sheets.get("choices"), problems)
    parsed = ParsedForm(SurveyDefinition(lists=sorted(lists.values(), key=lambda c: c.name)))
    where, letters = _parse_survey(sheets["survey"], lists, parsed.definition, problems)
    if "settings" in sheets:
        rows = list(sheets["settings"].iter_rows(max_row=2, values_only=True))
        if len(rows) == 2:
            columns = _columns(rows[0])
            parsed.title = _text(rows[1][columns["form_title"]]) if "form_title" in columns else ""
            parsed.form_id = _text(rows[1][columns["form_id"]]) if "form_id" in columns else ""
    workbook.close()
    if not problems:
        problems.extend(definition_problems(parsed.definition, where=where, letters=letters))
    if problems:
        raise DefinitionInvalid(problems)
    return parsed


def _parse_choices(sheet: Any, problems: list[Problem]) -> dict[str, ListDef]:
    lists: dict[str, ListDef] = {}
    if sheet is None:
        return lists
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return lists
    columns = _columns(header)
    for key in ("list_name", "name", "label_zh"):
        if key not in columns:
            label = {"label_zh": ZH_LABEL}.get(key, key)
            problems.append(
                Problem(
                    "missing_column",
                    _("The column %(c)s is missing.") % {"c": label},
                    "choices",
                    1,
                    label,
                )
            )
    if problems:
        return lists
    for number, row in enumerate(rows, start=2):
        if number > MAX_ROWS:
            problems.append(Problem("too_many_rows", _("Too many rows."), "choices", number))
            break
        cells = [_text(c) for c in row]
        if not any(cells):
            continue

        def cell(key: str, cells: list[str] = cells) -> str:
            index = columns.get(key)
            return cells[index] if index is not None and index < len(cells) else ""

        list_name, name = cell("list_name"), cell("name")
        for key, value in (
            ("list_name", list_name),
            ("name", name),
            ("label_zh", cell("label_zh")),
        ):
            if not value:
                problems.append(
                    Problem(
                        "empty_cell",
                        _("This cell must not be empty."),
                        "choices",
                        number,
                        _letter(columns[key]),
                    )
                )
        if list_name and name:
            lists.setdefault(list_name, ListDef(list_name)).choices.append(
                ChoiceDef(name, cell("label_zh"), cell("label_en"))
            )
    return lists


def _parse_survey(
    sheet: Any,
    lists: dict[str, ListDef],
    definition: SurveyDefinition,
    problems: list[Problem],
) -> tuple[dict[str, tuple[str, int]], dict[str, str]]:
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None) or ()
    columns = _columns(header)
    letters = {key: _letter(index) for key, index in columns.items()}
    letters["label"] = letters.get("label_zh", "")
    for key in ("type", "name"):
        if key not in columns:
            problems.append(
                Problem(
                    "missing_column",
                    _("The column %(c)s is missing.") % {"c": key},
                    "survey",
                    1,
                    key,
                )
            )
    if "label_zh" not in columns:
        problems.append(
            Problem(
                "missing_column",
                _("The column %(c)s is missing.") % {"c": ZH_LABEL},
                "survey",
                1,
                ZH_LABEL,
            )
        )
    if problems:
        return {}, letters
    where: dict[str, tuple[str, int]] = {}
    section: SectionDef | None = None
    matrix: QuestionDef | None = None
    default: SectionDef | None = None
    group_rows: list[int] = []

    def current_section() -> SectionDef:
        nonlocal default
        if section is not None:
            return section
        if default is None:
            default = SectionDef("main")
            definition.sections.append(default)
        return default

    type_column = _letter(columns["type"])
    for number, row in enumerate(rows, start=2):
        if number > MAX_ROWS:
            problems.append(Problem("too_many_rows", _("Too many rows."), "survey", number))
            break
        cells = [_text(c) for c in row]
        if not any(cells):
            continue

        def cell(key: str, cells: list[str] = cells) -> str:
            index = columns.get(key)
            return cells[index] if index is not None and index < len(cells) else ""

        raw_type = " ".join(cell("type").split())
        kind, _sep, list_name = raw_type.partition(" ")
        kind = kind.lower().replace("begin_group", "begin group").replace("end_group", "end group")
        if raw_type.lower() in ("begin group", "begin_group"):
            kind = "begin group"
        if raw_type.lower() in ("end group", "end_group"):
            kind = "end group"
        name = cell("name")
        place = ("survey", number)
        if kind == "begin group":
            group_rows.append(number)
            appearance = cell("appearance").lower()
            if "table-list" in appearance:
                matrix = QuestionDef(
                    name=name,
                    qtype=QuestionType.MATRIX,
                    label_zh=cell("label_zh"),
                    label_en=cell("label_en"),
                    required=_truthy(cell("required")),
                    relevant=cell("relevant"),
                    score_weight=_weight(cell("score_weight"), problems, number, columns),
                )
                where[name] = place
            elif section is not None or matrix is not None:
                problems.append(
                    Problem(
                        "nested_group",
                        _("Groups inside groups are only supported as matrices (table-list)."),
                        "survey",
                        number,
                        type_column,
                    )
                )
            else:
                section = SectionDef(name, cell("label_zh"), cell("label_en"))
                definition.sections.append(section)
            continue
        if kind == "end group":
            if not group_rows:
                problems.append(
                    Problem(
                        "unbalanced_group",
                        _("end group without begin group."),
                        "survey",
                        number,
                        type_column,
                    )
                )
                continue
            group_rows.pop()
            if matrix is not None:
                current_section().questions.append(matrix)
                matrix = None
            else:
                section = None
            continue
        if kind in IGNORED_TYPES:
            continue
        if matrix is not None:
            if kind != "select_one":
                problems.append(
                    Problem(
                        "matrix_row_type",
                        _("Matrix rows must be select_one questions."),
                        "survey",
                        number,
                        type_column,
                    )
                )
                continue
            if matrix.list_name and matrix.list_name != list_name:
                problems.append(
                    Problem(
                        "matrix_list",
                        _("Matrix rows must share one choice list."),
                        "survey",
                        number,
                        type_column,
                    )
                )
            matrix.list_name = list_name
            matrix.items.append(ItemDef(name, cell("label_zh"), cell("label_en")))
            continue
        qtype = _question_type(kind, list_name, cell("appearance"), cell("parameters"), lists)
        if qtype is None:
            problems.append(
                Problem(
                    "unsupported_type",
                    _("The type %(t)s is not supported.") % {"t": raw_type or "—"},
                    "survey",
                    number,
                    type_column,
                )
            )
            continue
        question = QuestionDef(
            name=name,
            qtype=qtype,
            label_zh=cell("label_zh"),
            label_en=cell("label_en"),
            required=_truthy(cell("required")),
            relevant=cell("relevant"),
            constraint=cell("constraint"),
            list_name=list_name if kind.startswith("select") else "",
            score_weight=_weight(cell("score_weight"), problems, number, columns),
        )
        where[name] = place
        current_section().questions.append(question)
    for number in group_rows:
        problems.append(
            Problem(
                "unbalanced_group",
                _("begin group without end group."),
                "survey",
                number,
                type_column,
            )
        )
    return where, letters


def _weight(text: str, problems: list[Problem], number: int, columns: dict[str, int]) -> float:
    if not text:
        return 0.0
    try:
        return float(text)
    except ValueError:
        problems.append(
            Problem(
                "bad_weight",
                _("The index weight must be a number."),
                "survey",
                number,
                _letter(columns["score_weight"]),
            )
        )
        return 0.0


def _question_type(
    kind: str, list_name: str, appearance: str, parameters: str, lists: dict[str, ListDef]
) -> str | None:
    if kind == "select_one" and list_name:
        return QuestionType.LIKERT5 if "likert" in appearance.lower() else QuestionType.SINGLE
    if kind == "select_multiple" and list_name:
        return QuestionType.MULTIPLE
    if kind in ("integer", "decimal", "date", "text") and not list_name:
        return {"integer": "integer", "decimal": "decimal", "date": "date", "text": "text"}[kind]
    if kind == "range":
        params = _parameters(parameters)
        if params.get("start", "0") in ("0", "0.0") and params.get("step", "1") in ("1", "1.0"):
            return RANGES.get(params.get("end", "").removesuffix(".0"))
    return None


def build_xlsform(definition: SurveyDefinition, *, title: str, form_id: str, version: int) -> bytes:
    """The definition as an XLSForm workbook (survey, choices, settings sheets)."""
    workbook = Workbook()
    survey = workbook.create_sheet("survey", 0)
    for extra in workbook.sheetnames[1:]:
        del workbook[extra]
    survey.append(SURVEY_COLUMNS)
    for section in definition.sections:
        survey.append(["begin_group", section.name, section.label_zh, section.label_en])
        for q in section.questions:
            required = "yes" if q.required else ""
            weight = _weight_text(q.score_weight)
            if q.qtype == QuestionType.MATRIX:
                survey.append(
                    [
                        "begin_group",
                        q.name,
                        q.label_zh,
                        q.label_en,
                        required,
                        q.relevant,
                        "",
                        "table-list",
                        "",
                        weight,
                    ]
                )
                for item in q.items:
                    survey.append(
                        [
                            f"select_one {q.list_name}",
                            item.name,
                            item.label_zh,
                            item.label_en,
                            required,
                        ]
                    )
                survey.append(["end_group", q.name])
                continue
            kind, appearance, parameters = _export_type(q)
            survey.append(
                [
                    kind,
                    q.name,
                    q.label_zh,
                    q.label_en,
                    required,
                    q.relevant,
                    q.constraint,
                    appearance,
                    parameters,
                    weight,
                ]
            )
        survey.append(["end_group", section.name])
    choices = workbook.create_sheet("choices")
    choices.append(CHOICE_COLUMNS)
    for choice_list in definition.lists:
        for choice in choice_list.choices:
            choices.append([choice_list.name, choice.name, choice.label_zh, choice.label_en])
    settings = workbook.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append([title, form_id, str(version), "中文 (zh)"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _weight_text(weight: float) -> str:
    if not weight:
        return ""
    return str(int(weight)) if float(weight).is_integer() else repr(weight)


def _export_type(q: QuestionDef) -> tuple[str, str, str]:
    if q.qtype == QuestionType.SINGLE:
        return f"select_one {q.list_name}", "", ""
    if q.qtype == QuestionType.LIKERT5:
        return f"select_one {q.list_name}", "likert", ""
    if q.qtype == QuestionType.MULTIPLE:
        return f"select_multiple {q.list_name}", "", ""
    if q.qtype == QuestionType.RATING10:
        return "range", "", "start=0 end=10 step=1"
    if q.qtype == QuestionType.RATING100:
        return "range", "", "start=0 end=100 step=1"
    return str(q.qtype), "", ""
