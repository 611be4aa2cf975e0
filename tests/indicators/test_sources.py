"""The sources computed from residents' requests and volunteers: each against a small example
counted by hand and against the owning app's own figures; the records behind an
appeals-based value show no personal data."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from shequ.appeals.demo import seed_appeals
from shequ.appeals.models import Appeal
from shequ.appeals.selectors.rates import AreaRates, community_rate_counts
from shequ.appeals.services.handling import appeal_close, appeal_rate, appeal_sign
from shequ.appeals.services.intake import Caller, appeal_submit
from shequ.bookings.models import CentreClass, ClassSession, Venue
from shequ.core.scopes import Role
from shequ.indicators.models import TreeVersion, Value
from shequ.indicators.services.values import values_compute
from shequ.indicators.sources import SOURCES, compute
from shequ.people.models import User
from shequ.volunteers.models import Activity, HoursEntry, Slot, Volunteer
from shequ.volunteers.selectors import totals_of, volunteers_per_thousand
from tests.factories import CITY, NIJIAQIAO, make_resident, make_staff, make_user

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR = 2026
# A Monday; street lights (一般类) are due seven working days later, about 11 March.
FILED = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
IN_TIME = datetime(2026, 3, 3, 10, 0, tzinfo=SHANGHAI)
LATE = datetime(2026, 3, 20, 10, 0, tzinfo=SHANGHAI)
PIN = (104.0580, 30.6300)
CALLER_PHONE = "13912345678"


def _light(actor: User, **extra: object) -> Appeal:
    from shequ.appeals.models import Category

    return appeal_submit(
        actor=actor,
        category_id=Category.objects.get(code="ludeng").pk,
        description="倪家桥路口路灯不亮已经三天",
        community_code=NIJIAQIAO,
        longitude=PIN[0],
        latitude=PIN[1],
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def requests_2026(chengdu: None) -> dict[str, User]:
    """Six street lights in 倪家桥 (four residents on the registry):

    A signed and handled in time, rated 满意 fixed; B signed in time, handled late, rated
    基本满意 fixed; C signed and handled late, not rated; D a hotline call never signed for;
    E signed and handled in time, rated 不满意 not fixed (reopened: dispatched again); F filed
    after A was handled, at the same place: a recurrence, never signed for.
    """
    seed_appeals()
    reporter = make_user("lisi2026")
    make_resident(NIJIAQIAO, user=reporter, name="李四")
    for n in range(3):
        make_resident(NIJIAQIAO, name=f"居民{n}")
    worker = make_staff("njq_worker", Role.COMMUNITY_WORKER, NIJIAQIAO)
    desk = make_staff("desk", Role.CITY_COMMITTEE, CITY)
    with time_machine.travel(FILED, tick=False):
        a, b, c, e = (_light(reporter) for _ in range(4))
        _light(desk, caller=Caller(name="王先生", phone=CALLER_PHONE))
    with time_machine.travel(IN_TIME, tick=False):
        for appeal in (a, b, e):
            appeal_sign(actor=worker, appeal_id=appeal.pk)
        for appeal in (a, e):
            appeal_close(actor=worker, appeal_id=appeal.pk, reply="已修复")
    with time_machine.travel(LATE, tick=False):
        appeal_sign(actor=worker, appeal_id=c.pk)
        for appeal in (b, c):
            appeal_close(actor=worker, appeal_id=appeal.pk, reply="已修复")
        appeal_rate(actor=reporter, appeal_id=a.pk, level="satisfied", fixed=True)
        appeal_rate(actor=reporter, appeal_id=b.pk, level="fairly", fixed=True)
        appeal_rate(
            actor=reporter, appeal_id=e.pk, level="dissatisfied", fixed=False, comment="还是不亮"
        )
        f = _light(reporter)
    assert f.recurrence_of_id is not None
    return {"reporter": reporter, "worker": worker, "desk": desk}


def _value(key: str, year: int = YEAR, code: str = NIJIAQIAO) -> tuple[float, dict[str, float]]:
    values, inputs = compute(SOURCES[key], year)
    return round(values[code], 2), inputs[code]


def test_appeals_sources_count_by_hand_and_agree_with_the_appeals_app(
    requests_2026: dict[str, User],
) -> None:
    # Seven dispatches: the six requests and E's reopening (back to the unit, not signed
    # again); A, B and E were signed for before their deadline.
    assert _value("appeals_response_rate") == (42.86, {"numerator": 3, "denominator": 7})
    assert _value("appeals_on_time_rate") == (50.0, {"numerator": 2, "denominator": 4})
    assert _value("appeals_resolution_rate") == (66.67, {"numerator": 2, "denominator": 3})
    assert _value("appeals_satisfaction_rate") == (66.67, {"numerator": 2, "denominator": 3})
    assert _value("appeals_per_1000") == (1500.0, {"numerator": 6, "denominator": 4})
    assert _value("appeals_recurrence_rate") == (16.67, {"numerator": 1, "denominator": 6})
    # The appeals app's own counts for the same community and year give the same rates.
    since = datetime(YEAR, 1, 1, tzinfo=SHANGHAI)
    until = datetime(YEAR + 1, 1, 1, tzinfo=SHANGHAI)
    app = AreaRates(**community_rate_counts(since=since, until=until)[NIJIAQIAO])
    values, _inputs = compute(SOURCES["appeals_response_rate"], YEAR)
    assert round(values[NIJIAQIAO], 1) == app.response_rate
    for key, rate in (
        ("appeals_on_time_rate", app.on_time_rate),
        ("appeals_resolution_rate", app.resolution_rate),
        ("appeals_satisfaction_rate", app.satisfaction_rate),
    ):
        values, _inputs = compute(SOURCES[key], YEAR)
        assert round(values[NIJIAQIAO], 1) == rate, key
    # Nothing of another year.
    assert compute(SOURCES["appeals_per_1000"], YEAR + 1)[0][NIJIAQIAO] == 0.0
    assert NIJIAQIAO not in compute(SOURCES["appeals_satisfaction_rate"], YEAR + 1)[0]


def test_records_behind_an_appeals_value_show_no_personal_data(
    client: Client, requests_2026: dict[str, User]
) -> None:
    committee = requests_2026["desk"]
    tree = _tree(committee)
    values_compute(actor=committee, version_id=tree.pk, year=YEAR)
    client.force_login(requests_2026["worker"])
    for code, part, rows in (
        ("appeals_per_1000", "numerator", 6),
        ("appeals_satisfaction_rate", "denominator", 3),
        ("appeals_response_rate", "denominator", 7),
    ):
        value = Value.objects.get(indicator__code=code, division_id=NIJIAQIAO, year=YEAR)
        page = client.get(f"/console/indicators/values/{value.pk}/records/{part}/")
        assert page.status_code == 200
        body = page.content.decode()
        assert body.count('data-testid="record"') == rows, code
        assert "SQ" in body  # the requests' numbers
        for personal in ("李四", "lisi2026", "王先生", CALLER_PHONE, "3912", "路灯不亮已经三天"):
            assert personal not in body, (code, personal)
        assert "还是不亮" not in body  # a rating's comment
    # The residents behind the denominator are numbers, never names.
    value = Value.objects.get(indicator__code="appeals_per_1000", division_id=NIJIAQIAO)
    body = client.get(f"/console/indicators/values/{value.pk}/records/denominator/")
    assert "李四" not in body.content.decode()
    assert body.content.decode().count('data-testid="record"') == 4


def _tree(committee: User) -> TreeVersion:
    from shequ.indicators.services.trees import tree_install_default

    return tree_install_default(actor=committee)


@pytest.fixture
def volunteers(chengdu: None) -> User:
    """Four residents of 倪家桥; two active volunteers and one who left; their hours ledger."""
    residents = [make_resident(NIJIAQIAO, name=f"居民{n}") for n in range(4)]
    people = []
    for n, resident in enumerate(residents[:3]):
        user = make_user(f"vol{n}")
        resident.user = user
        resident.save(update_fields=["user"])
        people.append(
            Volunteer.objects.create(
                user=user,
                resident=resident,
                number=f"V5101070050040{n}",
                community_id=NIJIAQIAO,
                status=Volunteer.Status.LEFT if n == 2 else Volunteer.Status.ACTIVE,
            )
        )
    staff = make_staff("njq_worker", Role.COMMUNITY_WORKER, NIJIAQIAO)

    def entry(
        volunteer: Volunteer, kind: str, hours: str, day: date, **extra: object
    ) -> HoursEntry:
        return HoursEntry.objects.create(
            volunteer=volunteer,
            kind=kind,
            hours=Decimal(hours),
            community_id=NIJIAQIAO,
            served_on=day,
            content="敬老院探访",
            recorded_by=staff,
            recorded_by_name="社区工作者",
            **extra,
        )

    entry(people[0], "credit", "3.0", date(YEAR, 4, 1))
    wrong = entry(people[1], "credit", "2.5", date(YEAR, 4, 8))
    entry(people[1], "honour", "1.5", date(YEAR, 6, 1))
    entry(people[1], "correction", "-2.5", date(YEAR, 4, 8), reverses=wrong, reason="记错了")
    entry(people[2], "credit", "4.0", date(YEAR - 1, 12, 31))  # another year
    return staff


def _activity(user: User, status: str, *starts: datetime) -> Activity:
    activity = Activity.objects.create(
        community_id=NIJIAQIAO,
        title="周六敬老院探访",
        description="陪老人聊天",
        place="倪家桥社区党群服务中心",
        latitude=Decimal("30.625"),
        longitude=Decimal("104.07"),
        geofence_m=200,
        signup_deadline=starts[0] - timedelta(days=1),
        hours_cap=Decimal(3),
        status=status,
        created_by=user,
    )
    for start in starts:
        Slot.objects.create(
            activity=activity, starts_at=start, ends_at=start + timedelta(hours=3), quota=5
        )
    return activity


def test_volunteer_sources_count_by_hand_and_agree_with_the_volunteers_app(
    volunteers: User,
) -> None:
    # Two active volunteers of four residents; the one who left does not count.
    assert _value("volunteers_per_1000") == (500.0, {"numerator": 2, "denominator": 4})
    mine = {r["community_id"]: r for r in volunteers_per_thousand(user=volunteers)}
    assert mine[NIJIAQIAO]["per_thousand"] == Decimal("500.0")
    # 3 + 2.5 + 1.5 − 2.5 (the correction reverses the 2.5) = 4.5 hours in the year.
    assert _value("volunteer_hours_per_resident") == (1.12, {"numerator": 4.5, "denominator": 4})
    ledger = totals_of(HoursEntry.objects.filter(community_id=NIJIAQIAO, served_on__year=YEAR))
    assert ledger.total == Decimal("4.5")
    # Activities: one published with two slots in the year counts once; a draft, a cancelled
    # one and one of another year do not.
    day = datetime(YEAR, 5, 9, 9, 0, tzinfo=SHANGHAI)
    _activity(volunteers, "published", day, day + timedelta(days=7))
    _activity(volunteers, "draft", day)
    _activity(volunteers, "cancelled", day)
    _activity(volunteers, "published", day - timedelta(days=365))
    assert _value("volunteer_activities_per_month") == (0.08, {"numerator": 1})


def test_service_centre_sessions_held_per_month(chengdu: None) -> None:
    year = timezone.localdate().year - 1
    room = Venue.objects.create(
        kind=Venue.Kind.ROOM, community_id=NIJIAQIAO, name="倪家桥社区党群服务中心·舞蹈室"
    )

    def centre_class(name: str, status: str, sessions: int) -> None:
        first = date(year, 3, 2)
        held = CentreClass.objects.create(
            name=name,
            kind=CentreClass.Kind.DANCE,
            venue=room,
            community_id=NIJIAQIAO,
            weekday=1,
            starts_at=time(9),
            ends_at=time(10),
            first_day=first,
            last_day=first + timedelta(days=70),
            capacity=10,
            signup_opens=datetime(year, 2, 1, tzinfo=SHANGHAI),
            signup_closes=datetime(year, 3, 1, tzinfo=SHANGHAI),
            status=status,
        )
        for n in range(sessions):
            start = datetime(year, 3, 2, 9, tzinfo=SHANGHAI) + timedelta(days=7 * n)
            ClassSession.objects.create(
                centre_class=held, venue=room, starts_at=start, ends_at=start + timedelta(hours=1)
            )

    centre_class("广场舞", "published", 6)
    centre_class("刺绣（草稿）", "draft", 4)
    assert _value("centre_sessions_per_month", year) == (0.5, {"numerator": 6})
