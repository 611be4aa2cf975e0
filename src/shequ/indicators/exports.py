"""Excel and CSV downloads of the indicators' tables (raw numbers, formulas defused)."""

import csv
import io
from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from shequ.indicators.models import Indicator, Result, Run, TreeVersion
from shequ.indicators.selectors import ValueRow

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _safe(cell: Any) -> Any:
    # A text cell starting with = + - @ would run as a formula in a spreadsheet.
    if isinstance(cell, str) and cell[:1] in "=+-@":
        return "'" + cell
    return cell


def table_response(
    title: str, header: Sequence[str], rows: Sequence[Sequence[Any]], name: str, file_format: str
) -> HttpResponse:
    if file_format == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if c is None else _safe(c) for c in row])
        response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type="text/csv")
    else:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        book = Workbook()
        sheet = book.active
        assert sheet is not None  # noqa: S101 - a new workbook always has one sheet
        sheet.title = title[:31]
        sheet.append(list(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_safe(c) for c in row])
        sheet.freeze_panes = "A2"
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
    return response


def results_download(run: Run, results: list[Result], file_format: str) -> HttpResponse:
    dimensions = list(run.version.nodes.filter(parent__isnull=True))
    header = [
        _("Code"),
        _("Name"),
        _("Score"),
        *[d.name for d in dimensions],
        _("Targets met"),
        _("Indicators with data"),
        _("Rank among peers"),
        _("Peers"),
        _("Rank interval low"),
        _("Rank interval high"),
        _("Median rank"),
        _("City rank"),
        _("City rank low"),
        _("City rank high"),
        _("Moved most by"),
    ]
    rows = [
        [
            r.division_id,
            r.division.name,
            r.score,
            *[r.dimension_scores.get(d.code) for d in dimensions],
            r.met,
            r.measured,
            r.rank,
            r.peers,
            r.rank_low,
            r.rank_high,
            r.rank_median,
            r.city_rank,
            r.city_rank_low,
            r.city_rank_high,
            r.moved_most_by,
        ]
        for r in results
    ]
    return table_response(
        _("Results"),
        [str(h) for h in header],
        rows,
        f"indicators-{run.year}-run{run.pk}",
        file_format,
    )


def values_download(result: Result, rows: list[ValueRow], file_format: str) -> HttpResponse:
    header = [
        _("Indicator code"),
        _("Indicator"),
        _("Unit of measure"),
        _("Target"),
        _("Value"),
        _("Target met"),
        _("Source"),
        _("Numerator"),
        _("Denominator"),
    ]
    table = [
        [
            row.indicator.code,
            row.indicator.name,
            row.indicator.unit,
            float(row.indicator.target),
            row.value.value if row.value else None,
            None if row.met is None else (_("yes") if row.met else _("no")),
            row.indicator.get_source_display(),
            (row.value.inputs or {}).get("numerator") if row.value else None,
            (row.value.inputs or {}).get("denominator") if row.value else None,
        ]
        for row in rows
    ]
    return table_response(
        _("Values"),
        [str(h) for h in header],
        table,
        f"indicators-{result.division_id}-{result.run.year}",
        file_format,
    )


def entry_template(version: TreeVersion) -> HttpResponse:
    entered = version.indicators.filter(source=Indicator.Source.ENTERED)
    rows = [["510107005004", i.code, None, i.name, i.unit] for i in entered]
    return table_response(
        _("Values"),
        ["单位代码", "指标代码", "数值", "指标名称（参考）", "单位（参考）"],
        rows,
        f"indicators-template-v{version.number}",
        "xlsx",
    )
