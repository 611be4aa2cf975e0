"""The staff page: only system administrators open accounts and withdraw roles."""

import pytest
from django.test import Client

from shequ.core.scopes import Role
from shequ.people.models import StaffRole, User
from tests.factories import NIJIAQIAO, make_staff

pytestmark = pytest.mark.usefixtures("chengdu")


def test_workers_cannot_open_the_staff_page(client: Client) -> None:
    client.force_login(make_staff("worker_s", Role.COMMUNITY_WORKER, NIJIAQIAO))
    assert client.get("/console/staff/").status_code == 403
    response = client.post(
        "/console/staff/",
        {
            "username": "x1",
            "phone": "13700002222",
            "password": "tianfu-2026!",
            "role": Role.SYSTEM_ADMIN,
        },
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="x1").exists()


def test_an_admin_opens_a_scoped_account_and_withdraws_it(client: Client) -> None:
    client.force_login(make_staff("admin_p", Role.SYSTEM_ADMIN))
    bad = client.post(
        "/console/staff/",
        {
            "username": "clerk1",
            "phone": "137",
            "password": "tianfu-2026!",
            "role": Role.COMMUNITY_WORKER,
            "division": NIJIAQIAO,
        },
    )
    assert bad.status_code == 200
    assert "手机号" in bad.content.decode()
    assert not User.objects.filter(username="clerk1").exists()
    response = client.post(
        "/console/staff/",
        {
            "username": "clerk1",
            "phone": "13700003333",
            "password": "tianfu-2026!",
            "role": Role.COMMUNITY_WORKER,
            "division": NIJIAQIAO,
        },
    )
    assert response.status_code == 302
    role = StaffRole.objects.get(user__username="clerk1")
    assert role.division_id == NIJIAQIAO
    page = client.get("/console/staff/").content.decode()
    assert "clerk1" in page
    client.post(f"/console/staff/roles/{role.pk}/withdraw/")
    role.refresh_from_db()
    assert role.is_active is False
