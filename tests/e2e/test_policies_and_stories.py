"""The issue's "Done when", on a phone: a resident finds the 社区保障资金 policies in the public
library, sees which are in force and which fund rules follow from them; a resident donates an
old photo with its story, a community worker publishes it and prints its QR label, and a
visitor who scans the label in the service centre reads the story."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from shequ.core.scopes import Role
from shequ.funds.models import SecurityFormula
from shequ.policies.demo import seed_policies
from tests.e2e.steps import log_in
from tests.factories import NIJIAQIAO, WUHOU, make_resident, make_staff, make_user
from tests.images import jpeg

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-42"  # tests.factories.make_user's


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_policy_library_and_a_donated_photo_on_a_phone(phone_page: Page, chengdu: None) -> None:
    page = phone_page
    page.set_default_timeout(30_000)
    amount = Decimal("100000.00")
    SecurityFormula.objects.create(
        year=2025,
        district_id=WUHOU,
        base_urban=amount,
        base_rural=amount,
        per_household=Decimal("10.00"),
        per_resident=Decimal("1.00"),
        floor=amount,
        cap=Decimal("500000.00"),
    )
    seed_policies()
    donor = make_user("donor")
    make_resident(NIJIAQIAO, user=donor, name="王秀英")
    make_staff("story_worker", Role.COMMUNITY_WORKER, NIJIAQIAO)

    # A resident searches the library and keeps only what is in force today.
    page.goto("/")
    page.get_by_test_id("link-policies").click()
    page.get_by_test_id("policy-search").fill("社区保障资金")
    page.get_by_test_id("policy-search-go").click()
    rows = page.get_by_test_id("policy-row")
    expect(rows.filter(has_text="已废止")).to_have_count(1)
    expect(rows.filter(has_text="失效")).to_have_count(1)
    no_sideways_scroll(page)
    page.get_by_test_id("filter-validity").select_option("in_force")
    page.get_by_test_id("policy-search-go").click()
    expect(rows.filter(has_text="已废止")).to_have_count(0)
    page.get_by_test_id("policy-row").filter(has_text="补充规定").click()
    expect(page.get_by_test_id("policy-validity")).to_have_text("现行有效")
    # The amended 办法 it changes, with the fund rules that follow from it.
    page.get_by_test_id("policy-amends").get_by_role("link").click()
    expect(page.get_by_test_id("policy-validity")).to_have_text("已修订")
    expect(page.get_by_test_id("policy-fund-rule")).to_contain_text("2025")
    expect(page.get_by_test_id("demo-badge")).to_be_visible()
    no_sideways_scroll(page)

    # The resident donates an old photo with its story from the phone.
    log_in(page, "donor", PASSWORD)
    page.goto("/stories/donate/")
    page.locator("#id_kind").select_option("photo")
    page.locator("#id_title").fill("1985年的玉林菜市场")
    page.locator("#id_description").fill("父亲在菜市场门口拍的，那时候还是露天的。")
    page.locator("#id_era").fill("1980年代")
    page.locator("#id_photo").set_input_files(
        files=[{"name": "market.jpg", "mimeType": "image/jpeg", "buffer": jpeg(1200, 900)}]
    )
    page.locator("#id_show_donor_name").check()
    page.locator("#id_consent").check()
    no_sideways_scroll(page)
    page.get_by_test_id("donate-submit").click()
    expect(page.get_by_test_id("my-item-status")).to_have_text("等待审核")
    page.context.clear_cookies()

    # A community worker publishes it and prints its QR label for the service centre.
    log_in(page, "story_worker", PASSWORD)
    page.goto("/console/stories/")
    link = page.get_by_test_id("queue-row").get_by_role("link")
    expect(link).to_have_text("1985年的玉林菜市场")
    page.goto(link.get_attribute("href") or "")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("item-status")).to_have_text("已发布")
    page.locator("#id_location").fill("党群服务中心一楼乡愁故事馆")
    page.get_by_test_id("exhibit").click()
    expect(page.get_by_test_id("story-label").locator("svg")).to_be_visible()
    label_url = page.get_by_test_id("label-url").inner_text()
    assert re.search(r"/stories/l/[\w-]+/$", label_url)
    page.context.clear_cookies()

    # A visitor scans the label: the story opens on their phone.
    page.goto(label_url)
    expect(page.get_by_test_id("story-title")).to_have_text("1985年的玉林菜市场")
    expect(page.get_by_test_id("story-donor")).to_have_text("王秀英")
    expect(page.get_by_test_id("story-photo")).to_be_visible()
    no_sideways_scroll(page)
