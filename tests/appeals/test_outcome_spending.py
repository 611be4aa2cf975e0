"""Requests lead to money: the community's staff link a cluster (or a request) straight to a
spending item of the community fund (with the council decision behind it); the public request
page says "N 件诉求促成了 社区基金支出 …"."""

from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shequ.appeals.models import Appeal, AppealCluster, AppealOutcome
from shequ.appeals.services.cluster_links import cluster_link
from shequ.appeals.services.intake import appeal_submit
from shequ.core.errors import DomainError
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.funds.models import Commitment, Track
from shequ.funds.services import allocation, spending
from shequ.people.models import User
from tests.appeals.conftest import BEFORE_NATIONAL_DAY, PIN, category
from tests.factories import NIJIAQIAO, SHUIJINGFANG, make_resident, make_staff, make_user
from tests.funds.conftest import FORMULA, YEAR, approve

pytestmark = pytest.mark.django_db

NEAR = (PIN[0], PIN[1] + 0.0004)


@pytest.fixture(autouse=True)
def fixed_now():  # type: ignore[no-untyped-def]
    with time_machine.travel(BEFORE_NATIONAL_DAY, tick=False) as traveller:
        yield traveller


def report(name: str, where: tuple[float, float]) -> Appeal:
    user = make_user(name)
    make_resident(NIJIAQIAO, user=user)
    return appeal_submit(
        actor=user,
        category_id=category("ludeng").pk,
        description="楼道灯坏了",
        community_code=NIJIAQIAO,
        longitude=where[0],
        latitude=where[1],
    )


def spend(worker: User, community: str = NIJIAQIAO) -> Commitment:
    district = community[:6] + "000000"
    officer = make_staff(f"fin_{community}", Role.DISTRICT_OFFICER, district)
    allocation.formula_save(actor=officer, year=YEAR, district_code=district, data=FORMULA)
    allocation.allocation_post(actor=officer, year=YEAR, district_code=district)
    decision = approve(worker, window_closed=True, community=community)
    return spending.commitment_create(
        actor=worker,
        community_code=community,
        approval_id=decision.pk,
        track=Track.SECURITY,
        year=YEAR,
        project="楼道灯改造工程",
        category="facilities",
        supplier="某照明公司",
        amount="12000",
    )


def test_a_cluster_links_to_spending_and_the_public_page_says_so(
    world: None, worker: User, client: Client
) -> None:
    first, second = report("a", PIN), report("b", NEAR)
    cluster = Appeal.objects.get(pk=second.pk).cluster
    assert isinstance(cluster, AppealCluster)
    item = spend(worker)
    client.force_login(worker)
    page = client.get(f"/console/appeals/clusters/{cluster.pk}/").content.decode()
    assert f'value="spending:{item.pk}"' in page
    assert "社区基金支出" in page
    done = client.post(
        f"/console/appeals/clusters/{cluster.pk}/", {"target": f"spending:{item.pk}"}
    )
    assert done.status_code == 302
    assert AppealOutcome.objects.filter(commitment=item).count() == 2
    audit = AuditEvent.objects.get(verb="appeal.cluster_link")
    assert audit.changes["commitment"] == [None, item.pk]
    public = Client().get(f"/appeals/{first.pk}/").content.decode()
    assert 'data-testid="outcome-spending"' in public
    assert 'data-testid="cluster-spending"' in public
    assert "2 件诉求促成了" in public
    assert "楼道灯改造工程" in public
    assert "12,000.00 元" in public
    assert f"/funds/{NIJIAQIAO}/spending/" in public
    api = Client().get(f"/api/v1/appeals/public/{first.pk}/cluster").json()
    assert api["outcomes"][0]["commitment_id"] == item.pk
    assert api["outcomes"][0]["linked"] == 2
    links = Client().get(f"/api/v1/appeals/public/{first.pk}/outcomes").json()
    assert links[0]["commitment_id"] == item.pk


def test_another_communitys_spending_is_refused_and_nothing_is_linked(
    world: None, worker: User, client: Client
) -> None:
    appeal = report("a", PIN)
    other_worker = make_staff("sjf_worker", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    elsewhere = spend(other_worker, community=SHUIJINGFANG)
    with pytest.raises(DomainError) as refused:
        cluster_link(actor=worker, cluster_id=0, commitment_id=elsewhere.pk)
    assert refused.value.code == "cluster_not_found"
    client.force_login(worker)
    api = client.post(
        f"/api/v1/appeals/{appeal.pk}/outcomes",
        {"commitment_id": elsewhere.pk},
        content_type="application/json",
    )
    assert (api.status_code, api.json()["code"]) == (400, "commitment_not_found")
    assert api.json()["title"] == "请选择本社区基金的支出事项。"
    both = client.post(
        f"/api/v1/appeals/{appeal.pk}/outcomes",
        {"commitment_id": elsewhere.pk, "project_id": 1},
        content_type="application/json",
    )
    assert (both.status_code, both.json()["code"]) == (400, "one_target")
    assert not AppealOutcome.objects.exists()


def test_a_single_request_links_to_spending_from_its_console_page(
    world: None, worker: User, client: Client, fixed_now: Any
) -> None:
    appeal = report("a", PIN)
    item = spend(worker)
    client.force_login(worker)
    page = client.get(f"/console/appeals/{appeal.pk}/outcome/").content.decode()
    assert f'value="spending:{item.pk}"' in page
    done = client.post(f"/console/appeals/{appeal.pk}/outcome/", {"target": f"spending:{item.pk}"})
    assert done.status_code == 302
    assert AppealOutcome.objects.get().commitment_id == item.pk


def test_the_fund_pages_and_api_name_the_requests_behind_spending_and_its_decision(
    world: None, worker: User, client: Client
) -> None:
    public, private = report("a", PIN), report("b", NEAR)
    Appeal.objects.filter(pk=private.pk).update(is_private=True)
    item = spend(worker)
    client.force_login(worker)
    for appeal in (public, private):
        linked = client.post(
            f"/api/v1/appeals/{appeal.pk}/outcomes",
            {"commitment_id": item.pk},
            content_type="application/json",
        )
        assert linked.status_code == 201
    anyone = Client()
    for page_url in (f"/funds/{NIJIAQIAO}/", f"/funds/{NIJIAQIAO}/spending/"):
        page = anyone.get(page_url).content.decode()
        assert "来自 2 件群众诉求" in page
        assert f'href="/appeals/{public.pk}/"' in page
        assert public.number in page
        # The private request is counted, never linked or numbered.
        assert f"/appeals/{private.pk}/" not in page
        assert private.number not in page
    decisions = anyone.get(f"/funds/{NIJIAQIAO}/decisions/").content.decode()
    assert decisions.count('data-testid="requests-behind"') == 1
    assert f'href="/appeals/{public.pk}/"' in decisions
    data = anyone.get(f"/api/v1/funds/communities/{NIJIAQIAO}/disclosure").json()
    spent = next(c for c in data["commitments"] if c["id"] == item.pk)
    assert spent["requests_count"] == 2
    assert spent["requests"] == [{"id": public.pk, "number": public.number, "category": "路灯故障"}]
    decided = next(d for d in data["decisions"] if d["id"] == item.approval_id)
    assert (decided["requests_count"], len(decided["requests"])) == (2, 1)
    staff = client.get(f"/api/v1/funds/commitments?division={NIJIAQIAO}").json()
    assert next(c for c in staff["items"] if c["id"] == item.pk)["requests_count"] == 2


def test_spending_no_request_led_to_says_nothing_of_requests(
    world: None, worker: User, client: Client
) -> None:
    item = spend(worker)
    page = Client().get(f"/funds/{NIJIAQIAO}/").content.decode()
    assert "楼道灯改造工程" in page
    assert 'data-testid="requests-behind"' not in page
    data = Client().get(f"/api/v1/funds/communities/{NIJIAQIAO}/disclosure").json()
    spent = next(c for c in data["commitments"] if c["id"] == item.pk)
    assert (spent["requests_count"], spent["requests"]) == (0, [])


def test_the_staff_list_of_spending_names_its_requests_in_the_same_queries_however_long(
    world: None, worker: User, client: Client
) -> None:
    first = spend(worker)
    client.force_login(worker)

    def link(appeal: Appeal, item: Commitment) -> None:
        linked = client.post(
            f"/api/v1/appeals/{appeal.pk}/outcomes",
            {"commitment_id": item.pk},
            content_type="application/json",
        )
        assert linked.status_code == 201

    def staff_list() -> tuple[dict[int, int], int]:
        with CaptureQueriesContext(connection) as queries:
            data = client.get(f"/api/v1/funds/commitments?division={NIJIAQIAO}").json()
        return {c["id"]: c["requests_count"] for c in data["items"]}, len(queries)

    link(report("a", PIN), first)
    counts, one_item = staff_list()
    assert counts == {first.pk: 1}
    more = [
        spending.commitment_create(
            actor=worker,
            community_code=NIJIAQIAO,
            approval_id=first.approval_id,
            track=Track.SECURITY,
            year=YEAR,
            project=f"楼道灯改造工程{n}",
            category="facilities",
            supplier="某照明公司",
            amount="1000",
        )
        for n in range(3)
    ]
    for n, item in enumerate(more):
        link(report(f"m{n}", NEAR), item)
    counts, four_items = staff_list()
    assert counts == {first.pk: 1, **{item.pk: 1 for item in more}}
    assert four_items == one_item
