from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.models import AuditEvent
from shequ.core.uploads import MAX_IMAGE_SIDE
from shequ.funds.models import ApprovalRecord, Commitment
from shequ.notices.models import Message
from shequ.participation.models import (
    AgendaItem,
    Ballot,
    ItemVote,
    PaperEntry,
    Proposal,
    Round,
    RoundResult,
    RoundVoter,
)
from shequ.participation.services import ballots, meetings, proposals, rounds
from shequ.people.models import Resident, VerificationLevel
from tests import images
from tests.factories import NIJIAQIAO, make_user
from tests.participation.conftest import Place, open_meeting, voting_round


def propose(place: Place, **extra: object) -> Proposal:
    data = {"title": "楼道加装照明", "description": "晚上太黑", "category": "safety"} | extra
    return proposals.proposal_create(
        actor=place.residents[0],
        community_code=NIJIAQIAO,
        **data,  # type: ignore[arg-type]
    )


def test_supports_put_a_proposal_on_the_agenda_and_tell_followers(place: Place) -> None:
    proposal = propose(place, estimated_cost="8000")
    for user in place.residents[1:3]:
        proposals.proposal_support(actor=user, proposal_id=proposal.pk)
    assert Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.OPEN
    proposals.proposal_support(actor=place.residents[3], proposal_id=proposal.pk)
    proposal.refresh_from_db()
    assert (proposal.supports, proposal.status) == (3, Proposal.Status.ON_AGENDA)
    # The author and the three supporters follow it and got the message.
    assert Message.objects.filter(url__contains=f"/{proposal.pk}/").count() == 4


@pytest.mark.parametrize(
    ("who", "code"),
    [("outsider", "not_a_verified_resident"), ("unverified", "not_a_verified_resident")],
)
def test_only_verified_neighbours_support(place: Place, who: str, code: str) -> None:
    proposal = propose(place)
    with pytest.raises(PermissionDenied) as error:
        proposals.proposal_support(actor=getattr(place, who), proposal_id=proposal.pk)
    assert error.value.code == code
    proposal.refresh_from_db()
    assert proposal.supports == 0


def test_second_support_is_refused(place: Place) -> None:
    proposal = propose(place)
    proposals.proposal_support(actor=place.residents[1], proposal_id=proposal.pk)
    with pytest.raises(DomainError) as error:
        proposals.proposal_support(actor=place.residents[1], proposal_id=proposal.pk)
    assert error.value.code == "already_supported"
    assert Proposal.objects.get(pk=proposal.pk).supports == 1


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"title": "<script>alert(1)</script>"}, "markup_not_allowed"),
        ({"description": "<img src=x onerror=alert(1)>"}, "markup_not_allowed"),
        ({"title": ""}, "required"),
        ({"category": "weapons"}, "invalid_category"),
        ({"estimated_cost": "-5"}, "invalid_amount"),
        ({"lon": "0", "lat": "0"}, "point_outside"),
    ],
)
def test_bad_proposals_are_refused_and_nothing_is_written(
    place: Place, extra: dict[str, str], code: str
) -> None:
    with pytest.raises(DomainError) as error:
        propose(place, **extra)
    assert error.value.code == code
    assert not Proposal.objects.exists()


def test_outsider_cannot_propose_for_another_community(place: Place) -> None:
    with pytest.raises(PermissionDenied):
        proposals.proposal_create(
            actor=place.outsider,
            community_code=NIJIAQIAO,
            title="t",
            description="d",
            category="other",
        )


def test_moderation_hides_with_reason_and_merges_supports_once(place: Place) -> None:
    first = propose(place)
    duplicate = propose(place, title="楼道灯")
    proposals.proposal_support(actor=place.residents[1], proposal_id=first.pk)
    proposals.proposal_support(actor=place.residents[1], proposal_id=duplicate.pk)
    proposals.proposal_support(actor=place.residents[2], proposal_id=duplicate.pk)
    target = proposals.proposal_merge(
        actor=place.worker, proposal_id=duplicate.pk, into_id=first.pk, reason="重复"
    )
    assert target.supports == 2
    assert Proposal.objects.get(pk=duplicate.pk).status == Proposal.Status.MERGED
    with pytest.raises(NotFound):
        proposals.proposal_hide(actor=place.other_worker, proposal_id=first.pk, reason="x")
    with pytest.raises(DomainError):
        proposals.proposal_hide(actor=place.worker, proposal_id=first.pk, reason="")
    proposals.proposal_hide(actor=place.worker, proposal_id=first.pk, reason="涉及个人隐私")
    first.refresh_from_db()
    assert (first.status, first.moderation_reason) == ("hidden", "涉及个人隐私")
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"participation.proposal_merge", "participation.proposal_hide"} <= verbs


# ------------------------------------------------------------------ rounds and ballots


def test_ballot_counts_once_can_change_and_keeps_who_apart_from_how(place: Place) -> None:
    budget_round = voting_round(place)
    a, b, c = budget_round.projects.order_by("id")
    ballots.ballot_cast(actor=place.residents[0], round_id=budget_round.pk, approvals=[a.pk])
    ballots.ballot_cast(actor=place.residents[0], round_id=budget_round.pk, approvals=[b.pk, c.pk])
    assert RoundVoter.objects.filter(round=budget_round).count() == 1
    ballot = Ballot.objects.get(round=budget_round)
    assert ballot.approvals == [b.pk, c.pk]
    assert ballots.my_ballot(user=place.residents[0], budget_round=budget_round) == [b.pk, c.pk]
    # The ballot row carries nothing about the voter.
    assert not {"resident", "resident_id", "user"} & {f.name for f in Ballot._meta.get_fields()}
    # The audit trail says that someone voted, never how.
    events = AuditEvent.objects.filter(verb__startswith="participation.ballot")
    assert events.count() == 2
    assert all(e.changes == {} for e in events)


@pytest.mark.parametrize(
    ("who", "approvals", "code"),
    [
        ("outsider", "ab", "not_a_verified_resident"),
        ("unverified", "ab", "not_a_verified_resident"),
        ("resident", "abc", "ballot_over_budget"),
        ("resident", "", "empty_ballot"),
        ("resident", "aa", "duplicate_choice"),
        ("resident", "x", "invalid_ballot"),
    ],
)
def test_bad_ballots_are_refused(place: Place, who: str, approvals: str, code: str) -> None:
    budget_round = voting_round(place)
    ids = {k: p.pk for k, p in zip("abc", budget_round.projects.order_by("id"), strict=True)}
    ids["x"] = 999999
    actor = place.residents[0] if who == "resident" else getattr(place, who)
    with pytest.raises(DomainError) as error:
        ballots.ballot_cast(
            actor=actor, round_id=budget_round.pk, approvals=[ids[x] for x in approvals]
        )
    assert error.value.code == code
    assert not Ballot.objects.exists()
    assert not RoundVoter.objects.exists()


def test_k_approval_limits_the_number_of_choices(place: Place) -> None:
    budget_round = voting_round(place, rule=Round.Rule.K_APPROVAL, k=1)
    ids = list(budget_round.projects.values_list("id", flat=True))
    with pytest.raises(DomainError) as error:
        ballots.ballot_cast(actor=place.residents[0], round_id=budget_round.pk, approvals=ids[:2])
    assert error.value.code == "too_many_choices"


def test_rules_freeze_when_voting_opens_and_voting_closes_with_the_phase(place: Place) -> None:
    budget_round = voting_round(place)
    with pytest.raises(DomainError) as error:
        rounds.round_set_rules(
            actor=place.worker,
            round_id=budget_round.pk,
            rule="k_approval",
            max_choices=1,
            method="greedy",
        )
    assert error.value.code == "rules_frozen"
    with pytest.raises(DomainError):
        rounds.project_add(actor=place.worker, round_id=budget_round.pk, title="新", cost=1000)
    budget_round.refresh_from_db()
    assert (budget_round.rule, budget_round.projects.count()) == ("approval_budget", 3)
    rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
    ids = list(budget_round.projects.values_list("id", flat=True))
    with pytest.raises(DomainError) as error:
        ballots.ballot_cast(actor=place.residents[0], round_id=budget_round.pk, approvals=ids[:1])
    assert error.value.code == "not_voting_phase"


def test_voting_before_the_phase_is_refused(place: Place) -> None:
    budget_round = rounds.round_create(
        actor=place.worker, community_code=NIJIAQIAO, title="t", budget="1000"
    )
    with pytest.raises(DomainError) as error:
        ballots.ballot_cast(actor=place.residents[0], round_id=budget_round.pk, approvals=[1])
    assert error.value.code == "not_voting_phase"


def test_paper_ballots_need_two_matching_entries_by_two_people(place: Place) -> None:
    budget_round = voting_round(place)
    second_clerk = make_user("clerk2")
    from shequ.core.scopes import Role
    from shequ.people.models import StaffRole

    StaffRole.objects.create(user=second_clerk, role=Role.COMMUNITY_WORKER, division_id=NIJIAQIAO)
    voter = place.residents[4].resident
    id_number = voter.id_number.reveal()
    a, b, _ = budget_round.projects.order_by("id")
    first = ballots.paper_ballot_enter(
        actor=place.worker,
        round_id=budget_round.pk,
        sheet="001",
        id_number=id_number,
        approvals=[a.pk],
    )
    assert first is None
    assert not Ballot.objects.exists()
    with pytest.raises(DomainError) as error:
        ballots.paper_ballot_enter(
            actor=place.worker,
            round_id=budget_round.pk,
            sheet="001",
            id_number=id_number,
            approvals=[a.pk],
        )
    assert error.value.code == "already_entered"
    with pytest.raises(DomainError) as error:
        ballots.paper_ballot_enter(
            actor=second_clerk,
            round_id=budget_round.pk,
            sheet="001",
            id_number=id_number,
            approvals=[b.pk],
        )
    assert error.value.code == "paper_mismatch"
    assert not Ballot.objects.exists()
    ballot = ballots.paper_ballot_enter(
        actor=second_clerk,
        round_id=budget_round.pk,
        sheet="001",
        id_number=id_number,
        approvals=[a.pk],
    )
    assert ballot is not None
    assert ballot.approvals == [a.pk]
    # The resident cannot vote again online.
    with pytest.raises(DomainError) as error:
        ballots.ballot_cast(actor=place.residents[4], round_id=budget_round.pk, approvals=[b.pk])
    assert error.value.code == "already_voted"


# ------------------------------------------------------------------ meetings and decisions


def test_no_quorum_no_vote(place: Place) -> None:
    meeting_id = open_meeting(place, present=1)
    item = meetings.agenda_add(
        actor=place.worker, meeting_id=meeting_id, kind="spending", title="买椅子", amount="500"
    )
    with pytest.raises(DomainError) as error:
        meetings.item_open_vote(actor=place.worker, item_id=item.pk)
    assert error.value.code == "no_quorum"
    item.refresh_from_db()
    assert item.status == AgendaItem.Status.PENDING


def test_sign_in_refuses_bad_code_and_non_members(place: Place) -> None:
    meeting = meetings.meeting_schedule(
        actor=place.worker, council_id=place.council.pk, title="m", starts_at=timezone.now()
    )
    with pytest.raises(DomainError) as error:
        meetings.attendance_sign_in(actor=place.residents[0], meeting_id=meeting.pk, token="x")
    assert error.value.code == "bad_token"
    with pytest.raises(DomainError) as error:
        meetings.attendance_sign_in(
            actor=place.residents[5], meeting_id=meeting.pk, token=meeting.checkin_token
        )
    assert error.value.code == "not_a_member"


def test_secret_vote_decides_a_spending_item_into_an_approval_record(place: Place) -> None:
    meeting_id = open_meeting(place, present=3)
    item = meetings.agenda_add(
        actor=place.worker,
        meeting_id=meeting_id,
        kind="spending",
        title="口袋公园",
        amount="60000",
        secret=True,
    )
    meetings.item_open_vote(actor=place.worker, item_id=item.pk)
    meetings.item_vote(actor=place.residents[0], item_id=item.pk, choice="against")
    meetings.item_vote(actor=place.residents[0], item_id=item.pk, choice="for")  # changed
    meetings.item_vote(actor=place.residents[1], item_id=item.pk, choice="for")
    meetings.item_vote(actor=place.residents[2], item_id=item.pk, choice="abstain")
    with pytest.raises(DomainError) as error:
        meetings.item_vote(actor=place.residents[5], item_id=item.pk, choice="for")
    assert error.value.code == "not_signed_in"
    assert not ItemVote.objects.filter(item=item).exclude(member=None).exists()
    decided = meetings.item_close_vote(actor=place.worker, item_id=item.pk)
    assert (decided.status, decided.votes_for, decided.votes_abstain) == ("passed", 2, 1)
    assert decided.approval_record_id is not None
    record = ApprovalRecord.objects.get(pk=decided.approval_record_id)
    assert (record.amount, record.members_present, record.votes_for, record.source) == (
        Decimal("60000.00"),
        3,
        2,
        "participation",
    )


def test_full_round_from_opening_to_commitments(place: Place) -> None:
    budget_round = voting_round(place)
    a, b, c = budget_round.projects.order_by("id")
    for user, choice in zip(
        place.residents, [[a.pk], [a.pk], [b.pk, c.pk], [b.pk], [c.pk]], strict=False
    ):
        ballots.ballot_cast(actor=user, round_id=budget_round.pk, approvals=choice)
    rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
    results = {r.method: r for r in RoundResult.objects.filter(round=budget_round)}
    assert results["greedy"].winners == [a.pk, b.pk]
    winners = rounds.round_winners(budget_round)
    total = sum(p.cost for p in winners)
    with pytest.raises(DomainError) as error:
        rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
    assert error.value.code == "no_council_decision"
    meeting_id = open_meeting(place, present=3)
    item = meetings.agenda_add(
        actor=place.worker,
        meeting_id=meeting_id,
        kind="spending",
        title="参与式预算结果",
        amount=str(total),
    )
    meetings.item_open_vote(actor=place.worker, item_id=item.pk)
    for user in place.residents[:3]:
        meetings.item_vote(actor=user, item_id=item.pk, choice="for")
    meetings.item_close_vote(actor=place.worker, item_id=item.pk)
    rounds.round_attach_decision(actor=place.worker, round_id=budget_round.pk, item_id=item.pk)
    rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
    commitments = Commitment.objects.filter(community_id=NIJIAQIAO)
    item.refresh_from_db()
    assert sorted(commitments.values_list("project", flat=True)) == sorted(p.title for p in winners)
    assert {c.approval_id for c in commitments} == {item.approval_record_id}


def test_meeting_minutes_photographed_are_stored_without_gps_and_other_files_refused(
    place: Place, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    meeting_id = open_meeting(place, present=1)
    # a photographed page of the minutes, with the phone's GPS position
    with pytest.raises(DomainError) as caught:
        meetings.meeting_close(
            actor=place.worker,
            meeting_id=meeting_id,
            minutes=SimpleUploadedFile("minutes.html", b"<script>alert(1)</script>"),
        )
    assert (caught.value.code, caught.value.field) == ("file_type_not_allowed", "minutes")
    page = SimpleUploadedFile("IMG_0003.jpg", images.jpeg(3000, 2250, gps=True), "image/jpeg")
    meeting = meetings.meeting_close(actor=place.worker, meeting_id=meeting_id, minutes=page)
    stored = images.metadata_of(meeting.minutes.read())
    assert (stored["exif"], stored["gps"], stored["metadata"]) == ({}, {}, [])
    assert max(stored["size"]) <= MAX_IMAGE_SIDE  # type: ignore[call-overload]


def test_a_paper_sheet_of_a_self_declared_resident_is_refused_and_nothing_recorded(
    place: Place,
) -> None:
    budget_round = voting_round(place)
    voter = place.residents[4].resident
    Resident.objects.filter(pk=voter.pk).update(verification_level=VerificationLevel.ID_CHECKED)
    project = budget_round.projects.order_by("id").first()
    assert project is not None

    with pytest.raises(DomainError) as error:
        ballots.paper_ballot_enter(
            actor=place.worker,
            round_id=budget_round.pk,
            sheet="002",
            id_number=voter.id_number.reveal(),
            approvals=[project.pk],
        )

    assert error.value.code == "level_required"
    with translation.override("zh-hans"):
        assert "社区" in str(error.value)
    assert not PaperEntry.objects.exists()
    assert not Ballot.objects.exists()
