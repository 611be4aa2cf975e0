"""The site-wide search: Chinese words, synonyms, pinyin initials, grouped, and scoped."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from oauth2_provider.models import get_access_token_model

from shequ.catalogue.demo import seed_catalogue
from shequ.catalogue.models import Service
from shequ.core.scopes import Role
from shequ.notices.models import CommunityNotice
from shequ.participation.models import Proposal
from shequ.portal.indexing import rebuild
from shequ.portal.models import SearchDocument
from shequ.portal.registry import IndexedItem, SearchKind, kind_get, register_kind, unregister_kind
from shequ.sso.models import DepartmentApp
from tests.factories import NIJIAQIAO, SHUIJINGFANG, make_resident, make_staff, make_user

pytestmark = pytest.mark.django_db

TOKEN_ISSUED = datetime(2026, 5, 11, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def content(chengdu: None) -> dict[str, Any]:
    author = make_user("author")
    make_resident(NIJIAQIAO, user=author)
    notice = CommunityNotice.objects.create(
        community_id=NIJIAQIAO, title="停水通知", body="明天上午小区维修水管，暂停供水。"
    )
    other_notice = CommunityNotice.objects.create(
        community_id=SHUIJINGFANG, title="水井坊停水安排", body="周五全天停水。"
    )
    open_proposal = Proposal.objects.create(
        community_id=NIJIAQIAO,
        author=author,
        title="院落路灯更换",
        description="晚上太黑，建议更换路灯。",
        category=Proposal.Category.FACILITIES,
    )
    hidden = Proposal.objects.create(
        community_id=NIJIAQIAO,
        author=author,
        title="隐藏的路灯议题",
        description="不应被找到的路灯。",
        category=Proposal.Category.FACILITIES,
        status=Proposal.Status.HIDDEN,
    )
    rebuild()
    return {"notice": notice, "other": other_notice, "proposal": open_proposal, "hidden": hidden}


def _search(client: Client, q: str, **extra: str) -> str:
    response = client.get("/search/", {"q": q, **extra})
    assert response.status_code == 200, response.content.decode()[:400]
    return response.content.decode()


def test_a_colloquial_sentence_leads_to_the_report_form(client: Client, content: Any) -> None:
    page = _search(client, "路灯坏了")
    assert 'data-testid="search-task"' in page
    assert 'href="/appeals/new/" data-testid="search-task"' in page  # the 12345 form
    # the proposal about street lights is found too, grouped under its kind
    assert 'data-testid="group-proposal"' in page
    assert "院落<mark>路灯</mark>更换" in page


def test_drafts_and_hidden_items_never_leak(client: Client, content: Any) -> None:
    page = _search(client, "路灯")
    assert "隐藏的路灯议题" not in page
    assert not SearchDocument.objects.filter(kind="proposal", key=str(content["hidden"].pk))


def test_community_notices_only_for_their_residents(client: Client, content: Any) -> None:
    ours = f'href="/notices/community/{content["notice"].pk}/"'
    theirs = f'href="/notices/community/{content["other"].pk}/"'
    page = _search(client, "停水")  # anonymous: nothing of a community
    assert ours not in page
    assert theirs not in page
    neighbour = make_user("neighbour")
    make_resident(NIJIAQIAO, user=neighbour, name="王五")
    client.force_login(neighbour)
    page = _search(client, "停水")
    assert ours in page
    assert theirs not in page
    worker = make_staff("worker_sjf", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    client.force_login(worker)
    page = _search(client, "停水")
    assert theirs in page
    assert ours not in page


def test_two_character_words_synonyms_and_pinyin_initials(client: Client, content: Any) -> None:
    assert "院落<mark>路灯</mark>更换" in _search(client, "路灯")
    # "照明" is not in the proposal, "路灯" is a synonym's source: the other way round works
    # through the synonyms list ("公告" → notices); the initials "ld" find 路灯
    assert f'href="/participation/proposals/{content["proposal"].pk}/"' in _search(client, "ld")


def test_a_change_is_indexed_at_once_and_a_hidden_one_dropped(client: Client, content: Any) -> None:
    proposal = content["proposal"]
    proposal.title = "院落照明改造"
    proposal.save()
    assert "院落<mark>照明</mark>改造" in _search(client, "照明")
    proposal.status = Proposal.Status.HIDDEN
    proposal.save()
    assert "院落<mark>照明</mark>改造" not in _search(client, "照明")


def test_services_are_found_and_unpublished_ones_are_not(client: Client, content: Any) -> None:
    seed_catalogue(policies_per_service=0)
    rebuild("service")
    service = Service.objects.get(code="juzhuzheng")
    assert service.name in _search(client, service.name)
    service.is_published = False
    service.save()
    assert f'href="/catalogue/services/{service.pk}/"' not in _search(client, service.name)


@pytest.mark.parametrize("query", ["！！！……", "   ", "?", ".,;"])
def test_punctuation_only_gets_a_clear_answer(client: Client, content: Any, query: str) -> None:
    response = client.get("/search/", {"q": query})
    assert response.status_code == 400
    assert 'data-testid="search-error"' in response.content.decode()


def test_long_and_sql_looking_text_is_harmless(client: Client, content: Any) -> None:
    page = _search(client, "路灯" * 500)
    assert "前 100 个字" in page or "first 100 characters" in page
    for query in ("'; DROP TABLE portal_searchdocument; --", 'a" OR 1=1 --', "NEAR(路灯 停水)"):
        assert client.get("/search/", {"q": query}).status_code == 200
    assert SearchDocument.objects.exists()


def test_an_unknown_kind_is_refused(client: Client, content: Any) -> None:
    assert client.get("/search/", {"q": "路灯", "kind": "nope"}).status_code == 400


def test_another_app_plugs_in_its_kind(client: Client, content: Any) -> None:
    def items() -> list[IndexedItem]:
        return [IndexedItem(key="1", title="社区志愿服务活动", url="/volunteers/1/")]

    previous = kind_get("activity")
    register_kind(SearchKind("activity", "Activities", 70, items))
    try:
        rebuild("activity")
        page = _search(client, "志愿")
        assert 'data-testid="group-activity"' in page
        assert 'href="/volunteers/1/"' in page
    finally:
        unregister_kind("activity")
        if previous is not None:
            register_kind(previous)


def test_the_api_answers_grouped_and_scoped(client: Client, content: Any) -> None:
    body = client.get("/api/v1/search", {"q": "停水"}).json()
    assert all(hit["title"] != "停水通知" for g in body["groups"] for hit in g["hits"])
    body = client.get("/api/v1/search", {"q": "路灯"}).json()
    assert body["groups"][0]["kind"] == "task"
    assert client.get("/api/v1/search", {"q": "！！"}).status_code == 400


def test_the_api_searches_as_the_bearer_of_a_token(client: Client, content: Any) -> None:
    """A department app holding a resident's single-sign-on token finds what she may see (her
    community's notice), which an anonymous caller never does; a dead token is refused, not
    answered as if nobody asked."""
    neighbour = make_user("neighbour_token")
    make_resident(NIJIAQIAO, user=neighbour, name="王五")
    app = DepartmentApp.objects.create(name="社保查询", client_type="public")
    headers = {"HTTP_AUTHORIZATION": "Bearer resident-sso-token-0001"}

    def titles(**extra: Any) -> set[str]:
        response = client.get("/api/v1/search", {"q": "停水"}, **extra)
        assert response.status_code == 200
        return {hit["title"] for g in response.json()["groups"] for hit in g["hits"]}

    with time_machine.travel(TOKEN_ISSUED, tick=False):
        get_access_token_model().objects.create(
            user=neighbour,
            application=app,
            token="resident-sso-token-0001",
            expires=TOKEN_ISSUED + timedelta(hours=1),
            scope="openid api:read",
        )
        assert "停水通知" not in titles()
        assert "停水通知" in titles(**headers)
        assert "水井坊停水安排" not in titles(**headers)
    # An hour and a second later the token has lapsed.
    with time_machine.travel(TOKEN_ISSUED + timedelta(hours=1, seconds=1), tick=False):
        assert client.get("/api/v1/search", {"q": "停水"}, **headers).status_code == 401
