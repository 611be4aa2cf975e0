"""A decision's member counts come from the council register and the meeting's sign-in,
never from free numbers: a seven-member council cannot show "15 members, 13 present"."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from shequ.core.errors import DomainError
from shequ.funds.models import ApprovalRecord
from shequ.funds.services import decisions
from shequ.participation.models import CouncilMember
from shequ.participation.services import councils, meetings
from shequ.people.models import User
from tests.factories import NIJIAQIAO, make_resident
from tests.funds.conftest import council_register

MEETING_DAY = date(2026, 3, 1)
VOTES = {"votes_for": 5, "votes_against": 1, "votes_abstain": 0}


def record(worker: User, **counts: Any) -> ApprovalRecord:
    return decisions.approval_record_create(
        actor=worker,
        community_code=NIJIAQIAO,
        subject="楼道灯改造",
        amount="5000",
        **{"meeting_date": MEETING_DAY, **VOTES, **counts},
    )


def test_members_in_office_come_from_the_register_and_impossible_counts_are_refused(
    worker: User,
) -> None:
    council_register(NIJIAQIAO, 7)
    with pytest.raises(DomainError) as typed:
        record(worker, members_total=15, members_present=13)
    assert (typed.value.code, typed.value.field) == ("counts_register", "members_total")
    with translation.override("en"):
        assert str(typed.value) == (
            "The council register has 7 members in office on 2026-03-01, not 15."
        )
    with pytest.raises(DomainError) as present:
        record(worker, members_present=13)
    assert present.value.code == "counts_invalid"
    with translation.override("en"):
        assert str(present.value) == (
            "Members present must be from 0 to the 7 members in office on 2026-03-01."
        )
    assert not ApprovalRecord.objects.exists()
    decision = record(worker, members_present=6)
    assert (decision.members_total, decision.members_present) == (7, 6)


def test_members_whose_term_has_ended_are_not_counted(worker: User) -> None:
    council = council_register(NIJIAQIAO, 7)
    leaving = list(CouncilMember.objects.filter(council=council).order_by("id")[:2])
    CouncilMember.objects.filter(pk__in=[m.pk for m in leaving]).update(
        term_end=MEETING_DAY - timedelta(days=1)
    )
    with pytest.raises(DomainError) as error:
        record(worker, members_present=6)
    assert error.value.code == "counts_invalid"
    assert record(worker, members_present=5, votes_for=4).members_total == 5


def test_a_community_without_a_council_register_cannot_record_a_decision(
    worker: User,
) -> None:
    with pytest.raises(DomainError) as error:
        record(worker, members_present=6)
    assert (error.value.code, error.value.field) == ("no_register", "meeting_date")
    assert not ApprovalRecord.objects.exists()


def _held_meeting(worker: User, *, members: int, signed_in: int) -> int:
    council = councils.council_create(
        actor=worker, community_code=NIJIAQIAO, name="倪家桥社区居民议事会"
    )
    today = timezone.localdate()
    added = [
        councils.member_add(
            actor=worker,
            council_id=council.pk,
            resident_id=make_resident(NIJIAQIAO, name=f"委员{i}").pk,
            term_start=today - timedelta(days=30),
            term_end=today + timedelta(days=365),
        )
        for i in range(members)
    ]
    meeting = meetings.meeting_schedule(
        actor=worker, council_id=council.pk, title="三月议事会", starts_at=timezone.now()
    )
    meetings.meeting_open(actor=worker, meeting_id=meeting.pk)
    for member in added[:signed_in]:
        meetings.attendance_sign_in(actor=worker, meeting_id=meeting.pk, member_id=member.pk)
    return meeting.pk


def test_a_meeting_held_on_the_platform_gives_its_register_and_sign_in(worker: User) -> None:
    meeting_id = _held_meeting(worker, members=7, signed_in=6)
    with pytest.raises(DomainError) as error:
        record(worker, meeting_id=meeting_id, members_present=7, meeting_date=None)
    assert error.value.code == "counts_sign_in"
    decision = record(worker, meeting_id=meeting_id, meeting_date=None)
    assert (decision.members_total, decision.members_present) == (7, 6)
    assert decision.meeting_date == timezone.localdate()
    with pytest.raises(DomainError) as other:
        record(worker, meeting_id=meeting_id + 1000, meeting_date=None)
    assert other.value.code == "meeting_not_found"


def test_staff_cannot_sign_in_a_member_out_of_office(worker: User) -> None:
    meeting_id = _held_meeting(worker, members=3, signed_in=0)
    member = CouncilMember.objects.order_by("id").first()
    assert member is not None
    CouncilMember.objects.filter(pk=member.pk).update(
        term_end=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(DomainError) as error:
        meetings.attendance_sign_in(actor=worker, meeting_id=meeting_id, member_id=member.pk)
    assert error.value.code == "not_a_member"


def test_the_console_form_has_no_free_member_count_and_takes_a_held_meeting(
    client: Client, worker: User
) -> None:
    meeting_id = _held_meeting(worker, members=7, signed_in=5)
    client.force_login(worker)
    page = client.get(f"/console/funds/community/{NIJIAQIAO}/").content.decode()
    assert 'name="members_total"' not in page
    assert 'data-testid="council-register"' in page
    assert f'<option value="{meeting_id}">' in page
    client.post(
        f"/console/funds/community/{NIJIAQIAO}/decisions/",
        {
            "subject": "助老服务",
            "amount": "3000",
            "meeting_id": meeting_id,
            "votes_for": 4,
            "votes_against": 1,
            "votes_abstain": 0,
        },
    )
    decision = ApprovalRecord.objects.get()
    assert (decision.members_total, decision.members_present) == (7, 5)
    page = client.get(f"/funds/{NIJIAQIAO}/").content.decode()
    assert "7 名成员出席 5 名" in page
