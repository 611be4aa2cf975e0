"""A resident keeps their own account: e-mail address for messages, password change."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import LazySettings
from django.core.mail import EmailMessage
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


def test_audit_trail_records_the_peer_not_a_forged_forwarded_for(
    signed_in: tuple[Client, User], settings: LazySettings
) -> None:
    client, _ = signed_in
    settings.SHEQU_TRUSTED_PROXIES = []
    client.post(
        "/accounts/profile/email/",
        {"email": "li@example.com"},
        REMOTE_ADDR="198.51.100.4",
        HTTP_X_FORWARDED_FOR="1.2.3.4",
    )
    assert AuditEvent.objects.get(verb="user.email_changed").ip == "198.51.100.4"


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


@pytest.fixture
def ask_link(client: Client, django_capture_on_commit_callbacks: Any) -> Callable[[str], int]:
    """Ask for a reset link; the e-mail leaves when the request's transaction commits."""

    def ask(email: str) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/accounts/password-reset/email/", {"email": email})
        return response.status_code

    return ask


def _reset_link(outbox: list[EmailMessage]) -> str:
    found = re.search(r"http://testserver(/accounts/password-reset/email/\S+/)", outbox[-1].body)
    assert found, outbox[-1].body
    return found.group(1)


def test_forgotten_password_is_reset_through_a_one_use_emailed_link(
    client: Client, mailoutbox: list[EmailMessage], ask_link: Callable[[str], int]
) -> None:
    user = make_user("xiaoli", password="tianfu-2026!")
    User.objects.filter(pk=user.pk).update(email="li@example.com")
    assert ask_link("LI@example.com") == 302
    assert [message.to for message in mailoutbox] == [["li@example.com"]]
    link = _reset_link(mailoutbox)
    assert client.post(link, {"new_password": "jinli-street-88"}).status_code == 302
    user.refresh_from_db()
    assert user.check_password("jinli-street-88")
    # Used once, the link no longer works.
    again = client.post(link, {"new_password": "another-pass-99"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert again.status_code == 400
    assert 'data-testid="link-invalid"' in again.content.decode()
    user.refresh_from_db()
    assert user.check_password("jinli-street-88")


def test_unknown_address_looks_the_same_and_sends_nothing(
    client: Client, mailoutbox: list[EmailMessage], ask_link: Callable[[str], int]
) -> None:
    make_user("xiaoli", password="tianfu-2026!")
    User.objects.filter(username="xiaoli").update(email="li@example.com")
    assert ask_link("li@example.com") == ask_link("nobody@example.com") == 302
    assert len(mailoutbox) == 1


def test_reset_links_are_limited_per_hour_and_a_tampered_link_is_refused(
    client: Client, mailoutbox: list[EmailMessage], ask_link: Callable[[str], int]
) -> None:
    user = make_user("xiaoli", password="tianfu-2026!")
    User.objects.filter(pk=user.pk).update(email="li@example.com")
    for _ in range(5):
        assert ask_link("li@example.com") == 302
    assert len(mailoutbox) == 3
    link = _reset_link(mailoutbox)
    tampered = link[:-3] + ("a" if link[-3] != "a" else "b") + link[-2:]
    response = client.post(tampered, {"new_password": "jinli-street-88"})
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.check_password("tianfu-2026!")


def test_a_weak_new_password_through_the_link_is_refused(
    client: Client, mailoutbox: list[EmailMessage], ask_link: Callable[[str], int]
) -> None:
    user = make_user("xiaoli", password="tianfu-2026!")
    User.objects.filter(pk=user.pk).update(email="li@example.com")
    ask_link("li@example.com")
    response = client.post(
        _reset_link(mailoutbox), {"new_password": "123"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.check_password("tianfu-2026!")


def test_a_malformed_address_on_the_reset_page_is_refused(client: Client) -> None:
    response = client.post(
        "/accounts/password-reset/email/",
        {"email": "li-at-example"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert "请输入有效的电子邮件地址" in response.content.decode()


def test_forgotten_password_is_reset_with_a_text_message_code_from_the_pages(
    client: Client,
    sms_outbox: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    user = make_user("xiaoli", password="tianfu-2026!", phone="13800138000")
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post("/accounts/password-reset/", {"phone": "13800138000"})
    assert asked.status_code == 302
    code = re.search(r"\d{6}", sms_outbox[-1][1])
    assert code
    not_it = "000000" if code.group(0) != "000000" else "111111"
    wrong = client.post(
        "/accounts/password-reset/confirm/",
        {"phone": "13800138000", "code": not_it, "new_password": "jinli-street-88"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert wrong.status_code == 400
    assert "验证码错误或已过期" in wrong.content.decode()
    right = client.post(
        "/accounts/password-reset/confirm/",
        {"phone": "13800138000", "code": code.group(0), "new_password": "jinli-street-88"},
    )
    assert right.status_code == 302
    user.refresh_from_db()
    assert user.check_password("jinli-street-88")
