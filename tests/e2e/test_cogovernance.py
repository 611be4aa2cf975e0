"""The issue's "Done when" for co-governance, on a phone: a community worker records a
residents' need (老年人活动场地), a unit in the area offers its room under a co-building
agreement, the three lists suggest the room for the need, the worker confirms the match, and
the community's public three-lists page shows the project."""

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from shequ.cogovernance.services import agreements, organisations
from shequ.core.scopes import Role
from tests.e2e.steps import log_in
from tests.factories import NIJIAQIAO, make_staff

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-42"  # tests.factories.make_user's


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_three_lists_match_a_room_to_a_need_on_a_phone(phone_page: Page, chengdu: None) -> None:
    page = phone_page
    page.set_default_timeout(30_000)
    worker = make_staff("cg_worker", Role.COMMUNITY_WORKER, NIJIAQIAO)
    unit = organisations.organisation_create(
        actor=worker, data={"kind": "unit", "name": "示例科技公司", "division": NIJIAQIAO}
    )
    agreements.agreement_create(
        actor=worker,
        data={
            "community": NIJIAQIAO,
            "unit": unit.pk,
            "title": "倪家桥社区与示例科技公司共建协议",
            "starts_on": date(2025, 1, 1),
            "ends_on": date(2030, 12, 31),
        },
        commitments=[{"category": "venue", "description": "会议室每月20小时", "quantity": "240"}],
    )

    # The worker records the residents' need.
    log_in(page, "cg_worker", PASSWORD)
    page.goto("/console/cogovernance/")
    page.get_by_test_id("need-new").click()
    page.locator("#id_title").fill("老年人活动场地")
    page.locator("#id_category").select_option("venue")
    page.get_by_test_id("save").click()
    expect(page.locator("h1")).to_have_text("老年人活动场地")
    expect(page.get_by_test_id("suggestion")).to_have_count(0)
    no_sideways_scroll(page)

    # The unit's room goes on the resources list under its co-building commitment.
    page.goto("/console/cogovernance/resources/new/")
    page.locator("#id_organisation").select_option(label="示例科技公司 · 倪家桥社区")
    page.locator("#id_title").fill("一楼会议室")
    page.locator("#id_category").select_option("venue")
    page.locator("#id_quantity").fill("20")
    page.locator("#id_unit_label").fill("小时/月")
    page.locator("#id_commitment").select_option(label="示例科技公司: 会议室每月20小时")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("resource-row").filter(has_text="一楼会议室")).to_be_visible()

    # The three lists suggest the room for the need; the worker confirms the match.
    page.get_by_test_id("need-row").filter(has_text="老年人活动场地").get_by_role("link").click()
    suggestion = page.get_by_test_id("suggestion").filter(has_text="一楼会议室")
    expect(suggestion).to_be_visible()
    suggestion.get_by_role("checkbox").check()
    page.locator("#id_title").fill("老年人活动室")
    no_sideways_scroll(page)
    page.get_by_test_id("match-confirm").click()
    expect(page.get_by_test_id("need-project")).to_contain_text("一楼会议室")
    expect(page.get_by_test_id("need-project")).to_contain_text("共建协议")
    page.context.clear_cookies()

    # Anyone sees it on the community's public three lists.
    page.goto(f"/cogovernance/c/{NIJIAQIAO}/")
    project = page.get_by_test_id("public-project")
    expect(project).to_contain_text("老年人活动室")
    expect(project).to_contain_text("示例科技公司")
    expect(page.get_by_test_id("public-need")).to_contain_text("老年人活动场地")
    no_sideways_scroll(page)
