"""Residents decide in the browser: a verified resident of 倪家桥社区 proposes, a neighbour
supports and votes in an open budgeting round (within the budget, then changes the ballot),
staff close the vote, and the results page explains both counting methods step by step."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from shequ.core.scopes import Role
from shequ.funds.models import Account, Reservation
from shequ.participation.models import Ballot, Proposal, Round, RoundResult, RoundVoter
from shequ.participation.services import ballots, rounds
from shequ.people.models import User, VerificationLevel
from tests.e2e.steps import confirm_dialog, log_in
from tests.factories import NIJIAQIAO, make_resident, make_staff, make_user
from tests.participation.conftest import fund_community

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-42"


def resident(username: str, name: str) -> User:
    user = make_user(username)
    make_resident(NIJIAQIAO, user=user, name=name, level=VerificationLevel.REGISTRY_MATCHED)
    return user


@pytest.fixture
def open_round(chengdu: None) -> Round:
    """A round of 100,000 yuan with three reviewed projects, in its voting phase, and three
    neighbours who have already voted."""
    worker = make_staff("worker_njq", Role.COMMUNITY_WORKER, NIJIAQIAO)
    fund_community(NIJIAQIAO, Decimal("300000"))
    budget_round = rounds.round_create(
        actor=worker, community_code=NIJIAQIAO, title="2026年社区微更新", budget="100000"
    )
    ids = {}
    for title, cost in (("口袋公园", 60000), ("加装扶手", 40000), ("读书角", 30000)):
        project = rounds.project_add(actor=worker, round_id=budget_round.pk, title=title, cost=cost)
        rounds.project_review(actor=worker, project_id=project.pk, feasible=True)
        ids[title] = project.pk
    for _ in range(3):
        rounds.round_advance(actor=worker, round_id=budget_round.pk)
    for username, name, choice in (
        ("zhao", "赵一", ["口袋公园"]),
        ("qian", "钱二", ["加装扶手", "读书角"]),
        ("sun", "孙三", ["读书角"]),
    ):
        ballots.ballot_cast(
            actor=resident(username, name),
            round_id=budget_round.pk,
            approvals=[ids[t] for t in choice],
        )
    budget_round.refresh_from_db()
    return budget_round


def switch_user(page: Page, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, username, PASSWORD)


def test_propose_support_vote_change_and_read_the_results(
    phone_page: Page, open_round: Round
) -> None:
    page = phone_page
    resident("xiaoming", "王小明")
    resident("xiaohong", "李小红")
    reservation = Reservation.objects.get(pk=open_round.reservation_id or 0)
    assert reservation.amount == Decimal("100000.00")  # the budget is held in the ledger

    # A resident proposes.
    log_in(page, "xiaoming", PASSWORD)
    page.goto("/participation/")
    expect(page).to_have_url(re.compile(rf"/participation/c/{NIJIAQIAO}/$"))
    page.get_by_test_id("propose").click()
    page.get_by_label("标题").fill("小区东门加装路灯")
    page.get_by_label("说明").fill("晚上东门太黑，老人出行不便。")
    page.get_by_label("类别").select_option("safety")
    page.get_by_label("预计费用（元）").fill("20000")
    page.get_by_role("button", name="发布").click()
    expect(page.get_by_role("alert")).to_have_text("您的议题已发布。")
    expect(page.get_by_role("heading", level=1)).to_have_text("小区东门加装路灯")
    expect(page.get_by_test_id("supports")).to_have_text("0 人附议")

    # A neighbour supports it.
    switch_user(page, "xiaohong")
    page.goto(f"/participation/c/{NIJIAQIAO}/")
    page.get_by_test_id("proposal-row").filter(has_text="小区东门加装路灯").click()
    page.get_by_test_id("support").click()
    expect(page.get_by_role("alert")).to_have_text("感谢您的附议。")
    expect(page.get_by_test_id("supports")).to_have_text("1 人附议")
    assert Proposal.objects.get(title="小区东门加装路灯").supports == 1

    # ... and votes in the open round: over the budget first, refused with the reason.
    page.goto(f"/participation/c/{NIJIAQIAO}/")
    page.get_by_test_id("round-row").filter(has_text="2026年社区微更新").click()
    for title in ("口袋公园", "加装扶手", "读书角"):
        page.get_by_label(re.compile(title)).check()
    page.get_by_test_id("vote").click()
    expect(page.get_by_test_id("ballot-error")).to_have_text(
        "您选择的项目共需 130000.00 元，超过了 100000.00 元的预算。"
    )
    assert RoundVoter.objects.filter(round=open_round).count() == 3
    expect(page.get_by_label(re.compile("口袋公园"))).to_be_checked()  # her choices are kept
    page.get_by_label(re.compile("读书角")).uncheck()
    expect(page.get_by_test_id("vote")).to_have_text("投出我的选票")
    page.get_by_test_id("vote").click()
    expect(page.get_by_role("alert")).to_have_text("您的选票已记录，投票截止前可以修改。")
    expect(page.get_by_label(re.compile("口袋公园"))).to_be_checked()
    expect(page.get_by_label(re.compile("加装扶手"))).to_be_checked()

    # She changes her mind before the close.
    page.get_by_label(re.compile("加装扶手")).uncheck()
    page.get_by_label(re.compile("读书角")).check()
    expect(page.get_by_test_id("vote")).to_have_text("修改我的选票")
    page.get_by_test_id("vote").click()
    expect(page.get_by_role("alert")).to_have_text("您的选票已记录，投票截止前可以修改。")
    expect(page.get_by_label(re.compile("加装扶手"))).not_to_be_checked()
    expect(page.get_by_label(re.compile("读书角"))).to_be_checked()
    assert RoundVoter.objects.filter(round=open_round).count() == 4
    assert Ballot.objects.filter(round=open_round).count() == 4

    # Staff close the vote in the console.
    switch_user(page, "worker_njq")
    page.goto(f"/console/participation/rounds/{open_round.pk}/")
    page.get_by_test_id("advance").click()
    confirm_dialog(page, "停止接受投票")
    expect(page.get_by_role("alert")).to_have_text("本轮已进入下一阶段。")
    assert RoundResult.objects.filter(round=open_round).count() == 2

    # The neighbour reads the results, explained step by step for both methods.
    switch_user(page, "xiaohong")
    page.goto(f"/participation/rounds/{open_round.pk}/")
    expect(page.get_by_test_id("vote")).to_have_count(0)
    greedy = page.get_by_test_id("result-greedy")
    expect(greedy.get_by_role("heading")).to_have_text("按票数依次入选")
    expect(greedy).to_contain_text("4 人投票")
    expect(greedy.get_by_test_id("winner")).to_have_text(["读书角", "口袋公园"])
    steps = greedy.locator("ol li")
    expect(steps).to_have_text(
        [
            "读书角：3 票，30000 元，入选；剩余 70000 元。",
            "口袋公园：2 票，60000 元，入选；剩余 10000 元。",
            "加装扶手：1 票，40000 元，剩余 10000 元不够。",
        ]
    )
    mes = page.get_by_test_id("result-equal_shares")
    expect(mes.get_by_role("heading")).to_contain_text("平等份额法")
    expect(mes.get_by_role("heading")).to_contain_text("正式结果")
    expect(mes.locator("ol li").first).to_contain_text("读书角：3 名支持者每人最多出")
    expect(mes.get_by_test_id("winner").first).to_be_visible()
    expect(page.get_by_test_id("pabulib")).to_have_attribute(
        "href", f"/api/v1/participation/rounds/{open_round.pk}/pabulib"
    )
    fund = Account.objects.get(kind="fund", division_id=NIJIAQIAO, year=timezone.localdate().year)
    assert fund.balance == Decimal("200000.00")  # still held for the round until it ends
