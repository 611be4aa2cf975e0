"""Ids and choices posted in other digits get an answer from the page, never a server error."""

from django.test import Client
from django.utils import timezone

from shequ.participation.models import Ballot, CouncilMember
from shequ.participation.services import meetings
from tests.participation.conftest import Place, voting_round

C = "/console/participation"
MEMBERS_ONLY = "只有在任议事会成员可以签到。"


def test_a_ballot_with_choices_in_other_digits_is_refused_on_the_page(
    place: Place, client: Client
) -> None:
    budget_round = voting_round(place)
    client.force_login(place.residents[0])
    response = client.post(f"/participation/rounds/{budget_round.pk}/", {"approvals": ["²"]})
    assert response.status_code == 400
    assert 'data-testid="ballot-error"' in response.content.decode()
    assert not Ballot.objects.exists()


def test_council_and_meeting_actions_with_a_bad_member_are_answered(
    place: Place, client: Client
) -> None:
    client.force_login(place.worker)
    for member in ["٢", "abc"]:  # name no member (before: a server error)
        response = client.post(
            f"{C}/councils/{place.council.pk}/",
            {
                "action": "end_member",
                "member": member,
                "last_day": timezone.localdate().isoformat(),
            },
        )
        assert response.status_code == 404
    assert CouncilMember.objects.filter(term_end__lt=timezone.localdate()).count() == 0
    meeting = meetings.meeting_schedule(
        actor=place.worker,
        council_id=place.council.pk,
        title="三月议事会",
        starts_at=timezone.now(),
    )
    meetings.meeting_open(actor=place.worker, meeting_id=meeting.pk)
    for member in ["٣", "", "abc"]:
        response = client.post(
            f"{C}/meetings/{meeting.pk}/", {"action": "sign_in", "member": member}
        )
        assert response.status_code == 400
        assert MEMBERS_ONLY in response.content.decode()
    assert not meeting.attendance.exists()
