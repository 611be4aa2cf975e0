"""A new community worker on a phone: sets up the authenticator, keeps the recovery codes, and
later logs in with one of them when the phone is not at hand."""

import re

import pytest
from playwright.sync_api import Page, expect

from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from tests.e2e.steps import pass_second_factor
from tests.factories import NIJIAQIAO, make_staff

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse-42"


def _password(page: Page, username: str) -> None:
    page.goto("/accounts/login/?next=/console/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()


def test_staff_member_sets_up_two_factor_and_uses_a_recovery_code(
    phone_page: Page, chengdu: None
) -> None:
    page = phone_page
    make_staff("worker_2fa", Role.COMMUNITY_WORKER, NIJIAQIAO)

    _password(page, "worker_2fa")
    expect(page.get_by_role("heading", name="设置双因素登录")).to_be_visible()
    expect(page.get_by_test_id("two-factor-qr").locator("svg")).to_be_visible()
    # Before the code, the console stays closed.
    page.goto("/console/residents/")
    expect(page.get_by_role("heading", name="设置双因素登录")).to_be_visible()

    codes = pass_second_factor(page, "worker_2fa")
    assert len(codes) == 10
    # On to the page asked for before the code.
    expect(page).to_have_url(re.compile(r"/console/residents/$"))
    expect(page.get_by_role("heading", name="居民")).to_be_visible()

    page.context.clear_cookies()
    _password(page, "worker_2fa")
    expect(page.get_by_role("heading", name="双因素登录")).to_be_visible()
    page.get_by_label("验证码").fill("123456")
    page.get_by_role("button", name="验证").click()
    expect(page.get_by_text("验证码不正确或已被使用")).to_be_visible()
    page.wait_for_timeout(1100)  # a wrong code slows the next try down by a second
    page.get_by_label("验证码").fill(codes[0])
    page.get_by_role("button", name="验证").click()
    expect(page).to_have_url(re.compile(r"/console/$"))
    page.goto("/console/residents/")
    expect(page.get_by_role("heading", name="居民")).to_be_visible()
    assert AuditEvent.objects.filter(verb="two_factor.recovery_code_used").count() == 1
