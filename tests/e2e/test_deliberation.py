"""The issue's "Done when", on a phone: residents discuss a proposal and the community answers
it officially; it reaches the support threshold, goes onto a budgeting round whose ballot a
resident understands, wins, is funded, built as a project, and its page shows the whole
chain with the money spent; a resident registered for the council meeting gets it for her
calendar."""

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from shequ.core.scopes import Role
from shequ.funds.services import spending
from shequ.participation.models import Comment, Proposal, Round
from shequ.participation.services import answers, ballots, meetings, proposals, rounds
from shequ.people.models import User, VerificationLevel
from tests.e2e.steps import log_in
from tests.factories import NIJIAQIAO, WUHOU, make_resident, make_staff, make_user
from tests.funds.conftest import receipt
from tests.participation.conftest import Place, council_decides, fund_community, make_place
from tests.projects.conftest import new_project

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-42"


def resident(username: str, name: str) -> User:
    user = make_user(username)
    make_resident(NIJIAQIAO, user=user, name=name, level=VerificationLevel.REGISTRY_MATCHED)
    return user


@pytest.fixture
def place(chengdu: None) -> Place:
    return make_place()


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_from_discussion_to_a_built_project_on_a_phone(phone_page: Page, place: Place) -> None:
    page = phone_page
    author = place.residents[4]
    resident("xiaohong", "李小红")
    proposal = proposals.proposal_create(
        actor=author,
        community_code=NIJIAQIAO,
        title="口袋公园改造",
        description="把东门空地改成小花园。",
        category="environment",
    )

    # A neighbour reads it: the author (masked), the threshold, no answer yet; she comments.
    log_in(page, "xiaohong", PASSWORD)
    page.goto(f"/participation/proposals/{proposal.pk}/")
    expect(page.get_by_test_id("author")).to_contain_text("提议人")
    expect(page.get_by_test_id("threshold-text")).to_have_text(
        "3 人附议即进入议事会议程，已有 0 人。"
    )
    expect(page.get_by_test_id("no-answer")).to_be_visible()
    page.get_by_label("您的评论").fill("支持！有事打我电话13812345678")
    page.get_by_test_id("comment-send").click()
    expect(page.get_by_role("alert")).to_have_text("您的评论已发表。")
    expect(page.get_by_test_id("comment-body")).to_have_text("支持！有事打我电话138****5678")

    # The community answers officially; she sees it, supports, and the threshold is reached.
    answers.answer_create(
        actor=place.worker, proposal_id=proposal.pk, state="evaluating", text="社区正在评估费用。"
    )
    page.reload()
    expect(page.get_by_test_id("answer-state")).to_have_text("评估中")
    expect(page.get_by_test_id("answer-text")).to_have_text("社区正在评估费用。")
    page.get_by_test_id("support").click()
    expect(page.get_by_role("alert")).to_have_text("感谢您的附议。")
    for user in place.residents[:2]:
        proposals.proposal_support(actor=user, proposal_id=proposal.pk)
    page.reload()
    expect(page.get_by_test_id("threshold-text")).to_have_text(
        "已达到进入议事会议程所需的 3 人附议。"
    )
    assert Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.ON_AGENDA
    answers.answer_create(actor=place.worker, proposal_id=proposal.pk, state="accepted")

    # A budgeting round with the proposal's project; she understands the ballot and votes.
    fund_community(NIJIAQIAO, Decimal("300000"))
    budget_round = rounds.round_create(
        actor=place.worker,
        community_code=NIJIAQIAO,
        title="2026年社区微更新",
        budget="100000",
        rule=Round.Rule.K_APPROVAL,
        max_choices=2,
        voting_until=timezone.now() + timedelta(days=5),
    )
    park = rounds.project_add(
        actor=place.worker,
        round_id=budget_round.pk,
        title="口袋公园",
        cost=60000,
        description="铺设步道、种植花木、设置座椅。",
        proposal_id=proposal.pk,
        is_works=True,
    )
    corner = rounds.project_add(
        actor=place.worker, round_id=budget_round.pk, title="读书角", cost=30000
    )
    for project in (park, corner):
        rounds.project_review(actor=place.worker, project_id=project.pk, feasible=True)
    for _ in range(3):
        rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
    page.goto(f"/participation/rounds/{budget_round.pk}/")
    expect(page.get_by_test_id("rule-text")).to_have_text(
        "每人最多选2个；按平等份额法计票：每位投票人拥有同等份额的预算。"
    )
    expect(page.get_by_test_id("voting-until")).to_contain_text("投票开放至")
    card = page.get_by_test_id("ballot-project").filter(has_text="口袋公园")
    expect(card.get_by_test_id("project-cost")).to_be_visible()
    expect(card.get_by_test_id("project-description")).to_have_text(
        "铺设步道、种植花木、设置座椅。"
    )
    page.get_by_label(re.compile("口袋公园")).check()
    page.get_by_test_id("vote").click()
    expect(page.get_by_role("alert")).to_have_text("您的选票已记录，投票截止前可以修改。")

    # It wins, the council approves, it is committed, paid and built.
    for user in place.residents[:3]:
        ballots.ballot_cast(actor=user, round_id=budget_round.pk, approvals=[park.pk])
    rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
    item = council_decides(place, title="参与式预算结果", amount="60000")
    rounds.round_attach_decision(actor=place.worker, round_id=budget_round.pk, item_id=item.pk)
    rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
    park.refresh_from_db()
    spending.payment_create(
        actor=place.worker,
        commitment_id=park.commitment_id or 0,
        amount="20000",
        invoice_number="51001",
        receipt=receipt(),
        urgent_reason="雨季前必须完工",
    )
    built = new_project(make_staff("d_officer", Role.DISTRICT_OFFICER, WUHOU), "P-2026-100")
    rounds.project_link_built(actor=place.worker, project_id=park.pk, code=built.code)

    # The proposal's page shows the whole chain, with the money spent.
    page.goto(f"/participation/proposals/{proposal.pk}/")
    chain = page.get_by_test_id("chain")
    expect(chain.get_by_test_id("chain-won")).to_be_visible()
    expect(page.get_by_test_id("chain-money")).to_have_text(
        "已承诺 6.00 万元；目前已支出 2.00 万元。"
    )
    expect(chain.get_by_test_id("chain-payment")).to_contain_text("2.00 万元")
    chain.get_by_test_id("chain-project-link").click()
    expect(page.get_by_test_id("proposal-origin")).to_contain_text("口袋公园改造")

    # A council meeting: she registers and takes it into her calendar.
    meeting = meetings.meeting_schedule(
        actor=place.worker,
        council_id=place.council.pk,
        title="六月议事会",
        starts_at=timezone.now() + timedelta(days=10),
        location="党群服务中心",
        capacity=30,
    )
    page.goto(f"/participation/meetings/{meeting.pk}/")
    page.get_by_test_id("register").click()
    expect(page.get_by_role("alert")).to_have_text("报名成功。请把会议加入您的日历。")
    expect(page.get_by_test_id("my-registration")).to_have_text("您已报名")
    with page.expect_download() as download:
        page.get_by_test_id("ics").click()
    path = download.value.path()
    ics = Path(path).read_text(encoding="utf-8")
    assert "SUMMARY:六月议事会" in ics
    assert Comment.objects.filter(body__contains="138****5678").count() == 1
