"""A debate on a phone: from the community's page a resident opens the debate, argues
against, and sees her argument in its column; once the community closes it, the summary."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import Page, expect

from shequ.core.scopes import Role
from shequ.participation.services import debates
from shequ.people.models import VerificationLevel
from tests.e2e.steps import log_in
from tests.factories import NIJIAQIAO, make_resident, make_staff, make_user

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-42"
MONDAY = datetime(2026, 5, 11, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_resident_argues_in_a_debate_on_a_phone(phone_page: Page, chengdu: Any) -> None:
    page = phone_page
    with time_machine.travel(MONDAY, tick=True):
        worker = make_staff("dw", Role.COMMUNITY_WORKER, NIJIAQIAO)
        user = make_user("xiaohong")
        make_resident(NIJIAQIAO, user=user, name="李小红", level=VerificationLevel.REGISTRY_MATCHED)
        debate = debates.debate_open(
            actor=worker,
            community_code=NIJIAQIAO,
            title="东门停车场要不要改成口袋公园？",
            description="停车位少 12 个，多一块休息的地方。",
            closes_at=MONDAY + timedelta(days=7),
        )
        log_in(page, "xiaohong", PASSWORD)
        page.goto(f"/participation/c/{NIJIAQIAO}/")
        page.get_by_test_id("debate-row").click()
        expect(page.get_by_test_id("debate-title")).to_have_text("东门停车场要不要改成口袋公园？")
        page.get_by_label("反对").check()
        page.get_by_label("我的观点").fill("车位本来就不够")
        page.get_by_test_id("argument-send").click()
        expect(page.get_by_role("alert")).to_have_text("您的观点已发表。")
        expect(page.get_by_test_id("arguments-against")).to_contain_text("车位本来就不够")
        expect(page.get_by_test_id("arguments-against")).to_contain_text("反对（1）")
        # The columns stack on a phone: nothing wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        debates.debate_close(actor=worker, debate_id=debate.pk, summary="多数居民反对，暂不改造。")
        page.reload()
        expect(page.get_by_test_id("debate-summary")).to_contain_text("多数居民反对，暂不改造。")
        expect(page.get_by_test_id("argument-form")).to_have_count(0)
