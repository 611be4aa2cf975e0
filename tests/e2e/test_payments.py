"""缴 on a phone: a new resident binds a water account number (户号), pays the bill it brings,
and gives to the community fund, downloading the receipt the platform generated."""

import io
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from shequ.funds.models import Donation
from shequ.payments.demo import seed_utilities
from shequ.payments.models import Bill
from shequ.payments.utilities import luhn_complete
from shequ.people.demo import ensure_departments
from shequ.people.models import Resident
from tests.e2e.conftest import PHONE_VIEWPORT
from tests.e2e.steps import log_in
from tests.factories import NIJIAQIAO, make_resident, make_user

pytestmark = pytest.mark.e2e

PASSWORD = "Shui-dian-qi-2026"


@pytest.fixture
def resident(chengdu: None) -> Resident:
    user = make_user("resident", password=PASSWORD)
    person = make_resident(NIJIAQIAO, user=user, name="陈小梅")
    seed_utilities(ensure_departments(), person)
    return person


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]


def test_resident_binds_a_water_account_pays_and_donates(phone_page: Page, resident) -> None:
    page = phone_page
    log_in(page, "resident", PASSWORD)
    page.get_by_test_id("tile-pay").click()
    expect(page.get_by_test_id("bill-row")).to_have_count(0)
    page.get_by_test_id("bind-account").click()
    form = page.get_by_test_id("bind-form")
    form.get_by_label("缴费单位").select_option(label="成都市自来水有限责任公司")
    # A mistyped number: the company's check refuses it, nothing is bound.
    good = luhn_complete("100623184")
    form.get_by_label("户号").fill(good[:-1] + str((int(good[-1]) + 3) % 10))
    form.get_by_role("button", name="核验并绑定").click()
    expect(page.get_by_text("户号有误")).to_be_visible()
    assert not Bill.objects.exists()
    page.get_by_test_id("bind-form").get_by_label("户号").fill(good)
    page.get_by_test_id("bind-form").get_by_role("button", name="核验并绑定").click()
    expect(page.get_by_test_id("account-row")).to_contain_text("陈*梅")
    no_sideways_scroll(page)
    page.get_by_test_id("bill-row").filter(has_text="成都市自来水有限责任公司").click()
    expect(page.get_by_text("52.60 元")).to_be_visible()
    page.get_by_test_id("pay").click()
    page.get_by_test_id("confirm-pay").click()
    expect(page.get_by_test_id("bill-status")).to_have_text("已支付")

    # 社区基金: from the community's public funds page, give 88.80 yuan.
    page.goto(f"/funds/{NIJIAQIAO}/")
    page.get_by_test_id("donate").click()
    form = page.get_by_test_id("donation-form")
    form.get_by_label("金额（元）").fill("0")
    form.get_by_role("button", name="去支付").click()
    expect(page.get_by_text("1 至 50,000 元")).to_be_visible()
    page.get_by_test_id("donation-form").get_by_label("金额（元）").fill("88.80")
    page.get_by_test_id("donation-form").get_by_label("用途（可不填）").fill("长者食堂")
    page.get_by_test_id("donation-form").get_by_role("button", name="去支付").click()
    expect(page).to_have_url(re.compile(r"/payments/gateway/LG"))
    page.get_by_test_id("confirm-pay").click()
    receipt = page.get_by_test_id("donation-receipt")
    expect(receipt).to_be_visible()
    no_sideways_scroll(page)
    href = receipt.get_attribute("href")
    assert href is not None
    pdf = page.request.get(href)
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    text = text.replace("\x00", "")
    assert "捌拾捌元捌角" in text
    assert "长者食堂" in text
    donation = Donation.objects.get()
    assert donation.amount == Decimal("88.80")
    # The gift is disclosed on the community's page, the donor masked.
    page.goto(f"/funds/{NIJIAQIAO}/")
    expect(page.get_by_test_id("donations")).to_contain_text("陈**")
