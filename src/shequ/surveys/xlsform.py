"""XLSForm (the spreadsheet standard of ODK and KoboToolbox) to and from our definitions.

Files are read with pyxform, the maintained XLSForm reader (``get_xlsform`` and
``workbook_to_json``): it knows the spelled-out types (``select one from yes_no``,
``select all that apply from ...``), aliases, ``or_other``, multi-language and
default-language labels and table-list matrices.  What it yields is mapped onto our
survey definition:

* ``select_one``/``select_multiple`` (Likert with ``appearance`` ``likert`` over 5 choices),
  ``integer``, ``decimal``, ``date``, ``text``, ``phone number``, ``note``, ``geopoint``,
  ``image`` (a photo taken or chosen on the phone);
* ``range`` 0–10 and 0–100 as ratings, other whole-number ranges as integers with a
  constraint;
* ``or_other``: the list plus an "other" choice, and a text question ``<name>_other``
  shown when "other" is chosen;
* groups as sections (nested groups are flattened into their section, their show-if rule
  passed on), ``table-list`` groups as matrices;
* ``begin repeat`` as a repeated section (a roster: its questions are answered once per
  entry) with ``repeat_count`` a whole number or ``${q}`` of an earlier integer question,
  else the respondent adds entries (``required`` on the repeat row: at least one). The
  repeat's show-if rule passes to its questions; questions after a repeat start a new
  section, so the order of the form is kept;
* ``required``, ``relevant``, ``constraint``, labels (Chinese, else the default
  language, else, when the sheet has no Chinese column at all, English) and our own
  ``score_weight`` column (the item's weight in the satisfaction index).

Everything else (a repeat inside a repeat, a matrix or an index weight inside a repeat,
calculations, other types) is refused row by row, saying what cannot be collected yet, so
nobody runs a survey that silently lost a part.
"""

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from pyxform.errors import PyXFormError
from pyxform.xls2json import workbook_to_json
from pyxform.xls2json_backends import get_xlsform

from shequ.surveys.definition import (
    NAME_RE,
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
# Written only for a definition with a repeated section, so other exports stay as they were.
REPEAT_COUNT_COLUMN = "repeat_count"
CHOICE_COLUMNS = ["list_name", "name", ZH_LABEL, EN_LABEL]
# Metadata the phone fills in by itself: nothing for a resident to answer.
IGNORED_TYPES = {
    "start",
    "end",
    "today",
    "deviceid",
    "username",
    "audit",
    "subscriberid",
    "simserial",
    "phonenumber",
    "email",
    "start-geopoint",
}
RANGES = {"10": QuestionType.RATING10, "100": QuestionType.RATING100}
PLAIN_TYPES = {
    "integer": QuestionType.INTEGER,
    "decimal": QuestionType.DECIMAL,
    "date": QuestionType.DATE,
    "text": QuestionType.TEXT,
    "note": QuestionType.NOTE,
    "geopoint": QuestionType.GEOPOINT,
    "phone number": QuestionType.PHONE,
}
MAX_ROWS = 2000
# The choice or_other adds, and the question asking for the detail (stored in both
# languages of the survey, like every label).
OTHER = ChoiceDef("other", "其他", "Other")
SPECIFY_ZH, SPECIFY_EN = "请注明", "Please specify"

_SELECT_RE = re.compile(
    r"^(?:select_one|select_multiple|select one from|select all that apply from|"
    r"select one|select all that apply|select_one_from_file|select_multiple_from_file)"
    r"\s+(?P<list>\S+)(?P<other>\s+or_other)?$"
)
_GROUP_BEGIN = {"begin group", "begin_group", "begin repeat", "begin_repeat"}
_GROUP_END = {"end group", "end_group", "end repeat", "end_repeat"}
_ROW_RE = re.compile(r"\[row\s*:\s*(\d+)\]\s*")


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


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _is_zh(language: str) -> bool:
    low = language.lower()
    return "(zh" in low or "中文" in language or "chinese" in low


def _is_en(language: str) -> bool:
    low = language.lower()
    return "(en" in low or "english" in low


class _Sheet:
    """One sheet's raw rows (as pyxform read them) with their row numbers and letters."""

    def __init__(self, sheet: str, rows: list[dict[str, Any]] | None, header: Any) -> None:
        self.sheet = sheet
        self.rows = [{k: _text(v) for k, v in (row or {}).items()} for row in rows or []]
        names: list[str] = []
        for entry in header or []:
            names.extend(str(k) for k in (entry or {}))
        self.letters: dict[str, str] = {}
        for index, name in enumerate(names):
            self.letters.setdefault(name.strip().lower(), _letter(index))
        label_columns = [n for n in names if n.lower().startswith("label")]
        self.label_columns = label_columns
        self.has_zh = any(_is_zh(n) for n in label_columns)
        zh = next((n for n in label_columns if _is_zh(n)), None)
        default = next((n for n in label_columns if n.lower() == "label"), None)
        first = zh or default or (label_columns[0] if label_columns else None)
        self.letters["label"] = self.letters.get(first.lower(), "") if first else ""

    def numbered(self) -> list[tuple[int, dict[str, str]]]:
        """(sheet row number, cells) for each row; the header is row 1."""
        return [(i + 2, row) for i, row in enumerate(self.rows)]

    def letter(self, key: str) -> str:
        return self.letters.get(key, key)

    def problem(self, code: str, message: str, row: int | None, column: str = "") -> Problem:
        return Problem(code, message, self.sheet, row, self.letter(column) if column else "")


def _labels(value: Any, *, has_zh: bool) -> tuple[str, str]:
    """(Chinese, English) labels from pyxform's label (a string or {language: text}).

    The Chinese label falls back to the default language, and to English or another
    language only when the sheet has no Chinese column at all (an empty Chinese cell in a
    bilingual form is a mistake to report, not to paper over).
    """
    if value is None:
        return "", ""
    if isinstance(value, str):
        return value.strip(), ""
    zh = en = default = other = ""
    for language, text in value.items():
        text = _text(text)
        if _is_zh(language):
            zh = zh or text
        elif _is_en(language):
            en = en or text
        elif language == "default":
            default = text
        else:
            other = other or text
    chinese = zh or default or ("" if has_zh else (other or en))
    return chinese, en


def _read(content: bytes) -> Any:
    try:
        return get_xlsform(io.BytesIO(content))
    except (PyXFormError, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise DefinitionInvalid(
            [Problem("not_xlsx", _("The file is not an Excel workbook (.xlsx)."))]
        ) from exc


def parse_xlsform(content: bytes) -> ParsedForm:
    """Read an XLSForm workbook. Raises: DefinitionInvalid naming sheet, row and column."""
    data = _read(content)
    if "survey" not in {str(n).lower() for n in (data.sheet_names or [])} or not data.survey:
        raise DefinitionInvalid(
            [Problem("missing_sheet", _("The workbook has no sheet named survey."), "survey")]
        )
    survey = _Sheet("survey", data.survey, data.survey_header)
    choices = _Sheet("choices", data.choices, data.choices_header)
    problems = _check_rows(survey, choices)
    if problems:
        raise DefinitionInvalid(problems)
    try:
        form = workbook_to_json(data, form_name="data", warnings=[])
    except (PyXFormError, ValueError) as exc:
        message = str(exc)
        row = _ROW_RE.search(message)
        raise DefinitionInvalid(
            [
                Problem(
                    "xlsform_error",
                    _("The form cannot be read: %(e)s") % {"e": _ROW_RE.sub("", message)},
                    "survey",
                    int(row.group(1)) if row else None,
                )
            ]
        ) from exc
    mapper = _Mapper(survey, choices, form)
    mapper.run()
    settings = (data.settings or [{}])[0] or {}
    parsed = ParsedForm(
        mapper.definition,
        title=_text(settings.get("form_title")),
        form_id=_text(settings.get("form_id")),
    )
    problems = mapper.problems
    if not problems:
        letters = {key: survey.letter(key) for key in survey.letters}
        problems = definition_problems(parsed.definition, where=mapper.where, letters=letters)
    if problems:
        raise DefinitionInvalid(problems)
    return parsed


def _raw_type(row: dict[str, str]) -> str:
    return " ".join(row.get("type", "").split())


def _check_rows(survey: _Sheet, choices: _Sheet) -> list[Problem]:
    """Our own checks of the raw rows, before pyxform: translated, and cell-precise."""
    problems: list[Problem] = []
    for key in ("type", "name"):
        if key not in survey.letters:
            problems.append(
                survey.problem(
                    "missing_column", _("The column %(c)s is missing.") % {"c": key}, 1, ""
                )
            )
    if not survey.label_columns:
        problems.append(
            survey.problem("missing_column", _("The column %(c)s is missing.") % {"c": "label"}, 1)
        )
    if problems:
        return problems
    lists: set[str] = set()
    for number, row in choices.numbered():
        if number > MAX_ROWS:
            problems.append(choices.problem("too_many_rows", _("Too many rows."), number))
            break
        if not any(row.values()):
            continue
        lists.add(row.get("list_name", ""))
        label = any(row.get(c, "") for c in choices.label_columns)
        for key, present in (
            ("list_name", bool(row.get("list_name"))),
            ("name", bool(row.get("name"))),
            ("label", label),
        ):
            if not present:
                problems.append(
                    choices.problem("empty_cell", _("This cell must not be empty."), number, key)
                )
    open_groups: list[int] = []
    seen: set[str] = set()
    for number, row in survey.numbered():
        if number > MAX_ROWS:
            problems.append(survey.problem("too_many_rows", _("Too many rows."), number))
            break
        kind = _raw_type(row).lower()
        if not kind:
            continue
        if kind in _GROUP_END:
            if not open_groups:
                problems.append(
                    survey.problem(
                        "unbalanced_group",
                        _("end group without begin group."),
                        number,
                        "type",
                    )
                )
            else:
                open_groups.pop()
            continue
        if kind in _GROUP_BEGIN:
            open_groups.append(number)
        select = _SELECT_RE.match(kind)
        if select and select["list"] not in lists and "from_file" not in kind:
            problems.append(
                survey.problem(
                    "unknown_list",
                    _("The question %(n)s uses an unknown choice list %(l)s.")
                    % {"n": row.get("name", ""), "l": select["list"]},
                    number,
                    "type",
                )
            )
        name = row.get("name", "")
        if not name or kind in IGNORED_TYPES:
            continue
        if kind in _GROUP_BEGIN and "table-list" not in row.get("appearance", "").lower():
            continue  # a section's or repeat's name is not a question name (see _section_name)
        if not NAME_RE.match(name):
            problems.append(
                survey.problem(
                    "bad_name",
                    _("%(n)s is not a valid question name (letters, digits, _).") % {"n": name},
                    number,
                    "name",
                )
            )
        elif name in seen:
            problems.append(
                survey.problem(
                    "duplicate_question",
                    _("The question name %(n)s appears twice.") % {"n": name},
                    number,
                    "name",
                )
            )
        seen.add(name)
    for number in open_groups:
        problems.append(
            survey.problem("unbalanced_group", _("begin group without end group."), number, "type")
        )
    return problems


class _Mapper:
    """Walks pyxform's JSON form and builds our definition, noting what cannot be collected."""

    def __init__(self, survey: _Sheet, choices: _Sheet, form: dict[str, Any]) -> None:
        self.survey = survey
        self.choices = choices
        self.form = form
        self.definition = SurveyDefinition()
        self.problems: list[Problem] = []
        self.where: dict[str, tuple[str, int]] = {}
        self.raw: dict[str, tuple[int, dict[str, str]]] = {}
        for number, row in survey.numbered():
            if row.get("name") and row["name"] not in self.raw:
                self.raw[row["name"]] = (number, row)
        # Lists as the choices sheet holds them: pyxform appends or_other's "other" to the
        # shared list itself, which must not give every question using it that choice.
        declared: dict[str, set[str]] = {}
        for _number, row in choices.numbered():
            declared.setdefault(row.get("list_name", ""), set()).add(row.get("name", ""))
        self.lists: dict[str, ListDef] = {}
        for list_name, items in (form.get("choices") or {}).items():
            kept = ListDef(list_name)
            for item in items:
                name = _text(item.get("name"))
                if name == OTHER.name and name not in declared.get(list_name, set()):
                    continue
                zh, en = _labels(item.get("label"), has_zh=choices.has_zh)
                kept.choices.append(ChoiceDef(name, zh, en))
            self.lists[list_name] = kept
        self.default_section: SectionDef | None = None
        self.default_name = "main"
        # Sections opened to hold what follows a repeat; dropped again if nothing follows.
        self.continuations: list[SectionDef] = []

    def run(self) -> None:
        self._walk(self.form.get("children") or [], None, "")
        self.definition.sections = [
            s
            for s in self.definition.sections
            if s.questions or not any(s is c for c in self.continuations)
        ]
        self.definition.lists = sorted(self.lists.values(), key=lambda c: c.name)

    def _fresh_name(self, base: str) -> str:
        taken = {s.name for s in self.definition.sections}
        name, n = base, 2
        while name in taken:
            name, n = f"{base[:56]}_{n}", n + 1
        return name

    def _row(self, name: str) -> tuple[int | None, dict[str, str]]:
        number, row = self.raw.get(name, (None, {}))
        return number, row

    def _refuse(self, name: str, message: str) -> None:
        number, _row = self._row(name)
        self.problems.append(self.survey.problem("unsupported_type", message, number, "type"))

    def _section(self, section: SectionDef | None) -> SectionDef:
        if section is not None:
            return section
        if self.default_section is None:
            self.default_section = SectionDef(self.default_name)
            self.definition.sections.append(self.default_section)
        return self.default_section

    def _walk(
        self, children: list[dict[str, Any]], section: SectionDef | None, relevant: str
    ) -> SectionDef | None:
        """Map ``children`` into ``section``; returns the section what follows goes into
        (a new one after a repeat)."""
        for element in children:
            kind = str(element.get("type", ""))
            name = _text(element.get("name"))
            if kind == "group":
                section = self._group(element, section, relevant)
            elif kind == "repeat":
                section = self._repeat(element, section, relevant)
            elif kind in IGNORED_TYPES:
                continue
            elif kind == "calculate" and name not in self.raw:
                continue  # pyxform's own count for a fixed repeat_count (<repeat>_count)
            else:
                self._question(element, section, relevant)
        return section

    def _group(
        self, element: dict[str, Any], section: SectionDef | None, outer: str
    ) -> SectionDef | None:
        name = _text(element.get("name"))
        control = element.get("control") or {}
        children = element.get("children") or []
        if control.get("bodyless"):
            return section  # pyxform's own meta group (instanceID)
        relevant = _and(outer, _text((element.get("bind") or {}).get("relevant")))
        if any(
            _text(c.get("name")).startswith("reserved_name_for_field_list_labels_")
            for c in children
        ):
            self._matrix(element, section, relevant)
            return section
        if section is not None:
            # Our questionnaires have one level of sections: inner groups join their section.
            return self._walk(children, section, relevant)
        zh, en = _labels(element.get("label"), has_zh=self.survey.has_zh)
        new = SectionDef(_section_name(name), zh, en)
        self.definition.sections.append(new)
        self._walk(children, new, relevant)
        return None

    def _repeat(
        self, element: dict[str, Any], section: SectionDef | None, outer: str
    ) -> SectionDef | None:
        """A repeat becomes a repeated section of its own (a roster)."""
        name = _text(element.get("name"))
        number, row = self._row(name)
        if section is not None and section.repeat:
            self._refuse(
                name,
                _(
                    "A repeat inside a repeat (begin repeat %(n)s inside %(outer)s) cannot be "
                    "collected yet."
                )
                % {"n": name, "outer": section.name},
            )
            for child in _questions_in(element):
                self._refuse(
                    child,
                    _(
                        "%(q)s is inside the repeat %(n)s within the repeat %(outer)s, which "
                        "cannot be collected yet."
                    )
                    % {"q": child, "n": name, "outer": section.name},
                )
            return section
        bind = element.get("bind") or {}
        zh, en = _labels(element.get("label"), has_zh=self.survey.has_zh)
        repeated = SectionDef(
            _section_name(name),
            zh,
            en,
            repeat=True,
            repeat_count=row.get("repeat_count", ""),
            required=_truthy(_text(bind.get("required"))),
        )
        if number is not None:
            self.where[repeated.name] = ("survey", number)
        self.definition.sections.append(repeated)
        self._walk(
            element.get("children") or [],
            repeated,
            _and(outer, _text(bind.get("relevant"))),
        )
        if section is None:
            # Top-level questions after the roster go into a new section after it.
            self.default_section = None
            self.default_name = self._fresh_name("main")
            return None
        after = SectionDef(self._fresh_name(section.name), section.label_zh, section.label_en)
        self.definition.sections.append(after)
        self.continuations.append(after)
        return after

    def _matrix(self, element: dict[str, Any], section: SectionDef | None, relevant: str) -> None:
        name = _text(element.get("name"))
        number, row = self._row(name)
        label: Any = None
        matrix = QuestionDef(
            name=name,
            qtype=QuestionType.MATRIX,
            label_zh="",
            required=_truthy(row.get("required", "")),
            relevant=relevant,
            score_weight=self._weight(name),
        )
        for child in element.get("children") or []:
            child_name = _text(child.get("name"))
            if child_name.startswith("generated_table_list_label_"):
                label = child.get("label")
                continue
            if child_name.startswith("reserved_name_for_field_list_labels_"):
                continue
            if child.get("type") != "select one":
                child_row, _cells = self._row(child_name)
                self.problems.append(
                    self.survey.problem(
                        "matrix_row_type",
                        _("Matrix rows must be select_one questions."),
                        child_row,
                        "type",
                    )
                )
                continue
            list_name = _text(child.get("list_name") or child.get("itemset"))
            if matrix.list_name and matrix.list_name != list_name:
                child_row, _cells = self._row(child_name)
                self.problems.append(
                    self.survey.problem(
                        "matrix_list",
                        _("Matrix rows must share one choice list."),
                        child_row,
                        "type",
                    )
                )
            matrix.list_name = list_name
            zh, en = _labels(child.get("label"), has_zh=self.survey.has_zh)
            matrix.items.append(ItemDef(child_name, zh, en))
        matrix.label_zh, matrix.label_en = _labels(label, has_zh=self.survey.has_zh)
        if number is not None:
            self.where[name] = ("survey", number)
        self._section(section).questions.append(matrix)

    def _weight(self, name: str) -> float:
        number, row = self._row(name)
        text = row.get("score_weight", "")
        if not text:
            return 0.0
        try:
            return float(text)
        except ValueError:
            self.problems.append(
                self.survey.problem(
                    "bad_weight", _("The index weight must be a number."), number, "score_weight"
                )
            )
            return 0.0

    def _question(self, element: dict[str, Any], section: SectionDef | None, outer: str) -> None:
        name = _text(element.get("name"))
        kind = str(element.get("type", ""))
        number, row = self._row(name)
        bind = element.get("bind") or {}
        control = element.get("control") or {}
        zh, en = _labels(element.get("label"), has_zh=self.survey.has_zh)
        question = QuestionDef(
            name=name,
            qtype="",
            label_zh=zh,
            label_en=en,
            required=_truthy(_text(bind.get("required"))),
            relevant=_and(outer, _text(bind.get("relevant"))),
            constraint=_text(bind.get("constraint")),
        )
        raw_type = _raw_type(row).lower()
        select = _SELECT_RE.match(raw_type)
        if (
            kind in ("select one", "select all that apply")
            and select
            and "from_file" not in raw_type
        ):
            question.qtype = (
                QuestionType.MULTIPLE
                if kind == "select all that apply"
                else QuestionType.LIKERT5
                if "likert" in _text(control.get("appearance")).lower()
                else QuestionType.SINGLE
            )
            question.list_name = select["list"]
            if select["other"]:
                question.list_name = self._or_other_list(select["list"])
        elif kind == "text" and name.endswith("_other") and not row:
            # The detail question pyxform adds after an or_other select (no row of its own).
            base = name.removesuffix("_other")
            question.qtype = QuestionType.TEXT
            question.label_zh, question.label_en = SPECIFY_ZH, SPECIFY_EN
            question.relevant = _and(outer, f"selected(${{{base}}}, '{OTHER.name}')")
            number, _row = self._row(base)
        elif kind in PLAIN_TYPES:
            question.qtype = PLAIN_TYPES[kind]
            if question.qtype == QuestionType.NOTE:
                question.required = False
        elif kind == "range":
            if not self._range(question, element):
                return
        elif kind in ("photo", "image"):
            question.qtype = QuestionType.IMAGE
        elif kind == "calculate":
            self._refuse(name, _("Calculations (calculate) are not evaluated yet."))
            return
        else:
            self._refuse(
                name,
                _("The type %(t)s cannot be collected yet.") % {"t": _raw_type(row) or kind},
            )
            return
        if question.qtype != QuestionType.NOTE:
            question.score_weight = self._weight(name)
        if number is not None:
            self.where[name] = ("survey", number)
        self._section(section).questions.append(question)

    def _or_other_list(self, base: str) -> str:
        name = f"{base}_or_other"
        if name not in self.lists:
            source = self.lists.get(base, ListDef(base))
            choices = list(source.choices)
            if OTHER.name not in {c.name for c in choices}:
                choices.append(OTHER)
            self.lists[name] = ListDef(name, choices)
        return name

    def _range(self, question: QuestionDef, element: dict[str, Any]) -> bool:
        params = {k: _text(v) for k, v in (element.get("parameters") or {}).items()}
        start = params.get("start", "0").removesuffix(".0")
        end = params.get("end", "10").removesuffix(".0")
        step = params.get("step", "1").removesuffix(".0")
        if start == "0" and step == "1" and end in RANGES:
            question.qtype = RANGES[end]
            return True
        if step == "1" and re.fullmatch(r"-?\d+", start) and re.fullmatch(r"-?\d+", end):
            # Any other whole-number scale is an integer question bounded by a constraint.
            question.qtype = QuestionType.INTEGER
            bounds = f". >= {start} and . <= {end}"
            if question.constraint:
                self._refuse(
                    question.name,
                    _("A range with its own constraint cannot be collected yet."),
                )
                return False
            question.constraint = bounds
            return True
        self._refuse(
            question.name,
            _("Only ranges in whole steps of 1 can be collected (%(p)s).")
            % {"p": " ".join(f"{k}={v}" for k, v in params.items())},
        )
        return False


def _section_name(name: str) -> str:
    """A group name as a section name: XLSForm allows ``-`` and ``.``, our sections do not,
    and nothing refers to a section by name, so the name is made safe instead of refused."""
    safe = re.sub(r"[^A-Za-z0-9_]", "_", name)[:60] or "section"
    return safe if NAME_RE.match(safe) else f"_{safe}"[:60]


def _questions_in(element: dict[str, Any]) -> list[str]:
    names = []
    for child in element.get("children") or []:
        if child.get("children"):
            names.extend(_questions_in(child))
        elif child.get("name"):
            names.append(_text(child.get("name")))
    return names


def _and(outer: str, inner: str) -> str:
    """Both show-if rules: a group's applies to every question in it."""
    if outer and inner:
        return f"{outer} and {inner}"
    return outer or inner
