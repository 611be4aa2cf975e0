"""A resident signs in to a department's own app through shequ, in Chromium on a phone.

The department app is the runnable sample in ``examples/sso_rp`` (Authlib), served on its own
loopback port and configured only with the discovery URL, its client id and secret.
"""

import re
import threading
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import requests
from examples.sso_rp.app import RelyingParty
from playwright.sync_api import Page, expect

from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.people.models import Department, VerificationLevel
from shequ.sso import services
from shequ.sso.models import Consent
from tests.e2e.steps import log_in
from tests.factories import make_resident, make_staff, make_user

pytestmark = pytest.mark.e2e

PASSWORD = "Jinli-guzhen-2026"


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def rp_server() -> Iterator[WSGIServer]:
    """The sample app's web server on a free loopback port (its app is set by the test)."""
    server = make_server("127.0.0.1", 0, lambda environ, start: [], handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_resident_consents_in_chinese_and_the_department_app_shows_the_claims(
    phone_page: Page, live_server: Any, chengdu: None, rp_server: WSGIServer
) -> None:
    rp_url = f"http://127.0.0.1:{rp_server.server_port}"
    admin = make_staff("sso-e2e-admin", Role.SYSTEM_ADMIN)
    department = Department.objects.get_or_create(
        code="gjj", defaults={"name": "成都住房公积金管理中心", "short_name": "公积金"}
    )[0]
    app, secret = services.app_register(
        actor=admin,
        name="公积金查询",
        department_id=department.pk,
        redirect_uris=f"{rp_url}/callback",
        scopes=["openid", "profile", "phone", "community", "verification"],
    )
    rp_server.set_app(
        RelyingParty(
            discovery_url=f"{live_server.url}/.well-known/openid-configuration",
            client_id=app.client_id,
            client_secret=secret,
            redirect_uri=f"{rp_url}/callback",
        )
    )
    user = make_user("wangxiaoli", password=PASSWORD, phone="13812340001")
    make_resident(user=user, name="王小丽", level=VerificationLevel.ID_CHECKED)
    page = phone_page

    log_in(page, "wangxiaoli", PASSWORD)
    page.goto(rp_url)
    page.get_by_role("link", name="使用市民账号登录").click()

    consent = page.get_by_test_id("consent")
    expect(consent.get_by_role("heading")).to_contain_text("“公积金查询”")
    expect(page.get_by_test_id("consent-department")).to_contain_text("成都住房公积金管理中心")
    data = page.get_by_test_id("consent-data")
    expect(data).to_contain_text("您的姓名（部分隐藏，例如 张*）")
    expect(data.locator("li")).to_have_count(5)
    page.get_by_test_id("consent-allow").click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(rp_url)}/$"))
    expect(page.get_by_role("heading", name="已登录")).to_be_visible()
    claims = page.locator("pre")
    expect(claims).to_contain_text('"name": "王*丽"')
    expect(claims).to_contain_text('"code": "510107005004"')
    expect(claims).to_contain_text('"phone_number": "13812340001"')
    expect(claims).to_contain_text('"acr": "urn:shequ:loa:1:id-checked"')
    expect(claims).not_to_contain_text("王小丽")

    # Consent is remembered: a second sign-in goes straight back to the app, no screen.
    page.goto(f"{rp_url}/login")
    expect(page).to_have_url(re.compile(rf"^{re.escape(rp_url)}/$"))
    expect(page.get_by_role("heading", name="已登录")).to_be_visible()
    assert Consent.objects.filter(user=user, app=app, revoked_at__isnull=True).count() == 1
    assert AuditEvent.objects.filter(actor=user, verb="sso.token_issued").count() == 2


def test_administrator_gives_a_department_system_machine_access_on_a_phone(
    phone_page: Page, live_server: Any, chengdu: None
) -> None:
    """The administrator ticks machine access; the department system then calls the API."""
    admin = make_staff("sso-e2e-root", Role.SYSTEM_ADMIN)
    admin.set_password(PASSWORD)
    admin.save()
    department = Department.objects.get_or_create(
        code="gongan", defaults={"name": "成都市公安局", "short_name": "公安"}
    )[0]
    app, secret = services.app_register(
        actor=admin,
        name="公安业务系统",
        department_id=department.pk,
        redirect_uris="https://gongan.example.cn/callback",
        scopes=["openid", "api:read"],
    )
    page = phone_page

    log_in(page, "sso-e2e-root", PASSWORD)
    page.goto(f"/console/sso/{app.pk}/")
    page.get_by_label(re.compile("系统对接")).check()
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_test_id("machine-access")).to_contain_text("sso-app-")
    token = requests.post(
        f"{live_server.url}/o/token/",
        data={"grant_type": "client_credentials"},
        auth=(app.client_id, secret),
        timeout=10,
    ).json()
    assert token["scope"] == "api:read"
    queue = requests.get(
        f"{live_server.url}/api/v1/casework/queue",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    )
    assert queue.status_code == 200
    assert queue.json()["items"] == []
