"""A community with a worker, a verified resident registered as a volunteer, a team and a
Saturday activity. The clock stands still on Friday 11 December 2026 unless a test moves it."""

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from shequ.core.scopes import Role
from shequ.people.models import User
from shequ.volunteers.models import Activity, Team, Volunteer
from shequ.volunteers.services import activities, registration, teams
from tests.factories import NIJIAQIAO, make_resident, make_staff, make_user, valid_id_number

SHANGHAI = ZoneInfo("Asia/Shanghai")
FRIDAY = datetime(2026, 12, 11, 10, 0, tzinfo=SHANGHAI)
SATURDAY_9 = datetime(2026, 12, 12, 9, 0, tzinfo=SHANGHAI)
# 倪家桥社区 service centre, roughly
PLACE = (Decimal("30.625000"), Decimal("104.070000"))


@pytest.fixture(autouse=True)
def friday() -> Iterator[object]:
    with time_machine.travel(FRIDAY, tick=False) as traveller:
        yield traveller


def resident_user(username: str, born: date = date(1990, 3, 7), community: str = NIJIAQIAO) -> User:
    user = make_user(username)
    resident = make_resident(
        community,
        user=user,
        name=f"{username[:2]}",
        id_number=valid_id_number(region=community[:6], born=born),
    )
    resident.birth_date = born
    resident.save(update_fields=["birth_date"])
    return user


def register(user: User, **profile: object) -> Volunteer:
    return registration.volunteer_register(
        actor=user,
        profile=registration.Profile(**profile),  # type: ignore[arg-type]
    )


@pytest.fixture
def worker(chengdu: None) -> User:
    return make_staff("worker", Role.COMMUNITY_WORKER, NIJIAQIAO)


@pytest.fixture
def volunteer_user(chengdu: None) -> User:
    user = resident_user("alice")
    register(user, skills=["first_aid"])
    return user


@pytest.fixture
def team(worker: User) -> Team:
    return teams.team_create(
        actor=worker, name="倪家桥志愿服务队", kind=Team.Kind.COMMUNITY, division_code=NIJIAQIAO
    )


def activity_data(
    *, start: datetime = SATURDAY_9, hours: int = 3, quota: int = 10, **extra: object
) -> activities.ActivityIn:
    values: dict[str, object] = {
        "title": "周六敬老院探访",
        "description": "陪老人聊天、读报",
        "place": "倪家桥社区党群服务中心",
        "latitude": PLACE[0],
        "longitude": PLACE[1],
        "signup_deadline": start - timedelta(hours=12),
        "slots": [activities.SlotIn(start, start + timedelta(hours=hours), quota)],
        "geofence_m": 200,
    }
    values.update(extra)
    return activities.ActivityIn(**values)  # type: ignore[arg-type]


@pytest.fixture
def activity(worker: User, team: Team) -> Activity:
    made = activities.activity_create(actor=worker, team_id=team.pk, data=activity_data())
    return activities.activity_publish(actor=worker, activity_id=made.pk)
