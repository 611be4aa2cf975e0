"""社区活动 on a phone (390 px): a community worker publishes a weekly dance class in the
console with a room of the community's service centre; a resident finds it on "本周社区活动"
from the home page and signs up for the whole course, then sees it under "我的活动"."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import Page, expect

from shequ.bookings.models import CentreClass, Enrolment, Venue
from shequ.core.scopes import Role
from tests.bookings.conftest import make_neighbour
from tests.e2e.steps import log_in
from tests.factories import NIJIAQIAO, make_staff

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-42"  # tests.factories.make_user's
# Monday 14 December 2026: the dance class meets on Wednesday evening this week.
MONDAY = datetime(2026, 12, 14, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_worker_publishes_a_weekly_dance_class_that_a_resident_signs_up_for(
    phone_page: Page, chengdu: None
) -> None:
    page = phone_page
    with time_machine.travel(MONDAY, tick=True):
        make_staff("worker_njq", Role.COMMUNITY_WORKER, NIJIAQIAO)
        room = Venue.objects.create(
            kind=Venue.Kind.ROOM, community_id=NIJIAQIAO, name="党群服务中心·舞蹈室"
        )
        make_neighbour("alice")

        # The worker sets the class up in the console, with a room of the community.
        log_in(page, "worker_njq", PASSWORD)
        page.get_by_test_id("nav-classes").click()
        page.get_by_test_id("new-class").click()
        page.locator("#id_name").fill("周三晚广场舞")
        page.locator("#id_kind").select_option(label="舞蹈")
        page.locator("#id_venue").select_option(value=str(room.pk))
        page.locator("#id_host").fill("李老师")
        page.locator("#id_weekday").select_option(label="星期三")
        page.locator("#id_starts_at").fill("19:00")
        page.locator("#id_ends_at").fill("20:30")
        page.locator("#id_first_day").fill("2026-12-14")
        page.locator("#id_last_day").fill("2027-03-31")
        page.locator("#id_capacity").fill("30")
        no_sideways_scroll(page)
        page.get_by_test_id("save-class").click()
        expect(page.get_by_test_id("class-status")).to_have_text("草稿")
        page.get_by_test_id("publish-class").click()
        expect(page.get_by_test_id("class-status")).to_have_text("已发布")
        no_sideways_scroll(page)

        # A resident of the community finds it from the home page and signs up.
        page.context.clear_cookies()
        log_in(page, "alice", PASSWORD)
        page.get_by_test_id("link-whats-on").click()
        expect(page.get_by_test_id("whats-on-title")).to_have_text("本周社区活动")
        page.get_by_test_id("session-row").filter(has_text="周三晚广场舞").click()
        expect(page.get_by_test_id("class-title")).to_have_text("周三晚广场舞")
        expect(page.get_by_test_id("class-when")).to_contain_text("每星期三 19:00–20:30")
        page.get_by_test_id("sign-up").click()
        expect(page.get_by_test_id("my-class-status")).to_have_text("已报名")
        expect(page.get_by_test_id("class-places")).to_contain_text("余 29 / 共 30 个名额")
        no_sideways_scroll(page)
        page.get_by_role("link", name="我的活动").click()
        expect(page.get_by_test_id("my-class-row")).to_contain_text("周三晚广场舞")

    centre_class = CentreClass.objects.get()
    assert centre_class.status == CentreClass.Status.PUBLISHED
    assert Enrolment.objects.get().user.username == "alice"
