"""Our survey definitions written out as XLSForm workbooks (survey, choices and settings
sheets), which ODK, KoboToolbox and ``parse_xlsform`` read back.
"""

import io

from openpyxl import Workbook

from shequ.surveys.definition import (
    QuestionDef,
    SurveyDefinition,
)
from shequ.surveys.models import QuestionType
from shequ.surveys.xlsform import CHOICE_COLUMNS, REPEAT_COUNT_COLUMN, SURVEY_COLUMNS


def build_xlsform(definition: SurveyDefinition, *, title: str, form_id: str, version: int) -> bytes:
    """The definition as an XLSForm workbook (survey, choices, settings sheets)."""
    workbook = Workbook()
    survey = workbook.create_sheet("survey", 0)
    for extra in workbook.sheetnames[1:]:
        del workbook[extra]
    repeats = any(section.repeat for section in definition.sections)
    survey.append([*SURVEY_COLUMNS, REPEAT_COUNT_COLUMN] if repeats else SURVEY_COLUMNS)
    for section in definition.sections:
        if section.repeat:
            survey.append(
                [
                    "begin_repeat",
                    section.name,
                    section.label_zh,
                    section.label_en,
                    "yes" if section.required else "",
                    *[""] * (len(SURVEY_COLUMNS) - 5),
                    section.repeat_count,
                ]
            )
        else:
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
        survey.append(["end_repeat" if section.repeat else "end_group", section.name])
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
    if q.qtype == QuestionType.PHONE:
        return "phone number", "", ""
    if q.qtype == QuestionType.IMAGE:
        return "image", "", ""
    return str(q.qtype), "", ""
