"""A city starting from empty, on a phone: the administrator opens a department and a
community worker's account with the area picked; the worker sets a password from the text
message and sees only their community. Then the reference data: a life event, a service
under it, a community room with its opening hours and slots, which a resident books."""

import re
from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from shequ.bookings.models import Slot, Venue
from shequ.casework.services.holidays import HolidayDay, holiday_year_enter
from shequ.casework.workdays import covered_years
from shequ.catalogue.models import Service, Topic
from shequ.core.scopes import Role
from shequ.people.models import Department, User
from tests.e2e.conftest import PHONE_VIEWPORT
from tests.e2e.steps import log_in, pick_division
from tests.factories import (
    NIJIAQIAO,
    SHUIJINGFANG,
    WUHOU,
    YULIN,
    make_resident,
    make_staff,
    make_user,
)

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
    form.get_by_label(re.compile("^名称")).fill("成都市民政局")
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


def _holiday_table_covers_this_week() -> None:
    """Slots open only in years the holiday table covers; the tests run on shifted clocks, so
    years past the shipped table get a test-only entry (one day off, 1 October)."""
    today = timezone.localdate()
    for year in {today.year, date.fromordinal(today.toordinal() + 8).year}:
        if year not in covered_years():
            holiday_year_enter(
                actor=None,
                year=year,
                source="测试用通知（非真实安排）",
                days=[HolidayDay(day=date(year, 10, 1), kind="off", name="国庆节")],
            )


def test_the_committee_sets_up_a_life_event_a_service_and_a_room_a_resident_books(
    phone_page: Page,
    browser_instance: Browser,
    live_server: LiveServer,
    chengdu: None,
) -> None:
    page = phone_page
    _holiday_table_covers_this_week()
    make_staff("cityadmin2", Role.SYSTEM_ADMIN)
    Department.objects.create(code="shezhi", name="成都市社区发展治理委员会", short_name="社治委")
    neighbour = make_user("xiaozhang", password="Yulin-Resident-2026")
    make_resident(NIJIAQIAO, user=neighbour, name="张小")

    log_in(page, "cityadmin2", "correct-horse-42")
    page.goto("/console/")
    page.get_by_test_id("city-setup").get_by_role("link", name="人生事件和主题").click()
    form = page.get_by_test_id("topic-form")
    form.get_by_label("类型").select_option("life_event")
    form.get_by_label("代码").fill("Yang Lao")
    form.get_by_label(re.compile("^名称")).fill("养老")
    form.get_by_role("button", name="添加").click()
    expect(page.get_by_test_id("error-code")).to_contain_text("小写字母")
    assert not Topic.objects.exists()
    form = page.get_by_test_id("topic-form")
    form.get_by_label("代码").fill("yanglao")
    form.get_by_role("button", name="添加").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("养老")

    page.get_by_role("link", name="新建服务事项").click()
    page.locator("#id_department").select_option(label="成都市社区发展治理委员会")
    page.get_by_label("代码").fill("laonian-huodongshi")
    page.get_by_label(re.compile("^名称")).fill("老年活动室预约")
    page.get_by_label("汇总").fill("预约社区党群服务中心的老年活动室。")
    page.get_by_label("办理渠道").select_option("online")
    page.get_by_label("类型").select_option("booking")
    page.get_by_label("人生事件和主题").select_option(["yanglao"])
    page.get_by_role("button", name="发布").click()
    expect(page.locator(".alert-success")).to_be_visible()
    service = Service.objects.get(code="laonian-huodongshi")
    assert list(service.topics.values_list("code", flat=True)) == ["yanglao"]

    page.goto("/console/")
    page.get_by_test_id("city-setup").get_by_role("link", name="场馆与开放时间").click()
    page.get_by_test_id("venue-new").click()
    form = page.get_by_test_id("venue-form")
    form.get_by_label("类型").select_option("room")
    form.get_by_label(re.compile("^名称")).fill("倪家桥社区党群服务中心·老年活动室")
    page.locator("#id_district").select_option(WUHOU)
    expect(page.locator(f"#id_street option[value='{YULIN}']")).to_be_attached()
    page.locator("#id_street").select_option(YULIN)
    expect(page.locator(f"#id_community option[value='{NIJIAQIAO}']")).to_be_attached()
    page.locator("#id_community").select_option(NIJIAQIAO)
    form.get_by_label("在此预约的服务事项").select_option(label="老年活动室预约")
    form.get_by_label("开门时间").fill("08:00")
    form.get_by_label("关门时间").fill("20:00")
    for day in ("星期六", "星期日"):
        form.get_by_label(day).check()
    form.get_by_label("每个时段长度（分钟）").fill("120")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_VIEWPORT["width"]
    form.get_by_role("button", name="设置场馆").click()
    expect(page.get_by_test_id("venue-hours")).to_contain_text("08:00–20:00")
    venue = Venue.objects.get()
    assert (venue.community_id, venue.open_weekdays, venue.service) == (
        NIJIAQIAO,
        "1234567",
        service,
    )
    actions = page.get_by_test_id("venue-actions")
    actions.get_by_label("时间范围").select_option("7")
    actions.get_by_role("button", name="创建时段").click()
    expect(page.locator(".alert-success").last).to_contain_text("时段")
    assert Slot.objects.filter(venue=venue).exists()

    context = browser_instance.new_context(
        base_url=live_server.url, viewport=PHONE_VIEWPORT, locale="zh-CN", is_mobile=True
    )
    resident = context.new_page()
    try:
        log_in(resident, "xiaozhang", "Yulin-Resident-2026")
        resident.goto("/bookings/")
        resident.get_by_test_id("venue-row").filter(has_text="老年活动室").click()
        resident.get_by_test_id("book").first.click()
        expect(resident.get_by_test_id("booking-status").first).to_have_text("已确认")
    finally:
        context.close()
