"""Open data of every budgeting round whose results are out: the Pabulib file read back by
a reader of the format written here (pabutools is not installed), recounted to the same
winners, anonymised; rounds not yet published are refused in Chinese; the open-data page
and the API list the published rounds with their downloads."""

import csv
import io
import random

from django.test import Client

from shequ.participation.models import Round, RoundProject, RoundResult
from shequ.participation.services import ballots, rounds
from tests.participation import recount_pabulib
from tests.participation.conftest import Place, resident_user, voting_round

BASE = "/api/v1/participation"


def read_pb(text: str) -> tuple[dict[str, str], dict[str, dict[str, str]], dict[str, list[str]]]:
    """A small Pabulib reader: the META key/values, PROJECTS rows by id, VOTES rows by id."""
    sections: dict[str, list[list[str]]] = {}
    current = ""
    for row in csv.reader(io.StringIO(text), delimiter=";"):
        if len(row) == 1 and row[0] in ("META", "PROJECTS", "VOTES"):
            current = row[0]
            sections[current] = []
        else:
            sections[current].append(row)
    meta_header, *meta_rows = sections["META"]
    assert meta_header == ["key", "value"]
    meta = dict(meta_rows)
    project_header, *project_rows = sections["PROJECTS"]
    projects = {row[0]: dict(zip(project_header, row, strict=True)) for row in project_rows}
    vote_header, *vote_rows = sections["VOTES"]
    assert vote_header == ["voter_id", "vote"]
    votes = {voter: vote.split(",") if vote else [] for voter, vote in vote_rows}
    return meta, projects, votes


def test_a_published_round_exports_to_pabulib_that_recounts_to_our_winners(
    place: Place, client: Client
) -> None:
    budget_round = voting_round(place)
    park = budget_round.projects.order_by("id").first()
    assert park is not None
    # A name with the format's delimiter and a quote in it survives (csv quoting).
    RoundProject.objects.filter(pk=park.pk).update(title='口袋公园;"二期"')
    ids = list(budget_round.projects.order_by("id").values_list("id", flat=True))
    rng = random.Random(22)
    voters = place.residents + [resident_user(f"pb{i}") for i in range(16)]
    for user in voters:
        choice = rng.sample(ids, rng.randint(1, 2))
        if sum(budget_round.projects.get(pk=p).cost for p in choice) > budget_round.budget:
            choice = choice[:1]
        ballots.ballot_cast(actor=user, round_id=budget_round.pk, approvals=choice)

    # While voting: refused in Chinese, nothing to download, not listed.
    exports = f"{BASE}/rounds/{budget_round.pk}"
    for url in (f"{exports}/pabulib", f"{exports}/results.csv"):
        refused = client.get(url)
        assert refused.status_code == 409
        assert refused.json()["code"] == "results_not_published"
        assert refused.json()["title"] == "本预算轮次的结果尚未公布，公布后才提供开放数据。"
    assert client.get(f"{BASE}/open-data/rounds").json()["items"] == []
    listing = client.get("/open-data/").content.decode()
    assert 'data-testid="no-budget-rounds"' in listing

    rounds.round_advance(actor=place.worker, round_id=budget_round.pk)  # results are out
    response = client.get(f"{BASE}/rounds/{budget_round.pk}/pabulib")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="round-{budget_round.pk}.pb"'
    text = response.content.decode()
    meta, projects, votes = read_pb(text)

    assert meta["country"] == "China"
    assert meta["unit"] == budget_round.community.name
    assert meta["instance"] == str(budget_round.fund_year)
    assert meta["description"] == "2026年微更新"
    assert meta["vote_type"] == "approval"
    assert meta["rule"] == "equalshares"
    assert meta["num_projects"] == "3"
    assert meta["num_votes"] == str(len(voters))
    assert meta["budget"] == "100000"
    assert meta["max_length"] == "3"  # approval within the budget: any of the projects
    assert meta["max_sum_cost"] == "100000"
    assert set(projects) == {str(i) for i in ids}
    assert projects[str(park.pk)]["name"] == '口袋公园;"二期"'
    assert projects[str(park.pk)]["cost"] == "60000"
    # Votes: sequence numbers only, the counts agree with the ballots.
    assert list(votes) == [str(n) for n in range(1, len(voters) + 1)]
    for project_id, row in projects.items():
        assert int(row["votes"]) == sum(project_id in vote for vote in votes.values())
    for user in voters:
        assert user.username not in text
        assert user.resident.real_name not in text

    # Recounted from the file alone, the winners are ours; "selected" marks the round's own.
    results = {r.method: r.winners for r in RoundResult.objects.filter(round=budget_round)}
    budget = int(meta["budget"])
    costs = {int(p): int(row["cost"]) for p, row in projects.items()}
    sets = [{int(p) for p in vote} for vote in votes.values()]
    assert recount_pabulib.equal_shares(budget, costs, sets) == results["equal_shares"]
    assert recount_pabulib.greedy(budget, costs, sets) == results["greedy"]
    assert {int(p) for p, row in projects.items() if row["selected"] == "1"} == set(
        results["equal_shares"]
    )

    # Listed on the open-data page and over the API, with both downloads.
    listing = client.get("/open-data/").content.decode()
    assert 'data-testid="budget-round"' in listing
    assert f'href="{BASE}/rounds/{budget_round.pk}/pabulib"' in listing
    assert f'href="{BASE}/rounds/{budget_round.pk}/results.csv"' in listing
    assert "居民议事：参与式预算轮次" in listing
    (item,) = client.get(f"{BASE}/open-data/rounds").json()["items"]
    assert item["id"] == budget_round.pk
    assert item["pabulib_url"] == f"{BASE}/rounds/{budget_round.pk}/pabulib"
    assert client.get(item["results_csv_url"]).status_code == 200


def test_k_approval_rounds_say_how_many_choices_and_unknown_rounds_are_404(
    place: Place, client: Client
) -> None:
    budget_round = voting_round(place, rule=Round.Rule.K_APPROVAL, k=2)
    ids = list(budget_round.projects.order_by("id").values_list("id", flat=True))
    ballots.ballot_cast(actor=place.residents[0], round_id=budget_round.pk, approvals=ids[:2])
    rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
    exported = client.get(f"{BASE}/rounds/{budget_round.pk}/pabulib").content.decode()
    meta, _, votes = read_pb(exported)
    assert meta["max_length"] == "2"
    assert "max_sum_cost" not in meta
    assert votes == {"1": [str(i) for i in sorted(ids[:2])]}

    missing = client.get(f"{BASE}/rounds/999999/pabulib")
    assert missing.status_code == 404
    assert missing.json()["title"] == "没有这个参与式预算。"
    draft = rounds.round_create(
        actor=place.worker, community_code=budget_round.community_id, title="明年", budget="1000"
    )
    assert client.get(f"{BASE}/rounds/{draft.pk}/pabulib").status_code == 404
    assert client.get(f"{BASE}/rounds/{draft.pk}/results.csv").status_code == 404
