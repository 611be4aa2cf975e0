"""The issue's "Done when", on a phone: the committee opens its cockpit and sees every
district's score with targets met and missed; drills into one community and from a number to
the records behind it; sees the rank with its interval and which choice moves it; runs the
year's 十佳 with a resident vote; shares next year's incentive fund by the computed score."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from shequ.core.scopes import Role
from shequ.funds.models import EvaluationScore
from shequ.indicators import evaluation
from shequ.indicators.models import TreeVersion
from shequ.indicators.services import trees
from shequ.participation.models import Proposal
from tests.e2e.steps import confirm_dialog, log_in
from tests.factories import (
    CITY,
    NIJIAQIAO,
    SHUIJINGFANG,
    YULIN_NORTH,
    make_resident,
    make_staff,
    make_user,
)

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-42"  # tests.factories.make_user's


def test_committee_cockpit_drill_down_top_ten_and_incentive_fund(
    phone_page: Page, chengdu: None
) -> None:
    page = phone_page
    page.set_default_timeout(30_000)
    committee = make_staff("committee", Role.CITY_COMMITTEE, CITY)
    year = timezone.localdate().year
    for code, residents, proposals in (
        (NIJIAQIAO, 3, 4),
        (YULIN_NORTH, 2, 1),
        (SHUIJINGFANG, 4, 0),
    ):
        for n in range(residents):
            make_resident(code, name=f"居民{n}")
        for n in range(proposals):
            Proposal.objects.create(
                community_id=code,
                author=committee,
                title=f"议题{n}",
                description="内容",
                category="environment",
            )
    tree = trees.tree_install_default(actor=committee)
    # Records exist in three communities only: rank whoever has data; a short Monte Carlo.
    TreeVersion.objects.filter(pk=tree.pk).update(min_data_share=0, draws=100)
    evaluation.run_evaluate_now(actor=committee, version_id=tree.pk, year=year)
    voter = make_user("voter")
    make_resident(NIJIAQIAO, user=voter, name="投票人")

    # The cockpit: every district with its score, targets met and missed.
    log_in(page, "committee", PASSWORD)
    page.goto("/console/indicators/")
    rows = page.get_by_test_id("cockpit-unit")
    expect(rows).to_have_count(20)
    # The chart is drawn (what bench/indicators.py times).
    expect(page.locator("#score-chart")).to_have_attribute("data-ready", "1")
    wuhou = rows.filter(has_text="武侯区")
    expect(wuhou.get_by_test_id("unit-score")).to_have_text(re.compile(r"\d"))
    expect(wuhou.get_by_test_id("unit-met")).to_have_text(re.compile(r"\d+"))
    expect(wuhou.get_by_test_id("unit-missed")).to_have_text(re.compile(r"\d+"))

    # Drill down: district → street → community.
    page.goto(wuhou.get_by_role("link", name="武侯区").get_attribute("href") or "")
    page.get_by_role("link", name="玉林街道").click()
    page.get_by_role("link", name="倪家桥社区").click()
    expect(page.get_by_test_id("unit-name")).to_contain_text("倪家桥社区")
    expect(page.get_by_test_id("card-interval")).to_contain_text("90% 区间")
    expect(page.get_by_test_id("card-moved")).not_to_be_empty()

    # From the number to the records behind it.
    row = page.locator('[data-testid="value-row"][data-code="proposals_per_1000"]')
    # (on a phone the reflowed table's body sits over its links: follow the link itself)
    page.goto(row.get_by_test_id("records-link").get_attribute("href") or "")
    expect(page.get_by_test_id("records-count")).to_have_text("4")
    expect(page.get_by_test_id("record")).to_have_count(4)

    # 十佳: candidates by score, then a resident votes.
    page.goto("/console/indicators/top-ten/")
    page.get_by_label("按得分选出的候选数").fill("5")
    page.get_by_label("获选数").fill("2")
    page.get_by_test_id("pick-candidates").click()
    expect(page.get_by_test_id("candidate-row")).to_have_count(5)
    detail = page.url
    page.context.clear_cookies()
    log_in(page, "voter", PASSWORD)
    page.goto("/indicators/top-ten/")
    page.get_by_test_id("top-ten").first.click()
    page.get_by_test_id("candidate").first.check()
    page.get_by_test_id("cast-vote").click()
    expect(page.get_by_test_id("voted")).to_be_visible()

    # The committee closes the vote: the combined score places two winners.
    page.context.clear_cookies()
    log_in(page, "committee", PASSWORD)
    page.goto(detail)
    expect(page.get_by_test_id("ballots")).to_have_text("1")
    page.get_by_test_id("decide").click()
    confirm_dialog(page, "按综合得分确定获选社区")
    expect(
        page.get_by_test_id("candidate-row").filter(has_text=re.compile(r"^\s*1"))
    ).to_have_count(1)

    # Next year's incentive fund takes the computed score.
    page.goto("/console/indicators/top-ten/")
    page.get_by_label("按此得分分配激励资金的年度").fill(str(year + 1))
    page.get_by_test_id("scores-to-funds").click()
    confirm_dialog(page, "替换为本次评价的得分")
    expect(page.get_by_text("年激励资金")).to_be_visible()
    assert EvaluationScore.objects.filter(year=year + 1, community_id=NIJIAQIAO).exists()


def test_committee_adds_an_appeals_indicator_to_a_new_version_on_a_phone(
    phone_page: Page, chengdu: None
) -> None:
    """An installation seeded before the new sources: the committee copies the published
    version, adds 诉求满意率 from the source picker, and a bad weight is refused in Chinese."""
    page = phone_page
    page.set_default_timeout(30_000)
    committee = make_staff("committee", Role.CITY_COMMITTEE, CITY)
    tree = trees.tree_install_default(actor=committee)
    log_in(page, "committee", PASSWORD)
    page.goto(f"/console/indicators/tree/{tree.pk}/")
    page.get_by_placeholder("新版本名称").fill("2027年版")
    page.get_by_test_id("new-version").click()
    expect(page.get_by_test_id("version-title")).to_contain_text("2027年版")
    page.get_by_test_id("add-indicator").click()
    page.get_by_label("子维度").select_option(label="服务 › 服务质效")
    page.get_by_label("数据来源（由平台数据计算）").select_option(label="诉求满意率（%）")
    page.get_by_label("名称").fill("12345诉求满意率")
    page.get_by_label("计量单位").fill("%")
    page.get_by_label("目标值（达标值）").fill("92")
    page.get_by_label("权重（%）").fill("-5")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("add-indicator-form")).to_contain_text("权重不能为负数")
    page.get_by_label("权重（%）").fill("10")
    page.get_by_test_id("save").click()
    expect(page.locator('[data-code="appeals_satisfaction_rate-2"]')).to_contain_text(
        "12345诉求满意率"
    )
    expect(page.get_by_test_id("tree-problems")).to_contain_text("服务质效")
