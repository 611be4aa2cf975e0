"""Open data, downloadable from the public pages: the proposals found on the "find proposals"
page as CSV (counts only), and a counted round's projects with costs, votes and selection as
CSV and its anonymised ballots in Pabulib."""

import csv
import io

from django.test import Client

from shequ.participation.models import Round
from shequ.participation.services import ballots, proposals, rounds
from tests.factories import NIJIAQIAO, SHUIJINGFANG
from tests.participation.conftest import Place, voting_round

BASE = "/api/v1/participation"


def _csv_rows(client: Client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_proposals_as_open_data_as_found_with_counts_and_no_names(
    place: Place, client: Client
) -> None:
    lamp = proposals.proposal_create(
        actor=place.residents[0],
        community_code=NIJIAQIAO,
        title="=东门加装路灯",
        description="晚上太黑",
        category="safety",
        lon="104.05",
        lat="30.62",
    )
    proposals.proposal_support(actor=place.residents[1], proposal_id=lamp.pk)
    proposals.proposal_support(actor=place.residents[2], proposal_id=lamp.pk)
    hidden = proposals.proposal_create(
        actor=place.residents[1],
        community_code=NIJIAQIAO,
        title="广告路灯",
        description="x",
        category="other",
    )
    proposals.proposal_hide(actor=place.worker, proposal_id=hidden.pk, reason="广告")
    proposals.proposal_create(
        actor=place.outsider,
        community_code=SHUIJINGFANG,
        title="水井坊路灯维修",
        description="路灯坏了",
        category="safety",
    )

    # The find page links to the same search as CSV.
    page = client.get(f"/participation/proposals/?q=路灯&area={NIJIAQIAO}").content.decode()
    assert 'data-testid="proposals-csv"' in page
    header, *rows = _csv_rows(client, f"{BASE}/proposals.csv?q=路灯&area={NIJIAQIAO}")
    assert header[:4] == ["议题编号", "社区代码", "社区（村）", "标题"]
    # Hidden ones and other areas are left out; a formula-like title is defused.
    assert [row[:4] for row in rows] == [
        [str(lamp.pk), NIJIAQIAO, "倪家桥社区居委会", "'=东门加装路灯"]
    ]
    row = dict(zip(header, rows[0], strict=True))
    assert (row["类别"], row["状态"], row["附议数"], row["评论数"]) == (
        "安全",
        "征集附议中",
        "2",
        "0",
    )
    assert (row["经度"], row["纬度"]) == ("104.050000", "30.620000")
    # Who proposed and who supported is not open data.
    everything = "".join(",".join(r) for r in rows)
    for person in (*place.residents[:3], place.outsider):
        assert person.resident.real_name not in everything
    # The whole city, most supported first; an unknown filter is ignored as on the page.
    _, *city = _csv_rows(client, f"{BASE}/proposals.csv?status=bogus")
    assert [r[3] for r in city] == ["'=东门加装路灯", "水井坊路灯维修"]
    # Nothing found: the header alone, and the page offers no download.
    header_only = _csv_rows(client, f"{BASE}/proposals.csv?q=不存在的词")
    assert header_only == [header]
    empty = client.get("/participation/proposals/?q=不存在的词").content.decode()
    assert 'data-testid="proposals-csv"' not in empty


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
    assert client.get(csv_url).status_code == 409  # results_not_published
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
