"""Community pages (funds, participation) start from one's own community or a chosen one."""

import pytest
from django.test import Client

from tests.factories import NIJIAQIAO, make_resident, make_user

pytestmark = pytest.mark.usefixtures("chengdu")

STARTS = [("/funds/", "/funds/{code}/"), ("/participation/", "/participation/c/{code}/")]


@pytest.mark.parametrize(("start", "target"), STARTS)
def test_a_visitor_picks_district_street_and_community(
    client: Client, start: str, target: str
) -> None:
    page = client.get(start, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-testid="community-chooser"' in page
    assert page.count('<option value="5101') == 20  # the districts; streets come by htmx
    assert "武侯区" in page
    chosen = client.get(start, {"district": "510107000000", "community": NIJIAQIAO})
    assert chosen.status_code == 302
    assert chosen["Location"] == target.format(code=NIJIAQIAO)


@pytest.mark.parametrize(("start", "target"), STARTS)
def test_a_resident_goes_straight_to_their_own_community(
    client: Client, start: str, target: str
) -> None:
    user = make_user("wangfang")
    make_resident(NIJIAQIAO, name="王芳", user=user)
    client.force_login(user)
    response = client.get(start)
    assert response.status_code == 302
    assert response["Location"] == target.format(code=NIJIAQIAO)


@pytest.mark.parametrize("bad", ["510107005", "510107000000", "<script>", "999999999999"])
def test_a_code_that_is_not_a_community_shows_the_picker_again(client: Client, bad: str) -> None:
    response = client.get("/funds/", {"community": bad})
    assert response.status_code == 200
    assert 'data-testid="community-chooser"' in response.content.decode()
