"""The community worker's side of residents deciding, in the browser: the worker of 倪家桥社区
sets up a council, records its members picked by name, runs a meeting (staff and QR sign-in,
quorum, a show of hands and a member voting on her own phone) to a spending decision that the
funds console then offers; prepares a budgeting round on the community fund, reviews its
projects and opens the vote, after which the ballot rules refuse any change; and bad input on
the council page comes back in Chinese with nothing recorded."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.funds.models import Account, ApprovalRecord, Reservation
from shequ.participation.models import (
    AgendaItem,
    Attendance,
    Council,
    CouncilMember,
    ItemVote,
    Meeting,
    Round,
    RoundProject,
)
from shequ.people.models import User
from tests.e2e.conftest import PHONE_VIEWPORT, TIMEOUT_MS
from tests.e2e.steps import confirm_dialog, log_in, pick_person
from tests.factories import (
    NIJIAQIAO,
    SHUIJINGFANG,
    make_resident,
    make_staff,
    make_user,
    valid_id_number,
)
from tests.participation.conftest import fund_community

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-42"
COUNCIL = "倪家桥社区居民议事会"


@dataclass
class Desk:
    worker: User
    ids: dict[str, str]  # name -> ID number, as the worker types it from the election record
    outsider_id: str  # an ID-checked resident of 水井坊社区
    unverified_id: str  # a resident of 倪家桥社区 whose ID was never checked


@pytest.fixture
def desk(chengdu: None) -> Desk:
    """The community worker, three ID-checked neighbours with accounts (王芳 votes on her own
    phone) and 300,000 yuan in the community's incentive fund."""
    worker = make_staff("worker_njq", Role.COMMUNITY_WORKER, NIJIAQIAO)
    ids = {}
    for number, (username, name) in enumerate(
        (("zhangwei", "张伟"), ("lina", "李娜"), ("wangfang", "王芳")), start=41
    ):
        ids[name] = valid_id_number(region="510107", sequence=number)
        make_resident(NIJIAQIAO, name=name, user=make_user(username), id_number=ids[name])
    outsider_id = valid_id_number(region="510104", sequence=51)
    make_resident(SHUIJINGFANG, name="赵六", id_number=outsider_id)
    unverified_id = valid_id_number(region="510107", sequence=52)
    make_resident(NIJIAQIAO, name="钱七", id_number=unverified_id, level=0)
    fund_community(NIJIAQIAO, Decimal("300000"))
    return Desk(worker, ids, outsider_id, unverified_id)


@pytest.fixture
def second_phone(browser_instance: Browser, live_server: LiveServer) -> Iterator[Page]:
    """Another person's phone: its own context, so its cookies are its own."""
    context = browser_instance.new_context(
        base_url=live_server.url,
        viewport=PHONE_VIEWPORT,
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
        reduced_motion="reduce",
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def flash(page: Page) -> Locator:
    """The message a page shows after a form went through (or a button was refused)."""
    return page.locator(".alert[role=alert]").first


def open_community(page: Page) -> None:
    page.goto("/console/participation/")
    expect(page.get_by_role("heading", level=1)).to_have_text("居民议事")
    page.get_by_test_id("community-row").filter(has_text="倪家桥社区").click()
    expect(page).to_have_url(re.compile(rf"/console/participation/c/{NIJIAQIAO}/$"))


def create_council(page: Page) -> None:
    open_community(page)
    page.get_by_test_id("new-council").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("新建居民议事会或居民大会")
    page.get_by_label("名称").fill(COUNCIL)
    page.get_by_label("类型").select_option("council")
    page.get_by_label("议题列入议程所需附议数").fill("5")
    expect(page.get_by_label("法定人数比例（分子）")).to_have_value("2")
    expect(page.get_by_label("法定人数比例（分母）")).to_have_value("3")
    page.get_by_test_id("submit").click()
    expect(flash(page)).to_have_text("议事会已设立，请添加成员。")
    expect(page.get_by_role("heading", level=1)).to_have_text(COUNCIL)
    expect(page.get_by_test_id("in-office")).to_have_text("在任：0 人")


def add_member(page: Page, name: str, *, start: date, end: date, chair: bool = False) -> None:
    """The member picked by name from the residents of the community: no ID number typed."""
    form = page.get_by_test_id("member-form")
    pick_person(form, name)
    form.get_by_label("任期开始").fill(f"{start:%Y-%m-%d}")
    form.get_by_label("任期结束").fill(f"{end:%Y-%m-%d}")
    if chair:
        form.get_by_label("召集人").check()
    form.get_by_role("button", name="添加成员").click()


def test_worker_runs_a_council_meeting_to_a_spending_decision(
    phone_page: Page, second_phone: Page, desk: Desk
) -> None:
    page = phone_page
    today = timezone.localdate()
    log_in(page, "worker_njq", PASSWORD)
    create_council(page)
    council = Council.objects.get(name=COUNCIL)
    assert (council.community_id, council.support_threshold) == (NIJIAQIAO, 5)

    # Members picked by name, as elected; the first one chairs.
    for index, name in enumerate(desk.ids):
        add_member(
            page,
            name,
            start=today - timedelta(days=30),
            end=date(today.year + 3, 1, 1),
            chair=index == 0,
        )
        expect(flash(page)).to_have_text("成员已登记。")
    expect(page.get_by_test_id("in-office")).to_have_text("在任：3 人")
    rows = page.get_by_test_id("member-row")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="张伟")).to_contain_text("召集人")
    for name in desk.ids:
        assert desk.ids[name] not in page.content()  # the ID number is not shown back

    # A meeting today at 19:00.
    meeting_form = page.get_by_test_id("meeting-form")
    meeting_form.get_by_label("标题").fill("五月议事会")
    meeting_form.get_by_label("开始时间").fill(f"{today:%Y-%m-%d}T19:00")
    meeting_form.get_by_label("位置").fill("社区活动室")
    meeting_form.get_by_role("button", name="安排").click()
    expect(flash(page)).to_have_text("会议已安排。")
    expect(page.get_by_role("heading", level=1)).to_have_text("五月议事会")
    meeting = Meeting.objects.get(title="五月议事会")
    assert timezone.localtime(meeting.starts_at).hour == 19
    expect(page.get_by_test_id("sign-in-qr").locator("svg")).to_be_visible()

    # A spending item on the agenda.
    agenda = page.get_by_test_id("agenda-form")
    agenda.get_by_label("类型").select_option("spending")
    agenda.get_by_label("标题").fill("更换楼道照明")
    agenda.get_by_label("金额（元，资金使用事项）").fill("48000")
    agenda.get_by_role("button", name="加入议程").click()
    expect(flash(page)).to_have_text("已列入议程。")
    item_row = page.get_by_test_id("item-row").filter(has_text="更换楼道照明")
    expect(item_row.get_by_test_id("item-status")).to_have_text("尚未表决")
    expect(item_row).to_contain_text("更换楼道照明 · 4.80 万元")

    # The session opens; staff sign in two members: that is the quorum (2 of 3).
    page.get_by_role("button", name="开始会议").click()
    expect(flash(page)).to_have_text("已完成。")
    expect(page.get_by_text("会议进行中")).to_be_visible()
    quorum = page.get_by_test_id("quorum")
    expect(quorum).to_have_text("3 人中 0 人出席 · 未达法定人数")
    page.get_by_test_id("attendee").filter(has_text="张伟").get_by_role(
        "button", name="签到"
    ).click()
    expect(quorum).to_have_text("3 人中 1 人出席 · 未达法定人数")
    page.get_by_test_id("attendee").filter(has_text="李娜").get_by_role(
        "button", name="签到"
    ).click()
    expect(quorum).to_have_text("3 人中 2 人出席 · 已达法定人数")
    expect(page.get_by_test_id("attendee").filter(has_text="李娜")).to_contain_text("已出席")

    # 王芳 scans the code on the screen with her own phone.
    sign_in_url = page.get_by_test_id("sign-in-url").inner_text()
    phone = second_phone
    log_in(phone, "wangfang", PASSWORD)
    phone.goto(sign_in_url)
    expect(phone.get_by_role("heading", level=1)).to_have_text("会议签到")
    phone.get_by_test_id("sign-in").click()
    expect(flash(phone)).to_have_text("您已签到。")
    expect(phone.get_by_role("heading", level=1)).to_have_text("五月议事会")
    expect(phone.get_by_test_id("my-vote")).to_have_count(0)  # no vote is open yet
    methods = dict(
        Attendance.objects.filter(meeting=meeting).values_list(
            "member__resident__real_name", "method"
        )
    )
    assert methods == {"张伟": "staff", "李娜": "staff", "王芳": "qr"}

    # The vote opens: staff record the show of hands of two members ...
    page.reload()
    expect(quorum).to_have_text("3 人中 3 人出席 · 已达法定人数")
    item_row.get_by_role("button", name="开始表决").click()
    expect(flash(page)).to_have_text("已完成。")
    expect(item_row.get_by_test_id("item-status")).to_have_text("投票中")
    expect(item_row.get_by_test_id("voted")).to_have_text("已有 0 名成员表决")
    hands = item_row.get_by_test_id("hand-row")
    expect(hands).to_have_count(3)
    hands.filter(has_text="张伟").get_by_role("button", name="赞成").click()
    expect(flash(page)).to_have_text("已记录该成员的表决意见。")
    hands.filter(has_text="李娜").get_by_role("button", name="弃权").click()
    expect(flash(page)).to_have_text("已记录该成员的表决意见。")
    expect(hands.filter(has_text="张伟").get_by_test_id("hand-choice")).to_have_text("赞成")
    expect(hands.filter(has_text="李娜").get_by_test_id("hand-choice")).to_have_text("弃权")
    expect(item_row.get_by_test_id("voted")).to_have_text("已有 2 名成员表决")

    # ... and 王芳 votes on her phone, against first, then changes her mind.
    phone.reload()
    mine = phone.get_by_test_id("my-vote")
    mine.get_by_role("button", name="反对").click()
    expect(flash(phone)).to_have_text("您的表决已记录，表决结束前可以修改。")
    expect(mine.get_by_role("button", name="反对")).to_have_attribute("aria-pressed", "true")
    mine.get_by_role("button", name="赞成").click()
    expect(flash(phone)).to_have_text("您的表决已记录，表决结束前可以修改。")
    expect(mine.get_by_role("button", name="赞成")).to_have_attribute("aria-pressed", "true")
    expect(mine.get_by_role("button", name="反对")).not_to_have_attribute("aria-pressed", "true")
    item = AgendaItem.objects.get(title="更换楼道照明")
    assert sorted(ItemVote.objects.filter(item=item).values_list("choice", flat=True)) == [
        "abstain",
        "for",
        "for",
    ]

    # The worker closes the vote and sees the decision.
    page.reload()
    expect(hands.filter(has_text="王芳").get_by_test_id("hand-choice")).to_have_text("赞成")
    item_row.get_by_role("button", name="结束表决").click()
    confirm_dialog(page, "结束表决将统计成员表决并记录结果")
    expect(flash(page)).to_have_text("已完成。")
    expect(item_row.get_by_test_id("item-status")).to_have_text("通过")
    expect(item_row.get_by_test_id("item-result")).to_have_text(
        "赞成 2，反对 0，弃权 1；出席 3 人。"
    )
    expect(item_row.get_by_test_id("hand-row")).to_have_count(0)
    phone.reload()
    expect(phone.get_by_test_id("my-vote")).to_have_count(0)
    expect(phone.get_by_test_id("item-row")).to_contain_text("赞成 2，反对 0，弃权 1；出席 3 人。")

    # The decision is the council's approval record in the funds ledger, offered for spending.
    item.refresh_from_db()
    record = ApprovalRecord.objects.get(pk=item.approval_record_id or 0)
    assert (record.subject, record.amount, record.community_id) == (
        "更换楼道照明",
        Decimal("48000.00"),
        NIJIAQIAO,
    )
    assert (record.members_total, record.members_present) == (3, 3)
    assert (record.votes_for, record.votes_against, record.votes_abstain) == (2, 0, 1)
    assert record.meeting_date == today
    page.goto(f"/console/funds/community/{NIJIAQIAO}/")
    decision = page.get_by_test_id("commit-form").get_by_label("议事会决议")
    expect(decision.locator(f'option[value="{record.pk}"]')).to_contain_text("更换楼道照明")
    verbs = set(AuditEvent.objects.filter(actor=desk.worker).values_list("verb", flat=True))
    assert {"participation.vote", "participation.decision", "participation.sign_in"} <= verbs


def test_worker_prepares_a_round_and_the_rules_freeze_when_voting_opens(
    phone_page: Page, desk: Desk
) -> None:
    page = phone_page
    year = timezone.localdate().year
    log_in(page, "worker_njq", PASSWORD)
    open_community(page)
    expect(page.get_by_test_id("account-row")).to_have_count(1)
    expect(page.get_by_test_id("account-row")).to_contain_text(str(year))
    expect(page.get_by_test_id("account-row")).to_contain_text("可用 30.00 万元")

    # A round drawing on the community's incentive fund.
    page.get_by_test_id("new-round").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("新建参与式预算轮次")
    page.get_by_label("标题").fill("2026年楼院微更新")
    account = page.get_by_label("资金账户")
    fund = Account.objects.get(kind="fund", division_id=NIJIAQIAO, track="incentive", year=year)
    expect(account.locator("option")).to_have_count(1)
    expect(account.locator("option")).to_contain_text("可用")
    account.select_option(str(fund.pk))
    page.get_by_label("预算（整数元）").fill("100000")
    page.get_by_label("投票规则").select_option("approval_budget")
    page.get_by_label("计票方法").select_option("equal_shares")
    page.get_by_test_id("submit").click()
    expect(flash(page)).to_have_text("本轮已创建，下一步请添加项目。")
    expect(page.get_by_role("heading", level=1)).to_have_text("2026年楼院微更新")
    summary = page.locator("main p").first
    expect(summary).to_contain_text("准备中")
    expect(summary).to_contain_text("在预算内勾选项目")
    budget_round = Round.objects.get(title="2026年楼院微更新")
    assert (budget_round.fund_track, budget_round.fund_year) == ("incentive", year)

    # The ballot rules: at most two projects, counted greedily by votes.
    page.get_by_test_id("rules-link").click()
    expect(page.get_by_test_id("rules-open")).to_be_visible()
    page.get_by_label("投票规则").select_option("k_approval")
    page.get_by_label("k（最多可选项目数）").fill("2")
    page.get_by_label("计票方法").select_option("greedy")
    page.get_by_test_id("submit").click()
    expect(flash(page)).to_have_text("投票规则已保存。")
    expect(summary).to_contain_text("最多勾选 k 个项目 · 按票数依次入选")

    # Three projects, one of them construction works.
    for title, cost, works in (
        ("口袋公园", "60000", True),
        ("加装扶手", "40000", False),
        ("楼顶花园", "90000", True),
    ):
        page.get_by_test_id("add-project").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("添加项目")
        page.get_by_label("名称（留空则用议题名称）").fill(title)
        page.get_by_label("费用（整数元）").fill(cost)
        if works:
            page.get_by_label("工程类项目").check()
        page.get_by_test_id("submit").click()
        expect(flash(page)).to_have_text("项目已添加，请在投票前完成审核。")
    projects = page.get_by_test_id("project-row")
    expect(projects).to_have_count(3)
    expect(projects.filter(has_text="待审核")).to_have_count(3)

    # Review: two feasible, the roof garden not (a reason is required, and then shown).
    for title in ("口袋公园", "加装扶手"):
        projects.filter(has_text=title).get_by_test_id("review-link").click()
        page.get_by_role("radio", name="可行", exact=True).check()
        page.get_by_test_id("submit").click()
        expect(flash(page)).to_have_text("审核结果已保存。")
    projects.filter(has_text="楼顶花园").get_by_test_id("review-link").click()
    page.get_by_role("radio", name="不可行").check()
    page.get_by_test_id("submit").click()  # no reason given: refused on the form
    expect(page.get_by_test_id("error-note")).to_be_visible()
    assert RoundProject.objects.get(title="楼顶花园").review == "pending"
    page.get_by_label("理由/备注（不可行时必填）").fill("楼顶防水层无法承重")
    page.get_by_test_id("submit").click()
    expect(flash(page)).to_have_text("审核结果已保存。")
    roof = projects.filter(has_text="楼顶花园")
    expect(roof).to_contain_text("不可行")
    expect(roof).to_contain_text("楼顶防水层无法承重")
    expect(projects.filter(has_text="口袋公园")).to_contain_text("可行")

    # Draft → collecting: the budget is reserved in the fund; then review; then voting.
    advance = page.get_by_test_id("advance")
    advance.click()
    confirm_dialog(page, "本轮将从“准备中”进入“征集项目”")
    expect(flash(page)).to_have_text("本轮已进入下一阶段。")
    expect(summary).to_contain_text("征集项目")
    budget_round.refresh_from_db()
    reservation = Reservation.objects.get(pk=budget_round.reservation_id or 0)
    assert reservation.amount == Decimal("100000.00")
    fund.refresh_from_db()
    assert fund.balance == Decimal("200000.00")
    advance.click()
    confirm_dialog(page, "征集结束")
    expect(summary).to_contain_text("可行性与费用审核")
    advance.click()
    confirm_dialog(page, "投票规则、预算和项目将被冻结")
    expect(flash(page)).to_have_text("本轮已进入下一阶段。")
    expect(summary).to_contain_text("投票中")
    expect(page.get_by_test_id("rules-frozen")).to_contain_text("投票规则、预算和项目均已冻结")
    expect(page.get_by_test_id("rules-frozen")).to_contain_text(
        "各阶段日期在第一张选票投出之前仍可更正"
    )
    expect(page.get_by_test_id("add-project")).to_have_count(0)
    expect(page.get_by_test_id("review-link")).to_have_count(0)

    # The rules form now refuses any change, saying why; nothing changes.
    page.get_by_test_id("rules-link").click()
    expect(page.get_by_test_id("rules-frozen")).to_be_visible()
    expect(page.get_by_label("投票规则")).to_have_value("k_approval")
    page.get_by_label("计票方法").select_option("equal_shares")
    page.get_by_label("k（最多可选项目数）").fill("3")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("form-error")).to_have_text("投票已开始：投票规则和项目不能再修改。")
    expect(page.get_by_role("heading", level=1)).to_have_text("投票规则")
    budget_round.refresh_from_db()
    assert (budget_round.rule, budget_round.max_choices, budget_round.method) == (
        "k_approval",
        2,
        "greedy",
    )
    assert budget_round.phase == "voting"
    page.get_by_role("link", name="返回").click()
    expect(summary).to_contain_text("最多勾选 k 个项目 · 按票数依次入选")
    rules_changes = AuditEvent.objects.filter(verb="participation.round_rules").count()
    assert rules_changes == 1

    # The community desk shows the round voting and the fund's free balance less the budget.
    open_community(page)
    expect(page.get_by_test_id("round-row")).to_contain_text("2026年楼院微更新 投票中")
    expect(page.get_by_test_id("account-row")).to_contain_text("可用 20.00 万元")


def test_bad_member_input_is_refused_in_chinese_and_nothing_is_recorded(
    phone_page: Page, desk: Desk
) -> None:
    page = phone_page
    today = timezone.localdate()
    log_in(page, "worker_njq", PASSWORD)
    create_council(page)
    council = Council.objects.get(name=COUNCIL)
    start, end = today - timedelta(days=1), date(today.year + 3, 1, 1)

    # A resident of another community (水井坊社区) is not even found by the search.
    form = page.get_by_test_id("member-form")
    picker = form.get_by_test_id("person-picker-resident_id")
    picker.get_by_role("searchbox").fill("赵六")
    picker.get_by_role("button", name="搜索").click()
    expect(picker.get_by_test_id("person-results")).to_have_text("您辖区内没有这个姓名的居民。")

    # Nor may a neighbour whose ID was never checked sit on it; the choice is kept to correct.
    add_member(page, "钱七", start=start, end=end)
    expect(form.get_by_test_id("form-error")).to_have_text("成员必须是本社区已实名认证的居民。")
    expect(form.get_by_test_id("picked-person")).to_contain_text("钱七")
    assert desk.unverified_id not in page.content()

    # A term that ends before it starts.
    add_member(page, "张伟", start=start, end=start - timedelta(days=7))
    expect(form.get_by_test_id("error-term_end")).to_have_text("任期结束日期必须晚于开始日期。")
    expect(page.get_by_test_id("in-office")).to_have_text("在任：0 人")

    # A meeting without a start time.
    meeting_form = page.get_by_test_id("meeting-form")
    meeting_form.get_by_label("标题").fill("临时会议")
    meeting_form.get_by_role("button", name="安排").click()
    expect(meeting_form.get_by_test_id("error-starts_at")).to_have_text("此项为必填项。")

    assert not CouncilMember.objects.filter(council=council).exists()
    assert not Meeting.objects.exists()
    assert not AuditEvent.objects.filter(verb="participation.member_add").exists()

    # Corrected, the same form goes through.
    add_member(page, "张伟", start=start, end=end)
    expect(flash(page)).to_have_text("成员已登记。")
    expect(page.get_by_test_id("in-office")).to_have_text("在任：1 人")
