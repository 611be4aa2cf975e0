"""好差评 on a phone: a resident rates a closed case 不满意 with a reason; the department's staff
see the follow-up with its deadline and answer; the resident sees the answer and confirms."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from shequ.casework.demo import seed_casework
from shequ.catalogue.demo import seed_catalogue
from shequ.catalogue.models import Service
from shequ.core.scopes import Role
from shequ.ratings.models import FollowUp
from shequ.ratings.services import follow_up_due
from tests.e2e.steps import log_in
from tests.factories import NIJIAQIAO, make_resident, make_staff, make_user
from tests.ratings.conftest import closed_case

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-42"  # tests.factories.make_user's


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_poor_rating_reaches_the_department_and_its_answer_comes_back(
    phone_page: Page, chengdu: None
) -> None:
    page = phone_page
    page.set_default_timeout(30_000)  # a busy machine: the journey is long, not slow per step
    seed_catalogue(policies_per_service=0)
    seed_casework()
    resident = make_user("rater")
    make_resident(NIJIAQIAO, user=resident, name="王五")
    shezhi_staff = make_staff("shezhi_staff", Role.DEPARTMENT_STAFF, "shezhi")
    closed_case(resident, Service.objects.get(code="shequ-zhengming"), shezhi_staff)
    due = follow_up_due(timezone.localdate()).isoformat()

    # The resident finds the closed case in 我的办件 and taps 评价.
    log_in(page, "rater", PASSWORD)
    page.goto("/casework/")
    page.get_by_test_id("application-row").first.click()
    expect(page.get_by_test_id("status")).to_have_text("已办结")
    page.get_by_test_id("rate-button").click()
    expect(page.get_by_test_id("rated-title")).to_contain_text("社区居住证明开具")
    no_sideways_scroll(page)
    # Reasons appear once a level is chosen, and only that level's.
    expect(page.get_by_label("多次跑动或重复提交材料")).to_be_hidden()
    page.get_by_text("不满意", exact=True).click()
    expect(page.get_by_label("办理速度快")).to_be_hidden()
    page.get_by_label("多次跑动或重复提交材料").check()
    page.get_by_label("还想对部门说的话").fill("材料清单没写清楚，跑了两趟")
    page.get_by_role("button", name="提交评价").click()
    expect(page).to_have_url(re.compile(r"/ratings/\d+/$"))
    expect(page.get_by_test_id("rating-level")).to_have_text("不满意")
    expect(page.get_by_test_id("follow-up-due")).to_have_text(due)
    no_sideways_scroll(page)

    # The department's staff see the follow-up with its deadline and answer it.
    page.context.clear_cookies()
    log_in(page, "shezhi_staff", PASSWORD)
    page.goto("/console/ratings/")
    expect(page.get_by_test_id("satisfaction")).to_contain_text("满意率 0%（1 条评价）")
    page.get_by_role("link", name="全部差评整改事项").click()
    row = page.get_by_test_id("follow-up-row")
    expect(row).to_contain_text("待部门整改答复")
    expect(row.get_by_test_id("follow-up-due")).to_have_text(due)
    no_sideways_scroll(page)
    row.click()
    expect(page.locator("main")).to_contain_text("材料清单没写清楚")
    page.get_by_label("给群众的答复").fill("已更新网上材料清单，并向您致歉。")
    page.get_by_role("button", name="发送答复").click()
    expect(page.get_by_test_id("follow-up-status")).to_have_text("已答复，待群众回访确认")

    # The resident sees the answer and says it is resolved.
    page.context.clear_cookies()
    log_in(page, "rater", PASSWORD)
    page.goto("/ratings/")
    page.get_by_test_id("my-rating").first.click()
    expect(page.get_by_test_id("department-answer")).to_have_text(
        "已更新网上材料清单，并向您致歉。"
    )
    page.get_by_role("button", name="已解决").click()
    expect(page.get_by_test_id("follow-up-status")).to_have_text("已解决")
    assert FollowUp.objects.get().status == FollowUp.Status.RESOLVED
