"""The navbar's language button switches the whole page between Chinese and English."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.steps import open_menu

pytestmark = pytest.mark.e2e


def test_language_button_switches_to_english_and_back(phone_page: Page) -> None:
    page = phone_page
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", name="天府市民云")).to_be_visible()

    open_menu(page).get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Tianfu citizen cloud")).to_be_visible()
    menu = open_menu(page)
    expect(menu.get_by_role("link", name="Log in")).to_be_visible()
    expect(menu.get_by_role("link", name="Register")).to_be_visible()
    expect(page.get_by_text("天府市民云")).to_have_count(0)

    page.goto("/accounts/login/")  # the choice sticks across pages
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()

    open_menu(page).get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    expect(open_menu(page).get_by_role("link", name="注册")).to_be_visible()
