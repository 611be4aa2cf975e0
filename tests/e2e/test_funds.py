"""Community money in the browser: a resident reads the public disclosure on a phone; a
community worker records a council decision, commits and pays with a receipt in the console."""

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.funds.models import Account, ApprovalRecord, Commitment, Payment
from shequ.funds.services import allocation as fund_allocation
from shequ.funds.services import decisions as fund_decisions
from shequ.funds.services import donations as fund_donations
from shequ.funds.services import spending as fund_spending
from shequ.funds.services.ledger import ledger_reconcile
from shequ.people.models import VerificationLevel
from tests.e2e.steps import log_in
from tests.factories import NIJIAQIAO, WUHOU, make_resident, make_staff, make_user
from tests.funds.conftest import council_register

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-42"
PDF = b"%PDF-1.4\n" + b"0" * 200
FORMULA = {
    "base_urban": "100000",
    "base_rural": "80000",
    "per_household": "10",
    "per_resident": "2.5",
    "floor": "120000",
    "cap": "300000",
    "city_share": "50",
}


def receipt(name: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def funded(chengdu: None, settings: Any, tmp_path: Any) -> int:
    """武侯区 allocated this year: 倪家桥社区 holds 120,000 yuan of security fund."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    year = timezone.localdate().year
    officer = make_staff("fin_wuhou", Role.DISTRICT_OFFICER, WUHOU)
    fund_allocation.formula_save(actor=officer, year=year, district_code=WUHOU, data=FORMULA)
    fund_allocation.allocation_post(actor=officer, year=year, district_code=WUHOU)
    return year


def test_resident_reads_the_disclosure_on_a_phone_and_objects(
    phone_page: Page, funded: int
) -> None:
    worker = make_staff("worker_njq", Role.COMMUNITY_WORKER, NIJIAQIAO)
    council_register(NIJIAQIAO, 7)
    decision = fund_decisions.approval_record_create(
        actor=worker,
        community_code=NIJIAQIAO,
        subject="楼道照明改造",
        amount="48000",
        meeting_date=timezone.localdate() - timedelta(days=5),
        members_present=6,
        votes_for=5,
        votes_against=1,
        votes_abstain=0,
        minutes=receipt("minutes.pdf"),
    )
    commitment = fund_spending.commitment_create(
        actor=worker,
        community_code=NIJIAQIAO,
        approval_id=decision.pk,
        track="security",
        year=funded,
        project="楼道照明改造",
        category="facilities",
        supplier="成都某照明工程有限公司",
        amount="48000",
    )
    # Paid inside the objection window: an urgent payment, its reason disclosed.
    payment = fund_spending.payment_create(
        actor=worker,
        commitment_id=commitment.pk,
        amount="30000",
        invoice_number="51260001",
        receipt=receipt("invoice.pdf"),
        urgent_reason="楼道照明故障，夜间存在安全隐患",
    )
    fund_donations.donation_record(
        actor=worker,
        community_code=NIJIAQIAO,
        donor_name="王建国",
        name_public=False,
        amount="5000",
        purpose="助老",
    )
    make_resident(
        NIJIAQIAO,
        user=make_user("xiaowang"),
        name="王小明",
        level=VerificationLevel.REGISTRY_MATCHED,
    )

    page = phone_page
    log_in(page, "xiaowang", PASSWORD)
    page.goto(f"/funds/{NIJIAQIAO}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("倪家桥社区")
    balances = page.get_by_test_id("balances")
    expect(balances).to_contain_text("社区保障资金")
    expect(page.get_by_test_id("available-security")).to_have_text("7.20 万元")
    expect(page.get_by_test_id("available-donation")).to_have_text("5,000.00 元")
    spending = page.get_by_test_id("spending").get_by_role("row").filter(has_text="楼道照明改造")
    expect(spending).to_contain_text("成都某照明工程有限公司")
    expect(spending).to_contain_text("4.80 万元")
    receipt_link = spending.get_by_role("link", name="51260001")
    expect(receipt_link).to_have_attribute("href", f"/funds/receipts/{payment.pk}/")
    expect(spending.get_by_test_id("urgent-payment")).to_have_text("异议期结束前支付")
    expect(spending.get_by_test_id("urgent-reason")).to_have_text("楼道照明故障，夜间存在安全隐患")
    donations = page.get_by_test_id("donations")
    expect(donations).to_contain_text("王**")
    expect(donations).to_contain_text("助老")
    assert "王建国" not in page.content()

    # The decision is in its objection window: a resident of the community objects.
    card = page.get_by_test_id("decision").filter(has_text="楼道照明改造")
    # The members come from the council register: seven in office, six present.
    expect(card).to_contain_text("7 名成员出席 6 名；赞成 5，反对 1，弃权 0")
    card.get_by_placeholder("您的理由").fill("报价偏高，请公开比价结果")
    card.get_by_role("button", name="提出异议").click()
    expect(page.get_by_role("alert")).to_have_text("您的异议已登记，街道将予以答复。")
    expect(card.get_by_text("有未答复的异议：支付暂停")).to_be_visible()
    assert decision.objections.get().reason == "报价偏高，请公开比价结果"


def test_worker_records_a_decision_commits_and_pays_with_a_receipt(
    phone_page: Page, funded: int
) -> None:
    worker = make_staff("worker_njq", Role.COMMUNITY_WORKER, NIJIAQIAO)
    council_register(NIJIAQIAO, 9)
    page = phone_page
    log_in(page, "worker_njq", PASSWORD)
    page.goto("/console/funds/")
    expect(page).to_have_url(re.compile(rf"/console/funds/community/{NIJIAQIAO}/$"))

    decision = page.get_by_test_id("decision-form")
    decision.get_by_label("事项").fill("长者助餐服务")
    decision.get_by_label("批准金额（元）").fill("36000")
    decision.get_by_label("会议日期").fill(f"{timezone.localdate() - timedelta(days=2):%Y-%m-%d}")
    expect(page.get_by_test_id("council-register")).to_contain_text("在任成员 9 名")
    decision.get_by_label("出席人数（未在平台上召开的会议）").fill("6")  # two thirds: a quorum
    decision.get_by_label("赞成票").fill("5")
    decision.get_by_label("反对票").fill("1")
    decision.get_by_label("弃权票").fill("0")
    decision.get_by_label("会议记录（PDF 或图片）").set_input_files(
        {"name": "minutes.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    decision.get_by_role("button", name="登记").click()
    expect(page.get_by_role("alert")).to_have_text("议事会决议已登记并公示。")
    record = ApprovalRecord.objects.get()
    assert (record.members_total, record.members_present, record.created_by_id) == (
        9,
        6,
        worker.pk,
    )
    assert record.minutes

    commit = page.get_by_test_id("commit-form")
    commit.get_by_label("议事会决议").select_option(str(record.pk))
    commit.get_by_label("资金").select_option("security")
    expect(commit.get_by_label("年度")).to_have_value(str(funded))
    commit.get_by_label("项目").fill("长者助餐服务")
    commit.get_by_label("类别").select_option("services")
    commit.get_by_label("或其他供应方（名称）").fill("武侯区某社会工作服务中心")
    commit.get_by_label("金额（元）").fill("36000.001")  # more than fen: refused, nothing written
    commit.get_by_role("button", name="承诺").click()
    expect(page.get_by_role("alert")).to_contain_text("两位小数")
    assert not Commitment.objects.exists()
    commit = page.get_by_test_id("commit-form")
    commit.get_by_label("议事会决议").select_option(str(record.pk))
    commit.get_by_label("项目").fill("长者助餐服务")
    commit.get_by_label("或其他供应方（名称）").fill("武侯区某社会工作服务中心")
    commit.get_by_label("金额（元）").fill("36000")
    commit.get_by_role("button", name="承诺").click()
    expect(page.get_by_role("alert")).to_have_text("已承诺支出。")

    item = page.get_by_test_id("commitment").filter(has_text="长者助餐服务")
    pay = item.get_by_test_id("pay-form")
    pay.get_by_label("金额（元）").fill("12000")
    pay.get_by_label("发票号码").fill("51269876")
    pay.get_by_label("票据（发票文件）").set_input_files(
        {"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    pay.get_by_role("button", name="支付").click()
    # The decision was just disclosed: payment waits for the objection period ...
    expect(page.get_by_role("alert")).to_contain_text("支付须等到异议期结束")
    assert not Payment.objects.exists()
    # ... unless it is urgent, with the reason written down.
    item = page.get_by_test_id("commitment").filter(has_text="长者助餐服务")
    pay = item.get_by_test_id("pay-form")
    pay.get_by_label("金额（元）").fill("12000")
    pay.get_by_label("发票号码").fill("51269876")
    pay.get_by_label("票据（发票文件）").set_input_files(
        {"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    pay.get_by_label("紧急支付：为何不能等到异议期结束").fill("助餐点月初开餐，须预付食材款")
    pay.get_by_role("button", name="支付").click()
    expect(page.get_by_role("alert")).to_have_text("支付已登记。")
    item = page.get_by_test_id("commitment").filter(has_text="长者助餐服务")
    expect(item.get_by_role("link", name="51269876")).to_be_visible()
    expect(page.get_by_test_id("available-security")).to_have_text("8.40 万元")

    payment = Payment.objects.get()
    assert (payment.amount, payment.invoice_number) == (Decimal("12000.00"), "51269876")
    assert payment.receipt.read() == PDF
    fund = Account.objects.get(kind="fund", division_id=NIJIAQIAO, track="security", year=funded)
    assert fund.balance == Decimal("84000.00")
    verbs = set(AuditEvent.objects.filter(actor=worker).values_list("verb", flat=True))
    assert {"funds.decision_recorded", "funds.committed", "funds.paid_urgently"} <= verbs
    assert ledger_reconcile()[1] == []
