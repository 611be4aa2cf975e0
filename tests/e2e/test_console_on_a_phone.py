"""Staff screens on a 390-px phone: money in 元/万元/亿元, tables that reflow to labelled cards
without horizontal scrolling, and a confirmation before posting a fund allocation."""

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.funds.models import Account
from shequ.funds.services import allocation as fund_allocation
from tests.e2e.conftest import PHONE_VIEWPORT
from tests.e2e.steps import confirm_dialog, log_in
from tests.factories import CITY, NIJIAQIAO, WUHOU, make_staff

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-42"
YEAR = 2025  # a fixed year: the pages take it from the address, never from today
FORMULA = {
    "base_urban": "100000",
    "base_rural": "80000",
    "per_household": "10",
    "per_resident": "2.5",
    "floor": "120000",
    "cap": "300000",
    "city_share": "50",
}


def no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_VIEWPORT["width"], f"the page is {width} px wide"


@pytest.fixture
def formula_saved(chengdu: None) -> Any:
    officer = make_staff("fin_wuhou", Role.DISTRICT_OFFICER, WUHOU)
    fund_allocation.formula_save(actor=officer, year=YEAR, district_code=WUHOU, data=FORMULA)
    return officer


def test_officer_confirms_posting_and_reads_the_ledger_in_wan_on_a_phone(
    phone_page: Page, formula_saved: Any
) -> None:
    page = phone_page
    log_in(page, "fin_wuhou", PASSWORD)
    page.goto(f"/console/funds/?year={YEAR}")

    # The preview table is a stack of labelled cards: no sideways scrolling, sums in 万元.
    preview = page.get_by_test_id("preview")
    row = preview.get_by_test_id("preview-row").first
    expect(row.locator("td").nth(2)).to_have_attribute("data-label", "社区保障资金")
    expect(row.locator("td").nth(2)).to_contain_text(re.compile(r"^[\d,]+\.\d\d (万|亿)元$"))
    expect(page.get_by_test_id("preview-total")).to_contain_text("万元")
    no_horizontal_scroll(page)

    # Posting asks first and says what it does; cancelling changes nothing.
    page.get_by_test_id(f"post-{WUHOU}").click()
    dialog = page.get_by_test_id("confirm-dialog")
    expect(dialog).to_contain_text("已下达的分配不能撤回")
    dialog.get_by_test_id("confirm-dialog-no").click()
    expect(dialog).to_be_hidden()
    assert not AuditEvent.objects.filter(verb="funds.allocation_posted").exists()

    page.get_by_test_id(f"post-{WUHOU}").click()
    confirm_dialog(page, "下达后，")
    expect(page.get_by_role("alert")).to_contain_text(f"已入账 {YEAR} 年度 1 个区（市）县")
    assert AuditEvent.objects.filter(verb="funds.allocation_posted").exists()

    # A community's ledger: the balance in 万元, the exact amount in its title, no scrolling.
    page.goto(f"/console/funds/community/{NIJIAQIAO}/")
    available = page.get_by_test_id("available-security")
    expect(available).to_have_text("12.00 万元")
    expect(available.locator(".money")).to_have_attribute("title", "120,000.00 元")
    expect(available).to_have_attribute("data-label", "可用")
    no_horizontal_scroll(page)
    account = Account.objects.get(
        kind=Account.Kind.FUND, division_id=NIJIAQIAO, track="security", year=YEAR
    )
    assert account.balance == 120000


def test_auditor_reads_the_trail_as_cards_on_a_phone(phone_page: Page, formula_saved: Any) -> None:
    make_staff("auditor", Role.AUDITOR, CITY)
    page = phone_page
    log_in(page, "auditor", PASSWORD)
    page.goto("/console/audit/")
    row = page.get_by_test_id("audit-row").filter(has_text="保存分配公式").first
    expect(row.locator("td").nth(1)).to_have_attribute("data-label", "操作人")
    expect(row).to_contain_text("fin_wuhou")
    no_horizontal_scroll(page)
