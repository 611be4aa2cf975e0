"""Excel workbooks of the five major actions: the monthly-report and plan templates the system
hands out, reading them back (headers checked, cells typed), and the statistics export.

Headers are written in the user's language and accepted back in Chinese or English.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from typing import Any
from zipfile import BadZipFile

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from shequ.core.errors import DomainError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise
    width: int = 14


MONTHLY_COLUMNS: tuple[Column, ...] = (
    Column("code", _("Project code"), 18),
    Column("name", _("Project name (for reference)"), 36),
    Column("progress", _("Progress (%)"), 12),
    Column("actual_city", _("Actual city funds (yuan)"), 18),
    Column("actual_district", _("Actual district funds (yuan)"), 18),
    Column("actual_social", _("Actual social capital (yuan)"), 18),
    Column("note", _("Note (reason if progress went back)"), 30),
)

PLAN_COLUMNS: tuple[Column, ...] = (
    Column("type", _("Project type"), 18),
    Column("district", _("District code"), 16),
    Column("district_name", _("District (for reference)"), 16),
    Column("year", _("Year"), 8),
    Column("count", _("Number of projects"), 12),
    Column("investment", _("Planned investment (yuan)"), 20),
)


def header_labels(columns: Sequence[Column]) -> list[str]:
    return [str(c.label) for c in columns]


def _accepted_headers(columns: Sequence[Column]) -> list[set[str]]:
    accepted: list[set[str]] = [set() for _ in columns]
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for i, column in enumerate(columns):
                accepted[i].add(str(column.label).strip())
    return accepted


def workbook_bytes(
    columns: Sequence[Column], rows: Sequence[Sequence[Any]], *, title: str
) -> bytes:
    """An .xlsx file with a bold header row and the given rows."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook always has one sheet
    sheet.title = title[:31]
    sheet.append(header_labels(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FDE2E1")
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = column.width
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class SheetRow:
    number: int  # the spreadsheet row number (the header is row 1)
    values: dict[str, Any]


def column_label(columns: Sequence[Column], key: str) -> str:
    for i, column in enumerate(columns, start=1):
        if column.key == key:
            return f"{get_column_letter(i)}（{column.label}）"
    return key


def sheet_rows(data: bytes, columns: Sequence[Column]) -> Iterator[SheetRow]:
    """The non-empty rows of the first sheet, keyed by column.

    Raises: DomainError ``file_invalid`` (not an .xlsx file, too large, too many rows) and
    ``headers_invalid`` (the first row is not the template's header row).
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError("file_invalid", _("The file may be at most 5 MB."), field="file")
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError, TypeError) as error:
        raise DomainError(
            "file_invalid", _("This is not an Excel (.xlsx) file."), field="file"
        ) from error
    sheet = book.worksheets[0] if book.worksheets else None
    if sheet is None:
        raise DomainError("file_invalid", _("This is not an Excel (.xlsx) file."), field="file")
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None) or ()
    accepted = _accepted_headers(columns)
    found = [str(v).strip() if v is not None else "" for v in header][: len(columns)]
    if len(found) < len(columns) or any(found[i] not in accepted[i] for i in range(len(columns))):
        raise DomainError(
            "headers_invalid",
            _("The first row must be the template's headers: %(headers)s. Download the template."),
            field="file",
            headers="、".join(header_labels(columns)),
        )
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            raise DomainError(
                "file_invalid", _("A file may have at most 20,000 rows."), field="file"
            )
        cells = list(values)[: len(columns)] + [None] * len(columns)
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells[: len(columns)]):
            continue
        yield SheetRow(number, {column.key: cells[i] for i, column in enumerate(columns)})
    book.close()


def sheet_row_count(data: bytes) -> int:
    """How many rows the first sheet declares (header included), read cheaply from its
    dimension; 0 when the file cannot be read that way (``sheet_rows`` then says why)."""
    try:
        book = load_workbook(BytesIO(data), read_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError, TypeError):
        return 0
    sheet = book.worksheets[0] if book.worksheets else None
    count = (sheet.max_row or 0) if sheet is not None else 0
    book.close()
    return count


def text_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def month_label(month: date) -> str:
    return f"{month:%Y-%m}"


STATS_COLUMNS: tuple[Column, ...] = (
    Column("action", _("Action"), 16),
    Column("type", _("Project type"), 18),
    Column("implemented", _("Under way"), 10),
    Column("planned", _("Plan"), 10),
    Column("rate", _("Of plan (%)"), 10),
    Column("investment", _("Planned investment of those under way (yuan)"), 22),
    Column("planned_status", _("Planned"), 10),
    Column("approved_status", _("Approved"), 10),
    Column("construction_status", _("Under construction"), 10),
    Column("completed_status", _("Completed"), 10),
    Column("accepted_status", _("Accepted"), 10),
)
