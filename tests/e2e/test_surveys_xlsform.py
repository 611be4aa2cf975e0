"""A questionnaire imported from a Kobo-style XLSForm is answered on a phone: the note is
read, the "other" detail box appears only when "other" is chosen, the location is filled
from the phone's position and a photo is attached."""

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from shequ.core.scopes import Role
from shequ.surveys.models import Answer, Response
from shequ.surveys.services.photos import photo_storage
from shequ.surveys.services.questionnaire import survey_import_xlsform
from shequ.surveys.services.sampling import sampling_plan_draw, sampling_plan_set
from shequ.surveys.services.surveys import survey_open
from tests import images
from tests.factories import CITY, NIJIAQIAO, WUHOU, make_staff
from tests.surveys.conftest import make_adult
from tests.surveys.test_xlsform_real import KOBO_FORM, PNG

pytestmark = pytest.mark.e2e


@pytest.fixture
def imported_link(chengdu: None) -> dict[str, Any]:
    committee = make_staff("committee_xls", Role.CITY_COMMITTEE, CITY)
    make_adult(NIJIAQIAO)
    survey = survey_import_xlsform(
        actor=committee, content=KOBO_FORM, division_code=WUHOU, series="kobo"
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


def test_resident_answers_an_imported_kobo_form_on_a_phone(
    phone_page: Page, imported_link: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    page = phone_page
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 30.6612, "longitude": 104.0703})
    page.goto(imported_link["url"])
    expect(page.get_by_test_id("note-intro")).to_have_text("感谢参加本次走访。")
    detail = page.locator('[data-question="heating_other"]')
    expect(detail).to_be_hidden()
    page.locator("#q_heating_other").check()
    expect(detail).to_be_visible()
    page.locator("#id_q_heating_other").fill("地暖")
    page.locator("#q_has_pet_yes").check()
    page.locator('[data-locate="home"]').click()
    expect(page.locator("#id_q_home__lat")).to_have_value("30.661200")
    expect(page.locator("#id_q_home__lon")).to_have_value("104.070300")
    page.locator("#id_q_tel").fill("138 0000 0000")
    page.locator("#id_q_stars").fill("3")
    page.locator("#id_q_door").set_input_files(
        files=[{"name": "door.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("thanks")).to_be_visible()
    response = Response.objects.get(survey=imported_link["survey"])
    values = {a.question.name: a.value_text for a in Answer.objects.filter(response=response)}
    assert values["home"] == "30.6612 104.0703"
    assert values["heating_other"] == "地暖"
    with photo_storage().open(values["door"], "rb") as handle:
        stored = images.metadata_of(handle.read())
    assert stored["size"] == images.metadata_of(PNG)["size"]
    assert stored["gps"] == {}  # the phone's position is not kept
