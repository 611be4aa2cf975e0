"""The issue's "Done when" for planners, on a phone: a planner runs a consultation in a
community, a resident signs in and sends a suggestion from their phone, and the planner turns
it into a proposal that then appears in 居民议事 (participation)."""

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from shequ.core.scopes import Role
from shequ.planning.services import assignments
from tests.e2e.steps import log_in, pick_division
from tests.factories import NIJIAQIAO, YULIN, make_resident, make_staff, make_user

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-42"  # tests.factories.make_user's


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_consultation_suggestion_becomes_a_proposal_on_a_phone(
    phone_page: Page, chengdu: None
) -> None:
    page = phone_page
    page.set_default_timeout(30_000)
    officer = make_staff("e2e_street", Role.STREET_OFFICER, YULIN)
    planner = make_staff("e2e_planner", Role.PLANNER, YULIN)
    assignments.assignment_create(
        actor=officer,
        planner_id=planner.pk,
        community_code=NIJIAQIAO,
        term_start=date(2020, 1, 1),
        term_end=date(2099, 12, 31),
        hours_per_month=16,
    )
    resident = make_user("e2e_resident")
    make_resident(NIJIAQIAO, user=resident, name="王秀英")

    # The planner schedules the consultation in the community and opens it.
    log_in(page, "e2e_planner", PASSWORD)
    page.goto("/console/planning/")
    pick_division(page, "community", "武侯区", "玉林街道", "倪家桥社区")
    page.locator("#id_title").fill("玉林北路街巷微更新议事会")
    page.locator("#id_topic").fill("人行道和夜间照明怎么改？")
    page.locator("#id_place").fill("党群服务中心二楼")
    page.locator("#id_starts_at").fill("2026-06-10T14:30")
    page.get_by_test_id("schedule").click()
    page.get_by_test_id("open").click()
    expect(page.get_by_test_id("consultation-status")).to_have_text("征集建议中")
    consultation_url = page.url
    no_sideways_scroll(page)
    page.context.clear_cookies()

    # A resident signs in on the phone and sends a suggestion.
    log_in(page, "e2e_resident", PASSWORD)
    page.get_by_test_id("link-planning").click()
    page.get_by_test_id("consultation-item").filter(has_text="玉林北路街巷微更新议事会").click()
    page.get_by_test_id("sign-in").click()
    expect(page.get_by_test_id("signed-in")).to_be_visible()
    page.locator("#id_text").fill("路口太暗，请增加两盏路灯。")
    no_sideways_scroll(page)
    page.get_by_test_id("suggest").click()
    expect(page.get_by_test_id("my-suggestion")).to_contain_text("增加两盏路灯")
    page.context.clear_cookies()

    # The planner sees the sign-in list and turns the suggestion into a proposal.
    log_in(page, "e2e_planner", PASSWORD)
    page.goto(consultation_url)
    expect(page.get_by_test_id("sign-in-list")).to_contain_text("王秀英")
    suggestion = page.get_by_test_id("suggestion").filter(has_text="增加两盏路灯")
    suggestion.get_by_test_id("promote-title").fill("路口增设路灯")
    suggestion.get_by_test_id("promote").click()
    link = page.get_by_test_id("proposal-link").get_by_role("link")
    expect(link).to_have_text("路口增设路灯")
    link.click()
    expect(page.locator("h1")).to_contain_text("路口增设路灯")
    no_sideways_scroll(page)
