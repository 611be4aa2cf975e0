"""Fixtures for survey tests: officers, a demo questionnaire, sampled residents."""

from datetime import date
from typing import Any

import pytest

from shequ.core.scopes import Role
from shequ.people.models import Resident, User
from shequ.surveys.demo import demo_definition
from shequ.surveys.models import Survey
from shequ.surveys.services.sampling import sampling_plan_draw, sampling_plan_set
from shequ.surveys.services.surveys import survey_create, survey_open
from tests.factories import CITY, NIJIAQIAO, WUHOU, YULIN_NORTH, make_resident, make_staff


@pytest.fixture
def committee(chengdu: None) -> User:
    return make_staff("committee1", Role.CITY_COMMITTEE, CITY)


@pytest.fixture
def survey(committee: User) -> Survey:
    return survey_create(
        actor=committee,
        title_zh="测试问卷",
        series="test-series",
        division_code=WUHOU,
        definition=demo_definition(),
    )


@pytest.fixture
def open_survey(committee: User, survey: Survey) -> Survey:
    return survey_open(actor=committee, survey_id=survey.pk)


def make_adult(
    community: str = NIJIAQIAO, *, born: date = date(1980, 5, 1), sex: str = "F"
) -> Resident:
    resident = make_resident(community)
    resident.birth_date = born
    resident.sex = sex
    resident.save(update_fields=["birth_date", "sex"])
    return resident


@pytest.fixture
def sampled(committee: User, open_survey: Survey) -> dict[str, Any]:
    """Six adults in two communities, all invited; tokens by resident id."""
    residents = [make_adult(NIJIAQIAO) for _ in range(3)] + [
        make_adult(YULIN_NORTH, sex="M") for _ in range(3)
    ]
    sampling_plan_set(
        actor=committee,
        survey_id=open_survey.pk,
        target_n=6,
        stratum_level="community",
        min_per_stratum=1,
        seed=7,
    )
    pairs = sampling_plan_draw(actor=committee, survey_id=open_survey.pk)
    from shequ.surveys.models import Invitation

    by_id = dict(Invitation.objects.values_list("id", "resident_id"))
    return {
        "survey": open_survey,
        "residents": residents,
        "tokens": {by_id[pk]: token for pk, token in pairs},
        "pairs": pairs,
    }


GOOD_ANSWERS: dict[str, Any] = {
    "years_here": 12,
    "visited_centre": "yes",
    "centre_rating": "5",
    "aspects": {
        "environment": "5",
        "services": "4",
        "safety": "5",
        "culture": "4",
        "governance": "3",
    },
    "overall": "4",
    "recommend": 9,
    "improve": ["parking", "green"],
    "comment": "挺好的",
}
