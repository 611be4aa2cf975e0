"""A sampled resident answers the survey on a phone through the link in the SMS: the follow-up
question appears only when it applies, the resident saves partway, comes back later with the
same link, finishes and submits; submitting again (from a second tab) is refused."""

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from shequ.core.scopes import Role
from shequ.surveys.demo import demo_definition
from shequ.surveys.models import Answer, Response
from shequ.surveys.services.sampling import sampling_plan_draw, sampling_plan_set
from shequ.surveys.services.surveys import survey_create, survey_open
from tests.factories import CITY, NIJIAQIAO, WUHOU, make_staff
from tests.surveys.conftest import make_adult

pytestmark = pytest.mark.e2e


@pytest.fixture
def invitation_link(chengdu: None) -> dict[str, Any]:
    committee = make_staff("committee_e2e", Role.CITY_COMMITTEE, CITY)
    make_adult(NIJIAQIAO)
    survey = survey_create(
        actor=committee,
        title_zh="社区满意度问卷",
        series="e2e",
        division_code=WUHOU,
        definition=demo_definition(),
    )
    survey_open(actor=committee, survey_id=survey.pk)
    sampling_plan_set(
        actor=committee,
        survey_id=survey.pk,
        target_n=1,
        stratum_level="community",
        min_per_stratum=1,
        seed=3,
    )
    [(_pk, token)] = sampling_plan_draw(actor=committee, survey_id=survey.pk)
    return {"survey": survey, "url": f"/surveys/i/{token}/"}


def test_resident_answers_saves_resumes_submits_once(
    phone_page: Page, invitation_link: dict[str, Any]
) -> None:
    page = phone_page
    url = invitation_link["url"]
    page.goto(url)
    expect(page.get_by_role("heading", name="社区满意度问卷")).to_be_visible()
    follow_up = page.locator('[data-question="centre_rating"]')
    # Skip logic: the rating of the centre is asked only of those who visited it.
    expect(follow_up).to_be_hidden()
    page.locator("#q_visited_centre_yes").check()
    expect(follow_up).to_be_visible()
    page.locator("#q_visited_centre_no").check()
    expect(follow_up).to_be_hidden()
    page.locator("#q_visited_centre_yes").check()
    page.locator("#id_q_years_here").fill("12")
    page.locator("#q_centre_rating_5").check()

    # Partway: save and close.
    page.locator('button[name="action"][value="save"]').click()
    expect(page.get_by_test_id("saved")).to_be_visible()
    response = Response.objects.get(survey=invitation_link["survey"])
    assert response.status == Response.Status.PARTIAL

    # Later, the same link: the saved answers are back, the follow-up still shown.
    page.goto(url)
    expect(page.locator("#id_q_years_here")).to_have_value("12")
    expect(page.locator("#q_visited_centre_yes")).to_be_checked()
    expect(follow_up).to_be_visible()
    expect(page.locator("#q_centre_rating_5")).to_be_checked()
    second_tab = page.context.new_page()
    second_tab.goto(url)  # the same link open in another tab, not yet submitted

    for item, value in (
        ("environment", "5"),
        ("services", "4"),
        ("safety", "5"),
        ("culture", "4"),
        ("governance", "4"),
    ):
        page.locator(f'input[name="q_aspects__{item}"][value="{value}"]').check()
    page.locator("#q_overall_4").check()
    page.locator("#id_q_recommend").fill("9")
    page.locator("#q_improve_parking").check()
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("thanks")).to_be_visible()

    # Submitting again from the other tab is refused; the first answers stay.
    second_tab.get_by_test_id("submit").click()
    expect(second_tab.get_by_test_id("already")).to_be_visible()
    page.goto(url)
    expect(page.get_by_test_id("already")).to_be_visible()
    expect(page.get_by_test_id("questionnaire")).to_have_count(0)
    kept = Response.objects.get(survey=invitation_link["survey"])
    assert kept.pk == response.pk
    assert kept.status == Response.Status.COMPLETE
    assert kept.score is not None
    answers = dict(
        Answer.objects.filter(response=kept, item="").values_list("question__name", "value_text")
    )
    assert answers["visited_centre"] == "yes"
