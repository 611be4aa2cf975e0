"""Editing a registered project: same checks as registration, authorised, audited, and the
as-of statistics follow the new values."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.people.models import Department, User
from shequ.projects import selectors
from shequ.projects.models import Project, Status, StatusEvent
from shequ.projects.services import lifecycle, registration
from tests.factories import NIJIAQIAO, SHUIJINGFANG, YULIN_NORTH, make_staff
from tests.projects.conftest import JINJIANG_POINT, WUHOU_POINT

OUTSIDE_CHENGDU = {"type": "Point", "coordinates": [116.4, 39.9]}  # Beijing


@pytest.fixture
def department(chengdu: None) -> Department:
    return Department.objects.create(code="jianshe", name="市住建局", short_name="住建")


def _edit(actor: User, project: Project, **changes: Any) -> Project:
    arguments: dict[str, Any] = {
        "actor": actor,
        "code": project.code,
        "name": project.name,
        "type_code": project.project_type.code,
        "community_codes": [project.division_id],
        "year": project.year,
        "location": project.location,
        "planned_city": project.planned_city,
        "planned_district": project.planned_district,
        "planned_social": project.planned_social,
        **changes,
    }
    return registration.project_update(**arguments)


def _snapshot(project: Project) -> tuple[Any, ...]:
    fresh = Project.objects.get(pk=project.pk)
    return (
        fresh.name,
        fresh.project_type_id,
        fresh.division_id,
        fresh.year,
        fresh.location,
        fresh.planned_total,
        fresh.department_id,
        fresh.planned_start,
        fresh.planned_end,
        sorted(fresh.communities.values_list("code", flat=True)),
        list(fresh.status_events.values_list("project_type_id", "year", "planned_investment")),
    )


def test_officer_edits_every_field_and_the_history_follows(
    project: Project, district_officer: User, department: Department
) -> None:
    lifecycle.project_transition(
        actor=district_officer, code=project.code, target=Status.APPROVED, on=date(2018, 2, 1)
    )
    lifecycle.project_transition(
        actor=district_officer,
        code=project.code,
        target=Status.UNDER_CONSTRUCTION,
        on=date(2018, 3, 1),
    )
    line = {"type": "LineString", "coordinates": [[104.044, 30.63], [104.046, 30.631]]}
    edited = _edit(
        district_officer,
        project,
        name="  倪家桥背街小巷整治  ",
        type_code="back-alley",
        community_codes=[NIJIAQIAO, YULIN_NORTH],
        year=2019,
        location=line,
        planned_city="500000",
        planned_district="0",
        planned_social="250000.50",
        department_code="jianshe",
        implementer="某建设公司",
        planned_start=date(2019, 3, 1),
        planned_end=date(2019, 9, 30),
    )
    edited.refresh_from_db()
    assert edited.name == "倪家桥背街小巷整治"
    assert edited.project_type.code == "back-alley"
    assert edited.year == 2019
    assert edited.location is not None
    assert edited.location["type"] == "LineString"
    assert edited.planned_total == Decimal("750000.50")
    assert edited.department == department
    assert edited.implementer == "某建设公司"
    assert (edited.planned_start, edited.planned_end) == (date(2019, 3, 1), date(2019, 9, 30))
    assert sorted(edited.communities.values_list("code", flat=True)) == [YULIN_NORTH, NIJIAQIAO]
    # The status history stays, its copies follow: the 2019 back-alley count sees the project.
    assert edited.status == Status.UNDER_CONSTRUCTION
    assert StatusEvent.objects.filter(project=edited).count() == 3
    report = selectors.as_of_report(district_officer, as_of=date(2019, 7, 31), year=2019)
    rows = {r.project_type.code: r for r in report.rows}
    assert rows["back-alley"].implemented == 1
    assert rows["back-alley"].investment == Decimal("750000.50")
    assert rows["shanty-town"].implemented == 0
    old_year = selectors.as_of_report(district_officer, as_of=date(2018, 7, 31), year=2018)
    assert old_year.total == 0
    audit = AuditEvent.objects.get(verb="project.update", object_id=str(project.pk))
    assert audit.changes["type"] == ["shanty-town", "back-alley"]
    assert audit.changes["department"] == ["", "jianshe"]
    assert audit.actor == district_officer


BAD_EDITS: list[tuple[dict[str, Any], str]] = [
    ({"type_code": "no-such-type"}, "type_unknown"),
    ({"community_codes": ["510107005999"]}, "division_unknown"),
    ({"community_codes": [NIJIAQIAO, SHUIJINGFANG]}, "division_mixed"),
    ({"community_codes": []}, "division_missing"),
    ({"location": OUTSIDE_CHENGDU}, "location_outside"),
    ({"location": JINJIANG_POINT}, "location_outside"),
    ({"location": {"type": "Point", "coordinates": [30.63, 104.045]}}, "location_invalid"),
    ({"planned_start": date(2018, 5, 1), "planned_end": date(2018, 4, 1)}, "dates_inverted"),
    ({"year": 1999}, "year_invalid"),
    ({"planned_city": "-1"}, "money_invalid"),
    ({"department_code": "nope"}, "department_unknown"),
    ({"name": "   "}, "required"),
]


@pytest.mark.parametrize(("changes", "code"), BAD_EDITS)
def test_bad_edits_are_refused_and_nothing_changes(
    project: Project, district_officer: User, changes: dict[str, Any], code: str
) -> None:
    before = _snapshot(project)
    with pytest.raises(DomainError) as caught:
        _edit(district_officer, project, **{"name": "新名字", "implementer": "新单位", **changes})
    assert caught.value.code == code
    assert str(caught.value)
    assert _snapshot(project) == before
    assert not AuditEvent.objects.filter(verb="project.update").exists()


def test_only_managers_of_the_area_edit(
    project: Project, worker: User, jinjiang_officer: User, street_officer: User
) -> None:
    with pytest.raises(PermissionDenied):
        _edit(worker, project, name="工作人员改名")  # sees it, may not edit it
    with pytest.raises(NotFound):
        _edit(jinjiang_officer, project, name="别区改名")  # outside the area: not there
    auditor = make_staff("p_auditor", Role.AUDITOR, "510100000000")
    with pytest.raises(PermissionDenied):
        _edit(auditor, project, name="审计改名")
    # A street officer may edit, but not move the project out of their street.
    with pytest.raises(PermissionDenied):
        _edit(street_officer, project, community_codes=["510107001004"], location=WUHOU_POINT)
    assert Project.objects.get(pk=project.pk).name == project.name
    _edit(street_officer, project, name="街道改名")
    assert Project.objects.get(pk=project.pk).name == "街道改名"


def _form_data(project: Project, **changes: str) -> dict[str, str]:
    initial = selectors.project_form_initial(selectors.project_get_public(project.code))
    data = {k: "" if v is None else str(v) for k, v in initial.items()}
    data.update(changes)
    return data


def test_console_edit_page_prefills_saves_and_shows_errors(
    project: Project, client: Client, district_officer: User, department: Department
) -> None:
    client.force_login(district_officer)
    detail = client.get(f"/console/projects/p/{project.code}/").content.decode()
    assert 'data-testid="edit-link"' in detail
    page = client.get(f"/console/projects/p/{project.code}/edit/")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'name="code"' not in body  # the code stays
    assert 'value="项目P-2018-001"' in body
    assert '<option value="jianshe">市住建局</option>' in body
    assert 'value="2000000.50"' in body
    bad = client.post(
        f"/console/projects/p/{project.code}/edit/",
        _form_data(project, location='{"type": "Point", "coordinates": [116.4, 39.9]}'),
    )
    assert bad.status_code == 400
    assert 'data-testid="error-location"' in bad.content.decode()
    inverted = client.post(
        f"/console/projects/p/{project.code}/edit/",
        _form_data(project, planned_start="2018-06-01", planned_end="2018-05-01"),
    )
    assert inverted.status_code == 400
    assert 'data-testid="error-planned_end"' in inverted.content.decode()
    assert Project.objects.get(pk=project.pk).planned_end is None
    good = client.post(
        f"/console/projects/p/{project.code}/edit/",
        _form_data(
            project,
            name="改后的名字",
            department="jianshe",
            implementer="施工单位",
            planned_start="2018-03-01",
            planned_end="2018-11-30",
        ),
    )
    assert good.status_code == 302
    saved = Project.objects.get(pk=project.pk)
    assert (saved.name, saved.department, saved.implementer) == (
        "改后的名字",
        department,
        "施工单位",
    )
    assert "市住建局" in client.get(f"/console/projects/p/{project.code}/").content.decode()
    again = client.get(f"/console/projects/p/{project.code}/edit/").content.decode()
    assert 'value="2018-03-01"' in again  # the dates come back as the date inputs take them
    assert 'value="2018-11-30"' in again


def test_console_edit_is_for_managers_only(
    project: Project, client: Client, worker: User, jinjiang_officer: User
) -> None:
    client.force_login(worker)
    assert client.get(f"/console/projects/p/{project.code}/edit/").status_code == 403
    assert (
        'data-testid="edit-link"'
        not in client.get(f"/console/projects/p/{project.code}/").content.decode()
    )
    client.force_login(jinjiang_officer)
    assert (
        client.post(
            f"/console/projects/p/{project.code}/edit/", _form_data(project, name="x")
        ).status_code
        == 404
    )
    assert Project.objects.get(pk=project.pk).name == project.name


def test_console_registration_sets_the_responsible_department(
    client: Client, district_officer: User, department: Department
) -> None:
    client.force_login(district_officer)
    page = client.get("/console/projects/new/").content.decode()
    assert 'name="department"' in page
    response = client.post(
        "/console/projects/new/",
        {
            "code": "NEW-1",
            "name": "新项目",
            "project_type": "shanty-town",
            "communities": NIJIAQIAO,
            "year": "2018",
            "location": '{"type": "Point", "coordinates": [104.045, 30.63]}',
            "department": "jianshe",
        },
    )
    assert response.status_code == 302
    assert Project.objects.get(code="NEW-1").department == department
    unknown = client.post(
        "/console/projects/new/",
        {
            "code": "NEW-2",
            "name": "新项目",
            "project_type": "nope",
            "communities": NIJIAQIAO,
            "year": "2018",
        },
    )
    assert unknown.status_code == 400
    assert not Project.objects.filter(code="NEW-2").exists()
