"""/api/v1/departments and /api/v1/staff: system administrators only, audited, problems in
the caller's language for bad input."""

from typing import Any

import pytest
from django.test import Client

from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.people.models import Department, StaffRole, User
from tests.factories import NIJIAQIAO, YULIN, make_staff

pytestmark = pytest.mark.usefixtures("chengdu")


def _post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(
        url, body or {}, content_type="application/json", headers={"accept-language": "zh-hans"}
    )


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(make_staff("admin_api", Role.SYSTEM_ADMIN))
    return client


def test_an_admin_opens_a_department_and_a_staff_member_through_the_api(
    admin_client: Client,
    sms_outbox: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Any,
    django_assert_max_num_queries: Any,
) -> None:
    created = _post(
        admin_client, "/api/v1/departments", {"code": "minzheng", "name": "成都市民政局"}
    )
    assert created.status_code == 201
    department = created.json()
    assert (department["code"], department["short_name"]) == ("minzheng", "成都市民政局")
    renamed = admin_client.patch(
        f"/api/v1/departments/{department['id']}",
        {"name": "成都市民政局", "short_name": "民政"},
        content_type="application/json",
    )
    assert renamed.json()["short_name"] == "民政"

    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            admin_client,
            "/api/v1/staff",
            {
                "username": "mz_clerk",
                "full_name": "周敏",
                "phone": "13700005555",
                "role": Role.DEPARTMENT_STAFF,
                "department_id": department["id"],
            },
        )
    assert response.status_code == 201
    body = response.json()
    assert body["phone_masked"] != "13700005555"
    assert [r["role"] for r in body["roles"]] == [Role.DEPARTMENT_STAFF]
    assert len(sms_outbox) == 1

    grant = _post(
        admin_client,
        f"/api/v1/staff/{body['id']}/roles",
        {"role": Role.STREET_OFFICER, "division_code": YULIN},
    )
    assert grant.status_code == 201
    with django_assert_max_num_queries(8):
        listing = admin_client.get("/api/v1/staff")
    assert listing.status_code == 200
    clerk = next(item for item in listing.json()["items"] if item["username"] == "mz_clerk")
    assert len(clerk["roles"]) == 2

    withdrawn = _post(admin_client, f"/api/v1/staff/roles/{grant.json()['id']}/withdraw")
    assert withdrawn.json()["is_active"] is False
    closed = _post(admin_client, f"/api/v1/departments/{department['id']}/close")
    assert closed.status_code == 400
    assert closed.json()["code"] == "department_has_staff"
    deactivated = _post(admin_client, f"/api/v1/staff/{body['id']}/deactivate")
    assert deactivated.json()["is_active"] is False
    assert _post(admin_client, f"/api/v1/departments/{department['id']}/close").status_code == 200
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {
        "department.create",
        "department.rename",
        "department.close",
        "user.create_staff",
        "staff_role.grant",
        "staff_role.revoke",
        "user.deactivate_staff",
    } <= verbs


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"username": "taken"}, "username_taken", "username"),
        ({"phone": "1370000"}, "phone_format", "phone"),
        ({"division_code": YULIN}, "wrong_division_level", "division"),
        ({"division_code": "510107999999"}, "unknown_division", "division"),
        ({"role": "mayor"}, "unknown_role", "role"),
    ],
)
def test_bad_staff_input_is_a_problem_in_chinese_and_creates_nothing(
    admin_client: Client, body: dict[str, str], code: str, field: str
) -> None:
    make_staff("taken", Role.COMMUNITY_WORKER, NIJIAQIAO)
    before = User.objects.count(), StaffRole.objects.count(), AuditEvent.objects.count()
    payload = {
        "username": "clerk9",
        "full_name": "李四",
        "phone": "13700006666",
        "role": Role.COMMUNITY_WORKER,
        "division_code": NIJIAQIAO,
        **body,
    }
    response = _post(admin_client, "/api/v1/staff", payload)
    assert response.status_code == 400
    problem = response.json()
    assert (problem["code"], problem["field"]) == (code, field)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in problem["title"])
    assert (User.objects.count(), StaffRole.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/staff"),
        ("post", "/api/v1/staff"),
        ("get", "/api/v1/departments"),
        ("post", "/api/v1/departments"),
        ("post", "/api/v1/staff/{clerk}/deactivate"),
        ("post", "/api/v1/staff/{clerk}/password-reset"),
        ("post", "/api/v1/staff/{clerk}/roles"),
    ],
)
def test_staff_without_the_administrator_role_get_403_from_the_api(
    client: Client, method: str, url: str
) -> None:
    clerk = make_staff("clerk_x", Role.COMMUNITY_WORKER, NIJIAQIAO)
    client.force_login(make_staff("committee_x", Role.CITY_COMMITTEE, "510100000000"))
    address = url.format(clerk=clerk.pk)
    body = {
        "username": "x2",
        "full_name": "李四",
        "phone": "13700007777",
        "role": Role.SYSTEM_ADMIN,
        "code": "x2",
        "name": "某部门",
    }
    response = (
        client.get(address)
        if method == "get"
        else client.post(address, body, content_type="application/json")
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not User.objects.filter(username="x2").exists()
    assert not Department.objects.exists()
    clerk.refresh_from_db()
    assert clerk.is_active
    assert clerk.has_usable_password()
