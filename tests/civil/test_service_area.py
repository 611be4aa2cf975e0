"""The service-area rule: a call restricted to an area admits only organisations whose service
areas lie in it or contain it, computed from the registry, with the reason shown."""

import pytest
from django.utils import translation

from shequ.civil import selectors
from shequ.civil.models import Call, Organisation
from shequ.civil.services import calls
from shequ.core.errors import DomainError
from shequ.people.models import User
from shequ.places.models import Division
from tests.civil.conftest import CLOSES, OPENS, submit
from tests.factories import JINJIANG, NIJIAQIAO, WUHOU, YULIN, YULIN_NORTH


def restricted(officer: User, area: str) -> Call:
    return calls.call_create(
        actor=officer,
        title=f"限{area}",
        kind=Call.Kind.PURCHASE,
        division_code=WUHOU,
        field="elderly",
        budget="100000",
        max_award="100000",
        year=2026,
        opens_at=OPENS,
        closes_at=CLOSES,
        criteria=[calls.CriterionData("方案", 100)],
        area_code=area,
    )


@pytest.mark.parametrize(
    ("area", "served", "eligible"),
    [
        (YULIN, [NIJIAQIAO], True),  # a community of the street
        (WUHOU, [NIJIAQIAO], True),
        (NIJIAQIAO, [NIJIAQIAO], True),
        (YULIN_NORTH, [NIJIAQIAO], False),  # another community of the same street
        (NIJIAQIAO, [WUHOU], True),  # serving the whole district covers the community
        (NIJIAQIAO, [], False),
    ],
)
def test_eligibility_follows_the_service_areas(
    district_officer: User, graded: Organisation, area: str, served: list[str], eligible: bool
) -> None:
    graded.service_areas.set(Division.objects.filter(code__in=served))
    call = restricted(district_officer, area)
    organisation = selectors.organisation_get_public(graded.pk)
    assert organisation is not None
    reasons = selectors.eligibility_reasons(organisation, call)
    assert (not reasons) is eligible
    assert (graded.pk in selectors.eligible_ids(call)) is eligible


def test_an_organisation_outside_the_area_is_refused_with_the_reason(
    district_officer: User, applicant: User, graded: Organisation
) -> None:
    call = restricted(district_officer, YULIN_NORTH)
    with pytest.raises(DomainError) as caught:
        submit(call, applicant, graded, community_code="", council_minutes=None)
    assert caught.value.code == "not_eligible"
    with translation.override("zh-hans"):
        message = str(caught.value)
    assert "玉林北路" in message
    assert "倪家桥" in message
    assert not call.applications.exists()


def test_an_area_outside_the_call_is_refused(district_officer: User) -> None:
    with pytest.raises(DomainError) as caught:
        restricted(district_officer, JINJIANG)
    assert caught.value.code == "area_outside"
    assert not Call.objects.exists()
