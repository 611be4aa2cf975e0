"""The open link's place picker: district → street → community inside the survey's area."""

import re

from django.test import Client
from django.urls import reverse

from shequ.people.models import User
from shequ.surveys import selectors
from shequ.surveys.demo import demo_definition
from shequ.surveys.models import Response, Survey
from shequ.surveys.services.surveys import survey_create, survey_settings_update
from tests.factories import CITY, NIJIAQIAO, SHUIJINGFANG, WUHOU, YULIN
from tests.surveys.test_pages import FORM


def open_url(committee: User, survey: Survey) -> str:
    survey_settings_update(
        actor=committee,
        survey_id=survey.pk,
        recognition_threshold=60,
        min_cell_size=30,
        open_link_enabled=True,
    )
    return reverse("surveys:open", args=[Survey.objects.get(pk=survey.pk).open_link_slug])


def options(html: str, select_id: str) -> list[str]:
    match = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert match, select_id
    return re.findall(r'<option value="(\d*)"', match.group(1))


def test_open_link_offers_the_streets_of_the_survey_district_not_a_code_box(
    client: Client, committee: User, open_survey: Survey
) -> None:
    html = client.get(open_url(committee, open_survey)).content.decode()
    assert 'name="community_code"' in html
    assert not re.search(r'<input[^>]*name="community_code"', html)  # no typed code
    streets = options(html, "id_street")
    assert YULIN in streets
    assert all(code.startswith(WUHOU[:6]) for code in streets if code)
    assert 'id="id_district"' not in html  # the survey covers one district: no district step
    assert reverse("people:division_options") in html


def test_picker_keeps_the_choice_after_an_error_and_the_answer_is_placed(
    client: Client, committee: User, open_survey: Survey
) -> None:
    url = open_url(committee, open_survey)
    refused = client.post(
        url, {**FORM, "street": YULIN, "community_code": NIJIAQIAO, "action": "submit"}
    )
    assert refused.status_code == 400  # age group and sex missing
    html = refused.content.decode()
    assert NIJIAQIAO in options(html, "id_community_code")
    assert f'<option value="{NIJIAQIAO}" selected' in html
    assert not Response.objects.filter(status="complete").exists()
    done = client.post(
        url,
        {
            **FORM,
            "street": YULIN,
            "community_code": NIJIAQIAO,
            "age_band": "35-49",
            "sex": "F",
            "action": "submit",
        },
    )
    assert done.status_code == 302
    assert Response.objects.get(status="complete").community_code == NIJIAQIAO


def test_a_community_outside_the_area_is_refused_even_if_posted(
    client: Client, committee: User, open_survey: Survey
) -> None:
    refused = client.post(
        open_url(committee, open_survey),
        {
            **FORM,
            "community_code": SHUIJINGFANG,
            "age_band": "35-49",
            "sex": "F",
            "action": "submit",
        },
    )
    assert refused.status_code == 400
    assert not Response.objects.filter(status="complete").exists()


def test_the_picker_cascades_through_the_shared_options_endpoint(
    client: Client, chengdu: None
) -> None:
    html = client.get(reverse("people:division_options"), {"street": YULIN}).content.decode()
    assert NIJIAQIAO in html


def test_a_city_wide_survey_starts_the_picker_at_the_districts(
    committee: User, chengdu: None
) -> None:
    survey = survey_create(
        actor=committee,
        title_zh="全市",
        series="city-wide",
        division_code=CITY,
        definition=demo_definition(),
    )
    picker = selectors.open_link_places(
        Survey.objects.select_related("division").get(pk=survey.pk),
        {"district": WUHOU, "street": YULIN},
    )
    assert picker.levels == ["district", "street", "community"]
    assert WUHOU in [d.code for d in picker.districts]
    assert YULIN in [d.code for d in picker.streets]
    assert NIJIAQIAO in [d.code for d in picker.communities]
    outside = selectors.open_link_places(survey, {"district": WUHOU, "street": "5101x"})
    assert outside.communities == []
