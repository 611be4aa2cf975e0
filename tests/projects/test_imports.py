from datetime import date
from io import BytesIO

import pytest
from django.test import Client
from django.utils import translation
from openpyxl import Workbook, load_workbook

from shequ.core.errors import DomainError
from shequ.people.models import User
from shequ.projects import workbooks
from shequ.projects.models import PlanTarget, ProgressReport, Project
from shequ.projects.services import import_results, planning, reporting
from tests.projects.conftest import new_project

MONTH = date(2018, 6, 1)


def xlsx(rows: list[list[object]], header: list[str] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    with translation.override("zh-hans"):
        sheet.append(header or workbooks.header_labels(workbooks.MONTHLY_COLUMNS))
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def two(district_officer: User) -> list[Project]:
    return [new_project(district_officer, "M-1"), new_project(district_officer, "M-2")]


def test_a_clean_month_is_imported_and_a_reupload_updates(
    two: list[Project], district_officer: User
) -> None:
    data = xlsx([["M-1", "", 30, 1000, 2000, 0, ""], ["M-2", "", "45", "10.5", None, None, ""]])
    result = reporting.monthly_report_import(actor=district_officer, month=MONTH, data=data)
    assert (result.created, result.updated, result.errors) == (2, 0, [])
    again = xlsx([["M-1", "", 35, 1000, 2000, 0, ""]])
    result = reporting.monthly_report_import(actor=district_officer, month=MONTH, data=again)
    assert (result.created, result.updated) == (0, 1)
    assert ProgressReport.objects.count() == 2
    assert Project.objects.get(code="M-1").progress == 35


def test_bad_rows_are_named_by_row_and_column_and_nothing_is_imported(
    two: list[Project], district_officer: User
) -> None:
    data = xlsx(
        [
            ["M-1", "", 30, 0, 0, 0, ""],
            ["NOPE", "", 10, 0, 0, 0, ""],
            ["M-2", "", 130, "abc", 0, 0, ""],
        ]
    )
    with translation.override("zh-hans"), pytest.raises(import_results.RowErrors) as caught:
        reporting.monthly_report_import(actor=district_officer, month=MONTH, data=data)
    errors = caught.value.errors
    assert [(e.row, e.column[0]) for e in errors] == [(3, "A"), (4, "C"), (4, "D")]
    with translation.override("zh-hans"):
        assert "第3行" in str(errors[0]) or "3" in str(errors[0])
        assert "NOPE" in errors[0].message
    assert not ProgressReport.objects.exists()


def test_valid_rows_only_on_request(two: list[Project], district_officer: User) -> None:
    data = xlsx([["M-1", "", 30, 0, 0, 0, ""], ["M-2", "", 101, 0, 0, 0, ""]])
    result = reporting.monthly_report_import(
        actor=district_officer, month=MONTH, data=data, valid_rows_only=True
    )
    assert (result.created, result.skipped, len(result.errors)) == (1, 1, 1)
    assert list(ProgressReport.objects.values_list("project__code", flat=True)) == ["M-1"]


def test_progress_going_back_in_the_file_needs_a_note(
    two: list[Project], district_officer: User
) -> None:
    reporting.monthly_report_import(
        actor=district_officer, month=date(2018, 5, 1), data=xlsx([["M-1", "", 60, 0, 0, 0, ""]])
    )
    with pytest.raises(import_results.RowErrors) as caught:
        reporting.monthly_report_import(
            actor=district_officer, month=MONTH, data=xlsx([["M-1", "", 50, 0, 0, 0, ""]])
        )
    assert caught.value.errors[0].code == "progress_backwards"
    result = reporting.monthly_report_import(
        actor=district_officer, month=MONTH, data=xlsx([["M-1", "", 50, 0, 0, 0, "返工"]])
    )
    assert result.created == 1


def test_another_districts_projects_are_not_yours_to_report(
    two: list[Project], jinjiang_officer: User
) -> None:
    with pytest.raises(import_results.RowErrors) as caught:
        reporting.monthly_report_import(
            actor=jinjiang_officer, month=MONTH, data=xlsx([["M-1", "", 10, 0, 0, 0, ""]])
        )
    assert caught.value.errors[0].code == "project_unknown"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"not an excel file", "file_invalid"),
        (xlsx([["M-1", 10]], header=["编号", "进度"]), "headers_invalid"),
        (xlsx([]), "file_empty"),
    ],
    # The workbooks carry their creation time: ids keep the test names equal in every
    # parallel worker.
    ids=["not-excel", "wrong-headers", "empty"],
)
def test_wrong_files_are_refused(
    two: list[Project], district_officer: User, data: bytes, code: str
) -> None:
    with pytest.raises(DomainError) as caught:
        reporting.monthly_report_import(actor=district_officer, month=MONTH, data=data)
    assert caught.value.code == code


def test_the_template_reads_back_in_english_and_chinese(two: list[Project]) -> None:
    for language in ("en", "zh-hans"):
        with translation.override(language):
            data = workbooks.workbook_bytes(
                workbooks.MONTHLY_COLUMNS, [["M-1", "x", 1, 0, 0, 0, ""]], title="t"
            )
        rows = list(workbooks.sheet_rows(data, workbooks.MONTHLY_COLUMNS))
        assert rows[0].number == 2
        assert rows[0].values["code"] == "M-1"


def test_plan_import_and_its_errors(district_officer: User) -> None:
    with translation.override("zh-hans"):
        header = workbooks.header_labels(workbooks.PLAN_COLUMNS)
    good = xlsx([["背街小巷整治", "510107000000", "", 2019, 12, 300000]], header=header)
    result = planning.plan_import(actor=district_officer, data=good)
    assert result.created == 1
    assert PlanTarget.objects.get().count == 12
    bad = xlsx(
        [
            ["不存在", "510107000000", "", 2019, 1, 0],
            ["back-alley", "510104000000", "", 2019, 1, 0],
            ["back-alley", "510107000000", "", "2019年", -1, "x"],
        ],
        header=header,
    )
    with pytest.raises(import_results.RowErrors) as caught:
        planning.plan_import(actor=district_officer, data=bad)
    codes = [(e.row, e.code) for e in caught.value.errors]
    assert (2, "type_unknown") in codes
    assert (3, "forbidden") in codes
    assert (4, "number_invalid") in codes
    assert (4, "money_invalid") in codes
    assert PlanTarget.objects.count() == 1


def test_the_monthly_template_lists_the_users_projects(
    two: list[Project], district_officer: User, client: Client
) -> None:
    client.force_login(district_officer)
    response = client.get("/console/projects/monthly/template.xlsx?month=2018-06")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet is not None
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["M-1", "M-2"]
