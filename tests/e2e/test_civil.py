"""社区营造 on a phone, the issue's "Done when": a district officer registers an organisation and
grades it; its administrator accepts the invitation and applies with 倪家桥社区 and the council
decision; three experts score (one recused automatically, being the founder); the
determination is announced with its breakdown, a resident objects and is answered, the
contract is signed, the first milestone report is accepted and paid, and the community's
public ledger shows the money."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from shequ.civil.credit_codes import check_character
from shequ.civil.models import Call, Expert, Membership, Organisation, Review
from shequ.civil.services import calls, reviews
from shequ.core.scopes import Role
from shequ.people.models import VerificationLevel
from tests.e2e.steps import log_in, pick_division
from tests.factories import NIJIAQIAO, make_resident, make_staff, make_user

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-42"  # tests.factories.make_user's
CODE = "52510107MJ0077777" + check_character("52510107MJ0077777")


def switch_to(page: Page, login: str) -> None:
    page.context.clear_cookies()
    log_in(page, login, PASSWORD)


def test_community_making_grant_from_registration_to_the_public_ledger(
    phone_page: Page, chengdu: None, tmp_path: Path
) -> None:
    page = phone_page
    page.set_default_timeout(30_000)  # a busy machine: the journey is long, not slow per step
    officer = make_staff("wuhou_officer", Role.DISTRICT_OFFICER, "510107000000")
    admin = make_user("org_admin", phone="13912340001")
    make_resident(NIJIAQIAO, user=admin, name="周敏", level=VerificationLevel.REGISTRY_MATCHED)
    resident = make_user("neighbour")
    make_resident(NIJIAQIAO, user=resident, name="吴刚")
    experts = [make_user(f"expert{i}") for i in range(3)]
    for i, user in enumerate(experts):
        Expert.objects.create(user=user, display_name=f"专家{i + 1}")
    now = timezone.now()
    call = calls.call_create(
        actor=officer,
        title="武侯区社区营造项目",
        kind=Call.Kind.COMMUNITY_MAKING,
        division_code="510107000000",
        field="elderly",
        budget="200000",
        max_award="100000",
        year=timezone.localdate().year,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=10),
        criteria=[calls.CriterionData("需求分析", 50), calls.CriterionData("实施方案", 50)],
        min_grade=3,
        inspection_required=False,
        min_self_share=10,
    )

    # The district officer registers the organisation, inviting its administrator, and grades it.
    log_in(page, "wuhou_officer", PASSWORD)
    page.goto("/console/civil/")
    page.get_by_test_id("register-organisation").click()
    form = page.get_by_test_id("organisation-form")
    form.get_by_label("名称", exact=True).fill("武侯区邻里守望社工中心")
    form.get_by_label("类型", exact=True).select_option(label="社会服务机构（民办非企业单位）")
    form.get_by_label("统一社会信用代码（18位）").fill(CODE[:-1] + "0")  # a wrong check first
    pick_division(page, "authority", "武侯区")
    pick_division(page, "service_areas", "武侯区", "玉林街道", "倪家桥社区")
    form.get_by_label("法定代表人", exact=True).fill("郑平")
    form.get_by_label("机构管理员手机号（将邀请其代表机构）").fill("13912340001")
    form.get_by_role("button", name="登记入库").click()
    expect(page.get_by_test_id("error-credit_code")).to_contain_text("校验码不正确")
    assert not Organisation.objects.exists()
    page.get_by_label("统一社会信用代码（18位）").fill(CODE)
    pick_division(page, "service_areas", "武侯区", "玉林街道", "倪家桥社区")
    page.get_by_role("button", name="登记入库").click()
    expect(page.get_by_test_id("organisation-name")).to_have_text("武侯区邻里守望社工中心")
    rating = page.get_by_test_id("rating-form")
    rating.get_by_label("等级").select_option(label="4A")
    rating.get_by_label("评估年度").fill(str(timezone.localdate().year - 1))
    rating.get_by_role("button", name="记录等级").click()
    expect(page.get_by_test_id("current-grade")).to_have_text("4A")
    organisation = Organisation.objects.get()
    # Expert 1 founded the organisation years ago: the registry knows it.
    Membership.objects.create(organisation=organisation, user=experts[0], role="founder")

    # The administrator accepts the invitation and applies with the community.
    switch_to(page, "org_admin")
    page.goto("/civil/mine/")
    page.get_by_test_id("invitation").get_by_role("button", name="接受邀请").click()
    expect(page.get_by_test_id("membership")).to_contain_text("武侯区邻里守望社工中心")
    page.goto(f"/civil/calls/{call.pk}/")
    page.get_by_test_id("apply").click()
    form = page.get_by_test_id("application-form")
    form.get_by_label("合作社区（社区营造项目）").select_option(label="倪家桥社区")
    form.get_by_label("项目名称").fill("倪家桥长者食堂营造")
    form.get_by_label("项目内容、产出与成效").fill("与社区共建长者食堂")
    form.get_by_label("申请金额（元）").fill("90000")
    form.get_by_label("自筹金额（元）").fill("10000")
    form.get_by_label("预算科目1", exact=True).fill("人员")
    form.get_by_label("科目1金额（元）").fill("100000")
    minutes = tmp_path / "jueyi.pdf"
    minutes.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    form.get_by_label("居民议事会决议（PDF或照片）").set_input_files(str(minutes))
    # Saved as a draft first (only the organisation sees it), then submitted from the draft.
    form.get_by_role("button", name="保存为草稿").click()
    expect(page.get_by_role("heading", name="申报草稿")).to_be_visible()
    page.get_by_test_id("application-form").get_by_role("button", name="提交申报").click()
    expect(page.get_by_test_id("application")).to_contain_text("倪家桥长者食堂营造")
    expect(page.get_by_test_id("application-status")).to_have_text("已提交")

    # Review: expert 1 is recused automatically; experts 2 and 3 score.
    calls.review_start(actor=officer, call_id=call.pk)
    switch_to(page, "expert0")
    page.goto("/civil/reviews/")
    expect(page.get_by_test_id("review-status")).to_have_text("已回避")
    criteria = list(call.criteria.all())
    for user, (a, b) in zip(experts[1:], [(8, 9), (7, 7)], strict=True):
        review = Review.objects.get(expert__user=user)
        reviews.conflict_declare(actor=user, review_id=review.pk, has_conflict=False)
        calls.review_score(
            actor=user, review_id=review.pk, scores={criteria[0].pk: a, criteria[1].pk: b}
        )

    # The officer determines; the breakdown is public; a resident objects and is answered.
    switch_to(page, "wuhou_officer")
    page.goto(f"/console/civil/calls/{call.pk}/")
    determine = page.get_by_test_id("determine-form")
    determine.get_by_label(re.compile("资助“倪家桥长者食堂营造”")).fill("90000")
    determine.get_by_label("确定理由").fill("综合得分第一")
    determine.get_by_role("button", name="确定结果并开始公示").click()
    expect(page.get_by_test_id("call-stage")).to_have_text("公示中")
    switch_to(page, "neighbour")
    page.goto(f"/civil/calls/{call.pk}/")
    expect(page.get_by_test_id("review-line").first).to_contain_text("已回避")
    expect(page.get_by_test_id("breakdown")).to_contain_text("85.00")
    page.get_by_label("您的异议").fill("自筹资金来源请说明")
    page.get_by_role("button", name="提交异议").click()
    expect(page.get_by_test_id("objection")).to_contain_text("自筹资金来源请说明")
    switch_to(page, "wuhou_officer")
    page.goto(f"/console/civil/calls/{call.pk}/")
    page.get_by_test_id("answer-form").get_by_label("作答").fill("自筹来自社区基金，已核实")
    page.get_by_role("button", name="公开答复").click()
    expect(page.get_by_test_id("objection")).to_contain_text("已核实")

    # The notice period ends; the officer signs the contract with two tranches.
    Call.objects.filter(pk=call.pk).update(notice_ends_at=timezone.now() - timedelta(minutes=1))
    page.get_by_test_id("application-link").first.click()
    contract = page.get_by_test_id("contract-form")
    today = timezone.localdate()
    contract.get_by_label("签订日期").fill(today.isoformat())
    contract.get_by_label("截止日期").fill((today + timedelta(days=300)).isoformat())
    contract.get_by_label("节点1", exact=True).fill("食堂开业")
    contract.get_by_label("第1笔拨款（元）").fill("45000")
    contract.get_by_label("节点1期限").fill((today + timedelta(days=30)).isoformat())
    contract.get_by_label("节点2", exact=True).fill("结项评估")
    contract.get_by_label("第2笔拨款（元）").fill("45000")
    contract.get_by_label("节点2期限").fill((today + timedelta(days=290)).isoformat())
    contract.get_by_role("button", name="签订合同并承诺资金").click()
    expect(page.get_by_test_id("tranche").first).to_contain_text("待提交报告")

    # The organisation reports the first milestone; the officer accepts it and pays.
    switch_to(page, "org_admin")
    page.goto(f"/civil/{organisation.pk}/applications/")
    report = page.get_by_test_id("report-form").first
    report.get_by_label("进展报告").fill("长者食堂已开业，首月供餐")
    report.get_by_label("服务人次").fill("320")
    report.get_by_role("button", name="提交报告").click()
    expect(page.get_by_test_id("tranche-status").first).to_have_text("报告待验收")
    switch_to(page, "wuhou_officer")
    contract_id = organisation.applications.get().contract.pk
    page.goto(f"/console/civil/contracts/{contract_id}/")
    page.get_by_role("button", name="验收报告").click()
    page.get_by_role("button", name="拨付款项").click()
    expect(page.get_by_test_id("tranche-status").first).to_have_text("已支付")

    # Anyone reads the contract and the community's ledger.
    page.context.clear_cookies()
    page.goto(f"/civil/contracts/{contract_id}/")
    expect(page.get_by_test_id("contract-paid")).to_contain_text("4.50")
    page.goto(f"/funds/{NIJIAQIAO}/")
    expect(page.locator("main")).to_contain_text("社区营造与购买服务")
