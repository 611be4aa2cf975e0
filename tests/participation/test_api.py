import json

from django.test import Client
from pytest_django import DjangoAssertNumQueries

from shequ.participation.services import rounds
from tests.factories import NIJIAQIAO
from tests.participation.conftest import Place, voting_round

BASE = "/api/v1/participation"


def test_propose_support_and_list(
    place: Place, client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client.force_login(place.residents[0])
    response = client.post(
        f"{BASE}/proposals",
        json.dumps(
            {
                "community": NIJIAQIAO,
                "title": "<script>x</script>",
                "description": "d",
                "category": "other",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "markup_not_allowed"
    response = client.post(
        f"{BASE}/proposals",
        json.dumps(
            {
                "community": NIJIAQIAO,
                "title": "加装电梯",
                "description": "d",
                "category": "facilities",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201
    proposal_id = response.json()["id"]
    client.force_login(place.outsider)
    response = client.post(f"{BASE}/proposals/{proposal_id}/support")
    assert response.status_code == 403
    client.logout()
    with django_assert_num_queries(3):
        listing = client.get(f"{BASE}/communities/{NIJIAQIAO}/proposals").json()
    assert [p["title"] for p in listing["items"]] == ["加装电梯"]


def test_ballot_over_the_api_and_pabulib_export(place: Place, client: Client) -> None:
    budget_round = voting_round(place)
    a, b, c = budget_round.projects.order_by("id")
    client.force_login(place.residents[0])
    url = f"{BASE}/rounds/{budget_round.pk}/ballot"
    response = client.put(
        url, json.dumps({"approvals": [a.pk, b.pk, c.pk]}), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "ballot_over_budget"
    response = client.put(url, json.dumps({"approvals": [a.pk]}), content_type="application/json")
    assert response.json() == {"approvals": [a.pk]}
    assert client.get(f"{BASE}/rounds/{budget_round.pk}/pabulib").status_code == 409
    rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
    detail = client.get(f"{BASE}/rounds/{budget_round.pk}").json()
    assert {r["method"] for r in detail["results"]} == {"greedy", "equal_shares"}
    export = client.get(f"{BASE}/rounds/{budget_round.pk}/pabulib").content.decode()
    assert "VOTES\nvoter_id;vote\n1;" in export


def test_comments_and_answers_over_the_api(place: Place, client: Client) -> None:
    from shequ.participation.services import answers as answer_services
    from shequ.participation.services import comments as comment_services
    from shequ.participation.services import proposals as proposal_services

    proposal = proposal_services.proposal_create(
        actor=place.residents[0],
        community_code=NIJIAQIAO,
        title="东门路灯",
        description="太黑",
        category="safety",
    )
    comment_services.comment_post(
        actor=place.residents[1], target="proposal", key=proposal.pk, body="电话13812345678"
    )
    answer_services.answer_create(actor=place.worker, proposal_id=proposal.pk, state="evaluating")
    rows = client.get(f"/api/v1/participation/comments/proposal/{proposal.pk}").json()
    assert [r["body"] for r in rows] == ["电话138****5678"]
    assert client.get("/api/v1/participation/comments/proposal/999999").status_code == 404
    states = client.get(f"/api/v1/participation/proposals/{proposal.pk}/answers").json()
    assert [a["state"] for a in states] == ["evaluating"]
