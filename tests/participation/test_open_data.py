"""Open data of a counted round, downloadable from its public results page: the projects
with costs, votes and selection as CSV, and the anonymised ballots in Pabulib."""

import csv
import io

from django.test import Client

from shequ.participation.models import Round
from shequ.participation.services import ballots, rounds
from tests.participation.conftest import Place, voting_round

BASE = "/api/v1/participation"


def test_results_csv_and_pabulib_from_the_results_page(place: Place, client: Client) -> None:
    budget_round = voting_round(place)
    park, rail, books = budget_round.projects.order_by("id")
    for who, approvals in ((0, [park]), (1, [park]), (2, [rail, books]), (3, [books])):
        ballots.ballot_cast(
            actor=place.residents[who],
            round_id=budget_round.pk,
            approvals=[p.pk for p in approvals],
        )
    csv_url = f"{BASE}/rounds/{budget_round.pk}/results.csv"
    # Not before the results are out, and the page has no links yet.
    assert client.get(csv_url).status_code == 404
    page = client.get(f"/participation/rounds/{budget_round.pk}/").content.decode()
    assert 'data-testid="results-csv"' not in page
    rounds.round_advance(actor=place.worker, round_id=budget_round.pk)
    assert Round.objects.get(pk=budget_round.pk).phase == Round.Phase.RESULTS
    page = client.get(f"/participation/rounds/{budget_round.pk}/").content.decode()
    assert f'href="{csv_url}"' in page
    assert f'href="{BASE}/rounds/{budget_round.pk}/pabulib"' in page
    assert "下载项目与计票结果（CSV）" in page

    response = client.get(csv_url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # spreadsheets read the Chinese as UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:8] == [
        "预算轮次",
        "社区代码",
        "预算（元）",
        "投票人数",
        "项目编号",
        "项目",
        "费用（元）",
        "票数",
    ]
    # The round's own method (equal shares) comes first, then the other.
    assert rows[0][8].startswith("入选（")
    assert len(rows[0]) == 10
    by_title = {row[5]: row for row in rows[1:]}
    assert set(by_title) == {"口袋公园", "加装扶手", "读书角"}
    assert [by_title[t][7] for t in ("口袋公园", "加装扶手", "读书角")] == ["2", "1", "2"]
    assert by_title["口袋公园"][6] == "60000"
    assert {row[3] for row in rows[1:]} == {"4"}
    result = budget_round.results.get(method=budget_round.method)
    for row in rows[1:]:
        assert row[8] == ("是" if int(row[4]) in result.winners else "否")
    # Nothing about who voted.
    text = raw.decode("utf-8-sig")
    for user in place.residents:
        assert user.username not in text

    pabulib = client.get(f"{BASE}/rounds/{budget_round.pk}/pabulib").content.decode()
    assert "num_votes;4" in pabulib
    assert f"{park.pk};60000;2;口袋公园;" in pabulib
