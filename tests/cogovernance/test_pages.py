from datetime import date

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from shequ.cogovernance.models import Commitment, Designation, Project
from shequ.cogovernance.services import designations, lists
from shequ.people.models import User
from tests.cogovernance.conftest import agreement, need, org, resource
from tests.factories import JINJIANG, NIJIAQIAO, SHUIJINGFANG, WUHOU, login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(worker: User, worker_sjf: User) -> dict[str, int]:
    unit = org(worker)
    a = agreement(worker, unit)
    n = need(worker)
    room = resource(worker, unit, commitment=a.commitments.get().pk)
    other_unit = org(worker_sjf, "水井坊某单位", division=SHUIJINGFANG)
    other_need = need(worker_sjf, SHUIJINGFANG, title="水井坊的需求")
    other_agreement = agreement(worker_sjf, other_unit, title="水井坊协议")
    return {
        "org": unit.pk,
        "agreement": a.pk,
        "need": n.pk,
        "room": room.pk,
        "other_org": other_unit.pk,
        "other_need": other_need.pk,
        "other_agreement": other_agreement.pk,
    }


def pages(ids: dict[str, int], own: bool) -> list[str]:
    suffix = "" if own else "other_"
    return [
        f"/console/cogovernance/needs/{ids[suffix + 'need']}/",
        f"/console/cogovernance/organisations/{ids[suffix + 'org']}/",
        f"/console/cogovernance/agreements/{ids[suffix + 'agreement']}/",
        f"/console/cogovernance/graph/{NIJIAQIAO if own else SHUIJINGFANG}/",
    ]


def test_each_console_page_is_scoped_to_the_worker_community(
    client: Client, worker: User, world: dict[str, int]
) -> None:
    client.force_login(worker)
    for url in pages(world, own=True):
        assert client.get(url).status_code == 200, url
    for url in pages(world, own=False):
        assert client.get(url).status_code == 404, url
    for url, hidden in [
        ("/console/cogovernance/", "水井坊的需求"),
        ("/console/cogovernance/organisations/", "水井坊某单位"),
        ("/console/cogovernance/agreements/", "水井坊协议"),
    ]:
        body = client.get(url).content.decode()
        assert hidden not in body, url
    lists_page = client.get("/console/cogovernance/").content.decode()
    assert "老年人活动场地" in lists_page
    assert "一楼会议室" in lists_page


def test_a_street_officer_sees_the_street_not_another_district(
    client: Client, street: User, district: User, world: dict[str, int]
) -> None:
    client.force_login(street)
    login_verified(client, street)
    for url in pages(world, own=True):
        assert client.get(url).status_code == 200, url
    for url in pages(world, own=False):
        assert client.get(url).status_code == 404, url
    client.force_login(district)
    login_verified(client, district)
    assert client.get(pages(world, own=True)[0]).status_code == 200
    assert client.get(pages(world, own=False)[0]).status_code == 404


def test_residents_and_anonymous_do_not_reach_the_console(client: Client, chengdu: None) -> None:
    from tests.factories import make_user

    assert client.get("/console/cogovernance/").status_code == 302
    client.force_login(make_user("someone"))
    assert client.get("/console/cogovernance/").status_code == 403


def test_the_worker_confirms_a_suggested_match_on_the_need_page(
    client: Client, worker: User, world: dict[str, int]
) -> None:
    client.force_login(worker)
    page = client.get(f"/console/cogovernance/needs/{world['need']}/").content.decode()
    assert 'data-testid="suggestion"' in page
    assert "面向本社区" in page
    response = client.post(
        f"/console/cogovernance/needs/{world['need']}/match/",
        {"resources": [str(world["room"])], "title": "老年活动室"},
    )
    assert response.status_code == 302
    project = Project.objects.get()
    assert project.commitment_id == Commitment.objects.get(agreement_id=world["agreement"]).pk
    client.logout()
    public = client.get(f"/cogovernance/c/{NIJIAQIAO}/").content.decode()
    assert "老年活动室" in public
    assert "水井坊的需求" not in public


def test_bad_input_on_forms_comes_back_under_the_field(
    client: Client, worker: User, world: dict[str, int]
) -> None:
    client.force_login(worker)
    response = client.post(
        f"/console/cogovernance/agreements/{world['agreement']}/commitments/",
        {"category": "money", "description": "资助", "amount": "-100"},
    )
    assert response.status_code == 400
    assert 'data-testid="error-amount"' in response.content.decode()
    response = client.post(
        f"/console/cogovernance/organisations/{world['org']}/members/",
        {
            "position": "member",
            "outside_name": "张三",
            "term_start": "2025-01-01",
            "term_end": "2024-01-01",
        },
    )
    assert response.status_code == 400
    assert 'data-testid="error-term_end"' in response.content.decode()
    response = client.post(
        "/console/cogovernance/agreements/new/",
        {
            "community": NIJIAQIAO,
            "unit": world["org"],
            "title": "x",
            "starts_on": "2025-05-01",
            "ends_on": "2025-01-01",
        },
    )
    assert response.status_code == 400
    assert 'data-testid="error-ends_on"' in response.content.decode()


def test_designations_public_list_by_year_and_district(
    client: Client,
    district: User,
    admin: User,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    data = {"year": 2024, "community": NIJIAQIAO, "criteria": ["party_leads"]}
    designations.designation_create(actor=district, data=data)
    designations.designation_create(actor=admin, data={**data, "community": SHUIJINGFANG})
    designations.designation_create(actor=admin, data={**data, "year": 2023})
    with django_assert_max_num_queries(12):
        body = client.get("/cogovernance/demonstration/?year=2024").content.decode()
    assert body.count('data-testid="designation"') == 2
    body = client.get(f"/cogovernance/demonstration/?year=2024&district={WUHOU}").content.decode()
    assert body.count('data-testid="designation"') == 1
    assert "倪家桥" in body
    body = client.get(
        f"/cogovernance/demonstration/?year=2024&district={JINJIANG}"
    ).content.decode()
    assert "水井坊" in body
    assert "倪家桥" not in body
    response = client.post(
        "/console/cogovernance/designations/new/",
        {"year": "2024", "community": NIJIAQIAO, "criteria": ["party_leads"]},
    )
    assert response.status_code == 302  # anonymous: log in first
    client.force_login(district)
    login_verified(client, district)
    response = client.post(
        "/console/cogovernance/designations/new/",
        {"year": "2024", "community": NIJIAQIAO, "criteria": ["party_leads"]},
    )
    assert response.status_code == 400
    assert 'data-testid="error-community"' in response.content.decode()
    assert Designation.objects.count() == 3


def test_api_public_lists_and_staff_suggestions(
    client: Client, worker: User, world: dict[str, int]
) -> None:
    body = client.get(f"/api/v1/cogovernance/lists/{NIJIAQIAO}").json()
    assert [n["title"] for n in body["needs"]] == ["老年人活动场地"]
    assert client.get(f"/api/v1/cogovernance/needs/{world['need']}/suggestions").status_code == 401
    client.force_login(worker)
    found = client.get(f"/api/v1/cogovernance/needs/{world['need']}/suggestions").json()
    assert found[0]["resource"]["id"] == world["room"]
    assert (
        client.get(f"/api/v1/cogovernance/needs/{world['other_need']}/suggestions").status_code
        == 404
    )
    orgs = client.get("/api/v1/cogovernance/organisations").json()
    assert [o["name"] for o in orgs["items"]] == ["某科技公司"]
    assert client.get("/api/v1/cogovernance/designations").status_code == 200


def test_resources_run_out_when_fully_taken(worker: User, world: dict[str, int]) -> None:
    lists.match_confirm(
        actor=worker,
        need_id=world["need"],
        resource_ids=[world["room"]],
        quantities={world["room"]: "20"},
    )
    from shequ.cogovernance.models import Need
    from shequ.cogovernance.selectors import suggestions

    assert suggestions(Need.objects.get(pk=world["need"])) == []
    assert date(2025, 1, 1)


def test_console_lists_do_not_grow_queries_with_rows(
    client: Client,
    worker: User,
    world: dict[str, int],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    client.force_login(worker)
    urls = [
        "/console/cogovernance/",
        "/console/cogovernance/organisations/",
        "/console/cogovernance/agreements/",
        f"/cogovernance/c/{NIJIAQIAO}/",
    ]
    for url in urls:
        client.get(url)  # warm the session and caches
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(30) as captured:
            client.get(url)
        counts[url] = len(captured.captured_queries)
    unit = org(worker, "第二家单位")
    for i in range(5):
        need(worker, title=f"需求{i}")
        resource(worker, unit, title=f"资源{i}")
        agreement(worker, unit, title=f"协议{i}")
        org(worker, f"单位{i}")
    lists.match_confirm(actor=worker, need_id=world["need"], resource_ids=[world["room"]])
    for url in urls:
        with django_assert_max_num_queries(counts[url] + 1):
            client.get(url)


def test_designations_console_is_scoped(
    client: Client, worker: User, worker_sjf: User, admin: User
) -> None:
    data = {"year": 2024, "criteria": ["party_leads"]}
    designations.designation_create(actor=admin, data={**data, "community": NIJIAQIAO})
    designations.designation_create(actor=admin, data={**data, "community": SHUIJINGFANG})
    client.force_login(worker)
    body = client.get("/console/cogovernance/designations/").content.decode()
    assert body.count('data-testid="designation-row"') == 1
    assert 'data-testid="designation-new"' not in body
    assert client.get("/console/cogovernance/designations/new/").status_code == 403
