"""The system administrator's console: departments and staff accounts, each change audited;
nobody else opens these pages."""

import re

import pytest
from django.test import Client
from django.utils import translation

from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.people.models import Department, StaffRole, User
from tests.factories import (
    NIJIAQIAO,
    SHUIJINGFANG,
    WUHOU,
    YULIN,
    enrol_second_factor,
    make_resident,
    make_staff,
    make_user,
)

pytestmark = pytest.mark.usefixtures("chengdu")

NEW_PASSWORD = "Yulin-Clerk-2026!"
LIST_QUERIES = 7  # the same however many accounts and roles are listed


def _admin_client(client: Client) -> User:
    admin = make_staff("admin_p", Role.SYSTEM_ADMIN)
    client.force_login(admin)
    return admin


def _staff_post(**overrides: str) -> dict[str, str]:
    data = {
        "username": "clerk1",
        "full_name": "李小红",
        "phone": "13700003333",
        "role": Role.COMMUNITY_WORKER,
        "division": NIJIAQIAO,
        "department": "",
    }
    data.update(overrides)
    return data


def _link_in(text: str) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", text)
    assert match is not None, text
    return match.group(1)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/console/staff/"),
        ("get", "/console/staff/new/"),
        ("post", "/console/staff/new/"),
        ("get", "/console/departments/"),
        ("post", "/console/departments/"),
    ],
)
def test_staff_without_the_administrator_role_get_403(
    client: Client, method: str, url: str
) -> None:
    client.force_login(make_staff("worker_s", Role.COMMUNITY_WORKER, NIJIAQIAO))
    data = {**_staff_post(username="x1"), "code": "minzheng", "name": "民政局"}
    response = getattr(client, method)(url, data) if method == "post" else client.get(url)
    assert response.status_code == 403
    assert not User.objects.filter(username="x1").exists()
    assert not Department.objects.filter(code="minzheng").exists()


def test_pages_of_one_account_and_department_are_closed_to_other_staff(client: Client) -> None:
    clerk = make_staff("clerk_z", Role.COMMUNITY_WORKER, NIJIAQIAO)
    department = Department.objects.create(code="minzheng", name="民政局", short_name="民政")
    client.force_login(make_staff("committee", Role.CITY_COMMITTEE, "510100000000"))
    role = clerk.staff_roles.get()
    for url in (
        f"/console/staff/{clerk.pk}/",
        f"/console/departments/{department.pk}/",
    ):
        assert client.get(url).status_code == 403
    assert client.post(f"/console/staff/{clerk.pk}/deactivate/").status_code == 403
    assert client.post(f"/console/staff/roles/{role.pk}/withdraw/").status_code == 403
    assert client.post(f"/console/departments/{department.pk}/active/").status_code == 403
    clerk.refresh_from_db()
    role.refresh_from_db()
    assert clerk.is_active
    assert role.is_active
    department.refresh_from_db()
    assert department.is_active


def test_the_console_home_links_the_administrator_to_departments_and_staff(
    client: Client,
) -> None:
    _admin_client(client)
    page = client.get("/console/").content.decode()
    assert 'href="/console/departments/"' in page
    assert 'href="/console/staff/"' in page
    staff_page = client.get("/console/staff/").content.decode()
    assert 'href="/console/staff/new/"' in staff_page
    departments_page = client.get("/console/departments/").content.decode()
    assert 'data-testid="department-form"' in departments_page


def test_an_admin_opens_renames_and_closes_a_department(client: Client) -> None:
    admin = _admin_client(client)
    response = client.post(
        "/console/departments/", {"code": "minzheng", "name": "成都市民政局", "short_name": ""}
    )
    assert response.status_code == 302
    department = Department.objects.get(code="minzheng")
    assert department.short_name == "成都市民政局"
    listing = client.get("/console/departments/").content.decode()
    assert "成都市民政局" in listing
    client.post(
        f"/console/departments/{department.pk}/", {"name": "成都市民政局", "short_name": "民政"}
    )
    department.refresh_from_db()
    assert department.short_name == "民政"
    # A department with staff is not closed under them.
    make_staff("mz_clerk", Role.DEPARTMENT_STAFF, "minzheng")
    with translation.override("zh-hans"):
        refused = client.post(
            f"/console/departments/{department.pk}/active/", {"active": "0"}, follow=True
        )
    assert "撤销" in refused.content.decode()
    department.refresh_from_db()
    assert department.is_active
    StaffRole.objects.filter(department=department).update(is_active=False)
    client.post(f"/console/departments/{department.pk}/active/", {"active": "0"})
    department.refresh_from_db()
    assert not department.is_active
    verbs = set(
        AuditEvent.objects.filter(actor=admin, object_type="people.department").values_list(
            "verb", flat=True
        )
    )
    assert verbs == {"department.create", "department.rename", "department.close"}


@pytest.mark.parametrize(
    ("data", "field", "said"),
    [
        ({"code": "Min Zheng", "name": "民政局"}, "code", "小写"),
        ({"code": "jiaoyu", "name": "民"}, "name", "2"),
        ({"code": "jiaoyu", "name": "成都市民政局"}, "name", "已"),
        ({"code": "minzheng", "name": "教育局"}, "code", "已"),
    ],
)
def test_bad_department_input_is_refused_clearly_and_changes_nothing(
    client: Client, data: dict[str, str], field: str, said: str
) -> None:
    _admin_client(client)
    Department.objects.create(code="minzheng", name="成都市民政局", short_name="民政")
    with translation.override("zh-hans"):
        response = client.post("/console/departments/", {"short_name": "", **data})
    assert response.status_code == 400
    errors = response.context["form"].errors[field]
    assert any(said in error for error in errors)
    assert Department.objects.count() == 1
    assert not AuditEvent.objects.filter(verb="department.create").exists()


def test_an_admin_opens_a_staff_account_who_sets_a_password_and_sees_only_their_area(
    client: Client,
    sms_outbox: list[tuple[str, str]],
    django_capture_on_commit_callbacks: object,
    django_assert_num_queries: object,
) -> None:
    admin = _admin_client(client)
    form = client.get("/console/staff/new/").content.decode()
    assert 'data-testid="division-picker-division"' in form
    assert "武侯区" in form  # districts are offered, never a typed code
    streets = client.get("/console/pickers/divisions/", {"parent": WUHOU}).json()["results"]
    assert YULIN in [street["code"] for street in streets]
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = client.post("/console/staff/new/", _staff_post())
    assert response.status_code == 302
    clerk = User.objects.get(username="clerk1")
    assert clerk.first_name == "李小红"
    assert not clerk.has_usable_password()
    assert clerk.staff_roles.get().division_id == NIJIAQIAO
    assert AuditEvent.objects.filter(verb="user.create_staff", actor=admin).exists()
    assert AuditEvent.objects.filter(verb="staff_role.grant", object_id=str(clerk.pk)).exists()
    make_staff("clerk_other", Role.STREET_OFFICER, YULIN)
    with django_assert_num_queries(LIST_QUERIES):  # type: ignore[operator]
        listing = client.get("/console/staff/").content.decode()
    make_staff("clerk_third", Role.DISTRICT_OFFICER, WUHOU)
    with django_assert_num_queries(LIST_QUERIES):  # type: ignore[operator]
        client.get("/console/staff/")
    assert "李小红" in listing
    assert "13700003333" not in listing  # phones are masked
    assert "137****3333" in listing or "3333" in listing

    [(phone, text)] = sms_outbox
    assert phone == "13700003333"
    link = _link_in(text)
    resident_here = make_resident(NIJIAQIAO, name="王五")
    resident_elsewhere = make_resident(SHUIJINGFANG, name="赵六")

    clerk_client = Client()
    assert clerk_client.post(link, {"new_password": NEW_PASSWORD}).status_code == 302
    assert (
        clerk_client.post(
            "/accounts/login/", {"username": "clerk1", "password": NEW_PASSWORD}
        ).status_code
        == 302
    )
    enrol_second_factor(clerk_client, "clerk1")
    home = clerk_client.get("/console/")
    assert home.status_code == 200
    areas = [area["scope"] for area in home.context["area_labels"]]
    assert [str(area) for area in areas] == ["倪家桥社区"] or len(areas) == 1
    residents = clerk_client.get("/console/residents/").content.decode()
    assert resident_here.real_name in residents
    assert resident_elsewhere.real_name not in residents
    assert clerk_client.get("/console/staff/").status_code == 403
    assert AuditEvent.objects.get(verb="user.password_reset", actor=clerk).changes == {"by": "sms"}
    # The link is spent once used.
    assert Client().get(link).status_code == 400


@pytest.mark.parametrize(
    ("overrides", "said"),
    [
        ({"username": "taken"}, "用户名"),
        ({"phone": "1370000"}, "手机号"),
        ({"division": YULIN}, "社区"),  # a street picked for a community worker
        ({"division": "510107005999"}, "请从列表中选择您辖区内的地点"),  # a forged code
        ({"full_name": "x"}, "姓名"),
        ({"role": Role.DEPARTMENT_STAFF}, "部门"),
    ],
)
def test_bad_staff_input_is_refused_clearly_and_creates_nothing(
    client: Client,
    sms_outbox: list[tuple[str, str]],
    django_capture_on_commit_callbacks: object,
    overrides: dict[str, str],
    said: str,
) -> None:
    _admin_client(client)
    make_user("taken")
    before = User.objects.count(), StaffRole.objects.count(), AuditEvent.objects.count()
    with (
        translation.override("zh-hans"),
        django_capture_on_commit_callbacks(execute=True),  # type: ignore[operator]
    ):
        response = client.post("/console/staff/new/", _staff_post(**overrides))
    assert response.status_code == 400
    assert said in response.content.decode()
    assert (User.objects.count(), StaffRole.objects.count(), AuditEvent.objects.count()) == before
    assert sms_outbox == []
    # The picker keeps what was chosen.
    chosen = overrides.get("division", NIJIAQIAO)
    if chosen in (NIJIAQIAO, YULIN):
        assert f'value="{chosen}" selected' in response.content.decode()


def test_an_admin_adds_and_withdraws_roles_resets_a_password_and_deactivates(
    client: Client, sms_outbox: list[tuple[str, str]], django_capture_on_commit_callbacks: object
) -> None:
    admin = _admin_client(client)
    clerk = make_staff("clerk_r", Role.COMMUNITY_WORKER, NIJIAQIAO)
    Department.objects.create(code="minzheng", name="成都市民政局", short_name="民政")
    department = Department.objects.get(code="minzheng")
    detail = client.get(f"/console/staff/{clerk.pk}/")
    assert detail.status_code == 200
    client.post(
        f"/console/staff/{clerk.pk}/roles/",
        {"role": Role.STREET_OFFICER, "division": YULIN},
    )
    client.post(
        f"/console/staff/{clerk.pk}/roles/",
        {"role": Role.DEPARTMENT_STAFF, "department": str(department.pk)},
    )
    held = set(clerk.staff_roles.filter(is_active=True).values_list("role", "division_id"))
    assert held == {
        (Role.COMMUNITY_WORKER, NIJIAQIAO),
        (Role.STREET_OFFICER, YULIN),
        (Role.DEPARTMENT_STAFF, None),
    }
    with translation.override("zh-hans"):
        again = client.post(
            f"/console/staff/{clerk.pk}/roles/",
            {"role": Role.STREET_OFFICER, "division": YULIN},
        )
    assert again.status_code == 400
    assert clerk.staff_roles.filter(is_active=True).count() == 3

    street_role = clerk.staff_roles.get(role=Role.STREET_OFFICER)
    client.post(f"/console/staff/roles/{street_role.pk}/withdraw/")
    street_role.refresh_from_db()
    assert not street_role.is_active

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        client.post(f"/console/staff/{clerk.pk}/password-reset/")
    clerk.refresh_from_db()
    assert not clerk.check_password("correct-horse-42")
    assert len(sms_outbox) == 1
    assert "/accounts/password/set/" in sms_outbox[0][1]

    # Deactivating asks first: without the confirmation the account stays as it was.
    ask = client.post(f"/console/staff/{clerk.pk}/deactivate/")
    assert ask.status_code == 200
    assert "停用后此账号不能再登录" in ask.content.decode()
    clerk.refresh_from_db()
    assert clerk.is_active
    client.post(f"/console/staff/{clerk.pk}/deactivate/", {"confirm": "1"})
    clerk.refresh_from_db()
    assert not clerk.is_active
    assert not clerk.staff_roles.filter(is_active=True).exists()
    verbs = set(AuditEvent.objects.filter(actor=admin).values_list("verb", flat=True))
    assert {
        "staff_role.grant",
        "staff_role.revoke",
        "user.password_reset_by_admin",
        "user.deactivate_staff",
    } <= verbs


def test_the_last_administrator_cannot_remove_themselves(client: Client) -> None:
    admin = _admin_client(client)
    role = admin.staff_roles.get()
    with translation.override("zh-hans"):
        response = client.post(f"/console/staff/roles/{role.pk}/withdraw/", follow=True)
        own = client.post(f"/console/staff/{admin.pk}/deactivate/", {"confirm": "1"}, follow=True)
    assert "系统管理员" in response.content.decode()
    assert "自己" in own.content.decode()
    role.refresh_from_db()
    admin.refresh_from_db()
    assert role.is_active
    assert admin.is_active
