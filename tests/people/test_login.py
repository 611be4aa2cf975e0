"""Logging in by username or phone, and the lockout after repeated failures."""

import pytest
from django.conf import LazySettings
from django.test import Client

from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("chengdu")
LOCKED_STATUS = 429  # django-axes answers "Too Many Requests"


def _login(client: Client, username: str, password: str) -> int:
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response.status_code


def test_login_with_username_or_mobile_number(client: Client) -> None:
    make_user("xiaoli", password="tianfu-2026!", phone="13800138000")
    assert _login(client, "xiaoli", "tianfu-2026!") == 302
    client.post("/accounts/logout/")
    assert _login(client, "13800138000", "tianfu-2026!") == 302
    assert client.get("/accounts/profile/").status_code == 200


def test_wrong_password_shows_an_error_without_saying_which_part_was_wrong(
    client: Client,
) -> None:
    make_user("xiaoli", password="tianfu-2026!")
    response = client.post("/accounts/login/", {"username": "xiaoli", "password": "nope"})
    unknown = client.post("/accounts/login/", {"username": "nobody", "password": "nope"})
    assert response.status_code == unknown.status_code == 200
    assert response.context["form"].errors == unknown.context["form"].errors


def test_repeated_failures_lock_the_account_even_for_the_right_password(
    client: Client, settings: object
) -> None:
    make_user("xiaoli", password="tianfu-2026!")
    for _ in range(5):
        _login(client, "xiaoli", "wrong-password")
    response = client.post("/accounts/login/", {"username": "xiaoli", "password": "tianfu-2026!"})
    assert response.status_code == LOCKED_STATUS
    assert "多次密码错误，账号已锁定一小时" in response.content.decode()
    assert client.get("/accounts/profile/").status_code == 302  # still not logged in


def test_spoofed_forwarded_for_from_an_untrusted_peer_still_locks_the_account(
    client: Client, settings: LazySettings
) -> None:
    settings.SHEQU_TRUSTED_PROXIES = []
    make_user("xiaoli", password="tianfu-2026!")
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/accounts/login/",
            {"username": "xiaoli", "password": "wrong-password"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )

    response = client.post(
        "/accounts/login/",
        {"username": "xiaoli", "password": "tianfu-2026!"},
        HTTP_X_FORWARDED_FOR="198.51.100.200",
    )
    assert response.status_code == LOCKED_STATUS


def test_behind_a_trusted_proxy_the_lockout_keys_on_the_forwarded_client(
    client: Client, settings: LazySettings
) -> None:
    settings.SHEQU_TRUSTED_PROXIES = ["10.0.0.0/8"]
    make_user("xiaoli", password="tianfu-2026!")
    for n in range(settings.AXES_FAILURE_LIMIT):
        # The attacker varies a forged left-hand entry; the proxy appends the real address.
        client.post(
            "/accounts/login/",
            {"username": "xiaoli", "password": "wrong-password"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 203.0.113.5",
        )

    attacker = client.post(
        "/accounts/login/",
        {"username": "xiaoli", "password": "tianfu-2026!"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="7.7.7.7, 203.0.113.5",
    )
    owner = Client().post(
        "/accounts/login/",
        {"username": "xiaoli", "password": "tianfu-2026!"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.8",
    )
    assert attacker.status_code == LOCKED_STATUS
    assert owner.status_code == 302  # same proxy, another client: the lock is not theirs
