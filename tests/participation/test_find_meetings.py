"""Finding proposals (words, state, category, area, order, map), registering for a council
meeting with its seats and waiting list, the meeting in one's calendar, and the message that
voting opened."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shequ.core.errors import DomainError, PermissionDenied
from shequ.notices.models import Message
from shequ.participation.models import Registration
from shequ.participation.services import meetings, proposals, registrations
from tests.factories import NIJIAQIAO, SHUIJINGFANG
from tests.participation.conftest import Place, resident_user, voting_round


def test_search_filter_sort_and_map(place: Place, client: Client) -> None:
    lamp = proposals.proposal_create(
        actor=place.residents[0],
        community_code=NIJIAQIAO,
        title="东门加装路灯",
        description="晚上太黑",
        category="safety",
        lon="104.05",
        lat="30.62",
    )
    proposals.proposal_create(
        actor=place.residents[1],
        community_code=NIJIAQIAO,
        title="周末亲子活动",
        description="每月一次",
        category="culture",
    )
    proposals.proposal_create(
        actor=place.outsider,
        community_code=SHUIJINGFANG,
        title="水井坊路灯维修",
        description="路灯坏了",
        category="safety",
    )
    proposals.proposal_support(actor=place.residents[2], proposal_id=lamp.pk)

    def rows(query: str) -> int:
        page = client.get(f"/participation/proposals/?{query}").content.decode()
        return page.count('data-testid="found-row"')

    assert rows("") == 3
    assert rows("q=路灯") == 2
    assert rows("category=culture") == 1
    assert rows(f"area={NIJIAQIAO}") == 2
    assert rows(f"area={NIJIAQIAO}&q=路灯") == 1
    assert rows("status=decided") == 0
    assert rows("sort=newest&status=bogus&category=nonsense") == 3
    first = client.get("/participation/proposals/?sort=supports").content.decode()
    assert first.index("东门加装路灯") < first.index("周末亲子活动")
    points = client.get(f"/participation/proposals/points.json?area={NIJIAQIAO}").json()
    assert [p["id"] for p in points["points"]] == [lamp.pk]
    assert (
        'data-testid="proposal-map"'
        in client.get("/participation/proposals/?view=map").content.decode()
    )


def scheduled(place: Place, capacity: int | None = 2) -> int:
    meeting = meetings.meeting_schedule(
        actor=place.worker,
        council_id=place.council.pk,
        title="五月议事会",
        starts_at=timezone.now() + timedelta(days=7),
        location="党群服务中心, 二楼",
        capacity=capacity,
    )
    return meeting.pk


def test_registration_with_seats_and_waiting_list(place: Place) -> None:
    meeting_id = scheduled(place, capacity=1)
    first = registrations.register(actor=place.residents[0], meeting_id=meeting_id)
    second = registrations.register(actor=place.residents[1], meeting_id=meeting_id)
    assert (first.status, second.status) == ("registered", "waiting")
    with pytest.raises(DomainError) as error:
        registrations.register(actor=place.residents[0], meeting_id=meeting_id)
    assert error.value.code == "already_registered"
    with pytest.raises(DomainError) as error:
        registrations.register(actor=place.residents[2], meeting_id=meeting_id)
    assert error.value.code == "meeting_full"
    with pytest.raises(PermissionDenied):
        registrations.register(actor=place.outsider, meeting_id=meeting_id)
    assert Registration.objects.count() == 2
    registrations.unregister(actor=place.residents[0], meeting_id=meeting_id)
    assert Registration.objects.get(user=place.residents[1]).status == "registered"
    assert Message.objects.filter(
        user=place.residents[1], url=f"/participation/meetings/{meeting_id}/"
    ).exists()
    with pytest.raises(DomainError) as error:
        registrations.register(actor=place.residents[0], meeting_id=scheduled(place, None))
    assert error.value.code == "no_registration"


def test_meeting_page_registers_and_gives_a_calendar_file(place: Place, client: Client) -> None:
    meeting_id = scheduled(place)
    meetings.agenda_add(actor=place.worker, meeting_id=meeting_id, kind="other", title="议程一")
    client.force_login(place.residents[3])
    page = client.get(f"/participation/meetings/{meeting_id}/").content.decode()
    assert 'data-testid="register"' in page
    client.post(f"/participation/meetings/{meeting_id}/register/")
    page = client.get(f"/participation/meetings/{meeting_id}/").content.decode()
    assert 'data-testid="my-registration"' in page
    response = client.get(f"/participation/meetings/{meeting_id}/calendar.ics")
    assert response["Content-Type"].startswith("text/calendar")
    ics = response.content.decode()
    assert ics.startswith("BEGIN:VCALENDAR\r\n")
    assert "SUMMARY:五月议事会" in ics
    assert "LOCATION:党群服务中心\\, 二楼" in ics
    assert "1. 议程一" in ics
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))


def test_residents_are_told_when_voting_opens(place: Place) -> None:
    unverified_before = Message.objects.filter(user=place.unverified).count()
    budget_round = voting_round(place)
    told = Message.objects.filter(url=f"/participation/rounds/{budget_round.pk}/")
    assert set(told.values_list("user_id", flat=True)) == {u.pk for u in place.residents}
    assert Message.objects.filter(user=place.unverified).count() == unverified_before
    assert not told.filter(user=place.outsider).exists()
    extra = resident_user("late")
    assert not told.filter(user=extra).exists()


def test_a_find_over_very_many_proposals_counts_only_so_far(
    place: Place, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shequ.participation import selectors

    monkeypatch.setattr(selectors.CappedPaginator, "cap", 3)
    for i in range(5):
        proposals.proposal_create(
            actor=place.residents[i],
            community_code=NIJIAQIAO,
            title=f"加装路灯{i}号",
            description="晚上太黑",
            category="safety",
        )
    many = client.get("/participation/proposals/?q=路灯").content.decode()
    assert many.count('data-testid="found-row"') == 3
    assert "符合条件的议题超过1000条" in many
    few = client.get("/participation/proposals/?q=路灯1号").content.decode()
    assert few.count('data-testid="found-row"') == 1
    assert 'data-testid="found-capped"' not in few
