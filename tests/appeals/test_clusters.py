"""Problem clusters and recurrence (issue 16, items 5 and 8): the same problem reported again
and again at one place is grouped at intake, shown to staff and on each request's page,
counted as a recurrence once an earlier report was handled, and linked as a whole to the
proposal or project that answers it."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shequ.appeals.models import Appeal, AppealCluster, AppealOutcome
from shequ.appeals.selectors import clusters as cluster_selectors
from shequ.appeals.services.cluster_links import cluster_link
from shequ.appeals.services.handling import appeal_close, appeal_rate, appeal_sign
from shequ.appeals.services.intake import appeal_follow, appeal_submit
from shequ.core.errors import DomainError, NotFound
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.participation.models import Proposal
from shequ.people.models import User
from tests.appeals.conftest import BEFORE_NATIONAL_DAY, PIN, category, street_light
from tests.factories import NIJIAQIAO, SHUIJINGFANG, make_resident, make_staff, make_user

pytestmark = pytest.mark.django_db

# About 44 m north of PIN, and about 330 m north.
NEAR = (PIN[0], PIN[1] + 0.0004)
FAR = (PIN[0], PIN[1] + 0.003)


@pytest.fixture(autouse=True)
def fixed_now():  # type: ignore[no-untyped-def]
    with time_machine.travel(BEFORE_NATIONAL_DAY, tick=False) as traveller:
        yield traveller


def neighbour(name: str) -> User:
    user = make_user(name)
    make_resident(NIJIAQIAO, user=user)
    return user


def at(user: User, where: tuple[float, float] | None, code: str = "ludeng") -> Appeal:
    """A report of ``code`` at ``where`` (None: no pin, in 倪家桥社区)."""
    return appeal_submit(
        actor=user,
        category_id=category(code).pk,
        description="倪家桥路口的问题又出现了",
        community_code=NIJIAQIAO,
        longitude=where[0] if where else None,
        latitude=where[1] if where else None,
    )


def fresh(appeal: Appeal) -> Appeal:
    return Appeal.objects.get(pk=appeal.pk)


def test_reports_of_one_place_and_category_become_one_cluster(
    resident: User, fixed_now: Any, client: Client
) -> None:
    first = street_light(resident)
    assert fresh(first).cluster_id is None  # alone: no cluster yet
    second = at(neighbour("n1"), NEAR)
    cluster_id = fresh(second).cluster_id
    assert cluster_id is not None
    assert fresh(first).cluster_id == cluster_id
    # Another category at the same place, and the same category 330 m away, stay apart.
    assert fresh(at(neighbour("n3"), PIN, code="zaosheng")).cluster_id is None
    assert fresh(at(neighbour("n4"), FAR)).cluster_id is None
    fixed_now.shift(timedelta(days=20))
    # No pin: every request of the category in the community is near it (the one 330 m
    # away too, then).
    third = at(neighbour("n2"), None)
    assert fresh(third).cluster_id == cluster_id
    assert Appeal.objects.filter(cluster_id=cluster_id).count() == 4
    # A "me too" is one more report of the problem.
    appeal_follow(actor=neighbour("n5"), appeal_id=first.pk)
    assert AuditEvent.objects.filter(verb="appeal.cluster_join").count() == 2
    page = client.get(f"/appeals/{third.pk}/").content.decode()
    assert 'data-testid="cluster"' in page
    assert "同一问题已有 5 次反映。" in page
    assert "4 件未办结" in page


def test_a_report_after_the_window_starts_afresh(resident: User, fixed_now: Any) -> None:
    street_light(resident)
    at(neighbour("n1"), NEAR)
    fixed_now.shift(timedelta(days=cluster_selectors.CLUSTER_DAYS + 1))
    assert fresh(at(neighbour("n2"), PIN)).cluster_id is None


def test_neighbours_are_read_in_one_query(resident: User) -> None:
    street_light(resident)
    at(neighbour("n1"), NEAR)
    lamp = category("ludeng").pk
    with CaptureQueriesContext(connection) as queries:
        found = cluster_selectors.cluster_neighbours(
            category_id=lamp,
            community_code=NIJIAQIAO,
            longitude=PIN[0],
            latitude=PIN[1],
            before=BEFORE_NATIONAL_DAY,
        )
    assert len(queries) == 1
    assert len(found) == 2
    assert all(a.cluster is not None for a in found)  # read with the same query


def handle(worker: User, appeal: Appeal) -> None:
    appeal_sign(actor=worker, appeal_id=appeal.pk)
    appeal_close(actor=worker, appeal_id=appeal.pk, reply="已修好")


def test_a_report_after_a_fix_is_a_recurrence_and_counted_in_the_statistics(
    resident: User, worker: User, fixed_now: Any, client: Client
) -> None:
    first = street_light(resident)
    second = at(neighbour("n1"), NEAR)
    assert fresh(second).recurrence_of_id is None  # the first was still open
    fixed_now.shift(timedelta(days=2))
    handle(worker, first)
    appeal_rate(actor=resident, appeal_id=first.pk, level="satisfied", fixed=True)
    fixed_now.shift(timedelta(days=10))
    third = at(neighbour("n2"), PIN)
    assert fresh(third).recurrence_of_id == first.pk
    assert fresh(third).cluster_id == fresh(first).cluster_id

    rows = cluster_selectors.unit_recurrence(
        since=BEFORE_NATIONAL_DAY - timedelta(days=1),
        until=BEFORE_NATIONAL_DAY + timedelta(days=30),
    )
    unit = next(r for r in rows if r.name == "倪家桥社区居委会")
    assert (unit.received, unit.recurrences, unit.rate) == (3, 1, 33.3)
    interval = unit.interval
    assert interval is not None
    assert interval.low < 33.3 < interval.high

    page = client.get("/appeals/rates/?start=2026-09-01&end=2026-10-31").content.decode()
    assert 'data-testid="recurrence"' in page
    assert "复发率" in page
    assert "33.3%" in page
    stats = client.get("/api/v1/appeals/statistics?start=2026-09-01&end=2026-10-31").json()
    mine = next(r for r in stats["recurrence_units"] if r["name"] == "倪家桥社区居委会")
    assert mine["recurrences"] == 1
    assert mine["rate"] == 33.3
    assert stats["recurrence_districts"][0]["code"] == NIJIAQIAO[:6] + "000000"


@pytest.fixture
def cluster_of_three(resident: User) -> AppealCluster:
    street_light(resident)
    at(neighbour("n1"), NEAR)
    last = at(neighbour("n2"), PIN)
    cluster = fresh(last).cluster
    assert cluster is not None
    return cluster


def a_proposal(author: User) -> Proposal:
    return Proposal.objects.create(
        community_id=NIJIAQIAO,
        author=author,
        title="倪家桥路口加装路灯",
        description="路口太黑",
        category=Proposal.Category.SAFETY,
    )


def test_staff_see_clusters_and_link_a_whole_cluster_at_once(
    resident: User, worker: User, cluster_of_three: AppealCluster, fixed_now: Any, client: Client
) -> None:
    proposal = a_proposal(resident)
    client.force_login(worker)
    listing = client.get("/console/appeals/clusters/").content.decode()
    assert 'data-testid="cluster-row"' in listing
    assert "3 件诉求" in listing
    page = client.get(f"/console/appeals/clusters/{cluster_of_three.pk}/")
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="member"') == 3
    assert 'data-testid="cluster-map"' in page.content.decode()
    people = [c.name for c in cluster_selectors.cluster_complainants(cluster_of_three)]
    assert sorted(people) == sorted([resident.username, "n1", "n2"])
    assert "投诉人（3）" in page.content.decode()

    # Bad input: a made-up target and another community's proposal; nothing is linked.
    junk = client.post(f"/console/appeals/clusters/{cluster_of_three.pk}/", {"target": "x:1"})
    assert junk.status_code == 400
    assert "请选择一个议题、一个项目或一项支出" in junk.content.decode()
    other = Proposal.objects.create(
        community_id=SHUIJINGFANG,
        author=resident,
        title="别处",
        description="别处",
        category=Proposal.Category.SAFETY,
    )
    refused = client.post(
        f"/console/appeals/clusters/{cluster_of_three.pk}/", {"target": f"proposal:{other.pk}"}
    )
    assert refused.status_code == 400
    assert AppealOutcome.objects.count() == 0

    done = client.post(
        f"/console/appeals/clusters/{cluster_of_three.pk}/", {"target": f"proposal:{proposal.pk}"}
    )
    assert done.status_code == 302
    assert AppealOutcome.objects.filter(proposal=proposal).count() == 3
    assert AuditEvent.objects.filter(verb="appeal.cluster_link").count() == 1
    # Twice changes nothing.
    with pytest.raises(DomainError) as again:
        cluster_link(actor=worker, cluster_id=cluster_of_three.pk, proposal_id=proposal.pk)
    assert again.value.code == "already_linked"
    assert AppealOutcome.objects.count() == 3

    # A month later the lamp is reported again: "complaints since" counts it.
    fixed_now.shift(timedelta(days=30))
    later = at(neighbour("n9"), NEAR)
    public = Client().get(f"/appeals/{later.pk}/").content.decode()
    assert "3 件诉求促成了" in public
    assert "以来又收到 1 件" in public
    api = Client().get(f"/api/v1/appeals/public/{later.pk}/cluster").json()
    assert api["requests"] == 4
    assert api["outcomes"][0]["linked"] == 3
    assert api["outcomes"][0]["since_count"] == 1


def test_clusters_are_only_for_staff_of_their_area(
    cluster_of_three: AppealCluster, resident: User, client: Client
) -> None:
    elsewhere = make_staff("sjf_worker", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    with pytest.raises(NotFound):
        cluster_link(actor=elsewhere, cluster_id=cluster_of_three.pk, proposal_id=1)
    client.force_login(elsewhere)
    assert client.get(f"/console/appeals/clusters/{cluster_of_three.pk}/").status_code == 404
    assert 'data-testid="cluster-row"' not in client.get("/console/appeals/clusters/").text
    assert client.get("/api/v1/appeals/clusters").json()["items"] == []


def test_api_lists_and_links_a_cluster(
    cluster_of_three: AppealCluster, resident: User, worker: User, client: Client
) -> None:
    proposal = a_proposal(resident)
    client.force_login(worker)
    listed = client.get("/api/v1/appeals/clusters").json()
    assert [c["requests"] for c in listed["items"]] == [3]
    assert listed["count"] == 1
    url = f"/api/v1/appeals/clusters/{cluster_of_three.pk}/outcomes"
    bad = client.post(url, {"proposal_id": 999999}, content_type="application/json")
    assert bad.status_code == 400
    assert bad.json()["code"] == "proposal_not_found"
    assert AppealOutcome.objects.count() == 0
    made = client.post(url, {"proposal_id": proposal.pk}, content_type="application/json")
    assert made.status_code == 201
    assert len(made.json()) == 3
    lone = at(neighbour("far"), FAR)
    assert Client().get(f"/api/v1/appeals/public/{lone.pk}/cluster").status_code == 204


def test_many_clusters_are_paged_on_the_console_and_the_api(
    cluster_of_three: AppealCluster, worker: User, client: Client
) -> None:
    member = Appeal.objects.filter(cluster=cluster_of_three).first()
    assert member is not None
    for number in range(50):
        extra = AppealCluster.objects.create(
            category=cluster_of_three.category,
            community=cluster_of_three.community,
            last_at=cluster_of_three.last_at - timedelta(days=number + 1),
        )
        copy = Appeal.objects.get(pk=member.pk)
        copy.pk = None
        copy.cluster = extra
        copy.save()
    client.force_login(worker)
    first = client.get("/console/appeals/clusters/").text
    assert first.count('data-testid="cluster-row"') == 50
    second = client.get("/console/appeals/clusters/", {"page": 2}).text
    assert second.count('data-testid="cluster-row"') == 1
    listed = client.get("/api/v1/appeals/clusters").json()
    assert listed["count"] == 51
    assert len(listed["items"]) == 50
    assert listed["items"][0]["requests"] == 3  # the newest: the fixture's cluster
