"""A frozen snapshot as a file: CSV (UTF-8 with BOM, for spreadsheet programs), JSON (with
its metadata: when frozen, the query, the suppression rule) or XLSX."""

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import openpyxl
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

from shequ.portal.datasets import Dataset, small_cell_minimum
from shequ.portal.models import DatasetSnapshot

FORMATS = ("csv", "json", "xlsx")


class _Echo:
    def write(self, value: str) -> str:
        return value


def _filename(dataset: Dataset, snapshot: DatasetSnapshot, fmt: str) -> str:
    return f"{dataset.code}-{snapshot.taken_at:%Y%m%d-%H%M}.{fmt}"


def _csv_lines(snapshot: DatasetSnapshot) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(snapshot.columns)
    for row in snapshot.rows:
        yield writer.writerow(["" if v is None else v for v in row])


def snapshot_response(dataset: Dataset, snapshot: DatasetSnapshot, fmt: str) -> HttpResponseBase:
    filename = _filename(dataset, snapshot, fmt)
    disposition = f'attachment; filename="{filename}"'
    response: HttpResponseBase
    if fmt == "csv":
        response = StreamingHttpResponse(
            _csv_lines(snapshot), content_type="text/csv; charset=utf-8"
        )
    elif fmt == "json":
        body: dict[str, Any] = {
            "dataset": dataset.code,
            "title": str(dataset.title),
            "frozen_at": snapshot.taken_at.isoformat(),
            "snapshot": snapshot.pk,
            "query": snapshot.query,
            "small_cell_minimum": small_cell_minimum(),
            "columns": [
                {"name": c.name, "title": str(c.title), "datatype": c.datatype}
                for c in dataset.columns
            ],
            "rows": [dict(zip(snapshot.columns, row, strict=False)) for row in snapshot.rows],
        }
        response = HttpResponse(
            json.dumps(body, ensure_ascii=False), content_type="application/json"
        )
    else:
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet(dataset.code[:31])
        sheet.append(snapshot.columns)
        for row in snapshot.rows:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = disposition
    return response
