"""What moved out of inline scripts for the Content-Security-Policy still works in the browser:
the console's charts draw, a delete asks first, a stale place list is emptied, the API docs
render. The ``phone_page`` fixture also fails any of these if the policy blocked something."""

import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Dialog, Page, expect

from shequ.core.scopes import Role
from shequ.funds.services import allocation as fund_allocation
from shequ.surveys.demo import demo_definition
from shequ.surveys.services.surveys import survey_create
from tests.e2e.steps import log_in
from tests.e2e.test_funds import FORMULA
from tests.factories import CITY, JINJIANG, WUHOU, YULIN, make_staff

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-42"


def test_survey_console_asks_before_deleting_and_draws_the_results(
    phone_page: Page, chengdu: None
) -> None:
    page = phone_page
    committee = make_staff("csp_committee", Role.CITY_COMMITTEE, CITY)
    survey = survey_create(
        actor=committee,
        title_zh="满意度",
        series="csp",
        division_code=WUHOU,
        definition=demo_definition(),
    )
    log_in(page, "csp_committee", PASSWORD)
    page.goto(f"/console/surveys/{survey.pk}/")
    rows = page.get_by_test_id("question-row")
    before = rows.count()
    comment = rows.filter(has=page.locator("code", has_text=re.compile(r"^comment$")))
    delete = comment.locator("button[value=question_delete]")
    asked: list[str] = []

    def refuse(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", refuse)
    delete.click()
    page.once("dialog", lambda dialog: dialog.accept())
    delete.click()  # still there: the refused delete submitted nothing
    expect(rows).to_have_count(before - 1)
    assert len(asked) == 1
    assert asked[0]

    page.goto(f"/console/surveys/{survey.pk}/results/")
    for chart in ("#chart-districts", "#chart-distribution", "#chart-map"):
        expect(page.locator(f"{chart} canvas")).to_be_attached()


def test_funds_report_draws_both_charts(
    phone_page: Page, chengdu: None, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    year = timezone.localdate().year
    officer = make_staff("csp_fin", Role.DISTRICT_OFFICER, WUHOU)
    fund_allocation.formula_save(actor=officer, year=year, district_code=WUHOU, data=FORMULA)
    fund_allocation.allocation_post(actor=officer, year=year, district_code=WUHOU)
    page = phone_page
    log_in(page, "csp_fin", PASSWORD)
    page.goto(f"/console/funds/report/?year={year}&division={WUHOU}")
    expect(page.get_by_test_id("report")).to_contain_text("玉林街道")
    expect(page.locator("#chart canvas")).to_be_attached()
    expect(page.locator("#months canvas")).to_be_attached()


def test_a_new_district_empties_the_community_list(phone_page: Page, chengdu: None) -> None:
    page = phone_page
    page.goto("/funds/")
    street, community = page.locator("#id_street"), page.locator("#id_community")
    page.locator("#id_district").select_option(WUHOU)
    expect(street).to_contain_text("玉林街道")
    street.select_option(YULIN)
    expect(community).to_contain_text("倪家桥社区")
    page.locator("#id_district").select_option(JINJIANG)
    expect(street).to_contain_text("锦官驿街道")
    expect(community.locator("option")).to_have_count(1)  # only "—" until a street is chosen


def test_api_docs_render_under_the_policy(phone_page: Page, live_server: Any) -> None:
    page = phone_page
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("shequ API")
