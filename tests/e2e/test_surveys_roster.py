"""A household answers a roster on the phone: the number of members brings one block each,
a question inside a block follows that member's answers, and the list of repairs grows and
shrinks with the add and remove buttons without reloading the page."""

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from shequ.core.scopes import Role
from shequ.surveys.models import Answer, Response
from shequ.surveys.services.questionnaire import survey_import_xlsform
from shequ.surveys.services.sampling import sampling_plan_draw, sampling_plan_set
from shequ.surveys.services.surveys import survey_open
from tests.factories import CITY, NIJIAQIAO, WUHOU, make_staff
from tests.surveys.conftest import make_adult
from tests.surveys.test_repeats import roster_form

pytestmark = pytest.mark.e2e


@pytest.fixture
def roster_link(chengdu: None) -> str:
    committee = make_staff("committee_roster", Role.CITY_COMMITTEE, CITY)
    make_adult(NIJIAQIAO)
    survey = survey_import_xlsform(actor=committee, content=roster_form(), division_code=WUHOU)
    survey_open(actor=committee, survey_id=survey.pk)
    sampling_plan_set(
        actor=committee,
        survey_id=survey.pk,
        target_n=1,
        stratum_level="community",
        min_per_stratum=1,
        seed=5,
    )
    [(_pk, token)] = sampling_plan_draw(actor=committee, survey_id=survey.pk)
    return f"/surveys/i/{token}/"


def test_household_members_and_repairs_are_entered_block_by_block(
    phone_page: Page, roster_link: str
) -> None:
    page = phone_page
    page.goto(roster_link)
    members = page.get_by_test_id("entries-household_member")
    expect(members.locator("[data-entry]")).to_have_count(0)
    # The script keeps the blocks in step with the number, so its fallback button is hidden.
    expect(page.locator("[data-show-entries]")).to_be_hidden()
    page.locator("#q_consent_yes").check()
    page.locator("#id_q_hh_size").fill("3")
    page.locator("#id_q_hh_size").blur()
    expect(members.locator("[data-entry]")).to_have_count(3)
    page.locator("#id_q_hh_size").fill("2")
    page.locator("#id_q_hh_size").blur()
    expect(members.locator("[data-entry]")).to_have_count(2)

    second = page.get_by_test_id("entry-household_member-2")
    school = second.locator('[data-question="in_school"]')
    expect(school).to_be_hidden()
    page.locator('[name="e1-q_member_name"]').fill("王建国")
    page.locator('[name="e1-q_age"]').fill("52")
    page.locator("#e1-q_relationship_head").check()
    page.locator('[name="e2-q_member_name"]').fill("王小明")
    page.locator('[name="e2-q_age"]').fill("16")
    page.locator("#e2-q_relationship_child").check()
    # Asked only of members under 25: the rule reads this member's own age.
    expect(school).to_be_visible()
    expect(
        page.get_by_test_id("entry-household_member-1").locator('[data-question="in_school"]')
    ).to_be_hidden()
    page.locator("#e2-q_in_school_yes").check()

    # Repairs: added and removed on the page itself (no reload: the marker survives).
    page.evaluate("window.stayed = true")
    repairs = page.get_by_test_id("entries-repair")
    page.get_by_test_id("add-repair").click()
    page.get_by_test_id("add-repair").click()
    expect(repairs.locator("[data-entry]")).to_have_count(2)
    repairs.locator("[data-entry]").nth(0).locator("textarea").fill("楼道灯坏了")
    repairs.locator("[data-entry]").nth(1).locator("textarea").fill("水管漏水")
    repairs.locator("[data-entry]").nth(0).locator("[data-remove-entry]").click()
    expect(repairs.locator("[data-entry]")).to_have_count(1)
    expect(repairs.locator("[data-entry-number]")).to_have_text("1")
    assert page.evaluate("window.stayed") is True

    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("thanks")).to_be_visible()
    response = Response.objects.get()
    answers: dict[tuple[str, int], Any] = {
        (name, entry): text or number
        for name, entry, text, number in Answer.objects.filter(response=response).values_list(
            "question__name", "entry", "value_text", "value_number"
        )
    }
    assert answers[("member_name", 2)] == "王小明"
    assert answers[("in_school", 2)] == "yes"
    assert answers[("repair_what", 1)] == "水管漏水"
    assert ("member_name", 3) not in answers
