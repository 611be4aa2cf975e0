"""A city starting from empty: the first administrator from the command line, and a
``createsuperuser`` account, both reach the console as system administrators."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.people.models import StaffRole, User
from tests.factories import enrol_second_factor

pytestmark = pytest.mark.usefixtures("chengdu")


def _sign_in(client: Client, username: str, password: str) -> int:
    return client.post("/accounts/login/", {"username": username, "password": password}).status_code


def test_create_admin_makes_a_system_administrator_who_opens_the_console(
    client: Client, tmp_path: Path
) -> None:
    secret = tmp_path / "password"
    secret.write_text("Jinli-Admin-2026!\n", encoding="utf-8")
    out = io.StringIO()
    call_command(
        "create_admin",
        "--username",
        "cityadmin",
        "--phone",
        "13900001234",
        "--password-file",
        str(secret),
        stdout=out,
    )
    assert "cityadmin" in out.getvalue()
    admin = User.objects.get(username="cityadmin")
    assert StaffRole.objects.filter(user=admin, role=Role.SYSTEM_ADMIN, is_active=True).exists()
    assert AuditEvent.objects.filter(verb="user.create_admin", object_id=str(admin.pk)).exists()
    assert _sign_in(client, "13900001234", "Jinli-Admin-2026!") == 302
    assert len(enrol_second_factor(client, "cityadmin")) == 10
    assert client.get("/console/").status_code == 200
    assert client.get("/console/staff/").status_code == 200
    assert client.get("/console/departments/").status_code == 200


@pytest.mark.parametrize(
    ("password", "said"),
    [("12345678", "密码"), ("short1!", "密码"), ("password", "密码")],
)
def test_create_admin_refuses_a_weak_password_and_creates_nothing(
    tmp_path: Path, password: str, said: str
) -> None:
    secret = tmp_path / "password"
    secret.write_text(password, encoding="utf-8")
    with translation.override("zh-hans"), pytest.raises(CommandError) as caught:
        call_command("create_admin", "--username", "cityadmin", "--password-file", str(secret))
    assert said in str(caught.value)
    assert "没有创建" in str(caught.value)
    assert not User.objects.filter(username="cityadmin").exists()
    assert not StaffRole.objects.exists()
    assert not AuditEvent.objects.filter(verb="user.create_admin").exists()


def test_create_admin_asks_twice_and_refuses_two_different_passwords(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers = iter(["Jinli-Admin-2026!", "Jinli-Admin-2062!"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr("sys.stdin", _Terminal())
    monkeypatch.delenv("SHEQU_ADMIN_PASSWORD", raising=False)
    with translation.override("zh-hans"), pytest.raises(CommandError) as caught:
        call_command("create_admin", "--username", "cityadmin")
    assert "两次" in str(caught.value)
    assert not User.objects.filter(username="cityadmin").exists()


def test_create_admin_reads_the_password_from_the_environment_for_automation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SHEQU_ADMIN_PASSWORD", "Jinli-Admin-2026!")
    call_command("create_admin", "--username", "cityadmin", stdout=io.StringIO())
    assert User.objects.get(username="cityadmin").check_password("Jinli-Admin-2026!")


def test_create_admin_refuses_a_taken_username_and_a_malformed_phone(tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text("Jinli-Admin-2026!", encoding="utf-8")
    call_command(
        "create_admin",
        "--username",
        "cityadmin",
        "--password-file",
        str(secret),
        stdout=io.StringIO(),
    )
    with translation.override("zh-hans"), pytest.raises(CommandError, match="用户名"):
        call_command("create_admin", "--username", "cityadmin", "--password-file", str(secret))
    with translation.override("zh-hans"), pytest.raises(CommandError, match="手机号"):
        call_command(
            "create_admin", "--username", "other", "--phone", "123", "--password-file", str(secret)
        )
    assert User.objects.count() == 1


def test_a_createsuperuser_account_reaches_the_console_as_system_administrator(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Jinli-Admin-2026!")
    call_command(
        "createsuperuser",
        "--no-input",
        "--username",
        "root",
        "--email",
        "root@example.cn",
        stdout=io.StringIO(),
    )
    assert _sign_in(client, "root", "Jinli-Admin-2026!") == 302
    assert len(enrol_second_factor(client, "root")) == 10
    assert client.get("/console/").status_code == 200
    assert client.get("/console/staff/").status_code == 200
    root = User.objects.get(username="root")
    assert StaffRole.objects.filter(user=root, role=Role.SYSTEM_ADMIN, is_active=True).count() == 1
    granted = AuditEvent.objects.get(verb="staff_role.grant", object_id=str(root.pk))
    assert granted.changes["by"] == "superuser"
    # A second sign-in gives nothing twice.
    client.post("/accounts/logout/")
    assert _sign_in(client, "root", "Jinli-Admin-2026!") == 302
    assert StaffRole.objects.filter(user=root).count() == 1


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True
