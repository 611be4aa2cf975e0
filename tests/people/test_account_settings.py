"""A resident keeps their own account: e-mail address for messages, password change."""

import pytest
from django.test import Client

from shequ.core.models import AuditEvent
from shequ.people.models import User
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("chengdu")


@pytest.fixture
def signed_in(client: Client) -> tuple[Client, User]:
    user = make_user("xiaoli", password="tianfu-2026!")
    client.force_login(user)
    return client, user


def test_resident_adds_an_email_address_which_the_profile_shows(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    response = client.post("/accounts/profile/email/", {"email": "Li.Xiao@Example.COM"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "Li.Xiao@example.com"
    profile = client.get("/accounts/profile/").content.decode()
    assert "Li.Xiao@example.com" in profile
    event = AuditEvent.objects.get(verb="user.email_changed")
    # The trail records that it changed, not the address itself.
    assert event.changes == {"email": ["", "L***@example.com"]}


def test_a_malformed_email_is_refused_in_chinese_and_nothing_changes(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    response = client.post(
        "/accounts/profile/email/", {"email": "not-an-address"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    assert "请输入有效的电子邮件地址" in response.content.decode()
    user.refresh_from_db()
    assert user.email == ""
    assert not AuditEvent.objects.filter(verb="user.email_changed").exists()


def test_clearing_the_email_removes_it(signed_in: tuple[Client, User]) -> None:
    client, user = signed_in
    client.post("/accounts/profile/email/", {"email": "li@example.com"})
    client.post("/accounts/profile/email/", {"email": ""})
    user.refresh_from_db()
    assert user.email == ""
    assert AuditEvent.objects.filter(verb="user.email_changed").count() == 2


def test_password_change_keeps_this_session_and_the_new_password_logs_in(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    response = client.post(
        "/accounts/profile/password/",
        {"old_password": "tianfu-2026!", "new_password": "jinli-street-88"},
    )
    assert response.status_code == 302
    assert client.get("/accounts/profile/").status_code == 200  # still signed in here
    new = Client().post("/accounts/login/", {"username": "xiaoli", "password": "jinli-street-88"})
    old = Client().post("/accounts/login/", {"username": "xiaoli", "password": "tianfu-2026!"})
    assert new.status_code == 302
    assert old.status_code == 200  # the form again, with an error
    assert AuditEvent.objects.filter(verb="user.password_changed", object_id=str(user.pk)).exists()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("wrong-one", "jinli-street-88", "当前密码不正确"),
        ("tianfu-2026!", "123", "密码"),
    ],
)
def test_password_change_refuses_a_wrong_current_or_weak_new_password(
    signed_in: tuple[Client, User], old: str, new: str, message: str
) -> None:
    client, user = signed_in
    response = client.post(
        "/accounts/profile/password/",
        {"old_password": old, "new_password": new},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("tianfu-2026!")
    assert not AuditEvent.objects.filter(verb="user.password_changed").exists()


def test_account_pages_need_a_signed_in_user(client: Client) -> None:
    for url in ("/accounts/profile/email/", "/accounts/profile/password/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
