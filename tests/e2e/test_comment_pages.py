"""A long discussion on a phone: a resident reads the first 20 threads of a proposal, taps
下一页 for the next ones and 上一页 to come back, and nothing is wider than the screen."""

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from shequ.participation.models import Comment
from shequ.participation.services import proposals
from shequ.people.models import VerificationLevel
from tests.e2e.steps import log_in
from tests.factories import NIJIAQIAO, make_resident, make_user

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-42"


def test_a_resident_pages_through_the_discussion_on_a_phone(phone_page: Page, chengdu: Any) -> None:
    page = phone_page
    user = make_user("xiaohong")
    make_resident(NIJIAQIAO, user=user, name="李小红", level=VerificationLevel.REGISTRY_MATCHED)
    proposal = proposals.proposal_create(
        actor=user,
        community_code=NIJIAQIAO,
        title="小区东门加装路灯",
        description="晚上东门太黑",
        category="safety",
    )
    Comment.objects.bulk_create(
        Comment(
            community_id=NIJIAQIAO,
            target="proposal",
            target_key=str(proposal.pk),
            author=user,
            author_label="李*红",
            role="resident",
            body=f"第{i}条意见",
        )
        for i in range(1, 46)
    )
    log_in(page, "xiaohong", PASSWORD)
    page.goto(f"/participation/proposals/{proposal.pk}/")
    comments = page.get_by_test_id("comments")
    expect(comments.get_by_test_id("comment")).to_have_count(20)
    expect(comments.get_by_test_id("comments-page")).to_have_text("1 / 3")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("link", name="下一页").click()
    expect(comments.get_by_test_id("comments-page")).to_have_text("2 / 3")
    expect(comments.get_by_test_id("comment").first).to_contain_text("第21条意见")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("link", name="上一页").click()
    expect(comments.get_by_test_id("comment").first).to_contain_text("第1条意见")
