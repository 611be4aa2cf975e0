"""Star levels recomputed in one pass over the ledger: the level announced for each
volunteer at and around every threshold equals the one an independent sum of their ledger
lines gives; earlier and withdrawn awards are not repeated; the awards are audited and the
volunteers told."""

from datetime import date, timedelta
from decimal import Decimal

from django.test import override_settings

from shequ.core.models import AuditEvent
from shequ.notices.models import Category, Message, Preference
from shequ.people.models import User
from shequ.volunteers.models import HoursEntry, StarAward, Volunteer
from shequ.volunteers.services import stars
from tests.factories import NIJIAQIAO
from tests.volunteers.conftest import register, resident_user

THRESHOLDS = (100, 300, 600, 1000, 1500)
# Totals at, just under and above each threshold, and one with a correction taking the
# volunteer back under 100 hours.
TOTALS = ["0.5", "99.5", "100", "100.5", "299.5", "300", "599.5", "600", "999.5", "1000"]
TOTALS += ["1499.5", "1500", "2400"]


def _volunteers(count: int) -> list[Volunteer]:
    return [register(resident_user(f"v{index:02d}")) for index in range(count)]


def _ledger(volunteer: Volunteer, total: Decimal, worker: User) -> None:
    """Lines of at most 24 hours adding up to ``total`` (honour hours, as a worker
    certifies them)."""
    left = total
    day = date(2026, 1, 1)
    rows = []
    while left > 0:
        hours = min(left, Decimal(24))
        rows.append(
            HoursEntry(
                volunteer=volunteer,
                kind=HoursEntry.Kind.HONOUR,
                hours=hours,
                community_id=NIJIAQIAO,
                served_on=day,
                content="社区服务",
                reason="核定",
                recorded_by=worker,
                recorded_by_name="worker",
            )
        )
        left -= hours
        day += timedelta(days=1)
    HoursEntry.objects.bulk_create(rows)


def _independent_level(volunteer: Volunteer) -> int:
    total = sum(
        (entry.hours for entry in HoursEntry.objects.filter(volunteer=volunteer)), Decimal(0)
    )
    return sum(1 for limit in THRESHOLDS if total >= limit)


@override_settings(SHEQU_VOLUNTEER_STAR_HOURS=THRESHOLDS)
def test_levels_at_the_boundaries_equal_an_independent_sum(worker: User) -> None:
    volunteers = _volunteers(len(TOTALS) + 1)
    for volunteer, total in zip(volunteers, TOTALS, strict=False):
        _ledger(volunteer, Decimal(total), worker)
    corrected = volunteers[-1]
    _ledger(corrected, Decimal("120"), worker)
    first = HoursEntry.objects.filter(volunteer=corrected).first()
    assert first is not None
    HoursEntry.objects.create(
        volunteer=corrected,
        kind=HoursEntry.Kind.CORRECTION,
        hours=-first.hours,
        reverses=first,
        community_id=NIJIAQIAO,
        served_on=first.served_on,
        content=first.content,
        reason="重复录入",
        recorded_by=worker,
        recorded_by_name="worker",
    )

    counts = stars.star_levels_compute(actor=worker)

    expected = {v.pk: _independent_level(v) for v in volunteers}
    assert [expected[v.pk] for v in volunteers] == [0, 0, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 0]
    announced = {a.volunteer_id: a for a in StarAward.objects.all()}
    assert {pk: a.level for pk, a in announced.items()} == {
        pk: level for pk, level in expected.items() if level
    }
    for award in announced.values():
        assert award.status == StarAward.Status.ANNOUNCED
        assert award.hours == sum(
            (e.hours for e in HoursEntry.objects.filter(volunteer_id=award.volunteer_id)),
            Decimal(0),
        )
    assert counts == {"announced": len(announced), "awarded": 0}
    event = AuditEvent.objects.get(verb="stars.compute")
    assert event.changes == {"announced": len(announced), "awarded": 0}


@override_settings(SHEQU_VOLUNTEER_STAR_HOURS=THRESHOLDS)
def test_only_a_new_higher_level_is_announced_and_withdrawn_levels_stay_withdrawn(
    worker: User,
) -> None:
    climbing, withdrawn = _volunteers(2)
    _ledger(climbing, Decimal("150"), worker)
    _ledger(withdrawn, Decimal("150"), worker)
    assert stars.star_levels_compute(actor=worker)["announced"] == 2
    StarAward.objects.filter(volunteer=withdrawn).update(status=StarAward.Status.WITHDRAWN)
    assert stars.star_levels_compute(actor=worker)["announced"] == 0
    _ledger(climbing, Decimal("150"), worker)  # 300 hours now
    assert stars.star_levels_compute(actor=worker) == {"announced": 1, "awarded": 0}
    assert sorted(StarAward.objects.filter(volunteer=climbing).values_list("level", flat=True)) == [
        1,
        2,
    ]
    assert StarAward.objects.filter(volunteer=withdrawn).count() == 1


@override_settings(SHEQU_VOLUNTEER_STAR_HOURS=THRESHOLDS)
def test_ended_announcements_are_awarded_and_each_volunteer_told(worker: User) -> None:
    plain, by_sms = _volunteers(2)
    _ledger(plain, Decimal("100"), worker)
    _ledger(by_sms, Decimal("300"), worker)
    Preference.objects.create(user=by_sms.user, category=Category.SYSTEM, sms=True, email=False)
    stars.star_levels_compute(actor=worker)
    until = StarAward.objects.first().announce_until  # type: ignore[union-attr]
    assert stars.star_levels_compute(actor=worker, today=until) == {"announced": 0, "awarded": 2}
    assert set(StarAward.objects.values_list("status", "awarded_on")) == {
        (StarAward.Status.AWARDED, until)
    }
    titles = dict(Message.objects.values_list("user_id", "title"))
    assert "1" in titles[plain.user_id]
    assert "2" in titles[by_sms.user_id]
