"""A round's phase and its dates agree: voting opened early opens now, a closing date that has
passed is refused, and staff correct the dates until the first ballot is cast."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from shequ.core.errors import DomainError
from shequ.core.models import AuditEvent
from shequ.participation.models import Round
from shequ.participation.services import ballots, rounds
from tests.factories import NIJIAQIAO
from tests.participation.conftest import Place, fund_community, voting_round
from tests.participation.test_console import said

# A Monday morning in Chengdu (UTC+8).
MONDAY = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)


def scheduled_round(place: Place, *, opens_in: timedelta, closes_in: timedelta) -> Round:
    """A reviewed round whose vote is scheduled ``opens_in`` from now, still in review."""
    fund_community(NIJIAQIAO, Decimal("500000"))
    now = timezone.now()
    opens = timezone.localtime(now + opens_in).date()
    budget_round = rounds.round_create(
        actor=place.worker,
        community_code=NIJIAQIAO,
        title="2026年微更新",
        budget="100000",
        collect_until=opens - timedelta(days=2),
        review_until=opens - timedelta(days=1),
        voting_from=now + opens_in,
        voting_until=now + closes_in,
    )
    for title, cost in (("口袋公园", 60000), ("加装扶手", 40000)):
        project = rounds.project_add(
            actor=place.worker, round_id=budget_round.pk, title=title, cost=cost
        )
        rounds.project_review(actor=place.worker, project_id=project.pk, feasible=True)
    for _ in range(2):
        rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
    return budget_round


def test_voting_opened_before_its_start_opens_now_and_takes_ballots(place: Place) -> None:
    with time_machine.travel(MONDAY, tick=False):
        budget_round = scheduled_round(
            place, opens_in=timedelta(days=10), closes_in=timedelta(days=20)
        )
        rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
        budget_round.refresh_from_db()
        assert budget_round.phase == Round.Phase.VOTING
        assert budget_round.voting_from == MONDAY
        assert budget_round.voting_until == MONDAY + timedelta(days=20)
        # The phases that ended early end today, so the dates stay in order.
        assert budget_round.review_until == timezone.localdate()
        assert budget_round.collect_until == timezone.localdate()
        project = budget_round.projects.first()
        assert project is not None
        ballots.ballot_cast(
            actor=place.residents[0], round_id=budget_round.pk, approvals=[project.pk]
        )
    event = AuditEvent.objects.filter(verb="participation.round_phase").latest("id")
    assert event.changes["phase"] == ["review", "voting"]
    assert event.changes["voting_from"] == [
        (MONDAY + timedelta(days=10)).isoformat(),
        MONDAY.isoformat(),
    ]


def test_voting_cannot_open_after_its_closing_date(place: Place) -> None:
    with time_machine.travel(MONDAY, tick=False):
        budget_round = scheduled_round(
            place, opens_in=timedelta(days=1), closes_in=timedelta(days=3)
        )
    with time_machine.travel(MONDAY + timedelta(days=4), tick=False):
        with pytest.raises(DomainError) as error:
            rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
        assert error.value.code == "voting_until_passed"
        assert "2026-05-07 10:00" in str(error.value)
        budget_round.refresh_from_db()
        assert budget_round.phase == Round.Phase.REVIEW
        # Corrected dates let the vote open.
        rounds.round_set_dates(
            actor=place.worker,
            round_id=budget_round.pk,
            voting_until=timezone.now() + timedelta(days=7),
        )
        rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
        budget_round.refresh_from_db()
        assert budget_round.phase == Round.Phase.VOTING


def test_a_refused_ballot_says_when_voting_opens(place: Place) -> None:
    budget_round = voting_round(place)
    # A round stuck by the old phase change: voting, with its start still ahead.
    opens = timezone.now() + timedelta(days=3)
    Round.objects.filter(pk=budget_round.pk).update(voting_from=opens)
    project = budget_round.projects.first()
    assert project is not None
    with pytest.raises(DomainError) as error:
        ballots.ballot_cast(
            actor=place.residents[0], round_id=budget_round.pk, approvals=[project.pk]
        )
    assert timezone.localtime(opens).strftime("%Y-%m-%d %H:%M") in str(error.value)


def test_the_ballot_page_shows_no_open_ballot_before_voting_opens(
    place: Place, client: Client
) -> None:
    budget_round = voting_round(place)
    opens = timezone.now() + timedelta(days=3)
    Round.objects.filter(pk=budget_round.pk).update(voting_from=opens)
    client.force_login(place.residents[0])
    page = client.get(f"/participation/rounds/{budget_round.pk}/").content.decode()
    assert 'data-testid="voting-not-yet"' in page
    assert 'data-testid="vote"' not in page
    assert (
        said("Voting opens on %(when)s.", when=timezone.localtime(opens).strftime("%Y-%m-%d %H:%M"))
        in page
    )


def test_staff_correct_the_dates_of_a_voting_round_until_the_first_ballot(
    place: Place,
) -> None:
    budget_round = voting_round(place)
    Round.objects.filter(pk=budget_round.pk).update(voting_from=timezone.now() + timedelta(days=3))
    closes = timezone.now() + timedelta(days=14)
    with pytest.raises(DomainError) as error:
        rounds.round_set_dates(
            actor=place.worker,
            round_id=budget_round.pk,
            voting_from=timezone.now() + timedelta(days=1),
            voting_until=closes,
        )
    assert error.value.code == "voting_started"
    opened = timezone.now() - timedelta(minutes=5)
    rounds.round_set_dates(
        actor=place.worker, round_id=budget_round.pk, voting_from=opened, voting_until=closes
    )
    budget_round.refresh_from_db()
    assert (budget_round.voting_from, budget_round.voting_until) == (opened, closes)
    project = budget_round.projects.first()
    assert project is not None
    ballots.ballot_cast(actor=place.residents[0], round_id=budget_round.pk, approvals=[project.pk])
    with pytest.raises(DomainError) as error:
        rounds.round_set_dates(
            actor=place.worker,
            round_id=budget_round.pk,
            voting_from=opened,
            voting_until=closes + timedelta(days=1),
        )
    assert error.value.code == "ballots_cast"
    budget_round.refresh_from_db()
    assert budget_round.voting_until == closes


def test_the_console_dates_form_corrects_a_voting_round(place: Place, client: Client) -> None:
    budget_round = voting_round(place)
    Round.objects.filter(pk=budget_round.pk).update(voting_from=timezone.now() + timedelta(days=3))
    client.force_login(place.worker)
    url = f"/console/participation/rounds/{budget_round.pk}/dates/"
    assert 'data-testid="rules-frozen"' in client.get(url).content.decode()
    opened = timezone.localtime(timezone.now() - timedelta(hours=1))
    closes = timezone.localtime(timezone.now() + timedelta(days=7))
    form = {
        "voting_from": opened.strftime("%Y-%m-%dT%H:%M"),
        "voting_until": closes.strftime("%Y-%m-%dT%H:%M"),
    }
    response = client.post(url, form)
    assert response.status_code == 302
    budget_round.refresh_from_db()
    assert budget_round.voting_from is not None
    assert budget_round.voting_from <= timezone.now()
    project = budget_round.projects.first()
    assert project is not None
    ballots.ballot_cast(actor=place.residents[0], round_id=budget_round.pk, approvals=[project.pk])
    response = client.post(url, form)
    assert response.status_code == 400
    assert said("Ballots have been cast: the dates can no longer change.") in (
        response.content.decode()
    )


def test_the_api_corrects_the_dates_until_the_first_ballot(place: Place, client: Client) -> None:
    budget_round = voting_round(place)
    Round.objects.filter(pk=budget_round.pk).update(voting_from=timezone.now() + timedelta(days=3))
    client.force_login(place.worker)
    url = f"/api/v1/participation/rounds/{budget_round.pk}/dates"
    opened = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)
    body = json.dumps(
        {
            "voting_from": opened.isoformat(),
            "voting_until": (opened + timedelta(days=7)).isoformat(),
        }
    )
    response = client.put(url, body, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["phase"] == "voting"
    assert datetime.fromisoformat(response.json()["voting_from"]) == opened
    project = budget_round.projects.first()
    assert project is not None
    ballots.ballot_cast(actor=place.residents[0], round_id=budget_round.pk, approvals=[project.pk])
    response = client.put(url, body, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "ballots_cast")
    client.force_login(place.other_worker)
    response = client.put(url, body, content_type="application/json")
    assert response.status_code == 404
