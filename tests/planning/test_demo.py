import pytest

from shequ.planning.demo import seed_planning
from shequ.planning.models import Assignment, Consultation, Suggestion
from tests.factories import NIJIAQIAO, make_resident, make_user

pytestmark = pytest.mark.django_db


def test_the_demo_is_seeded_once(chengdu: None) -> None:
    for n in range(2):
        make_resident(NIJIAQIAO, name=f"居民{n}", user=make_user(f"demo-res-{n}"))
    assert seed_planning() == 1
    assert seed_planning() == 0
    assert Assignment.objects.get().community_id == NIJIAQIAO
    assert Consultation.objects.get().status == "open"
    assert Suggestion.objects.count() == 2
