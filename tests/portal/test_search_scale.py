"""The site-wide search over many documents: only the newest matches the viewer may see are
ranked (``RANKED``), yet the forms a search leads to and the viewer's own community's items
are never crowded out."""

from typing import Any

import pytest
from django.test import Client

from shequ.portal.indexing import rebuild
from shequ.portal.models import SearchDocument
from tests.factories import NIJIAQIAO, SHUIJINGFANG, make_resident, make_user

pytestmark = pytest.mark.django_db


def _document(n: int, *, kind: str, title: str, community: str = "") -> SearchDocument:
    return SearchDocument.objects.create(
        kind=kind,
        key=f"scale{n}",
        title=title,
        text=title,
        url=f"/scale/{n}/",
        audience="community" if community else "public",
        community=community,
        title_tokens=" ".join(title.split()),
        body_tokens="",
    )


def _search(client: Client, q: str, **extra: str) -> str:
    response = client.get("/search/", {"q": q, **extra})
    assert response.status_code == 200, response.content.decode()[:400]
    return response.content.decode()


@pytest.fixture
def few_ranked(chengdu: None, monkeypatch: pytest.MonkeyPatch) -> None:
    rebuild()
    monkeypatch.setattr("shequ.portal.selectors.RANKED", 3)


def test_many_matches_still_lead_to_the_report_form(client: Client, few_ranked: Any) -> None:
    for n in range(12):  # newer than the forms, and many more than are ranked
        _document(n, kind="proposal", title=f"路灯 坏了 第{n}号")
    page = _search(client, "路灯坏了")
    assert 'href="/appeals/new/" data-testid="search-task"' in page
    assert 'data-testid="group-proposal"' in page
    assert "第11号" in page  # the newest first among equals
    assert "第0号" not in page  # beyond the ranked ones


def test_the_residents_own_items_are_not_crowded_out_by_others(
    client: Client, few_ranked: Any
) -> None:
    _document(100, kind="notice", title="停水 倪家桥 通知", community=NIJIAQIAO)
    for n in range(8):  # newer, but of another community: never seen, never ranked
        _document(101 + n, kind="notice", title=f"停水 水井坊 第{n}号", community=SHUIJINGFANG)
    neighbour = make_user("neighbour")
    make_resident(NIJIAQIAO, user=neighbour, name="王五")
    client.force_login(neighbour)
    page = _search(client, "停水")
    assert 'href="/scale/100/"' in page
    assert "水井坊 第" not in page
    # the page of one kind too
    assert 'href="/scale/100/"' in _search(client, "停水", kind="notice")
