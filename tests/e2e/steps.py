"""Steps a person takes in the browser, shared by the e2e tests."""

import re
import time
from base64 import b32decode

from django.db.models import Q
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Locator, Page, expect

from shequ.core.pii import PIIKind, blind_index
from tests.factories import totp_code

SHOWN = re.compile(r"\bshow\b")
HOME = re.compile(r"^https?://[^/]+/$")
# Residents land on the home page after signing in, staff on their console.
LANDED = re.compile(r"^https?://[^/]+/(console/)?$")
TWO_FACTOR = re.compile(r"/accounts/two-factor/")


def open_menu(page: Page) -> Locator:
    """On a phone the navbar folds behind the hamburger button: tap it, wait until it is open."""
    menu = page.locator("#nav")
    page.locator(".navbar-toggler").click()
    expect(menu).to_have_class(SHOWN)
    return menu


def log_in(page: Page, login: str, password: str) -> None:
    """Through the Chinese login page (username or mobile number); lands on the home page
    (staff: on their console)."""
    # A page still loading (a preview frame, say) could set its cookies after the log-in form's
    # and so void the form's CSRF token: let it finish first.
    page.wait_for_load_state("load")
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_label("用户名或手机号").fill(login)
    page.get_by_label("密码", exact=True).fill(password)
    page.locator("main").get_by_role("button", name="登录").click()
    if TWO_FACTOR.search(page.url):
        pass_second_factor(page, login)
    expect(page).to_have_url(LANDED)
    expect(page.get_by_test_id("whoami")).to_be_attached()


def pass_second_factor(page: Page, login: str) -> list[str]:
    """Staff: set up the authenticator (first time) or type its code, as the app shows it.
    Returns the recovery codes when this was the set-up."""
    secret = page.get_by_test_id("two-factor-secret")
    if secret.count():
        key = b32decode(secret.inner_text().replace(" ", "")).hex()
        page.get_by_label("验证码").fill(totp_code(TOTPDevice(key=key)))
        page.get_by_role("button", name="确认").click()
        codes = page.get_by_test_id("recovery-codes").locator("li").all_inner_texts()
        page.get_by_role("link", name="我已妥善保存，继续").click()
        return codes
    device = TOTPDevice.objects.get(
        Q(user__username=login) | Q(user__phone_index=blind_index(PIIKind.PHONE, login)),
        confirmed=True,
    )
    # Each code is good once: after a recent log-in, the app's next code (accepted already).
    spent = device.last_t >= int(time.time()) // device.step
    page.get_by_label("验证码").fill(totp_code(device, steps_ahead=1 if spent else 0))
    page.get_by_role("button", name="验证").click()
    return []


PICKER_LEVELS = ("district", "street", "community")


def pick_division(page: Page, field: str, *names: str) -> None:
    """Choose a place with the cascading division picker of form field ``field``, by the names
    a person reads (never a code): ``pick_division(page, "community", "武侯区", "玉林街道",
    "倪家桥社区")``. Where the picker takes several communities, the last name is ticked."""
    picker = page.get_by_test_id(f"division-picker-{field}")
    for level, name in zip(PICKER_LEVELS, names, strict=False):
        select = picker.locator(f"#id_{field}_{level}")
        if not select.count():  # several communities: ticked under the chosen street
            picker.get_by_test_id("division-checkboxes").get_by_label(name, exact=True).check()
            continue
        expect(select.locator("option", has_text=name)).to_be_attached()
        if select.locator("option:checked").inner_text() != name:
            select.select_option(label=name)
        expect(select.locator("option:checked")).to_have_text(name)


def pick_person(
    page: Page | Locator, name: str, *, query: str = "", field: str = "resident_id"
) -> None:
    """Find a resident with the person picker by name (``query``: what is typed, e.g. the name
    and the mobile number's last digits) and choose them from the results."""
    picker = page.get_by_test_id(f"person-picker-{field}")
    picker.get_by_role("searchbox").fill(query or name)
    picker.get_by_role("button", name="搜索").click()
    picker.get_by_test_id("person-result").filter(has_text=name).first.click()
    expect(picker.get_by_test_id("picked-person")).to_contain_text(name)


def confirm_dialog(page: Page, says: str) -> None:
    """Agree in the confirmation dialog of an irreversible step, after checking it states the
    consequence (``says`` is part of its text)."""
    dialog = page.get_by_test_id("confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("confirm-dialog-text")).to_contain_text(says)
    dialog.get_by_test_id("confirm-dialog-yes").click()
