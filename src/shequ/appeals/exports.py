"""The monthly bulletin as an Excel workbook (通报): one sheet for the units, one for the
districts, one for the causes of dissatisfaction; the figures of the public statistics page."""

import io
from collections.abc import Sequence

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from shequ.appeals.selectors.rates import UnitRates

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _header() -> list[str]:
    return [
        _("Rank"),
        _("Unit"),
        _("Dispatched"),
        _("Response rate"),
        _("Handled"),
        _("On time"),
        _("On-time rate"),
        _("Returned"),
        _("Return rate"),
        _("Reopened"),
        _("Reopen rate"),
        _("Rated"),
        _("Resolution rate"),
        _("Satisfaction rate"),
        _("Satisfaction 95% interval"),
        _("Working days to handle, mean"),
        _("Working days to handle, p90"),
    ]


def _cells(row: UnitRates) -> list[object]:
    band = row.interval("satisfaction")
    return [
        row.rank,
        row.name,
        row.dispatched,
        row.response_rate,
        row.closed,
        row.on_time,
        row.on_time_rate,
        row.returned,
        row.return_rate,
        row.reopened,
        row.reopen_rate,
        row.rated,
        row.resolution_rate,
        row.satisfaction_rate,
        f"{band.low}–{band.high}" if band else None,
        row.days_mean,
        row.days_p90,
    ]


def _sheet(book: Workbook, title: str, header: Sequence[str], rows: list[list[object]]) -> None:
    sheet = book.create_sheet(title[:31])
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "B2"
    sheet.column_dimensions["B"].width = 28


def bulletin_xlsx(period: str, units: list[UnitRates], districts: list[UnitRates]) -> bytes:
    """The workbook of ``period``: units (ranked first), districts, causes."""
    book = Workbook()
    first = book.active
    if first is not None:
        book.remove(first)
    _sheet(book, _("Units"), _header(), [_cells(r) for r in units])
    district_header = _header()
    district_header[1] = _("District")
    _sheet(book, _("Districts"), district_header, [_cells(r) for r in districts])
    _sheet(
        book,
        _("Causes of dissatisfaction"),
        [_("Unit"), _("Main reason"), _("Unhappy ratings")],
        [[r.name, cause, n] for r in units for cause, n in r.cause_rows],
    )
    book.properties.title = f"{_('Requests bulletin')} {period}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
