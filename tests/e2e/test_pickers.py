"""Staff pick places and people, never type a code or an ID number (phone screen): a
community worker publishes a notice to the community the picker offers (the only one), a
district officer picks a community down the district → street cascade, and a worker enters a
paper ballot by finding the voter by name."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.notices.models import CommunityNotice
from shequ.participation.models import PaperEntry, Round
from shequ.participation.services import rounds
from shequ.people.models import User, VerificationLevel
from tests.e2e.conftest import PHONE_VIEWPORT
from tests.e2e.steps import log_in, pick_division, pick_person
from tests.factories import NIJIAQIAO, SHUIJINGFANG, WUHOU, make_resident, make_staff, make_user
from tests.participation.conftest import fund_community

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse-42"


def staff(username: str, role: str, scope: str) -> User:
    user = make_staff(username, role, scope)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def no_horizontal_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]


def test_a_worker_publishes_a_notice_to_the_community_the_picker_offers(
    phone_page: Page, chengdu: None
) -> None:
    page = phone_page
    staff("notice_worker", Role.COMMUNITY_WORKER, NIJIAQIAO)
    make_resident(NIJIAQIAO, name="收信人", user=make_user("reader_njq"))
    log_in(page, "notice_worker", PASSWORD)
    page.goto("/console/notices/")
    picker = page.get_by_test_id("division-picker-community")
    # The worker's only community is already chosen down the cascade; nothing to type.
    expect(picker.locator("#id_community_district option:checked")).to_have_text("武侯区")
    expect(picker.locator("#id_community_street option:checked")).to_have_text("玉林街道")
    expect(picker.locator("#id_community_community option:checked")).to_have_text("倪家桥社区")
    expect(picker.locator("#id_community_district option")).to_have_count(2)  # "—" and 武侯区
    expect(picker.get_by_role("textbox")).to_have_count(0)
    pick_division(page, "community", "武侯区", "玉林街道", "倪家桥社区")
    page.get_by_label("标题").fill("停水通知")
    page.get_by_label("文字").fill("明天上午九点至十二点停水。")
    no_horizontal_scroll(page)
    page.get_by_role("button", name="发布").click()
    expect(page.locator(".alert").first).to_contain_text("公告已发送给")
    notice = CommunityNotice.objects.get()
    assert (notice.community_id, notice.title) == (NIJIAQIAO, "停水通知")


def test_a_district_officer_picks_the_community_down_the_cascade(
    phone_page: Page, chengdu: None
) -> None:
    page = phone_page
    staff("notice_district", Role.DISTRICT_OFFICER, WUHOU)
    log_in(page, "notice_district", PASSWORD)
    page.goto("/console/notices/")
    district = page.locator("#id_community_district")
    expect(district.locator("option:checked")).to_have_text("武侯区")  # the only district
    expect(district.locator("option", has_text="锦江区")).to_have_count(0)
    # Nothing chosen yet: the browser asks for the community and sends nothing.
    page.get_by_label("标题").fill("社区通知")
    page.get_by_label("文字").fill("通知内容")
    page.get_by_role("button", name="发布").click()
    assert page.locator("#id_community_community").evaluate("s => s.validity.valueMissing")
    assert not CommunityNotice.objects.exists()
    pick_division(page, "community", "武侯区", "玉林街道", "倪家桥社区")
    page.get_by_role("button", name="发布").click()
    expect(page.locator(".alert").first).to_contain_text("公告已发送给")
    assert CommunityNotice.objects.get().community_id == NIJIAQIAO


def test_a_worker_enters_a_paper_ballot_by_picking_the_voter_by_name(
    phone_page: Page, chengdu: None
) -> None:
    page = phone_page
    worker = staff("ballot_worker", Role.COMMUNITY_WORKER, NIJIAQIAO)
    voter = make_resident(
        NIJIAQIAO, name="孙投票", phone="13900002468", level=VerificationLevel.REGISTRY_MATCHED
    )
    make_resident(NIJIAQIAO, name="孙邻居", phone="13900001357")
    make_resident(SHUIJINGFANG, name="孙外区")
    fund_community(NIJIAQIAO, Decimal("500000"))
    budget_round = rounds.round_create(
        actor=worker,
        community_code=NIJIAQIAO,
        title="楼院微更新",
        budget="100000",
        rule=Round.Rule.APPROVAL_BUDGET,
        max_choices=2,
    )
    for title, cost in (("口袋公园", 60000), ("加装扶手", 40000)):
        project = rounds.project_add(actor=worker, round_id=budget_round.pk, title=title, cost=cost)
        rounds.project_review(actor=worker, project_id=project.pk, feasible=True)
    for _ in range(3):
        rounds.round_advance(actor=worker, round_id=budget_round.pk)

    log_in(page, "ballot_worker", PASSWORD)
    page.goto(f"/console/participation/rounds/{budget_round.pk}/")
    page.get_by_label("选票编号").fill("A-001")
    picker = page.get_by_test_id("person-picker-resident_id")
    # Two neighbours share the family name; the other community's namesake is not offered.
    picker.get_by_role("searchbox").fill("孙")
    picker.get_by_role("button", name="搜索").click()
    results = picker.get_by_test_id("person-result")
    expect(results).to_have_count(2)
    expect(results.first).to_contain_text("倪家桥社区")
    expect(results.first).to_contain_text("**********")  # the ID number masked
    # The mobile number's last digits tell them apart.
    pick_person(page, "孙投票", query="孙 2468")
    page.get_by_label("口袋公园").check()
    no_horizontal_scroll(page)
    page.get_by_role("button", name="录入").click()
    expect(page.locator(".alert").first).to_contain_text("第一次录入已保存")
    entry = PaperEntry.objects.get()
    assert (entry.resident_id, entry.sheet) == (voter.pk, "A-001")
    assert AuditEvent.objects.filter(verb="people.resident_search", actor=worker).count() == 2
