"""A resident on a phone: register, real-name check with the cascading place pickers, profile."""

import re

import pytest
from playwright.sync_api import Page, expect

from shequ.core.pii import PIIKind, blind_index
from shequ.people.models import Resident, User
from tests.e2e.steps import HOME, log_in, open_menu
from tests.factories import NIJIAQIAO, make_user, unique_phone, valid_id_number

pytestmark = pytest.mark.e2e

PASSWORD = "Furong-huoguo-2024"


def masked_id(number: str) -> str:
    return number[:4] + "*" * 10 + number[-4:]


def masked_phone(number: str) -> str:
    return number[:3] + "****" + number[-4:]


def choose_nijiaqiao(page: Page) -> None:
    """District → street → community: each choice loads the next list through htmx."""
    street, community = page.locator("#id_street"), page.locator("#id_community")
    expect(street.locator("option")).to_have_count(1)  # only "—" before a district is chosen
    page.locator("#id_district").select_option(label="武侯区")
    expect(street).to_contain_text("玉林街道")
    expect(street).not_to_contain_text("锦官驿街道")
    street.select_option(label="玉林街道")
    expect(community).to_contain_text("倪家桥社区")
    community.select_option(label="倪家桥社区")
    expect(community).to_have_value(NIJIAQIAO)


def expect_masked_profile(page: Page, id_number: str, phone: str) -> None:
    expect(page.get_by_role("heading", name="我的资料")).to_be_visible()
    expect(page.get_by_test_id("name")).to_have_text("王小明")
    expect(page.get_by_test_id("id-number")).to_have_text(masked_id(id_number))
    expect(page.get_by_test_id("phone")).to_have_text(masked_phone(phone))
    expect(page.get_by_test_id("level")).to_have_text("已填写身份证号（自行申报）")
    html = page.content()
    assert id_number not in html
    assert id_number[6:14] not in html  # not even the date of birth
    assert phone not in html


def test_resident_registers_checks_id_and_sees_only_masked_numbers(
    phone_page: Page, chengdu: None, sms_outbox: list[tuple[str, str]]
) -> None:
    page = phone_page
    phone, id_number = unique_phone(), valid_id_number(region="510107")

    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", name="天府市民云")).to_be_visible()
    open_menu(page).get_by_role("link", name="注册").click()

    expect(page.get_by_role("heading", name="注册账号")).to_be_visible()
    page.get_by_label("用户名", exact=True).fill("wang_xiaoming")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="注册").click()

    # The phone is proven with the code sent to it before the account exists.
    expect(page).to_have_url(re.compile(r"/accounts/register/confirm/$"))
    expect(page.get_by_role("heading", name="验证手机号")).to_be_visible()
    expect(page.locator("main")).to_contain_text(masked_phone(phone))
    [(to, text)] = sms_outbox
    assert to == phone
    code = re.search(r"\d{6}", text).group(0)  # type: ignore[union-attr]
    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="完成注册").click()

    expect(page).to_have_url(re.compile(r"/accounts/id-check/$"))
    expect(page.get_by_role("heading", name="实名认证")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("欢迎")
    page.get_by_label("真实姓名").fill("王小明")
    page.get_by_label("身份证号").fill(id_number)
    choose_nijiaqiao(page)
    page.get_by_role("button", name="提交核验").click()

    expect(page).to_have_url(re.compile(r"/accounts/profile/$"))
    expect(page.get_by_role("alert")).to_have_text("您的身份已核验。")
    expect_masked_profile(page, id_number, phone)

    open_menu(page).get_by_role("button", name="退出").click()
    expect(page).to_have_url(HOME)
    expect(page.get_by_test_id("whoami")).to_have_count(0)
    expect(open_menu(page).get_by_role("link", name="登录")).to_be_visible()

    log_in(page, phone, PASSWORD)  # the mobile number works as the username
    expect(page.get_by_test_id("whoami")).to_have_text("wang_xiaoming")
    expect(page.get_by_text("王小明，您好。")).to_be_visible()
    open_menu(page).get_by_role("link", name="我的资料").click()
    expect_masked_profile(page, id_number, phone)


@pytest.mark.parametrize(
    ("id_number", "error"),
    [
        pytest.param(
            valid_id_number(region="510107", sequence=7)[:17] + "0",
            "身份证号最后一位校验码不符，请逐位核对。",
            id="check-digit",
        ),
        pytest.param(
            valid_id_number(region="510107", sequence=8)[:17],
            "身份证号应为18位，您输入了17位。",
            id="too-short",
        ),
    ],
)
def test_bad_id_number_shows_error_next_to_field_and_creates_nothing(
    phone_page: Page, chengdu: None, id_number: str, error: str
) -> None:
    page = phone_page
    user = make_user("li_xiaohong", password=PASSWORD)
    log_in(page, "li_xiaohong", PASSWORD)
    page.goto("/accounts/id-check/")
    page.get_by_label("真实姓名").fill("李小红")
    id_field = page.get_by_label("身份证号")
    id_field.fill(id_number)
    choose_nijiaqiao(page)
    page.get_by_role("button", name="提交核验").click()

    expect(page).to_have_url(re.compile(r"/accounts/id-check/$"))
    field_block = page.locator("form .mb-3").filter(has=page.get_by_label("身份证号"))
    expect(field_block.get_by_test_id("error-id_number")).to_have_text(error)
    expect(field_block.get_by_test_id("error-id_number")).to_be_visible()
    expect(page.get_by_label("身份证号")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.get_by_test_id("error-real_name")).to_have_count(0)
    assert "已填写身份证号（自行申报）" not in page.content()

    assert not Resident.objects.filter(user=user).exists()
    assert not Resident.objects.filter(
        id_number_index=blind_index(PIIKind.ID_NUMBER, id_number)
    ).exists()
    assert User.objects.get(pk=user.pk).verification_level == 0
