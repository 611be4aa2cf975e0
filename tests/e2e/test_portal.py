"""Issue 20, "done when": a resident on a phone searches, lands on the form, sees their
to-dos and community card and switches to large text; a journalist, not signed in, drills the
public dashboard to a community, follows "data and method" and downloads the CSV."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from shequ.appeals.demo import seed_appeals
from shequ.notices.models import CommunityNotice
from shequ.payments.models import Bill
from shequ.places.models import Division
from shequ.portal.indexing import rebuild
from shequ.portal.services import snapshot_all
from tests.e2e.steps import log_in
from tests.factories import NIJIAQIAO, WUHOU, make_resident, make_user

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct-horse-42"


@pytest.fixture
def city(chengdu: None) -> None:
    user = make_user("lihua", password=PASSWORD)
    make_resident(NIJIAQIAO, user=user, name="李华")
    Bill.objects.create(
        user=user,
        title="社区基金捐赠",
        category=Bill.Category.DONATION,
        amount=Decimal("20.00"),
        community_id=NIJIAQIAO,
        due_date=timezone.localdate(),
    )
    CommunityNotice.objects.create(community_id=NIJIAQIAO, title="周末义诊", body="周六上午")
    # 倪家桥 has its service centre's coordinates: a point on its street's map
    Division.objects.filter(pk=NIJIAQIAO).update(
        longitude=Decimal("104.061000"), latitude=Decimal("30.627000")
    )
    seed_appeals()
    rebuild()
    snapshot_all()


def test_resident_and_journalist(phone_page: Page, live_server: LiveServer, city: None) -> None:
    page = phone_page
    log_in(page, "lihua", PASSWORD)
    page.get_by_test_id("site-search").fill("路灯坏了")
    page.get_by_test_id("site-search-go").click()
    page.get_by_test_id("search-task").click()
    # the street-light category of the 12345 form, chosen already
    expect(page).to_have_url(f"{live_server.url}/appeals/new/?category=ludeng")
    page.goto("/")
    expect(page.get_by_test_id("todo-bills")).to_contain_text("20.00")
    expect(page.get_by_test_id("community-card")).to_contain_text("周末义诊")
    expect(page.get_by_test_id("card-report")).to_have_attribute("href", "/appeals/new/")
    page.get_by_test_id("large-text-on").click()
    expect(page.locator("body")).to_have_class("large-text")
    page.reload()
    expect(page.locator("body")).to_have_class("large-text")

    journalist = page.context.browser.new_context(  # type: ignore[union-attr]
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        accept_downloads=True,
    )
    try:
        reader = journalist.new_page()
        reader.goto("/dashboards/")
        expect(reader.get_by_test_id("five-actions-sentence")).to_be_visible()
        # the map: the 20 districts drawn from their boundaries, coloured by a figure
        city_map = reader.get_by_test_id("dashboard-map")
        expect(city_map).to_have_attribute("data-ready", "1")
        expect(city_map).to_have_attribute("data-areas", "20")
        assert reader.locator("#dashboard-map path.dashboard-area").count() == 20
        assert reader.evaluate("document.documentElement.scrollWidth") <= 390
        first = city_map.get_attribute("data-metric")
        reader.get_by_test_id("map-metric").select_option(index=1)
        expect(city_map).not_to_have_attribute("data-metric", first or "")
        expect(reader.get_by_test_id("map-legend")).to_contain_text("*")
        # a tap on a district opens its dashboard, with its own map
        reader.locator(f"#dashboard-map .area-{WUHOU}").dispatch_event("click")
        expect(reader).to_have_url(f"{live_server.url}/dashboards/{WUHOU}/")
        expect(reader.get_by_test_id("dashboard-map")).to_have_attribute("data-ready", "1")
        expect(reader.get_by_test_id("dashboard-map")).to_have_attribute("data-areas", "1")
        reader.get_by_test_id("figure-participation").get_by_role("link", name="玉林街道").click()
        # the street's map: the district's outline and 倪家桥 as a point that opens its page
        street_map = reader.get_by_test_id("dashboard-map")
        expect(street_map).to_have_attribute("data-ready", "1")
        expect(street_map).to_have_attribute("data-points", "1")
        reader.locator(f"#dashboard-map .point-{NIJIAQIAO}").dispatch_event("click")
        expect(reader.get_by_test_id("dashboard-title")).to_contain_text("倪家桥社区")
        expect(reader.get_by_test_id("dashboard-map")).to_have_attribute("data-ready", "1")
        expect(reader.get_by_test_id("figure-appeal-rates")).to_be_visible()
        # the widest figures scroll inside their card; the page itself fits the phone
        reader.goto(f"/dashboards/{NIJIAQIAO[:9]}000/")
        assert reader.evaluate("document.documentElement.scrollWidth") <= 390
        reader.go_back()
        reader.get_by_test_id("figure-participation").get_by_test_id("data-and-method").click()
        expect(reader.get_by_test_id("dataset-query")).to_contain_text("participation_proposal")
        reader.goto("/open-data/")
        with reader.expect_download() as download:
            reader.get_by_test_id("dataset-participation").get_by_test_id("download-csv").click()
        assert download.value.suggested_filename.startswith("participation-")
        content = Path(download.value.path()).read_text(encoding="utf-8-sig")
        assert NIJIAQIAO in content
    finally:
        journalist.close()
