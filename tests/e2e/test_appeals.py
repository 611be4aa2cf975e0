"""诉求 "Done when" on a phone: a resident reports a broken street light with a photo and their
location; it is routed with the reason shown; the community returns it as not theirs, the
dispatcher re-dispatches to the street, which signs, fixes it with a photo; the resident is
unhappy and it reopens; the public page, the map and the unit's monthly rates show it."""

import re

import pytest
from playwright.sync_api import Page, expect

from shequ.appeals.demo import seed_appeals
from shequ.appeals.models import Appeal
from shequ.core.scopes import Role
from tests.e2e.steps import log_in
from tests.factories import CITY, NIJIAQIAO, YULIN, make_resident, make_staff, make_user
from tests.images import jpeg

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-42"  # tests.factories.make_user's
PHOTO = {"name": "lamp.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}


def as_user(page: Page, login: str) -> None:
    page.context.clear_cookies()
    log_in(page, login, PASSWORD)


def test_street_light_from_report_to_reopen(phone_page: Page, chengdu: None) -> None:
    page = phone_page
    page.set_default_timeout(30_000)
    seed_appeals()
    resident = make_user("reporter")
    make_resident(NIJIAQIAO, user=resident, name="李四")
    make_staff("njq_worker", Role.COMMUNITY_WORKER, NIJIAQIAO)
    make_staff("desk", Role.CITY_COMMITTEE, CITY)
    make_staff("yulin_officer", Role.STREET_OFFICER, YULIN)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 30.6300, "longitude": 104.0580})

    # The resident reports it from the phone: category, words, photo, "use my location".
    as_user(page, "reporter")
    page.goto("/appeals/new/?category=ludeng")
    expect(page.get_by_test_id("category")).to_have_value(re.compile(r"\d+"))
    page.get_by_label("反映什么问题").select_option(label="路灯故障 · 投诉")
    page.locator("#id_description").fill("倪家桥路口的路灯坏了三天")
    page.locator("#id_photos").set_input_files([PHOTO])
    page.get_by_test_id("use-location").click()
    expect(page.get_by_test_id("pin-text")).to_have_text("104.058000, 30.630000")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(re.compile(r"/appeals/\d+/$"))
    expect(page.get_by_test_id("appeal-unit")).to_have_text("倪家桥社区居委会")
    expect(page.get_by_test_id("routing-reason")).to_contain_text("派单目录 v1")
    expect(page.get_by_test_id("problem-photo")).to_be_visible()
    appeal = Appeal.objects.get()

    # The community returns it: not its duty.
    as_user(page, "njq_worker")
    page.goto(f"/console/appeals/{appeal.pk}/")
    page.get_by_label("退单原因").select_option(label="非本单位职责")
    page.get_by_label("说明", exact=True).fill("路灯由街道负责")
    page.get_by_test_id("return").click()
    expect(page.get_by_test_id("appeal-status")).to_have_text("已退单，待重派")

    # The dispatcher re-dispatches it to the street.
    as_user(page, "desk")
    page.goto("/console/appeals/?queue=dispatch")
    expect(page.get_by_test_id("count-dispatch")).to_have_text("1")
    page.get_by_test_id("queue-row").first.click()
    page.get_by_label("承办单位", exact=True).select_option(label="玉林街道办事处")
    page.get_by_label("给承办单位的说明").fill("路灯属街道管养")
    page.get_by_test_id("dispatch").click()
    expect(page.get_by_test_id("routing-reason")).to_contain_text("路灯属街道管养")

    # The street signs for it and reports it fixed with a photo.
    as_user(page, "yulin_officer")
    page.goto("/console/appeals/?queue=unit")
    page.get_by_test_id("queue-row").first.click()
    page.get_by_test_id("sign").click()
    expect(page.get_by_test_id("appeal-status")).to_have_text("已签收，办理中")
    page.get_by_label("答复群众（公开）").fill("已更换灯泡，恢复照明")
    page.get_by_label("处理后照片").set_input_files([PHOTO])
    page.get_by_test_id("close").click()
    expect(page.get_by_test_id("appeal-status")).to_have_text("已办结，待群众评价")

    # The resident is unhappy: it reopens with the street.
    as_user(page, "reporter")
    page.goto("/appeals/mine/")
    page.get_by_test_id("my-appeal").first.click()
    expect(page.get_by_test_id("fix-photo")).to_be_visible()
    page.get_by_label("不满意", exact=True).check()
    page.get_by_label("否", exact=True).check()
    page.get_by_label("说明（不满意时必填）").fill("晚上还是不亮")
    page.get_by_test_id("rate-submit").click()
    expect(page.get_by_test_id("appeal-status")).to_have_text("已派单，待签收")
    expect(page.get_by_test_id("appeal-unit")).to_have_text("玉林街道办事处")

    # The public sees it without names, on the map and in the street's monthly rates.
    page.context.clear_cookies()
    page.goto(f"/appeals/{appeal.pk}/")
    expect(page.get_by_test_id("event-reopened")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("李四")
    page.goto("/appeals/map/")
    expect(page.get_by_test_id("map-count")).to_have_text("1")
    expect(page.get_by_test_id("appeal-map")).to_have_attribute("data-ready", "1")
    page.goto("/appeals/rates/")
    expect(page.get_by_test_id("rates")).to_contain_text("玉林街道办事处")
