"""Five major actions in the browser: the public map and a project page on a phone, a resident
following a project, and a district officer uploading a month's Excel report."""

import re
from datetime import date
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from shequ.core.scopes import Role
from shequ.projects.models import Follow, ProgressReport, Project, Status
from shequ.projects.services import lifecycle, registration
from tests.e2e.steps import log_in
from tests.factories import NIJIAQIAO, WUHOU, make_staff, make_user

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-42"
POINT = {"type": "Point", "coordinates": [104.045, 30.63]}


def _project_under_way(code: str = "E2E-2018-001") -> Project:
    # The live server's database is flushed between tests: put the taxonomy back (idempotent).
    import_module("shequ.projects.migrations.0002_taxonomy").add_taxonomy(django_apps, None)
    officer = make_staff("e2e_wuhou", Role.DISTRICT_OFFICER, WUHOU)
    project = registration.project_create(
        actor=officer,
        code=code,
        name="倪家桥社区老旧院落整治",
        type_code="shanty-town",
        community_codes=[NIJIAQIAO],
        year=2018,
        location=POINT,
        planned_city="1000000.00",
        registered_on=date(2018, 1, 10),
    )
    for target, on in (
        (Status.APPROVED, date(2018, 2, 1)),
        (Status.UNDER_CONSTRUCTION, date(2018, 3, 1)),
    ):
        lifecycle.project_transition(actor=officer, code=code, target=target, on=on)
    return project


def test_the_public_map_shows_districts_and_projects_and_a_tap_opens_the_project(
    phone_page: Page, chengdu: None
) -> None:
    project = _project_under_way()
    page = phone_page
    page.goto("/projects/map/")
    area = page.get_by_test_id("project-map")
    expect(area).to_have_attribute("data-ready", "1")
    expect(area).to_have_attribute("data-district-count", "20")
    expect(page.get_by_test_id("map-count")).to_have_text("1")
    # One project: the map centres on its marker.
    box = area.bounding_box()
    assert box is not None
    area.tap(position={"x": box["width"] / 2, "y": box["height"] / 2})
    expect(page).to_have_url(re.compile(rf"/projects/{project.code}/$"))
    expect(page.get_by_test_id("project-name")).to_have_text(project.name)
    bar = page.get_by_test_id("progress").get_by_role("progressbar")
    expect(bar).to_be_visible()
    expect(bar).to_have_attribute("aria-valuenow", str(project.progress))


def test_a_resident_follows_a_project(phone_page: Page, chengdu: None) -> None:
    project = _project_under_way()
    resident = make_user("e2e_follower", password=PASSWORD)
    page = phone_page
    log_in(page, "e2e_follower", PASSWORD)
    page.goto(f"/projects/{project.code}/")
    page.get_by_test_id("follow").click()
    expect(page.get_by_role("button", name="取消关注")).to_be_visible()
    assert Follow.objects.filter(user=resident, project=project).exists()
    page.goto("/projects/mine/")
    expect(page.locator("main")).to_contain_text(project.name)


def test_a_district_officer_uploads_the_monthly_excel_template(
    phone_page: Page, chengdu: None, tmp_path: Path
) -> None:
    project = _project_under_way()
    page = phone_page
    log_in(page, "e2e_wuhou", PASSWORD)
    page.goto("/console/projects/monthly/")
    with page.expect_download() as download:
        page.get_by_test_id("template").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    book = load_workbook(template)
    sheet = book.active
    assert sheet is not None
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == project.code)
    sheet.cell(row, 3).value = 45
    sheet.cell(row, 4).value = 300000
    book.save(template)
    page.locator("input[type=file]").set_input_files(str(template))
    page.get_by_role("button", name="上传").click()
    expect(page.get_by_test_id("import-result")).to_contain_text("1")
    expect(page.locator("main")).to_contain_text(f"{project.code} {project.name} · 45%")
    report = ProgressReport.objects.get(project__code=project.code)
    assert report.progress == 45
