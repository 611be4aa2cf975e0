"""Correcting and closing on a phone: a community worker corrects a need's title, closes it
as withdrawn with a note (it leaves the open list and the public page, and shows why), and a
district officer revokes a demonstration designation, which leaves the public list."""

import pytest
from playwright.sync_api import Page, expect

from shequ.cogovernance.services import designations, lists
from shequ.core.scopes import Role
from tests.e2e.steps import log_in
from tests.factories import NIJIAQIAO, WUHOU, make_staff

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-42"  # tests.factories.make_user's


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_edit_and_close_a_need_then_revoke_a_designation_on_a_phone(
    phone_page: Page, chengdu: None
) -> None:
    page = phone_page
    page.set_default_timeout(30_000)
    worker = make_staff("cg_editor", Role.COMMUNITY_WORKER, NIJIAQIAO)
    officer = make_staff("cg_officer", Role.DISTRICT_OFFICER, WUHOU)
    for title in ("老年人活动场地", "健身器材"):
        lists.need_create(
            actor=worker, data={"community": NIJIAQIAO, "title": title, "category": "venue"}
        )
    designations.designation_create(
        actor=officer, data={"year": 2024, "community": NIJIAQIAO, "criteria": ["party_leads"]}
    )

    # The worker corrects the need's title from its page.
    log_in(page, "cg_editor", PASSWORD)
    page.goto("/console/cogovernance/")
    page.get_by_test_id("need-row").filter(has_text="老年人活动场地").get_by_role("link").click()
    page.get_by_test_id("need-edit").click()
    page.locator("#id_title").fill("老年人活动室")
    no_sideways_scroll(page)
    page.get_by_test_id("save").click()
    expect(page.locator("h1")).to_have_text("老年人活动室")

    # The worker closes it as withdrawn, with a note.
    page.get_by_test_id("need-close").click()
    page.locator("#id_reason").select_option(label="已撤回")
    page.locator("#id_note").fill("居民已自行解决")
    no_sideways_scroll(page)
    page.get_by_test_id("save").click()
    closed = page.get_by_test_id("need-closed")
    expect(closed).to_contain_text("已撤回")
    expect(closed).to_contain_text("居民已自行解决")
    expect(page.get_by_test_id("need-close")).to_have_count(0)

    # It leaves the open list and shows its reason among the closed ones.
    page.goto("/console/cogovernance/")
    expect(page.get_by_test_id("need-row").filter(has_text="老年人活动室")).to_have_count(0)
    expect(page.get_by_test_id("need-row").filter(has_text="健身器材")).to_be_visible()
    page.get_by_test_id("closed-needs").locator("summary").click()
    expect(page.get_by_test_id("closed-need-row")).to_contain_text("已撤回")
    no_sideways_scroll(page)
    page.goto(f"/cogovernance/c/{NIJIAQIAO}/")
    expect(page.get_by_test_id("public-need")).to_have_count(1)
    expect(page.get_by_test_id("public-need")).to_contain_text("健身器材")
    page.context.clear_cookies()

    # The district officer revokes the designation; it leaves the public list.
    page.goto("/cogovernance/demonstration/")
    expect(page.get_by_test_id("designation")).to_contain_text("倪家桥")
    log_in(page, "cg_officer", PASSWORD)
    page.goto("/console/cogovernance/designations/")
    row = page.get_by_test_id("designation-row").filter(has_text="倪家桥")
    row.get_by_test_id("designation-revoke").click()
    page.locator("#id_reason").fill("年度复查未达标")
    page.get_by_test_id("save").click()
    row = page.get_by_test_id("designation-row").filter(has_text="倪家桥")
    expect(row.get_by_test_id("revoked")).to_be_visible()
    expect(row).to_contain_text("年度复查未达标")
    no_sideways_scroll(page)
    page.goto("/cogovernance/demonstration/")
    expect(page.get_by_test_id("designation")).to_have_count(0)
    expect(page.get_by_test_id("designation-count")).to_contain_text("0")
