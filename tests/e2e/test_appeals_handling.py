"""审定, 指派 and 督办 on a phone: a request bounced twice waits for the committee, which rules
with the unit picker; the unit's signer assigns it to an officer, who finds it under
"指派给我"; overdue, it shows on the 超期督办 list. No page is wider than the phone."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from shequ.appeals.demo import seed_appeals
from shequ.appeals.models import Appeal, Category, Unit
from shequ.appeals.services.escalation import appeals_escalate
from shequ.appeals.services.handling import appeal_dispatch, appeal_return
from shequ.appeals.services.intake import appeal_submit
from shequ.core.scopes import Role
from tests.e2e.steps import log_in
from tests.factories import CITY, NIJIAQIAO, YULIN, make_resident, make_staff, make_user

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-42"  # tests.factories.make_user's


def as_user(page: Page, login: str) -> None:
    page.context.clear_cookies()
    log_in(page, login, PASSWORD)


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_ruling_assignment_and_escalation(phone_page: Page, chengdu: None) -> None:
    page = phone_page
    page.set_default_timeout(30_000)
    seed_appeals()
    resident = make_user("reporter")
    make_resident(NIJIAQIAO, user=resident, name="李四")
    worker = make_staff("njq_worker", Role.COMMUNITY_WORKER, NIJIAQIAO)
    officer = make_staff("njq_officer", Role.COMMUNITY_WORKER, NIJIAQIAO)
    officer.first_name = "王小明"
    officer.save(update_fields=["first_name"])
    desk = make_staff("desk", Role.CITY_COMMITTEE, CITY)
    street = make_staff("yulin_officer", Role.STREET_OFFICER, YULIN)
    appeal = appeal_submit(
        actor=resident,
        category_id=Category.objects.get(code="ludeng").pk,
        description="倪家桥路口路灯不亮",
        community_code=NIJIAQIAO,
    )
    appeal_return(actor=worker, appeal_id=appeal.pk, reason="not_our_duty", text="应由街道负责")
    appeal_dispatch(
        actor=desk,
        appeal_id=appeal.pk,
        unit_id=Unit.objects.get(name="玉林街道办事处").pk,
        note="请街道办理",
    )
    appeal_return(actor=street, appeal_id=appeal.pk, reason="not_our_duty", text="应由社区负责")

    # The committee rules, picking the unit from the list.
    as_user(page, "desk")
    page.goto("/console/appeals/?queue=ruling")
    expect(page.get_by_test_id("count-ruling")).to_have_text("1")
    fits(page)
    page.get_by_test_id("queue-row").first.click()
    page.get_by_label("承办单位", exact=True).select_option(label="倪家桥社区居委会")
    page.get_by_label("审定意见（内部；公众只看到承办单位）").fill("社区内路灯由社区负责报修")
    fits(page)
    page.get_by_test_id("rule").click()
    expect(page.get_by_test_id("appeal-ruling")).to_contain_text("社区内路灯由社区负责报修")
    expect(page.get_by_test_id("appeal-status")).to_have_text("已派单，待签收")

    # The community signs and assigns it to an officer (masked name in the picker).
    as_user(page, "njq_worker")
    page.goto(f"/console/appeals/{appeal.pk}/")
    page.get_by_test_id("sign").click()
    expect(page.get_by_test_id("close-form")).to_be_visible()
    page.get_by_label("本单位承办人").select_option(label="王*明（njq_officer）")
    fits(page)
    page.get_by_test_id("assign").click()
    expect(page.get_by_test_id("appeal-assignee")).to_have_text("王*明（njq_officer）")
    # No 退单 form: the ruling says why.
    expect(page.get_by_test_id("return-form")).to_have_count(0)
    expect(page.get_by_test_id("ruled-here")).to_contain_text("不能退单")

    as_user(page, "njq_officer")
    page.goto("/console/appeals/")
    expect(page.get_by_test_id("count-assigned")).to_have_text("1")
    fits(page)

    # Overdue: escalated, on the 超期督办 list.
    fresh = Appeal.objects.get(pk=appeal.pk)
    appeals_escalate(now=fresh.deadline_at + timedelta(hours=30))
    page.goto("/console/appeals/overdue/")
    expect(page.get_by_test_id("count-escalated")).to_have_text("1")
    expect(page.get_by_test_id("level-2")).to_be_visible()
    fits(page)

    # The public sees the decision, not the ruling.
    page.context.clear_cookies()
    page.goto(f"/appeals/{appeal.pk}/")
    expect(page.get_by_test_id("event-ruled")).to_contain_text(
        "经市委审定，由倪家桥社区居委会承办。"
    )
    expect(page.locator("main")).not_to_contain_text("社区内路灯由社区负责报修")
    expect(page.locator("main")).not_to_contain_text("njq_officer")
