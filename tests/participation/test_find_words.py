"""Finding proposals by their words through the Chinese (jieba) word index, combined with the
filters, on the find page and over the API; what a visitor may not see is never found."""

from django.test import Client

from shequ.participation.models import Proposal
from shequ.participation.services import proposals
from tests.factories import NIJIAQIAO, SHUIJINGFANG
from tests.participation.conftest import Place

API = "/api/v1/participation/proposals"


def _propose(place: Place, who: int, title: str, description: str, **extra: str) -> Proposal:
    user = place.outsider if who < 0 else place.residents[who]
    return proposals.proposal_create(
        actor=user,
        community_code=extra.pop("community", NIJIAQIAO),
        title=title,
        description=description,
        category=extra.pop("category", "facilities"),
    )


def _titles(client: Client, query: str) -> list[str]:
    response = client.get(f"{API}?{query}")
    assert response.status_code == 200
    return [item["title"] for item in response.json()["items"]]


def test_a_two_character_word_finds_the_proposal_and_a_missing_word_nothing(
    place: Place, client: Client
) -> None:
    lift = _propose(place, 0, "三号楼加装电梯", "老人上下楼困难")
    park = _propose(place, 1, "规划非机动车位", "楼下乱停车，消防通道被堵")
    _propose(place, 2, "周末亲子活动", "每月一次", category="culture")

    assert _titles(client, "q=电梯") == [lift.title]
    assert _titles(client, "q=停车") == [park.title]  # a word of the description
    assert _titles(client, "q=火箭发射") == []
    assert _titles(client, "q=电梯 火箭") == []  # every word must occur
    assert _titles(client, "q=！？") == []  # no word to look for: nothing, no error
    found = client.get(f"{API}?q=电梯").json()
    assert (found["count"], found["capped"], found["page"], found["pages"]) == (1, False, 1, 1)
    assert found["items"][0]["comments_count"] == 0

    page = client.get("/participation/proposals/?q=电梯").content.decode()
    assert page.count('data-testid="found-row"') == 1
    assert "三号楼加装电梯" in page
    empty = client.get("/participation/proposals/?q=火箭发射").content.decode()
    assert empty.count('data-testid="found-row"') == 0


def test_words_combine_with_state_category_area_and_order(place: Place, client: Client) -> None:
    first = _propose(place, 0, "东门加装路灯", "晚上太黑", category="safety")
    second = _propose(place, 1, "西门路灯维修", "路灯坏了", category="safety")
    _propose(place, 2, "路灯下的读书角", "晚上看书", category="culture")
    _propose(place, -1, "水井坊路灯", "路灯不亮", community=SHUIJINGFANG, category="safety")
    proposals.proposal_support(actor=place.residents[3], proposal_id=second.pk)

    assert len(_titles(client, "q=路灯")) == 4
    assert _titles(client, f"q=路灯&category=safety&area={NIJIAQIAO}") == [
        second.title,  # most supported first
        first.title,
    ]
    assert _titles(client, f"q=路灯&category=safety&area={NIJIAQIAO}&sort=newest") == [
        second.title,
        first.title,
    ]
    assert _titles(client, "q=路灯&category=culture") == ["路灯下的读书角"]
    assert _titles(client, f"q=路灯&area={SHUIJINGFANG}") == ["水井坊路灯"]
    assert _titles(client, "q=路灯&status=decided") == []
    assert _titles(client, "q=读书&status=open") == ["路灯下的读书角"]
    # The CSV of open data finds the same proposals.
    csv_text = client.get(
        f"/api/v1/participation/proposals.csv?q=路灯&category=safety&area={NIJIAQIAO}"
    )
    body = b"".join(csv_text.streaming_content).decode("utf-8-sig")
    assert body.count("\n") == 3  # header and two proposals


def test_what_may_not_be_seen_is_not_found(place: Place, client: Client) -> None:
    hidden = _propose(place, 0, "加装电梯的广告", "联系电话见图")
    merged = _propose(place, 1, "二号楼加装电梯", "同上")
    kept = _propose(place, 2, "加装电梯", "老人上下楼困难")
    other = _propose(place, -1, "水井坊加装电梯", "老人多", community=SHUIJINGFANG)
    proposals.proposal_hide(actor=place.worker, proposal_id=hidden.pk, reason="广告")
    proposals.proposal_merge(actor=place.worker, proposal_id=merged.pk, into_id=kept.pk)

    assert sorted(_titles(client, "q=电梯")) == sorted([kept.title, other.title])
    # A resident of Nijiaqiao looking at her community does not get the other community's.
    client.force_login(place.residents[3])
    assert _titles(client, f"q=电梯&area={NIJIAQIAO}") == [kept.title]
    page = client.get(f"/participation/proposals/?q=电梯&area={NIJIAQIAO}").content.decode()
    assert page.count('data-testid="found-row"') == 1
    assert "广告" not in page
    assert other.title not in page
