"""What residents see on a proposal and on a ballot: the author (masked), the support
threshold with its progress, no 附议 for the author, and a ballot a person can understand."""

import pytest
from django.test import Client

from shequ.core.errors import DomainError
from shequ.participation.models import Proposal, Round
from shequ.participation.services import proposals, rounds
from shequ.people.models import Resident
from tests.factories import NIJIAQIAO
from tests.participation.conftest import Place, voting_round


def propose(place: Place) -> Proposal:
    return proposals.proposal_create(
        actor=place.residents[0],
        community_code=NIJIAQIAO,
        title="小区东门加装路灯",
        description="晚上东门太黑",
        category="safety",
    )


def test_proposal_page_shows_author_threshold_and_progress(place: Place, client: Client) -> None:
    Resident.objects.filter(user=place.residents[0]).update(real_name="王小明")
    proposal = propose(place)
    proposals.proposal_support(actor=place.residents[1], proposal_id=proposal.pk)
    page = client.get(f"/participation/proposals/{proposal.pk}/").content.decode()
    assert "王*明" in page
    assert "王小明" not in page
    # threshold 3 (the council's): 1 of 3, a third of the bar.
    assert "1 of the 3 supports" in page or "3 人附议即进入议事会议程，已有 1 人" in page
    assert 'aria-valuenow="33"' in page


def test_the_author_sees_no_support_button_and_cannot_support(place: Place, client: Client) -> None:
    proposal = propose(place)
    client.force_login(place.residents[0])
    page = client.get(f"/participation/proposals/{proposal.pk}/").content.decode()
    assert 'data-testid="support"' not in page
    assert 'data-testid="own-proposal"' in page
    with pytest.raises(DomainError) as error:
        proposals.proposal_support(actor=place.residents[0], proposal_id=proposal.pk)
    assert error.value.code == "own_proposal"
    assert Proposal.objects.get(pk=proposal.pk).supports == 0
    # A neighbour sees the button until she has supported.
    client.force_login(place.residents[1])
    url = f"/participation/proposals/{proposal.pk}/"
    assert 'data-testid="support"' in client.get(url).content.decode()
    proposals.proposal_support(actor=place.residents[1], proposal_id=proposal.pk)
    assert 'data-testid="support"' not in client.get(url).content.decode()


@pytest.mark.parametrize("title", ["社区活动经费（投票中）", "微更新(Voting)", "活动【结果】"])
def test_a_round_title_does_not_carry_its_phase(place: Place, title: str) -> None:
    with pytest.raises(DomainError) as error:
        rounds.round_create(
            actor=place.worker, community_code=NIJIAQIAO, title=title, budget="10000"
        )
    assert error.value.code == "title_with_phase"
    assert not Round.objects.exists()


MES = "按平等份额法计票：每位投票人拥有同等份额的预算。"
GREEDY = "得票最多的项目依次入选，直到预算用完。"
WITHIN = "每人可选多个项目，所选项目总费用不超过预算100000元；"


@pytest.mark.parametrize(
    ("rule", "method", "expected"),
    [
        ("k_approval", "equal_shares", "每人最多选2个；" + MES),
        ("k_approval", "greedy", "每人最多选2个；" + GREEDY),
        ("approval_budget", "equal_shares", WITHIN + MES),
        ("approval_budget", "greedy", WITHIN + GREEDY),
    ],
)
def test_ballot_explains_the_rule_in_one_plain_sentence(
    place: Place, client: Client, rule: str, method: str, expected: str
) -> None:
    budget_round = voting_round(place, rule=rule, k=2)
    Round.objects.filter(pk=budget_round.pk).update(method=method)
    page = client.get(
        f"/participation/rounds/{budget_round.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert expected in page
    assert "(k = " not in page


def test_ballot_shows_description_cost_closing_date_and_voters(
    place: Place, client: Client
) -> None:
    budget_round = voting_round(place)
    budget_round.projects.filter(title="口袋公园").update(description="把空地改成小花园")
    client.force_login(place.residents[0])
    page = client.get(f"/participation/rounds/{budget_round.pk}/").content.decode()
    assert page.count('data-testid="ballot-project"') == 3
    assert "把空地改成小花园" in page
    assert page.count('data-testid="project-cost"') == 3
    assert 'data-testid="voters-so-far"' in page
