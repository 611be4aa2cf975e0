from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from shequ.participation.services import ballots, debates, proposals, rounds
from tests.factories import NIJIAQIAO
from tests.participation.conftest import Place, voting_round

OPENED = datetime(2026, 5, 11, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_community_page_lists_proposals_with_constant_queries(
    place: Place, client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with time_machine.travel(OPENED, tick=False):
        for i in range(2):
            proposals.proposal_create(
                actor=place.residents[0],
                community_code=NIJIAQIAO,
                title=f"议题{i}",
                description="d",
                category="other",
            )
        client.get(f"/participation/c/{NIJIAQIAO}/")
        # Proposals, rounds, debates (with their argument counts), meetings.
        with django_assert_num_queries(5):
            client.get(f"/participation/c/{NIJIAQIAO}/")
        for i in range(5):
            proposals.proposal_create(
                actor=place.residents[1],
                community_code=NIJIAQIAO,
                title=f"更多{i}",
                description="d",
                category="other",
            )
            debates.debate_open(
                actor=place.worker,
                community_code=NIJIAQIAO,
                title=f"辩题{i}",
                description="d",
                closes_at=OPENED + timedelta(days=3),
            )
        with django_assert_num_queries(5):
            response = client.get(f"/participation/c/{NIJIAQIAO}/")
        assert response.content.decode().count('data-testid="proposal-row"') == 7
        assert response.content.decode().count('data-testid="debate-row"') == 5


def test_resident_votes_on_the_round_page_and_sees_errors(place: Place, client: Client) -> None:
    budget_round = voting_round(place)
    a, b, c = budget_round.projects.order_by("id")
    client.force_login(place.residents[0])
    response = client.post(
        f"/participation/rounds/{budget_round.pk}/", {"approvals": [a.pk, b.pk, c.pk]}
    )
    assert response.status_code == 400
    refused = response.content.decode()
    assert 'data-testid="ballot-error"' in refused
    # The refused choices stay ticked for correcting; no ballot exists yet.
    assert all(f'value="{p.pk}" checked' in refused for p in (a, b, c))
    assert "投出我的选票" in refused or "Cast my ballot" in refused
    response = client.post(f"/participation/rounds/{budget_round.pk}/", {"approvals": [a.pk]})
    assert response.status_code == 302
    page = client.get(f"/participation/rounds/{budget_round.pk}/").content.decode()
    assert f'value="{a.pk}" checked' in page


def test_results_page_explains_both_methods(place: Place, client: Client) -> None:
    budget_round = voting_round(place)
    a, _, _ = budget_round.projects.order_by("id")
    ballots.ballot_cast(actor=place.residents[0], round_id=budget_round.pk, approvals=[a.pk])
    rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
    page = client.get(f"/participation/rounds/{budget_round.pk}/").content.decode()
    assert 'data-testid="result-greedy"' in page
    assert 'data-testid="result-equal_shares"' in page
    assert "口袋公园" in page
    # The two other projects would fit in what is left, but nobody voted for them.
    assert page.count('data-testid="winner"') == 2
    assert 'data-testid="zero-votes-rule"' in page
    assert "没有人投票的项目不会获得资助" in page


def test_console_is_scoped_to_the_area(place: Place, client: Client) -> None:
    budget_round = voting_round(place)
    client.force_login(place.other_worker)
    assert client.get(f"/console/participation/rounds/{budget_round.pk}/").status_code == 404
    assert 'data-testid="round-row"' not in client.get("/console/participation/").content.decode()
    client.force_login(place.worker)
    assert 'data-testid="round-row"' in client.get("/console/participation/").content.decode()
    client.force_login(place.residents[0])
    assert client.get("/console/participation/").status_code == 403


@pytest.mark.parametrize("path", ["/participation/", f"/participation/c/{NIJIAQIAO}/propose/"])
def test_pages_render_for_a_resident(place: Place, client: Client, path: str) -> None:
    client.force_login(place.residents[0])
    assert client.get(path).status_code in (200, 302)
