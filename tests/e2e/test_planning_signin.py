"""Signing in to a planning consultation on a phone: the planner opens the printable QR code,
a resident opens its link (logging in first, then back) and is counted, and the planner ticks
in a resident who has no phone at hand through the masked search."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from shequ.core.scopes import Role
from shequ.planning.services import assignments, consultations
from tests.e2e.steps import log_in
from tests.factories import NIJIAQIAO, YULIN, make_resident, make_staff, make_user

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-42"  # tests.factories.make_user's


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_residents_sign_in_by_qr_code_or_are_ticked_in_on_a_phone(
    phone_page: Page, chengdu: None
) -> None:
    page = phone_page
    page.set_default_timeout(30_000)
    officer = make_staff("e2e_qr_street", Role.STREET_OFFICER, YULIN)
    planner = make_staff("e2e_qr_planner", Role.PLANNER, YULIN)
    today = timezone.localdate()
    assignments.assignment_create(
        actor=officer,
        planner_id=planner.pk,
        community_code=NIJIAQIAO,
        term_start=today - timedelta(days=30),
        term_end=today + timedelta(days=365),
        hours_per_month=16,
    )
    consultation = consultations.consultation_schedule(
        actor=planner,
        community_code=NIJIAQIAO,
        title="玉林北路街巷微更新议事会",
        topic="人行道和夜间照明怎么改？",
        place="党群服务中心二楼",
        starts_at=timezone.now() + timedelta(hours=2),
    )
    consultations.consultation_set_status(
        actor=planner, consultation_id=consultation.pk, status="open"
    )
    make_resident(NIJIAQIAO, user=make_user("e2e_qr_resident"), name="王秀英")
    make_resident(NIJIAQIAO, user=make_user("e2e_qr_elder"), name="李桂兰")

    # The planner opens the consultation and its printable QR code.
    log_in(page, "e2e_qr_planner", PASSWORD)
    page.goto(f"/console/planning/c/{consultation.pk}/")
    expect(page.get_by_test_id("sign-in-qr").locator("svg")).to_be_visible()
    page.get_by_test_id("qr-page").click()
    expect(page.get_by_test_id("qr-poster")).to_contain_text("玉林北路街巷微更新议事会")
    expect(page.get_by_test_id("qr-place")).to_contain_text("党群服务中心二楼")
    expect(page.get_by_test_id("qr-code").locator("svg")).to_be_visible()
    expect(page.get_by_test_id("print")).to_be_visible()
    no_sideways_scroll(page)
    sign_in_url = page.get_by_test_id("qr-url").inner_text()
    assert sign_in_url.endswith(f"/planning/{consultation.pk}/sign-in/")
    page.context.clear_cookies()

    # A resident scans it: logs in first, lands back on the sign-in page and signs in.
    page.goto(sign_in_url)
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_label("用户名或手机号").fill("e2e_qr_resident")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("qr-welcome")).to_be_visible()
    no_sideways_scroll(page)
    page.get_by_test_id("sign-in").click()
    expect(page.get_by_test_id("signed-in")).to_be_visible()
    page.context.clear_cookies()

    # The planner sees them counted and ticks in a resident without a phone.
    log_in(page, "e2e_qr_planner", PASSWORD)
    page.goto(f"/console/planning/c/{consultation.pk}/")
    expect(page.get_by_test_id("sign-in-list")).to_contain_text("王秀英")
    page.get_by_test_id("tick-in").click()
    page.get_by_label("居民姓名（可在后面加手机号后几位）").fill("李")
    page.get_by_test_id("search").click()
    person = page.get_by_test_id("person").filter(has_text="李*兰")
    expect(person).to_be_visible()
    expect(page.get_by_test_id("results")).not_to_contain_text("李桂兰")
    no_sideways_scroll(page)
    person.get_by_test_id("tick").click()
    expect(page.get_by_test_id("person").filter(has_text="李*兰")).to_contain_text("已签到")
    expect(page.get_by_test_id("sign-in-list").locator("li")).to_have_count(2)
    expect(page.get_by_test_id("sign-in-list")).to_contain_text("规划师代签")
