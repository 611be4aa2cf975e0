"""Anyone answers the open link on a phone: the community is chosen street → community with
the cascading place picker (no code to type), and the answer is counted in that community."""

import pytest
from playwright.sync_api import Page, expect

from shequ.core.scopes import Role
from shequ.surveys.demo import demo_definition
from shequ.surveys.models import Response, Survey
from shequ.surveys.services.surveys import survey_create, survey_open, survey_settings_update
from tests.factories import CITY, NIJIAQIAO, WUHOU, YULIN, make_staff

pytestmark = pytest.mark.e2e


@pytest.fixture
def open_link(chengdu: None) -> str:
    committee = make_staff("committee_open_e2e", Role.CITY_COMMITTEE, CITY)
    survey = survey_create(
        actor=committee,
        title_zh="武侯区社区问卷",
        series="e2e-open",
        division_code=WUHOU,
        definition=demo_definition(),
    )
    survey_open(actor=committee, survey_id=survey.pk)
    survey_settings_update(
        actor=committee,
        survey_id=survey.pk,
        recognition_threshold=60,
        min_cell_size=30,
        open_link_enabled=True,
    )
    return f"/surveys/open/{Survey.objects.get(pk=survey.pk).open_link_slug}/"


def test_respondent_picks_street_then_community_and_submits(
    phone_page: Page, open_link: str
) -> None:
    page = phone_page
    page.goto(open_link)
    community = page.locator("#id_community_code")
    expect(community.locator("option")).to_have_count(1)  # nothing until a street is chosen
    page.locator("#id_street").select_option(YULIN)
    expect(community.locator(f'option[value="{NIJIAQIAO}"]')).to_have_count(1)
    community.select_option(NIJIAQIAO)
    page.locator("#id_age_band").select_option("50-64")
    page.locator("#id_sex").select_option("F")
    page.locator("#id_q_years_here").fill("20")
    page.locator("#q_visited_centre_no").check()
    for item in ("environment", "services", "safety", "culture", "governance"):
        page.locator(f'input[name="q_aspects__{item}"][value="5"]').check()
    page.locator("#q_overall_5").check()
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("thanks")).to_be_visible()
    response = Response.objects.get(channel="open")
    assert (response.community_code, response.street_code, response.age_band) == (
        NIJIAQIAO,
        YULIN,
        "50-64",
    )
