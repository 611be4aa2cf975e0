"""Steps a person takes in the browser, shared by the e2e tests."""

import re

from playwright.sync_api import Locator, Page, expect

SHOWN = re.compile(r"\bshow\b")
HOME = re.compile(r"^https?://[^/]+/$")


def open_menu(page: Page) -> Locator:
    """On a phone the navbar folds behind the hamburger button: tap it, wait until it is open."""
    menu = page.locator("#nav")
    page.locator(".navbar-toggler").click()
    expect(menu).to_have_class(SHOWN)
    return menu


def log_in(page: Page, login: str, password: str) -> None:
    """Through the Chinese login page (username or mobile number); lands on the home page."""
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_label("用户名或手机号").fill(login)
    page.get_by_label("密码", exact=True).fill(password)
    page.locator("main").get_by_role("button", name="登录").click()
    expect(page).to_have_url(HOME)
    expect(page.get_by_test_id("whoami")).to_be_attached()
