"""Issue 20 item 6: after the language button, content names are English where they have one."""

import pytest
from playwright.sync_api import Page, expect

from shequ.catalogue.demo import seed_catalogue
from shequ.portal.services import snapshot_take
from tests.e2e.steps import open_menu

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def city(chengdu: None) -> None:
    seed_catalogue(policies_per_service=0)
    snapshot_take(dataset="projects-by-division")


def test_dashboard_and_catalogue_names_follow_the_language(phone_page: Page, city: None) -> None:
    page = phone_page
    page.goto("/dashboards/")
    expect(page.get_by_role("link", name="武侯区", exact=True)).to_be_visible()

    open_menu(page).get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Wuhou District", exact=True).click()
    expect(page.get_by_test_id("dashboard-title")).to_have_text("Wuhou District")
    # Streets have no English name yet: their Chinese one.
    expect(page.get_by_role("link", name="玉林街道", exact=True)).to_be_visible()

    page.goto("/catalogue/")
    page.get_by_role("link", name="Having a baby").click()
    expect(page.get_by_test_id("service-row").first).to_be_visible()

    open_menu(page).get_by_role("button", name="中文").click()
    expect(page.get_by_role("link", name="生育出生")).to_be_visible()
    expect(page.get_by_text("Having a baby")).to_have_count(0)
