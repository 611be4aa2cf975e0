"""The rules of registration, teams, sign-up, check-in, the ledger, star levels and
certificates, each with the refusals a user would see and nothing changed."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import override_settings

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.models import AuditEvent
from shequ.documents.models import IssuedDocument
from shequ.people.models import User
from shequ.volunteers import selectors
from shequ.volunteers.models import (
    Activity,
    HoursEntry,
    Membership,
    SignUp,
    StarAward,
    Team,
    Volunteer,
)
from shequ.volunteers.services import (
    activities,
    attendance,
    certificates,
    ledger,
    registration,
    stars,
    teams,
)
from tests.factories import NIJIAQIAO, SHUIJINGFANG, make_staff
from tests.volunteers.conftest import (
    FRIDAY,
    PLACE,
    SATURDAY_9,
    activity_data,
    register,
    resident_user,
)

LAT, LON = float(PLACE[0]), float(PLACE[1])


@contextmanager
def refused(code: str) -> Iterator[None]:
    """The block raises the DomainError ``code`` (its message is the user's)."""
    with pytest.raises(DomainError) as caught:
        yield
    assert caught.value.code == code, caught.value.code


# --- Registration -------------------------------------------------------------------------


def test_registration_takes_identity_from_the_verified_account(chengdu: None) -> None:
    user = resident_user("bob")
    volunteer = register(user, skills=["teaching"], availability=["weekend_morning"])
    assert volunteer.number == f"ZY2026{volunteer.pk:07d}"
    assert volunteer.community_id == NIJIAQIAO
    assert volunteer.resident == user.resident
    assert list(volunteer.service_areas.values_list("pk", flat=True)) == [NIJIAQIAO]
    assert AuditEvent.objects.filter(verb="volunteer.register").count() == 1


@pytest.mark.parametrize(
    ("born", "profile", "code"),
    [
        (date(2013, 1, 1), {}, "too_young"),  # 13
        (date(2012, 12, 12), {}, "too_young"),  # 13, 14 tomorrow
        (date(2011, 1, 1), {}, "guardian_required"),  # 15
        (
            date(2011, 1, 1),
            {"guardian_name": "李母", "guardian_relation": "母亲"},
            "guardian_required",
        ),
        (date(2011, 1, 1), {"self_supporting": True}, "guardian_required"),  # under 16
    ],
)
def test_age_rules_refuse_without_changing_anything(
    chengdu: None, born: date, profile: dict[str, object], code: str
) -> None:
    user = resident_user("kid", born=born)
    with pytest.raises(DomainError) as caught:
        register(user, **profile)
    assert caught.value.code == code
    assert not Volunteer.objects.exists()


@pytest.mark.parametrize(
    ("born", "profile"),
    [
        (
            date(2012, 12, 11),
            {"guardian_name": "李母", "guardian_relation": "母亲", "guardian_consent": True},
        ),
        (date(2010, 1, 1), {"self_supporting": True}),  # 16
        (date(2008, 12, 11), {}),  # 18 today
    ],
)
def test_minors_register_with_consent_or_own_income(
    chengdu: None, born: date, profile: dict[str, object]
) -> None:
    volunteer = register(resident_user("teen", born=born), **profile)
    assert volunteer.is_active
    assert bool(volunteer.guardian_consent_at) == ("guardian_name" in profile)


def test_an_unverified_account_cannot_register(chengdu: None) -> None:
    user = resident_user("nover")
    user.resident.verification_level = 0
    user.resident.save()
    with refused("not_verified"):
        register(user)


def test_service_areas_only_from_the_own_street(chengdu: None) -> None:
    with pytest.raises(DomainError) as caught:
        register(resident_user("far"), service_areas=[SHUIJINGFANG])
    assert caught.value.code == "bad_area"


def test_leaving_withdraws_future_signups_and_returning_keeps_the_number(
    volunteer_user: User, activity: Activity
) -> None:
    signup = activities.signup_create(actor=volunteer_user, slot_id=activity.slots.get().pk)
    number = volunteer_user.volunteer.number
    registration.volunteer_leave(actor=volunteer_user, reason="搬家")
    signup.refresh_from_db()
    assert signup.status == SignUp.Status.WITHDRAWN
    with refused("volunteer_left"):
        activities.signup_create(actor=volunteer_user, slot_id=activity.slots.get().pk)
    back = registration.volunteer_return(actor=volunteer_user)
    assert back.is_active
    assert back.number == number


# --- Teams --------------------------------------------------------------------------------


def test_join_request_is_approved_by_the_leader(
    volunteer_user: User, team: Team, worker: User
) -> None:
    leader = resident_user("leader")
    register(leader)
    teams.team_leader_set(actor=worker, team_id=team.pk, resident_id=leader.resident.pk)
    membership = teams.membership_request(actor=volunteer_user, team_id=team.pk)
    with refused("already_requested"):
        teams.membership_request(actor=volunteer_user, team_id=team.pk)
    outsider = resident_user("outsider")
    register(outsider)
    with pytest.raises(NotFound):
        teams.membership_decide(actor=outsider, membership_id=membership.pk, approve=True)
    teams.membership_decide(actor=leader, membership_id=membership.pk, approve=True)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE
    assert list(selectors.teams_led_by(leader)) == [team]


def test_a_team_is_set_up_only_in_the_workers_area(worker: User) -> None:
    with pytest.raises(PermissionDenied):
        teams.team_create(
            actor=worker, name="水井坊队", kind=Team.Kind.COMMUNITY, division_code=SHUIJINGFANG
        )
    with refused("bad_level"):
        teams.team_create(
            actor=worker, name="街道队", kind=Team.Kind.STREET, division_code=NIJIAQIAO
        )
    assert not Team.objects.exists()


# --- Activities and sign-up ---------------------------------------------------------------


def test_full_slot_puts_the_next_on_the_waiting_list_and_a_withdrawal_promotes(
    worker: User, team: Team, chengdu: None
) -> None:
    made = activities.activity_create(actor=worker, team_id=team.pk, data=activity_data(quota=1))
    activities.activity_publish(actor=worker, activity_id=made.pk)
    slot = made.slots.get()
    first, second = resident_user("first"), resident_user("second")
    register(first)
    register(second)
    a = activities.signup_create(actor=first, slot_id=slot.pk)
    b = activities.signup_create(actor=second, slot_id=slot.pk)
    assert (a.status, b.status) == (SignUp.Status.CONFIRMED, SignUp.Status.WAITING)
    activities.signup_withdraw(actor=first, signup_id=a.pk)
    b.refresh_from_db()
    assert b.status == SignUp.Status.CONFIRMED


def test_overlapping_activities_are_refused(
    volunteer_user: User, activity: Activity, worker: User
) -> None:
    other = activities.activity_create(
        actor=worker,
        community_code=NIJIAQIAO,
        data=activity_data(start=SATURDAY_9 + timedelta(hours=2), title="垃圾分类宣传"),
    )
    activities.activity_publish(actor=worker, activity_id=other.pk)
    activities.signup_create(actor=volunteer_user, slot_id=activity.slots.get().pk)
    with pytest.raises(DomainError) as caught:
        activities.signup_create(actor=volunteer_user, slot_id=other.slots.get().pk)
    assert caught.value.code == "time_conflict"
    assert "周六敬老院探访" in str(caught.value)
    assert SignUp.objects.filter(volunteer__user=volunteer_user).count() == 1


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"skills": ["legal"]}, "skill_requirement"),
        ({"min_age": 40}, "age_requirement"),
        ({"min_level": 3}, "level_requirement"),
    ],
)
def test_requirements_are_checked(
    volunteer_user: User, worker: User, chengdu: None, extra: dict[str, object], code: str
) -> None:
    made = activities.activity_create(
        actor=worker, community_code=NIJIAQIAO, data=activity_data(**extra)
    )
    activities.activity_publish(actor=worker, activity_id=made.pk)
    with pytest.raises(DomainError) as caught:
        activities.signup_create(actor=volunteer_user, slot_id=made.slots.get().pk)
    assert caught.value.code == code
    assert not SignUp.objects.exists()


def test_sign_up_closes_at_the_deadline(volunteer_user: User, activity: Activity) -> None:
    after = activity.signup_deadline + timedelta(minutes=1)
    with time_machine.travel(after, tick=False), refused("deadline_passed"):
        activities.signup_create(actor=volunteer_user, slot_id=activity.slots.get().pk)


def test_activity_input_is_checked(worker: User, chengdu: None) -> None:
    start = SATURDAY_9
    bad_slot = activities.SlotIn(start, start - timedelta(hours=1), 5)
    with refused("slot_ends_first"):
        activities.activity_create(
            actor=worker, community_code=NIJIAQIAO, data=activity_data(slots=[bad_slot])
        )
    with refused("bad_place"):
        activities.activity_create(
            actor=worker, community_code=NIJIAQIAO, data=activity_data(latitude="abc")
        )
    with pytest.raises(PermissionDenied):
        activities.activity_create(actor=worker, community_code=SHUIJINGFANG, data=activity_data())
    assert not Activity.objects.exists()


# --- Check-in and check-out ---------------------------------------------------------------


def _signed_up(user: User, activity: Activity) -> SignUp:
    return activities.signup_create(actor=user, slot_id=activity.slots.get().pk)


def test_scan_checks_in_then_out_and_credits_rounded_hours(
    volunteer_user: User, activity: Activity
) -> None:
    signup = _signed_up(volunteer_user, activity)
    arrive = SATURDAY_9 + timedelta(minutes=20)
    with time_machine.travel(arrive, tick=False):
        token = selectors.checkin_token(activity.pk)
        attendance.checkin_scan(actor=volunteer_user, token=token, latitude=LAT, longitude=LON)
    leave = arrive + timedelta(hours=2, minutes=50)
    with time_machine.travel(leave, tick=False):
        token = selectors.checkin_token(activity.pk)
        attendance.checkin_scan(
            actor=volunteer_user, token=token, latitude=LAT + 0.001, longitude=LON
        )
    signup.refresh_from_db()
    assert signup.late  # 20 minutes after the start
    entry = HoursEntry.objects.get(signup=signup)
    assert entry.kind == HoursEntry.Kind.CREDIT
    assert entry.hours == Decimal("2.5")  # 2 h 50 min rounded down to the half hour


def test_hours_are_capped_per_activity(volunteer_user: User, activity: Activity) -> None:
    signup = _signed_up(volunteer_user, activity)
    with time_machine.travel(SATURDAY_9 - timedelta(minutes=30), tick=False):
        token = selectors.checkin_token(activity.pk)
        attendance.checkin_scan(actor=volunteer_user, token=token, latitude=LAT, longitude=LON)
    with time_machine.travel(SATURDAY_9 + timedelta(hours=4, minutes=30), tick=False):
        token = selectors.checkin_token(activity.pk)
        attendance.checkin_scan(actor=volunteer_user, token=token, latitude=LAT, longitude=LON)
    assert HoursEntry.objects.get(signup=signup).hours == Decimal("3.0")


@pytest.mark.parametrize(
    ("token_at", "latitude", "code"),
    [
        (timedelta(seconds=-90), LAT, "code_expired"),
        (timedelta(0), LAT + 0.045, "too_far"),  # about 5 km north
        (timedelta(0), None, "no_location"),
    ],
)
def test_bad_scans_are_refused(
    volunteer_user: User,
    activity: Activity,
    token_at: timedelta,
    latitude: float | None,
    code: str,
) -> None:
    signup = _signed_up(volunteer_user, activity)
    with time_machine.travel(SATURDAY_9, tick=False):
        token = selectors.checkin_token(activity.pk, SATURDAY_9 + token_at)
        with pytest.raises(DomainError) as caught:
            attendance.checkin_scan(
                actor=volunteer_user, token=token, latitude=latitude, longitude=LON
            )
    assert caught.value.code == code
    signup.refresh_from_db()
    assert signup.checked_in_at is None


def test_a_code_of_another_activity_or_forged_is_refused(
    volunteer_user: User, activity: Activity, worker: User
) -> None:
    _signed_up(volunteer_user, activity)
    other = activities.activity_create(
        actor=worker, community_code=NIJIAQIAO, data=activity_data(title="另一活动")
    )
    with time_machine.travel(SATURDAY_9, tick=False):
        with refused("not_signed_up"):
            attendance.checkin_scan(
                actor=volunteer_user,
                token=selectors.checkin_token(other.pk),
                latitude=LAT,
                longitude=LON,
            )
        forged = selectors.checkin_token(activity.pk)[:-2] + "00"
        with refused("bad_code"):
            attendance.checkin_scan(actor=volunteer_user, token=forged, latitude=LAT, longitude=LON)


def test_a_double_scan_makes_one_check_in_and_one_entry(
    volunteer_user: User, activity: Activity
) -> None:
    signup = _signed_up(volunteer_user, activity)
    with time_machine.travel(SATURDAY_9, tick=False):
        token = selectors.checkin_token(activity.pk)
        attendance.checkin_scan(actor=volunteer_user, token=token, latitude=LAT, longitude=LON)
        with refused("too_soon"):
            attendance.checkin_scan(actor=volunteer_user, token=token, latitude=LAT, longitude=LON)
    signup.refresh_from_db()
    assert signup.checked_in_at == SATURDAY_9
    assert signup.checked_out_at is None
    assert not HoursEntry.objects.exists()


def test_leader_marks_by_hand_and_check_out_before_check_in_is_refused(
    volunteer_user: User, activity: Activity, worker: User
) -> None:
    signup = _signed_up(volunteer_user, activity)
    with time_machine.travel(SATURDAY_9 + timedelta(hours=4), tick=False):
        with refused("out_before_in"):
            attendance.attendance_mark(
                actor=worker,
                signup_id=signup.pk,
                checked_in_at=SATURDAY_9 + timedelta(hours=2),
                checked_out_at=SATURDAY_9 + timedelta(hours=1),
                reason="手机没电",
            )
        with pytest.raises(DomainError):
            attendance.attendance_mark(
                actor=worker,
                signup_id=signup.pk,
                checked_in_at=SATURDAY_9,
                checked_out_at=SATURDAY_9 + timedelta(hours=2),
                reason="",
            )
        assert not HoursEntry.objects.exists()
        attendance.attendance_mark(
            actor=worker,
            signup_id=signup.pk,
            checked_in_at=SATURDAY_9,
            checked_out_at=SATURDAY_9 + timedelta(hours=2),
            reason="手机没电",
        )
    signup.refresh_from_db()
    assert signup.check_in_method == SignUp.Method.HAND
    assert HoursEntry.objects.get(signup=signup).hours == Decimal("2.0")


def test_no_shows_are_recorded_after_the_slot(
    volunteer_user: User, activity: Activity, worker: User
) -> None:
    signup = _signed_up(volunteer_user, activity)
    slot = activity.slots.get()
    with refused("not_ended"):
        attendance.slot_no_shows_record(actor=worker, slot_id=slot.pk)
    with time_machine.travel(slot.ends_at + timedelta(minutes=1), tick=False):
        assert attendance.slot_no_shows_record(actor=worker, slot_id=slot.pk) == 1
    signup.refresh_from_db()
    assert signup.no_show


# --- Ledger -------------------------------------------------------------------------------


def test_honour_hours_and_corrections_keep_totals_equal_to_an_independent_sum(
    volunteer_user: User, worker: User
) -> None:
    volunteer = volunteer_user.volunteer
    made = [
        ledger.hours_honour_add(
            actor=worker,
            volunteer_id=volunteer.pk,
            hours=h,
            served_on=date(2026, 12, 1),
            content="防疫值守",
            reason="纸质签到表补录",
        )
        for h in ("2.5", "4", "1.5")
    ]
    with refused("over_cap"):
        ledger.hours_honour_add(
            actor=worker,
            volunteer_id=volunteer.pk,
            hours="25",
            served_on=date(2026, 12, 1),
            content="x",
            reason="y",
        )
    with pytest.raises(DomainError):
        ledger.hours_correct(actor=worker, entry_id=made[1].pk, reason="")
    ledger.hours_correct(actor=worker, entry_id=made[1].pk, reason="重复录入")
    with refused("already_reversed"):
        ledger.hours_correct(actor=worker, entry_id=made[1].pk, reason="again")
    rows = list(HoursEntry.objects.filter(volunteer=volunteer).values_list("hours", flat=True))
    independent = sum(rows, Decimal(0))
    totals = selectors.volunteer_totals(volunteer)
    assert totals.total == independent == Decimal("4.0")
    assert totals.honour == Decimal("8.0")
    assert totals.correction == Decimal("-4.0")
    assert HoursEntry.objects.count() == 4  # nothing changed in place


def test_a_worker_of_another_area_cannot_touch_the_ledger(volunteer_user: User) -> None:
    other = make_staff("sjf", "community_worker", SHUIJINGFANG)
    with pytest.raises(NotFound):
        ledger.hours_honour_add(
            actor=other,
            volunteer_id=volunteer_user.volunteer.pk,
            hours="1",
            served_on=date(2026, 12, 1),
            content="x",
            reason="y",
        )


# --- Star levels --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "level"),
    [
        ("99.5", 0),
        ("100", 1),
        ("299.9", 1),
        ("300", 2),
        ("600", 3),
        ("999.5", 3),
        ("1000", 4),
        ("1500", 5),
    ],
)
def test_star_thresholds_at_the_boundaries(hours: str, level: int) -> None:
    assert selectors.star_level_for(Decimal(hours)) == level


@override_settings(SHEQU_VOLUNTEER_STAR_HOURS=(10, 20, 30, 40, 50))
def test_thresholds_are_configuration() -> None:
    assert selectors.star_level_for(Decimal("20")) == 2


def _give(worker: User, volunteer: Volunteer, hours: int) -> None:
    for _ in range(hours // 20):
        ledger.hours_honour_add(
            actor=worker,
            volunteer_id=volunteer.pk,
            hours="20",
            served_on=date(2026, 11, 1),
            content="长期服务",
            reason="年度核定",
        )


def test_star_level_is_announced_then_awarded(volunteer_user: User, worker: User) -> None:
    volunteer = volunteer_user.volunteer
    _give(worker, volunteer, 100)
    assert stars.star_levels_compute(actor=worker) == {"announced": 1, "awarded": 0}
    award = StarAward.objects.get()
    assert award.level == 1
    assert award.status == StarAward.Status.ANNOUNCED
    assert stars.star_levels_compute(actor=worker) == {"announced": 0, "awarded": 0}
    assert selectors.star_of(volunteer) is None
    later = award.announce_until
    assert stars.star_levels_compute(actor=worker, today=later) == {"announced": 0, "awarded": 1}
    assert selectors.star_of(volunteer).level == 1  # type: ignore[union-attr]


def test_an_objection_holds_the_award_until_decided(volunteer_user: User, worker: User) -> None:
    volunteer = volunteer_user.volunteer
    _give(worker, volunteer, 100)
    stars.star_levels_compute(actor=worker)
    award = StarAward.objects.get()
    neighbour = resident_user("neigh")
    with pytest.raises(DomainError):
        stars.star_object(actor=neighbour, award_id=award.pk, text="")
    stars.star_object(actor=neighbour, award_id=award.pk, text="时长有虚报")
    stars.star_levels_compute(actor=worker, today=award.announce_until)
    award.refresh_from_db()
    assert award.status == StarAward.Status.OBJECTED
    stars.star_objection_decide(actor=worker, award_id=award.pk, uphold=True, decision="核实属实")
    award.refresh_from_db()
    assert award.status == StarAward.Status.WITHDRAWN
    assert selectors.star_of(volunteer) is None


# --- Certificates -------------------------------------------------------------------------


def test_certificate_has_the_four_parts_and_is_verifiable(
    volunteer_user: User, worker: User
) -> None:
    with refused("no_hours"):
        certificates.certificate_issue(actor=volunteer_user)
    ledger.hours_honour_add(
        actor=worker,
        volunteer_id=volunteer_user.volunteer.pk,
        hours="3",
        served_on=date(2026, 12, 5),
        content="社区义诊",
        reason="活动签到表",
    )
    certificate = certificates.certificate_issue(actor=volunteer_user)
    document = IssuedDocument.objects.get(pk=certificate.document_id)
    assert document.kind == "certificate"
    assert document.holder == volunteer_user
    assert document.holder_masked.endswith("*")  # identity, masked
    assert "倪家桥社区" in document.issuer_name  # issuer
    assert document.number.startswith("CD-2026-")  # number and date
    assert document.issued_at.date() == FRIDAY.date()
    assert certificate.hours == Decimal("3.0")  # hours and content
    assert document.file.read().startswith(b"%PDF")


def test_earlier_awards_do_not_inflate_the_hours(volunteer_user: User, worker: User) -> None:
    volunteer = volunteer_user.volunteer
    _give(worker, volunteer, 100)
    stars.star_levels_compute(actor=worker)
    _give(worker, volunteer, 200)
    stars.star_levels_compute(actor=worker)
    _give(worker, volunteer, 20)
    assert stars.star_levels_compute(actor=worker) == {"announced": 0, "awarded": 0}
    assert sorted(StarAward.objects.values_list("level", flat=True)) == [1, 2]
