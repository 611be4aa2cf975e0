"""XLSForm import and export: round trip, and malformed files refused cell by cell."""

import io
from collections.abc import Iterator

import pytest
from django.utils import translation
from openpyxl import Workbook

from shequ.people.models import User
from shequ.surveys.definition import DefinitionInvalid, definition_of
from shequ.surveys.demo import demo_definition
from shequ.surveys.models import Survey
from shequ.surveys.services.questionnaire import survey_import_xlsform
from shequ.surveys.services.responses import response_save_by_invitation
from shequ.surveys.xlsform import EN_LABEL, ZH_LABEL, parse_xlsform
from shequ.surveys.xlsform_export import build_xlsform
from tests.factories import WUHOU


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Problems are checked in English (their Chinese text is in the catalogue)."""
    with translation.override("en"):
        yield


def workbook(survey_rows: list[list[str]], choice_rows: list[list[str]] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "survey"
    sheet.append(["type", "name", ZH_LABEL, EN_LABEL, "required", "relevant", "constraint"])
    for row in survey_rows:
        sheet.append(row)
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", ZH_LABEL, EN_LABEL])
    for row in choice_rows or [["yn", "yes", "是", "Yes"], ["yn", "no", "否", "No"]]:
        choices.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_round_trip_keeps_the_survey_identical(committee: User) -> None:
    original = demo_definition()
    content = build_xlsform(original, title="万人问卷", form_id="wanren", version=1)
    survey = survey_import_xlsform(
        actor=committee, content=content, division_code=WUHOU, series="wanren"
    )
    stored = definition_of(survey.versions.get())
    assert stored == parse_xlsform(content).definition
    again = build_xlsform(stored, title="万人问卷", form_id="wanren", version=1)
    assert parse_xlsform(again).definition == stored
    # Same questions, types, labels, rules, lists and index weights as the source.
    assert [vars(q) for q in stored.questions()] == [vars(q) for q in original.questions()]
    assert stored.lists == sorted(original.lists, key=lambda c: c.name)
    assert survey.title_zh == "万人问卷"


def test_import_reads_types_skip_logic_and_labels() -> None:
    content = workbook(
        [
            ["integer", "age", "年龄", "Age", "yes", "", ". >= 18 and . <= 120"],
            ["select_one yn", "pet", "养宠物吗", "Any pets?", "yes", "", ""],
            ["range", "score", "打分", "Score", "", "${pet} = 'yes'", ""],
        ]
    )
    # Give the range its parameters in an extra column.
    parsed = parse_xlsform(_with_parameters(content, row=4, value="start=0 end=10 step=1"))
    age, pet, score = parsed.definition.questions()
    assert (age.qtype, age.required, age.constraint) == ("integer", True, ". >= 18 and . <= 120")
    assert (pet.qtype, pet.list_name, pet.label_en) == ("single", "yn", "Any pets?")
    assert (score.qtype, score.relevant) == ("rating10", "${pet} = 'yes'")


def _with_parameters(content: bytes, *, row: int, value: str) -> bytes:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    sheet = book["survey"]
    sheet.cell(row=1, column=8, value="parameters")
    sheet.cell(row=row, column=8, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("rows", "code", "where"),
    [
        ([["select_one nolist", "q1", "问题", "Q", "", "", ""]], "unknown_list", "row 2, column A"),
        ([["barcode", "q1", "扫码", "Scan", "", "", ""]], "unsupported_type", "row 2, column A"),
        (
            [
                ["integer", "q1", "问题", "Q", "", "${q2} = 1", ""],
                ["integer", "q2", "二", "2", "", "", ""],
            ],
            "relevant_order",
            "row 2, column F",
        ),
        ([["integer", "q1", "问题", "Q", "", "", ". >> 3"]], "bad_constraint", "row 2, column G"),
        ([["integer", "q1", "", "Q", "", "", ""]], "missing_label", "row 2, column C"),
        ([["integer", "1bad", "问题", "Q", "", "", ""]], "bad_name", "row 2, column B"),
        ([["begin_group", "s1", "组", "G", "", "", ""]], "unbalanced_group", "row 2, column A"),
        (
            [["integer", "q1", "一", "1", "", "", ""], ["text", "q1", "二", "2", "", "", ""]],
            "duplicate_question",
            "row 3, column B",
        ),
    ],
)
def test_malformed_forms_name_sheet_row_and_column(
    rows: list[list[str]], code: str, where: str
) -> None:
    with pytest.raises(DefinitionInvalid) as error:
        parse_xlsform(workbook(rows))
    problem = next(p for p in error.value.problems if p.code == code)
    assert f"sheet survey, {where}" in str(problem)


def test_problems_are_translated() -> None:
    with translation.override("zh-hans"):
        with pytest.raises(DefinitionInvalid) as error:
            parse_xlsform(workbook([["barcode", "q1", "扫码", "Scan", "", "", ""]]))
        text = str(error.value.problems[0])
    assert text == "工作表 survey, 第 2 行, A 列: 类型 barcode 暂时无法收集。"


def test_choices_sheet_errors_point_at_the_cell() -> None:
    content = workbook(
        [["select_one yn", "q1", "问题", "Q", "", "", ""]],
        [["yn", "", "是", "Yes"]],
    )
    with pytest.raises(DefinitionInvalid) as error:
        parse_xlsform(content)
    assert "sheet choices, row 2, column B" in str(error.value.problems[0])


@pytest.mark.parametrize("content", [b"not a spreadsheet", b"PK\x03\x04broken"])
def test_non_excel_files_are_refused(content: bytes) -> None:
    with pytest.raises(DefinitionInvalid) as error:
        parse_xlsform(content)
    assert error.value.problems[0].code == "not_xlsx"


def test_failed_import_creates_nothing(committee: User) -> None:
    with pytest.raises(DefinitionInvalid):
        survey_import_xlsform(
            actor=committee,
            content=workbook([["barcode", "q1", "扫码", "Scan", "", "", ""]]),
            division_code=WUHOU,
            series="bad",
        )
    assert not Survey.objects.exists()


def test_importing_into_a_survey_with_responses_makes_a_new_version(
    committee: User, sampled: dict
) -> None:
    from tests.surveys.conftest import GOOD_ANSWERS

    survey = sampled["survey"]
    response_save_by_invitation(
        token=next(iter(sampled["tokens"].values())), answers=GOOD_ANSWERS, submit=True
    )
    content = build_xlsform(demo_definition(), title="t", form_id="t", version=2)
    survey_import_xlsform(actor=committee, content=content, survey_id=survey.pk)
    assert survey.versions.count() == 2
