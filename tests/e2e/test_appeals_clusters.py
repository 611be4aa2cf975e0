"""Correcting problem clusters on a phone: the community worker opens a cluster, picks the
cluster that grew beside it from the list and merges it in, then takes one request out into a
cluster of its own. No page is wider than the phone."""

import pytest
from playwright.sync_api import Page, expect

from shequ.appeals.demo import seed_appeals
from shequ.appeals.models import Appeal, AppealCluster, Category
from shequ.appeals.services.intake import appeal_submit
from shequ.core.scopes import Role
from tests.e2e.steps import log_in
from tests.factories import NIJIAQIAO, make_resident, make_staff, make_user

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-42"  # tests.factories.make_user's
PIN = (104.0580, 30.6300)


def report(name: str, lat_offset: float) -> Appeal:
    user = make_user(name)
    make_resident(NIJIAQIAO, user=user)
    return appeal_submit(
        actor=user,
        category_id=Category.objects.get(code="ludeng").pk,
        description="倪家桥路口路灯不亮",
        community_code=NIJIAQIAO,
        longitude=PIN[0],
        latitude=PIN[1] + lat_offset,
    )


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_merge_two_clusters_and_take_a_request_out(phone_page: Page, chengdu: None) -> None:
    page = phone_page
    page.set_default_timeout(30_000)
    seed_appeals()
    make_staff("njq_worker", Role.COMMUNITY_WORKER, NIJIAQIAO)
    report("a1", 0)
    kept_member = report("a2", 0.0004)
    report("b1", 0.0015)
    other_member = report("b2", 0.0019)
    kept = Appeal.objects.get(pk=kept_member.pk).cluster
    other = Appeal.objects.get(pk=other_member.pk).cluster
    assert kept is not None
    assert other is not None
    assert kept != other

    log_in(page, "njq_worker", PASSWORD)
    page.goto(f"/console/appeals/clusters/{kept.pk}/")
    expect(page.get_by_test_id("member")).to_have_count(2)
    fits(page)
    merge = page.get_by_test_id("cluster-merge-form")
    merge.get_by_label("并入本簇的问题簇").select_option(str(other.pk))
    merge.get_by_test_id("merge").click()
    expect(page.get_by_text("问题簇已合并。")).to_be_visible()
    expect(page.get_by_test_id("member")).to_have_count(4)
    assert not AppealCluster.objects.filter(pk=other.pk).exists()
    fits(page)

    detach = page.get_by_test_id("cluster-detach-form")
    detach.get_by_label("要移出的诉求").select_option(str(other_member.pk))
    detach.get_by_label("单独成为一个新的问题簇").check()
    detach.get_by_test_id("detach").click()
    expect(page.get_by_text("诉求已移出问题簇。")).to_be_visible()
    # Now on the new cluster's page, with that one request.
    expect(page.get_by_test_id("member")).to_have_count(1)
    new = Appeal.objects.get(pk=other_member.pk).cluster
    assert new is not None
    assert new.pk != kept.pk
    assert Appeal.objects.filter(cluster=kept).count() == 3
