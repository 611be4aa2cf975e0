"""A large monthly workbook is imported in the background, with progress the uploader sees."""

from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from shequ.core.models import AuditEvent, TaskRecord
from shequ.people.models import User
from shequ.projects import console
from shequ.projects.models import ProgressReport, Project
from shequ.projects.services import reporting
from tests.projects.conftest import new_project
from tests.projects.test_imports import xlsx


@pytest.fixture
def five(district_officer: User) -> list[Project]:
    return [new_project(district_officer, f"BG-{i}") for i in range(5)]


def _upload(rows: list[list[object]]) -> BytesIO:
    out = BytesIO(xlsx(rows))
    out.name = "month.xlsx"
    return out


def test_written_in_chunks_with_progress(
    five: list[Project], district_officer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reporting, "IMPORT_CHUNK", 2)
    told: list[tuple[int, int]] = []
    result = reporting.monthly_report_import(
        actor=district_officer,
        month=date(2018, 6, 1),
        data=xlsx([[p.code, "", 10 * i, 0, 0, 0, ""] for i, p in enumerate(five)]),
        progress=lambda done, total: told.append((done, total)),
    )
    assert told == [(2, 5), (4, 5), (5, 5)]
    assert result.created == 5
    assert ProgressReport.objects.count() == 5
    assert AuditEvent.objects.filter(verb="project.monthly_import").count() == 1


def test_a_large_upload_runs_in_the_background_for_its_uploader_only(
    five: list[Project],
    client: Client,
    district_officer: User,
    street_officer: User,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    monkeypatch.setattr(console, "BACKGROUND_ROWS", 3)
    client.force_login(district_officer)
    rows: list[list[object]] = [[p.code, "", 40, 100, 0, 0, ""] for p in five]
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            "/console/projects/monthly/", {"month": "2018-06", "file": _upload(rows)}
        )
    assert started.status_code == 302
    record = TaskRecord.objects.get(task_path="shequ.projects.tasks.monthly_import")
    assert record.status == TaskRecord.Status.SUCCESSFUL, record.error
    assert record.progress == 1.0
    assert ProgressReport.objects.filter(month=date(2018, 6, 1), progress=40).count() == 5
    assert not list((tmp_path / "project_imports").iterdir())  # the upload is not kept
    page = client.get(started["Location"])
    body = page.content.decode()
    assert 'data-testid="import-result"' in body
    assert "新增5条" in body
    assert 'hx-get="' not in body  # finished: no more polling
    client.force_login(street_officer)
    assert client.get(started["Location"]).status_code == 404


def test_a_refused_large_upload_shows_its_rows_and_imports_nothing(
    five: list[Project],
    client: Client,
    district_officer: User,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path)
    monkeypatch.setattr(console, "BACKGROUND_ROWS", 3)
    client.force_login(district_officer)
    rows: list[list[object]] = [[p.code, "", 40, 0, 0, 0, ""] for p in five]
    rows[3][2] = 140
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            "/console/projects/monthly/", {"month": "2018-06", "file": _upload(rows)}
        )
    body = client.get(started["Location"]).content.decode()
    assert 'data-testid="import-rejected"' in body
    assert 'data-testid="row-errors"' in body
    assert "<td>5</td>" in body  # the spreadsheet row of the bad cell
    assert not ProgressReport.objects.exists()


def test_a_small_upload_stays_on_the_page(
    five: list[Project], client: Client, district_officer: User
) -> None:
    client.force_login(district_officer)
    response = client.post(
        "/console/projects/monthly/",
        {"month": "2018-06", "file": _upload([["BG-1", "", 40, 0, 0, 0, ""]])},
    )
    assert response.status_code == 200
    assert 'data-testid="import-result"' in response.content.decode()
    assert not TaskRecord.objects.exists()
