"""A community worker on a phone: sees only their own community, reveals a number with a reason."""

import re

import pytest
from playwright.sync_api import Page, expect

from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from tests.e2e.steps import log_in
from tests.factories import (
    NIJIAQIAO,
    SHUIJINGFANG,
    make_resident,
    make_staff,
    valid_id_number,
)

pytestmark = pytest.mark.e2e


def test_worker_sees_own_community_only_and_reveals_with_reason(
    phone_page: Page, chengdu: None
) -> None:
    page = phone_page
    worker = make_staff("worker_a", Role.COMMUNITY_WORKER, NIJIAQIAO)
    own_id = valid_id_number(region="510107", sequence=31)
    other_id = valid_id_number(region="510104", sequence=32)
    own = make_resident(NIJIAQIAO, name="李四", id_number=own_id)
    other = make_resident(SHUIJINGFANG, name="赵六", id_number=other_id)

    log_in(page, "worker_a", "correct-horse-42")
    page.goto("/console/residents/")
    expect(page.get_by_role("heading", name="居民")).to_be_visible()
    rows = page.get_by_test_id("resident-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("李四")
    expect(rows.first).to_contain_text(own_id[:4] + "*" * 10 + own_id[-4:])
    expect(page.get_by_text("赵六")).to_have_count(0)
    html = page.content()
    assert own_id not in html
    assert other_id[:4] + "*" * 10 + other_id[-4:] not in html

    response = page.goto(f"/console/residents/{other.pk}/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", name="未找到")).to_be_visible()
    expect(page.get_by_text("赵六")).to_have_count(0)

    page.goto("/console/residents/")
    page.get_by_role("link", name="李四").click()
    detail_url = re.compile(rf"/console/residents/{own.pk}/$")
    expect(page).to_have_url(detail_url)
    expect(page.get_by_test_id("id-number")).to_have_text(own_id[:4] + "*" * 10 + own_id[-4:])
    assert own_id not in page.content()
    assert not AuditEvent.objects.filter(verb="pii.reveal").exists()

    reveal = page.locator("#reveal")
    reveal.get_by_role("combobox").select_option("id_number")
    reveal.get_by_label("理由").fill("看看")  # too short: refused, with the reason why
    reveal.get_by_role("button", name="查看完整号码").click()
    expect(reveal.get_by_test_id("error-reason")).to_have_text(
        "请填写查看完整号码的理由（至少4个字）。"
    )
    expect(reveal.get_by_test_id("revealed")).to_have_count(0)
    assert not AuditEvent.objects.filter(verb="pii.reveal").exists()

    reveal.get_by_role("combobox").select_option("id_number")
    reveal.get_by_label("理由").fill("核对低保申请材料")
    reveal.get_by_role("button", name="查看完整号码").click()

    expect(reveal.get_by_test_id("revealed")).to_have_text(own_id)
    expect(page).to_have_url(detail_url)  # swapped in place by htmx, no page load
    event = AuditEvent.objects.get(verb="pii.reveal")
    assert event.actor_id == worker.pk
    assert event.reason == "核对低保申请材料"
