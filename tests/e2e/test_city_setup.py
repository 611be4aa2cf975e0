"""A city starting from empty, on a phone: the administrator opens a department and a
community worker's account with the area picked; the worker sets a password from the text
message and sees only their community."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from shequ.core.scopes import Role
from shequ.people.models import Department, User
from tests.e2e.conftest import PHONE_VIEWPORT
from tests.e2e.steps import log_in, pick_division
from tests.factories import NIJIAQIAO, SHUIJINGFANG, make_resident, make_staff

pytestmark = pytest.mark.e2e


def test_admin_opens_a_department_and_a_worker_who_signs_in_to_their_community(
    phone_page: Page,
    browser_instance: Browser,
    live_server: LiveServer,
    chengdu: None,
    sms_outbox: list[tuple[str, str]],
) -> None:
    page = phone_page
    make_staff("cityadmin", Role.SYSTEM_ADMIN)
    make_resident(NIJIAQIAO, name="王五")
    make_resident(SHUIJINGFANG, name="赵六")

    log_in(page, "cityadmin", "correct-horse-42")
    page.goto("/console/")
    setup = page.get_by_test_id("city-setup")
    setup.get_by_role("link", name="部门").click()
    form = page.get_by_test_id("department-form")
    form.get_by_label("代码").fill("minzheng")
    form.get_by_label("名称").fill("成都市民政局")
    form.get_by_role("button", name="新建部门").click()
    expect(page.get_by_test_id("department-row")).to_contain_text("成都市民政局")
    assert Department.objects.filter(code="minzheng").exists()

    page.goto("/console/")
    page.get_by_test_id("city-setup").get_by_role("link", name="工作人员及其辖区").click()
    page.get_by_test_id("staff-create").click()
    form = page.get_by_test_id("staff-form")
    form.get_by_label("用户名").fill("clerk1")
    form.get_by_label("姓名").fill("李小红")
    form.get_by_label("手机号").fill("13700003333")
    form.get_by_label("角色").select_option(Role.COMMUNITY_WORKER)
    # A street picked for a community worker is refused with the reason, nothing created.
    pick_division(page, "division", "武侯区", "玉林街道")
    form.get_by_role("button", name="创建账号").click()
    expect(page.get_by_test_id("error-division")).to_contain_text("社区")  # at the picker
    assert not User.objects.filter(username="clerk1").exists()

    pick_division(page, "division", "武侯区", "玉林街道", "倪家桥社区")
    page.get_by_test_id("staff-form").get_by_role("button", name="创建账号").click()
    expect(page.get_by_test_id("role-row")).to_contain_text("倪家桥")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_VIEWPORT["width"]

    [(phone, text)] = sms_outbox
    assert phone == "13700003333"
    match = re.search(r"https?://[^/\s]+(/\S+)", text)
    assert match is not None
    context = browser_instance.new_context(
        base_url=live_server.url, viewport=PHONE_VIEWPORT, locale="zh-CN", is_mobile=True
    )
    clerk = context.new_page()
    try:
        clerk.goto(match.group(1))
        clerk.get_by_label("新密码").fill("Yulin-Clerk-2026!")
        clerk.get_by_role("button", name="修改密码").click()
        log_in(clerk, "clerk1", "Yulin-Clerk-2026!")
        clerk.goto("/console/")
        expect(clerk.get_by_test_id("area")).to_have_count(1)
        expect(clerk.get_by_test_id("area")).to_contain_text("倪家桥")
        clerk.goto("/console/residents/")
        expect(clerk.get_by_test_id("resident-row")).to_have_count(1)
        expect(clerk.get_by_text("赵六")).to_have_count(0)
    finally:
        context.close()
