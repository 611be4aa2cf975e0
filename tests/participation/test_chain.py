"""From idea to result: a proposal becomes a budgeting project, wins, is committed from the
fund, paid and built as a project; the proposal's page shows the whole chain with the money,
and the round and project pages link back to the proposal."""

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from shequ.core.errors import DomainError
from shequ.core.scopes import Role
from shequ.funds.services import spending
from shequ.participation.models import Proposal, RoundProject
from shequ.participation.services import ballots, proposals, rounds
from tests.factories import NIJIAQIAO, WUHOU, make_staff
from tests.funds.conftest import receipt
from tests.participation.conftest import Place, council_decides, fund_community
from tests.projects.conftest import new_project


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_the_chain_from_proposal_to_spending_and_project(place: Place, client: Client) -> None:
    proposal = proposals.proposal_create(
        actor=place.residents[0],
        community_code=NIJIAQIAO,
        title="口袋公园改造",
        description="把空地改成小花园",
        category="environment",
    )
    fund_community(NIJIAQIAO, Decimal("500000"))
    budget_round = rounds.round_create(
        actor=place.worker, community_code=NIJIAQIAO, title="微更新", budget="100000"
    )
    park = rounds.project_add(
        actor=place.worker,
        round_id=budget_round.pk,
        title="口袋公园",
        cost=60000,
        proposal_id=proposal.pk,
        is_works=True,
    )
    other = rounds.project_add(
        actor=place.worker, round_id=budget_round.pk, title="读书角", cost=30000
    )
    for project in (park, other):
        rounds.project_review(actor=place.worker, project_id=project.pk, feasible=True)
    for _ in range(3):
        rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
    for user in place.residents[:4]:
        ballots.ballot_cast(actor=user, round_id=budget_round.pk, approvals=[park.pk])
    rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
    item = council_decides(place, title="参与式预算结果", amount="60000")
    rounds.round_attach_decision(actor=place.worker, round_id=budget_round.pk, item_id=item.pk)
    rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
    park.refresh_from_db()
    assert park.commitment_id is not None
    spending.payment_create(
        actor=place.worker,
        commitment_id=park.commitment_id,
        amount="20000",
        invoice_number="51001",
        receipt=receipt(),
        urgent_reason="雨季前必须完工",
    )
    built = new_project(make_staff("chain_district", Role.DISTRICT_OFFICER, WUHOU), "P-2026-777")
    # Only a winner is built, and only as a project of its community.
    with pytest.raises(DomainError) as error:
        rounds.project_link_built(actor=place.worker, project_id=other.pk, code=built.code)
    assert error.value.code == "not_a_winner"
    with pytest.raises(DomainError) as error:
        rounds.project_link_built(actor=place.worker, project_id=park.pk, code="P-NOPE")
    assert error.value.code == "project_elsewhere"
    assert RoundProject.objects.get(pk=park.pk).built_project_code == ""
    client.force_login(place.worker)
    client.post(f"/console/participation/projects/{park.pk}/built/", {"code": built.code})
    assert RoundProject.objects.get(pk=park.pk).built_project_code == built.code

    page = Client().get(f"/participation/proposals/{proposal.pk}/").content.decode()
    for step in ("proposal", "round", "won", "commitment", "payment", "project"):
        assert f'data-testid="chain-{step}"' in page, step
    assert 'data-testid="chain-money"' in page
    money = page[page.index('data-testid="chain-money"') :][:200]
    assert "2.00 万元" in money
    assert f'href="/projects/{built.code}/"' in page
    # ... and back: the round's ballot and the project's page name the proposal.
    round_page = Client().get(f"/participation/rounds/{budget_round.pk}/").content.decode()
    assert f'href="/participation/proposals/{proposal.pk}/"' in round_page
    project_page = Client().get(f"/projects/{built.code}/").content.decode()
    assert 'data-testid="proposal-origin"' in project_page
    assert f'href="/participation/proposals/{proposal.pk}/"' in project_page
    # A hidden proposal is not named on the project's page.
    Proposal.objects.filter(pk=proposal.pk).update(status="hidden")
    assert (
        'data-testid="proposal-origin"'
        not in Client().get(f"/projects/{built.code}/").content.decode()
    )
