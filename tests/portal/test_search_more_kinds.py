"""The site-wide search finds what the later apps publish — volunteer activities, social
organisations, the story archive and the policy library — and nothing they keep back
(drafts, deregistered organisations, unpublished stories and policies, a community's own
stories outside it)."""

import pytest
import time_machine
from django.test import Client

from shequ.civil.services.registry import organisation_register, organisation_set_status
from shequ.core.scopes import Role
from shequ.policies.services import policy_publish
from shequ.portal.indexing import rebuild
from shequ.stories.services import item_review
from shequ.volunteers.services import activities, teams
from tests.civil.conftest import WUHOU, code_with_check, org_data
from tests.factories import CITY, NIJIAQIAO, SHUIJINGFANG, make_resident, make_staff, make_user
from tests.policies.conftest import make_policy
from tests.stories.conftest import donate
from tests.volunteers.conftest import FRIDAY, activity_data

pytestmark = pytest.mark.django_db


def _search(client: Client, q: str) -> str:
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200, response.content.decode()[:400]
    return response.content.decode()


def test_recruiting_activities_are_found_and_drafts_are_not(client: Client, chengdu: None) -> None:
    worker = make_staff("worker", Role.COMMUNITY_WORKER, NIJIAQIAO)
    with time_machine.travel(FRIDAY, tick=False):
        team = teams.team_create(
            actor=worker, name="倪家桥志愿服务队", kind="community", division_code=NIJIAQIAO
        )
        recruiting = activities.activity_create(
            actor=worker, team_id=team.pk, data=activity_data(title="周六敬老院探访")
        )
        activities.activity_publish(actor=worker, activity_id=recruiting.pk)
        draft = activities.activity_create(
            actor=worker, team_id=team.pk, data=activity_data(title="河道清漂草稿")
        )
    page = _search(client, "敬老院")
    assert f'href="/volunteers/activities/{recruiting.pk}/"' in page
    assert "志愿" in page  # under the activities heading
    assert f'href="/volunteers/activities/{draft.pk}/"' not in _search(client, "清漂")


def test_organisations_are_found_but_never_their_representative(
    client: Client, chengdu: None
) -> None:
    officer = make_staff("wuhou_officer", Role.DISTRICT_OFFICER, WUHOU)
    sunshine = organisation_register(actor=officer, data=org_data())
    gone = organisation_register(
        actor=officer,
        data=org_data(name="武侯区夕阳红协会", credit_code=code_with_check("52510107MJ0099999")),
    )
    organisation_set_status(
        actor=officer, organisation_id=gone.pk, status="deregistered", reason="自行注销"
    )
    page = _search(client, "社工")
    assert f'href="/civil/{sunshine.pk}/"' in page
    assert "李四" not in page
    assert "13912345678" not in page
    assert f'href="/civil/{gone.pk}/"' not in _search(client, "夕阳红")


def test_stories_are_found_as_their_donors_chose(client: Client, chengdu: None) -> None:
    donor = make_user("donor")
    make_resident(NIJIAQIAO, name="王秀英", user=donor)
    worker = make_staff("story-worker", Role.COMMUNITY_WORKER, NIJIAQIAO)
    public = donate(donor, title="1985年的玉林菜市场")
    residents_only = donate(donor, title="老院子过春节的照片", audience="community")
    waiting = donate(donor, title="没审核的菜市场老照片")
    for item in (public, residents_only):
        item_review(actor=worker, item_id=item.pk, publish=True)

    anonymous = _search(client, "菜市场")
    assert f'href="/stories/items/{public.pk}/"' in anonymous
    assert f'href="/stories/items/{waiting.pk}/"' not in anonymous
    assert "王秀英" not in anonymous
    assert f'href="/stories/items/{residents_only.pk}/"' not in _search(client, "春节")

    neighbour = make_user("neighbour")
    make_resident(NIJIAQIAO, user=neighbour)
    client.force_login(neighbour)
    assert f'href="/stories/items/{residents_only.pk}/"' in _search(client, "春节")
    stranger = make_user("stranger")
    make_resident(SHUIJINGFANG, user=stranger)
    client.force_login(stranger)
    assert f'href="/stories/items/{residents_only.pk}/"' not in _search(client, "春节")


def test_the_policy_library_is_searched_and_a_withdrawn_policy_drops_out(
    client: Client, chengdu: None
) -> None:
    officer = make_staff("city-policy", Role.CITY_COMMITTEE, CITY)
    published = make_policy(officer)
    draft = make_policy(officer, publish=False, title="社区微更新实施细则", doc_number="")
    page = _search(client, "保障资金")
    assert f'href="/policies/{published.pk}/"' in page
    assert "成民发〔2018〕1号" in page
    assert f'href="/policies/{draft.pk}/"' not in _search(client, "微更新")

    policy_publish(actor=officer, policy_id=published.pk, published=False)
    assert f'href="/policies/{published.pk}/"' not in _search(client, "保障资金")


def test_a_rebuild_finds_the_same(client: Client, chengdu: None) -> None:
    officer = make_staff("city-policy", Role.CITY_COMMITTEE, CITY)
    published = make_policy(officer)
    counts = rebuild("policy")
    assert counts["policy"] == 1
    assert f'href="/policies/{published.pk}/"' in _search(client, "保障资金")
