"""Supporting and voting need the registry match or more, unless a round or council says."""

import pytest
from django.test import Client
from django.utils import translation

from shequ.core.errors import DomainError, PermissionDenied
from shequ.core.models import AuditEvent
from shequ.participation.models import Round
from shequ.participation.services import ballots, councils, proposals, rounds
from shequ.people.models import VerificationLevel
from tests.factories import NIJIAQIAO
from tests.participation.conftest import Place, resident_user, voting_round


def _proposal(place: Place) -> int:
    proposal = proposals.proposal_create(
        actor=place.residents[0],
        community_code=NIJIAQIAO,
        title="楼道加装扶手",
        description="三号楼老人多，楼梯没有扶手。",
        category="safety",
    )
    return proposal.pk


def test_a_self_declared_id_number_cannot_support_and_is_told_why(place: Place) -> None:
    proposal_id = _proposal(place)
    self_declared = resident_user("self_declared", level=VerificationLevel.ID_CHECKED)
    with translation.override("en"), pytest.raises(PermissionDenied) as refused:
        proposals.proposal_support(actor=self_declared, proposal_id=proposal_id)
    assert refused.value.code == "level_required"
    assert "Matched the community registry" in str(refused.value)
    assert "no record matching your name and ID number" in str(refused.value)
    proposals.proposal_support(actor=place.residents[1], proposal_id=proposal_id)


def test_a_council_may_let_self_declared_residents_support(place: Place) -> None:
    proposal_id = _proposal(place)
    self_declared = resident_user("self_declared", level=VerificationLevel.ID_CHECKED)
    councils.council_set_support_level(
        actor=place.worker, council_id=place.council.pk, support_level="id_checked"
    )
    proposals.proposal_support(actor=self_declared, proposal_id=proposal_id)


def test_a_council_may_ask_for_in_person_verification(place: Place) -> None:
    proposal_id = _proposal(place)
    councils.council_set_support_level(
        actor=place.worker, council_id=place.council.pk, support_level=VerificationLevel.IN_PERSON
    )
    with translation.override("en"), pytest.raises(PermissionDenied) as refused:
        proposals.proposal_support(actor=place.residents[1], proposal_id=proposal_id)
    assert "community service centre with your ID card" in str(refused.value)
    in_person = resident_user("in_person", level=VerificationLevel.IN_PERSON)
    proposals.proposal_support(actor=in_person, proposal_id=proposal_id)


def test_a_self_declared_id_number_cannot_vote_and_the_round_page_says_why(
    place: Place, client: Client
) -> None:
    budget_round = voting_round(place)
    first = budget_round.projects.order_by("id").first()
    assert first is not None
    self_declared = resident_user("self_declared", level=VerificationLevel.ID_CHECKED)
    with pytest.raises(PermissionDenied):
        ballots.ballot_cast(actor=self_declared, round_id=budget_round.pk, approvals=[first.pk])
    client.force_login(self_declared)
    page = client.post(
        f"/participation/rounds/{budget_round.pk}/",
        {"approvals": [first.pk]},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert page.status_code == 400
    text = page.content.decode()
    assert "与社区居民登记信息核对一致" in text  # the level needed
    assert "社区服务中心" in text  # how to get it
    assert not budget_round.voters.exists()


def test_registry_matched_and_in_person_residents_vote(place: Place) -> None:
    budget_round = voting_round(place)
    first = budget_round.projects.order_by("id").first()
    assert first is not None
    in_person = resident_user("in_person", level=VerificationLevel.IN_PERSON)
    for voter in (place.residents[0], in_person):
        ballots.ballot_cast(actor=voter, round_id=budget_round.pk, approvals=[first.pk])
    assert budget_round.voters.count() == 2


def test_a_round_configured_for_id_checked_lets_the_self_declared_vote(place: Place) -> None:
    budget_round = voting_round(place, vote_level=VerificationLevel.ID_CHECKED)
    first = budget_round.projects.order_by("id").first()
    assert first is not None
    self_declared = resident_user("self_declared", level=VerificationLevel.ID_CHECKED)
    ballots.ballot_cast(actor=self_declared, round_id=budget_round.pk, approvals=[first.pk])
    assert budget_round.voters.count() == 1


@pytest.mark.parametrize("bad", [0, "registered", 9, "trusted", -1])
def test_level_overrides_refuse_bad_values(place: Place, bad: object) -> None:
    with pytest.raises(DomainError) as refused:
        voting_round(place, vote_level=bad)  # type: ignore[arg-type]
    assert refused.value.code == "invalid_level"
    with pytest.raises(DomainError) as refused:
        councils.council_set_support_level(
            actor=place.worker, council_id=place.council.pk, support_level=bad
        )
    assert refused.value.code == "invalid_level"
    assert not Round.objects.exists()


def test_the_vote_level_is_fixed_once_voting_opens(place: Place) -> None:
    budget_round = voting_round(place)
    with pytest.raises(DomainError) as refused:
        rounds.round_set_vote_level(
            actor=place.worker, round_id=budget_round.pk, vote_level="id_checked"
        )
    assert refused.value.code == "rules_frozen"


def test_console_and_api_set_the_levels(place: Place, client: Client) -> None:
    client.force_login(place.worker)
    response = client.put(
        f"/api/v1/participation/councils/{place.council.pk}/support-level",
        {"level": "in_person"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["support_level"] == VerificationLevel.IN_PERSON
    response = client.put(
        f"/api/v1/participation/councils/{place.council.pk}/support-level",
        {"level": "registered"},
        content_type="application/json",
    )
    assert response.status_code == 400
    form = client.get(f"/console/participation/c/{NIJIAQIAO}/councils/new/").content.decode()
    assert 'name="support_level"' in form


def test_the_council_page_sets_both_levels_and_refuses_a_bad_one(
    place: Place, client: Client
) -> None:
    client.force_login(place.worker)
    page = f"/console/participation/councils/{place.council.pk}/"
    form = client.get(page).content.decode()
    assert 'data-testid="levels-form"' in form
    assert 'name="object_level"' in form

    response = client.post(
        page,
        {
            "action": "levels",
            "support_level": str(int(VerificationLevel.ID_CHECKED)),
            "object_level": str(int(VerificationLevel.IN_PERSON)),
        },
    )
    assert response.status_code == 302
    place.council.refresh_from_db()
    assert place.council.support_level == VerificationLevel.ID_CHECKED
    assert place.council.object_level == VerificationLevel.IN_PERSON
    assert AuditEvent.objects.filter(verb="participation.council_object_level").exists()

    response = client.post(page, {"action": "levels", "support_level": "", "object_level": "0"})
    assert response.status_code == 400
    place.council.refresh_from_db()
    assert place.council.support_level == VerificationLevel.ID_CHECKED
    assert place.council.object_level == VerificationLevel.IN_PERSON

    response = client.put(
        f"/api/v1/participation/councils/{place.council.pk}/object-level",
        {"level": None},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["object_level"] is None
