"""Staff two-factor sign-in: enrolment, codes at log-in, recovery codes, reset, idle timeout."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.notices.models import Message
from shequ.people.demo import DEMO_TOTP_KEY
from tests.factories import NIJIAQIAO, make_staff, make_user, totp_code

pytestmark = pytest.mark.usefixtures("chengdu")
PASSWORD = "correct-horse-42"
# A fixed moment: codes depend on the clock, and a test must not.
MOMENT = datetime(2027, 3, 9, 2, 0, 5, tzinfo=UTC)


def _password_step(client: Client, username: str) -> str:
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return str(response["Location"])


def _enrolled_staff(username: str = "worker") -> tuple[object, TOTPDevice]:
    user = make_staff(username, Role.COMMUNITY_WORKER, NIJIAQIAO)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user, device


@time_machine.travel(MOMENT, tick=False)
def test_first_login_enrols_an_authenticator_and_shows_ten_recovery_codes_once() -> None:
    make_staff("worker", Role.COMMUNITY_WORKER, NIJIAQIAO)
    client = Client()
    assert _password_step(client, "worker") == "/accounts/two-factor/?next=/"

    page = client.get("/accounts/two-factor/?next=/console/")
    assert page.status_code == 200
    assert b"<svg" in page.content  # the QR code, drawn on the server
    assert page["Cache-Control"] == "no-store"
    device = TOTPDevice.objects.get(user__username="worker", confirmed=False)

    wrong = client.post("/accounts/two-factor/", {"code": "000000", "next": "/console/"})
    assert wrong.status_code == 400
    assert "验证码不正确" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()

    with time_machine.travel(MOMENT + timedelta(seconds=3), tick=False):
        done = client.post(
            "/accounts/two-factor/", {"code": totp_code(device), "next": "/console/"}
        )
    assert done.status_code == 200
    codes = re.findall(r"<li class=\"col\">([a-z2-7]{8})</li>", done.content.decode())
    assert len(set(codes)) == 10
    assert client.get("/console/").status_code == 200
    # Shown once: the set-up page now sends the staff member on instead.
    assert client.get("/accounts/two-factor/?next=/console/")["Location"] == "/console/"
    assert AuditEvent.objects.filter(verb="two_factor.enrol", actor__username="worker").exists()


@time_machine.travel(MOMENT, tick=False)
def test_staff_page_and_api_are_closed_until_the_code_is_given() -> None:
    _user, device = _enrolled_staff()
    client = Client()
    _password_step(client, "worker")

    page = client.get("/console/residents/")
    assert page.status_code == 302
    assert page["Location"] == "/accounts/two-factor/?next=/console/residents/"
    api = client.get("/api/v1/residents")
    assert api.status_code == 403
    assert api.json()["code"] == "two_factor_required"

    done = client.post("/accounts/two-factor/", {"code": totp_code(device), "next": "/console/"})
    assert done["Location"] == "/console/"
    assert client.get("/console/residents/").status_code == 200
    assert client.get("/api/v1/residents").status_code == 200


@time_machine.travel(MOMENT, tick=False)
def test_a_code_that_was_used_once_is_refused_the_second_time() -> None:
    _user, device = _enrolled_staff()
    code = totp_code(device)
    first = Client()
    _password_step(first, "worker")
    assert first.post("/accounts/two-factor/", {"code": code})["Location"] == "/console/"

    # Someone who saw the code over the shoulder, in the same 30 seconds.
    with time_machine.travel(MOMENT + timedelta(seconds=10), tick=False):
        replay = Client()
        _password_step(replay, "worker")
        refused = replay.post("/accounts/two-factor/", {"code": code})
        assert refused.status_code == 400
        assert "已被使用" in refused.content.decode()
        assert replay.get("/console/")["Location"].startswith("/accounts/two-factor/")


@time_machine.travel(MOMENT, tick=False)
def test_a_recovery_code_lets_the_staff_member_in_once() -> None:
    make_staff("worker", Role.COMMUNITY_WORKER, NIJIAQIAO)
    client = Client()
    _password_step(client, "worker")
    client.get("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user__username="worker")
    done = client.post("/accounts/two-factor/", {"code": totp_code(device)})
    recovery = re.findall(r"<li class=\"col\">([a-z2-7]{8})</li>", done.content.decode())[0]

    phone_lost = Client()
    _password_step(phone_lost, "worker")
    typed = f" {recovery[:4].upper()}-{recovery[4:]} "  # as read off paper
    assert phone_lost.post("/accounts/two-factor/", {"code": typed})["Location"] == "/console/"
    assert StaticToken.objects.filter(device__user__username="worker").count() == 9

    with time_machine.travel(MOMENT + timedelta(seconds=10), tick=False):
        again = Client()
        _password_step(again, "worker")
        assert again.post("/accounts/two-factor/", {"code": recovery}).status_code == 400
    assert AuditEvent.objects.filter(verb="two_factor.recovery_code_used").count() == 1


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "<script>", "不是验证码"])
@time_machine.travel(MOMENT, tick=False)
def test_malformed_codes_get_a_clear_error_and_change_nothing(typed: str) -> None:
    _user, device = _enrolled_staff()
    client = Client()
    _password_step(client, "worker")
    response = client.post("/accounts/two-factor/", {"code": typed})
    assert response.status_code == 400
    device.refresh_from_db()
    assert device.throttling_failure_count == 0
    assert client.get("/console/").status_code == 302


@time_machine.travel(MOMENT, tick=False)
def test_residents_are_never_asked_for_a_second_factor() -> None:
    make_user("xiaoli", password=PASSWORD)
    client = Client()
    assert _password_step(client, "xiaoli") == "/"
    assert client.get("/accounts/profile/").status_code == 200
    assert client.get("/accounts/two-factor/")["Location"] == "/console/"
    assert not TOTPDevice.objects.exists()


@time_machine.travel(MOMENT, tick=False)
def test_an_administrator_resets_a_lost_authenticator_with_a_reason(client: Client) -> None:
    admin = make_staff("admin", Role.SYSTEM_ADMIN)
    worker, device = _enrolled_staff()
    signed_in = Client()
    _password_step(signed_in, "worker")
    signed_in.post("/accounts/two-factor/", {"code": totp_code(device)})
    assert signed_in.get("/console/").status_code == 200

    client.force_login(admin)
    url = f"/console/staff/{worker.pk}/two-factor-reset/"
    assert client.post(url, {"reason": "  "}).status_code == 400
    assert TOTPDevice.objects.filter(user=worker).exists()

    response = client.post(url, {"reason": "手机丢失，本人到窗口申请"})
    assert response["Location"] == f"/console/staff/{worker.pk}/"
    assert not TOTPDevice.objects.filter(user=worker).exists()
    event = AuditEvent.objects.get(verb="two_factor.reset")
    assert (event.actor, event.object_id, event.reason) == (
        admin,
        str(worker.pk),
        "手机丢失，本人到窗口申请",
    )
    assert Message.objects.filter(user=worker, title__contains="双因素").exists()
    # The session verified with the removed device is held back at once ...
    assert signed_in.get("/console/").status_code == 302
    # ... and cannot set up a new authenticator without the password again.
    assert signed_in.get("/accounts/two-factor/")["Location"].startswith("/accounts/login/")

    fresh = Client()
    assert _password_step(fresh, "worker") == "/accounts/two-factor/?next=/"
    assert "扫描" in fresh.get("/accounts/two-factor/").content.decode()


def test_only_a_system_administrator_may_reset(client: Client) -> None:
    worker, _device = _enrolled_staff()
    committee = make_staff("committee", Role.CITY_COMMITTEE, "510100000000")
    client.force_login(committee)
    response = client.post(f"/console/staff/{worker.pk}/two-factor-reset/", {"reason": "x"})
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=worker).exists()
    assert not AuditEvent.objects.filter(verb="two_factor.reset").exists()


def test_staff_sessions_end_after_the_idle_timeout_but_residents_stay(settings: object) -> None:
    with time_machine.travel(MOMENT, tick=False) as traveller:
        _user, device = _enrolled_staff()
        make_user("xiaoli", password=PASSWORD)
        staff, resident = Client(), Client()
        _password_step(staff, "worker")
        staff.post("/accounts/two-factor/", {"code": totp_code(device)})
        _password_step(resident, "xiaoli")

        traveller.shift(timedelta(minutes=20))
        assert staff.get("/console/").status_code == 200  # still active: the clock restarts
        traveller.shift(timedelta(minutes=25))
        assert staff.get("/console/").status_code == 200
        traveller.shift(timedelta(minutes=31))
        ended = staff.get("/console/")
        assert ended["Location"] == "/accounts/login/?next=/console/"
        assert staff.get("/api/v1/me").status_code == 401
        assert resident.get("/accounts/profile/").status_code == 200


@time_machine.travel(MOMENT, tick=False)
def test_demo_staff_see_the_demo_code_on_the_verify_page(settings: object) -> None:
    user = make_staff("demo_worker", Role.COMMUNITY_WORKER, NIJIAQIAO)
    user.is_demo = True
    user.save(update_fields=["is_demo"])
    device = TOTPDevice.objects.create(user=user, key=DEMO_TOTP_KEY, confirmed=True)
    client = Client()
    _password_step(client, "demo_worker")
    page = client.get("/accounts/two-factor/").content.decode()
    assert totp_code(device) in page
    assert client.post("/accounts/two-factor/", {"code": totp_code(device)}).status_code == 302


@time_machine.travel(MOMENT, tick=False)
def test_a_department_app_sign_in_waits_for_the_second_factor() -> None:
    _enrolled_staff()
    client = Client()
    _password_step(client, "worker")
    response = client.get("/o/authorize/?client_id=x&response_type=code")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/?next=/o/authorize/")
