"""The demo: the demo resident has ratings, one open poor-rating follow-up, one case to rate."""

from shequ.people.demo import ensure_demo_accounts, ensure_departments
from shequ.people.models import User
from shequ.ratings.demo import seed_ratings
from shequ.ratings.models import FollowUp, Rating
from shequ.ratings.selectors import rateable_list_for


def test_demo_ratings_are_seeded_once(catalogue) -> None:
    ensure_demo_accounts(ensure_departments())
    assert seed_ratings() == 2
    assert seed_ratings() == 0
    resident = User.objects.get(username="resident")
    assert sorted(Rating.objects.values_list("level", flat=True)) == [2, 5]
    follow_up = FollowUp.objects.get()
    assert follow_up.status == FollowUp.Status.OPEN
    assert follow_up.department.code == "shezhi"
    assert len(rateable_list_for(user=resident)) == 1
