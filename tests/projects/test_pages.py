from datetime import date
from io import BytesIO

import pytest
from django.test import Client
from django.utils import translation
from openpyxl import Workbook, load_workbook

from shequ.people.models import User
from shequ.projects import workbooks
from shequ.projects.models import Follow, ProgressReport, Project, Status
from shequ.projects.services import lifecycle
from tests.factories import SHUIJINGFANG, make_user
from tests.projects.conftest import new_project


@pytest.fixture
def many(district_officer: User, jinjiang_officer: User) -> list[Project]:
    made = [new_project(district_officer, f"W-{i}") for i in range(6)]
    made.append(new_project(jinjiang_officer, "J-1", community=SHUIJINGFANG))
    return made


def test_public_list_filters_and_runs_in_few_queries(
    many: list[Project], client: Client, django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(8):
        response = client.get("/projects/?district=510104000000")
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="project-row"') == 1
    with django_assert_max_num_queries(8):
        response = client.get("/projects/")
    assert response.content.decode().count('data-testid="project-row"') == 7


def test_public_project_page_shows_progress_timeline_and_follow(
    many: list[Project], client: Client
) -> None:
    response = client.get("/projects/W-1/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="timeline"' in body
    assert "计划" in body
    assert client.get("/projects/NOPE/").status_code == 404
    resident = make_user("fan")
    client.force_login(resident)
    client.post("/projects/W-1/follow/")
    assert Follow.objects.filter(user=resident, project__code="W-1").exists()
    assert "取消关注" in client.get("/projects/W-1/").content.decode()


def test_map_page_and_its_data(many: list[Project], client: Client) -> None:
    page = client.get("/projects/map/?type=shanty-town").content.decode()
    assert "vendor/leaflet/leaflet.js" in page
    assert 'data-tiles=""' in page  # no tile server by default
    data = client.get("/api/v1/projects/map?district=510107000000").json()
    assert len(data["points"]) == 6
    geo = client.get("/api/v1/projects/districts.geojson").json()
    assert len(geo["features"]) == 20


def test_console_list_is_scoped_with_few_queries(
    many: list[Project], client: Client, jinjiang_officer: User, django_assert_max_num_queries
) -> None:
    client.force_login(jinjiang_officer)
    with django_assert_max_num_queries(10):
        body = client.get("/console/projects/").content.decode()
    assert body.count('data-testid="project-row"') == 1
    assert client.get("/console/projects/p/W-1/").status_code == 404


def test_residents_get_403_in_the_console(client: Client, chengdu: None) -> None:
    client.force_login(make_user("plain"))
    assert client.get("/console/projects/").status_code == 403


def test_officer_moves_a_project_and_sees_errors(
    many: list[Project], client: Client, district_officer: User
) -> None:
    client.force_login(district_officer)
    response = client.post(
        "/console/projects/p/W-1/transition/", {"target": Status.APPROVED, "on": "2018-02-01"}
    )
    assert response.status_code == 302
    assert Project.objects.get(code="W-1").status == Status.APPROVED
    response = client.post(
        "/console/projects/p/W-1/transition/", {"target": Status.ACCEPTED, "on": "2018-03-01"}
    )
    assert response.status_code == 400
    assert "不能从" in response.content.decode()


def test_progress_form_over_100_is_refused(
    many: list[Project], client: Client, district_officer: User
) -> None:
    client.force_login(district_officer)
    response = client.post(
        "/console/projects/p/W-1/progress/", {"month": "2018-05", "progress": "120"}
    )
    assert response.status_code == 400
    assert "0到100" in response.content.decode()
    assert not ProgressReport.objects.exists()


def _monthly(rows: list[list[object]]) -> BytesIO:
    book = Workbook()
    sheet = book.active
    with translation.override("zh-hans"):
        sheet.append(workbooks.header_labels(workbooks.MONTHLY_COLUMNS))
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "report.xlsx"
    return out


def test_district_officer_uploads_a_month(
    many: list[Project], client: Client, district_officer: User
) -> None:
    client.force_login(district_officer)
    bad = client.post(
        "/console/projects/monthly/",
        {"month": "2018-06", "file": _monthly([["W-1", "", 150, 0, 0, 0, ""]])},
    )
    assert bad.status_code == 400
    assert 'data-testid="row-errors"' in bad.content.decode()
    assert "C（累计进度（%）" in bad.content.decode()
    good = client.post(
        "/console/projects/monthly/",
        {"month": "2018-06", "file": _monthly([["W-1", "", 50, 0, 0, 0, ""]])},
    )
    assert good.status_code == 200
    assert 'data-testid="import-result"' in good.content.decode()
    assert ProgressReport.objects.get().month == date(2018, 6, 1)


def test_stats_page_sentence_and_export(
    many: list[Project], client: Client, district_officer: User
) -> None:
    for code in ("W-1", "W-2"):
        lifecycle.project_transition(
            actor=district_officer, code=code, target=Status.APPROVED, on=date(2018, 2, 1)
        )
        lifecycle.project_transition(
            actor=district_officer, code=code, target=Status.UNDER_CONSTRUCTION, on=date(2018, 3, 1)
        )
    client.force_login(district_officer)
    body = client.get("/console/projects/stats/?as_of=2018-07-31&year=2018").content.decode()
    assert "截至2018年7月31日，2018年已实施棚户区改造项目2个。" in body
    assert "vendor/echarts/echarts.min.js" in body
    export = client.get("/console/projects/stats/export.xlsx?as_of=2018-07-31&year=2018")
    sheet = load_workbook(BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1] == "棚户区改造"
    assert rows[1][2] == 2


def test_taxonomy_page_edits_for_the_committee_only(
    client: Client, committee: User, district_officer: User
) -> None:
    client.force_login(district_officer)
    assert client.post("/console/projects/taxonomy/", {"code": "x"}).status_code == 403
    client.force_login(committee)
    body = client.get("/console/projects/taxonomy/").content.decode()
    assert body.count('data-testid="type-row"') == 13
    response = client.post(
        "/console/projects/taxonomy/",
        {
            "code": "xueliang",
            "name": "雪亮工程",
            "action": "safe-community",
            "report_label": "雪亮工程视频监控",
            "unit": "个",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
