"""Staff correct problem clusters: merge two clusters that grew together at one place (picked
from a list of candidates), and take a request out of its cluster. Recurrences and what the
requests led to follow; bad input says why in Chinese and changes nothing."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from shequ.appeals.models import Appeal, AppealCluster
from shequ.appeals.selectors import clusters as cluster_selectors
from shequ.appeals.services.cluster_edits import cluster_detach, cluster_merge
from shequ.appeals.services.cluster_links import cluster_link
from shequ.appeals.services.handling import appeal_close, appeal_sign
from shequ.appeals.services.intake import appeal_submit
from shequ.core.errors import DomainError, NotFound
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.participation.models import Proposal
from shequ.people.models import User
from tests.appeals.conftest import BEFORE_NATIONAL_DAY, PIN, category
from tests.factories import NIJIAQIAO, SHUIJINGFANG, make_resident, make_staff, make_user

pytestmark = pytest.mark.django_db

# About 44 m north of PIN; about 167 m and 211 m north (another cluster, apart from PIN's).
NEAR = (PIN[0], PIN[1] + 0.0004)
MID = (PIN[0], PIN[1] + 0.0015)
MID_NEAR = (PIN[0], PIN[1] + 0.0019)


@pytest.fixture(autouse=True)
def fixed_now():  # type: ignore[no-untyped-def]
    with time_machine.travel(BEFORE_NATIONAL_DAY, tick=False) as traveller:
        yield traveller


_people = iter(range(10_000))


def report(
    where: tuple[float, float] | None, code: str = "ludeng", community: str = NIJIAQIAO
) -> Appeal:
    user = make_user(f"r{next(_people)}")
    make_resident(community, user=user)
    return appeal_submit(
        actor=user,
        category_id=category(code).pk,
        description="路口的问题又出现了",
        community_code=community,
        longitude=where[0] if where else None,
        latitude=where[1] if where else None,
    )


def fresh(appeal: Appeal) -> Appeal:
    return Appeal.objects.get(pk=appeal.pk)


def cluster_of(appeal: Appeal) -> AppealCluster:
    cluster = fresh(appeal).cluster
    assert cluster is not None
    return cluster


def state() -> list[tuple[int, int | None, int | None]]:
    return list(Appeal.objects.order_by("pk").values_list("pk", "cluster_id", "recurrence_of_id"))


@pytest.fixture
def two_clusters(world: None, worker: User, fixed_now: Any) -> dict[str, Appeal]:
    """PIN's cluster (a1 handled on day 2, a2), and 167 m north another (b1, b2) received
    after a1 was handled, linked to a proposal."""
    a1, a2 = report(PIN), report(NEAR)
    fixed_now.shift(timedelta(days=2))
    appeal_sign(actor=worker, appeal_id=a1.pk)
    appeal_close(actor=worker, appeal_id=a1.pk, reply="已修好")
    fixed_now.shift(timedelta(days=1))
    b1, b2 = report(MID), report(MID_NEAR)
    assert cluster_of(a1) != cluster_of(b1)
    assert fresh(b1).recurrence_of_id is None  # another cluster: not a recurrence of a1
    proposal = Proposal.objects.create(
        community_id=NIJIAQIAO,
        author=fresh(a1).reporter,
        title="路口加装路灯",
        description="路口太黑",
        category=Proposal.Category.SAFETY,
    )
    cluster_link(actor=worker, cluster_id=cluster_of(b1).pk, proposal_id=proposal.pk)
    return {"a1": a1, "a2": a2, "b1": b1, "b2": b2}


def test_staff_merge_two_clusters_picked_from_the_list(
    two_clusters: dict[str, Appeal], worker: User, client: Client
) -> None:
    kept, other = cluster_of(two_clusters["a1"]), cluster_of(two_clusters["b1"])
    report(PIN, code="zaosheng")
    report(NEAR, code="zaosheng")  # a noise cluster at the same place: not a candidate
    client.force_login(worker)
    page = client.get(f"/console/appeals/clusters/{kept.pk}/").content.decode()
    assert 'data-testid="cluster-merge-form"' in page
    choices = cluster_selectors.cluster_merge_choices(user=worker, cluster=kept)
    assert [c.cluster.pk for c in choices] == [other.pk]  # not itself, not the noise cluster
    assert f'<option value="{other.pk}">' in page
    done = client.post(f"/console/appeals/clusters/{kept.pk}/merge/", {"other": other.pk})
    assert done.status_code == 302
    assert not AppealCluster.objects.filter(pk=other.pk).exists()
    assert Appeal.objects.filter(cluster=kept).count() == 4
    # One problem now: the reports received after a1 was handled are its recurrences.
    assert fresh(two_clusters["b1"]).recurrence_of_id == two_clusters["a1"].pk
    assert fresh(two_clusters["b2"]).recurrence_of_id == two_clusters["a1"].pk
    assert fresh(two_clusters["a2"]).recurrence_of_id is None
    summary = cluster_selectors.cluster_summary(kept.pk)
    assert summary is not None
    assert (summary.requests, summary.recurrences) == (4, 2)
    assert cluster_of(two_clusters["a1"]).last_at == fresh(two_clusters["b2"]).created_at
    # What the absorbed cluster's requests led to is the merged cluster's now.
    outcomes = cluster_selectors.cluster_outcomes(kept.pk)
    assert [(o.outcome.proposal_id is not None, o.linked) for o in outcomes] == [(True, 2)]
    audit = AuditEvent.objects.get(verb="appeal.cluster_merge")
    assert audit.changes["merged"] == [other.pk, None]
    page = client.get(f"/console/appeals/clusters/{kept.pk}/").content.decode()
    assert "问题簇已合并。" in page
    assert page.count('data-testid="member"') == 4


def test_bad_merges_say_why_and_change_nothing(
    two_clusters: dict[str, Appeal], worker: User, dispatcher: User, client: Client
) -> None:
    kept = cluster_of(two_clusters["a1"])
    report(PIN, code="zaosheng")
    noise = cluster_of(report(NEAR, code="zaosheng"))
    report(None, community=SHUIJINGFANG)
    far = cluster_of(report(None, community=SHUIJINGFANG))
    before = state()
    clusters = AppealCluster.objects.count()
    cases = [
        (worker, kept.pk, "merge_self", "问题簇不能与自身合并。"),
        (worker, noise.pk, "merge_other_category", "只能合并同一类别的问题簇。"),
        # The city committee sees both: another street is refused by the rule.
        (dispatcher, far.pk, "merge_other_area", "只能合并同一社区或相邻社区"),
        # The community worker does not see the other street's cluster at all.
        (worker, far.pk, "merge_choose", "请从列表中选择要合并的问题簇。"),
        (worker, 999_999, "merge_choose", "请从列表中选择要合并的问题簇。"),
    ]
    for user, other_id, code, message in cases:
        with pytest.raises(DomainError) as refused:
            cluster_merge(actor=user, cluster_id=kept.pk, other_id=other_id)
        assert refused.value.code == code
        client.force_login(user)
        page = client.post(f"/console/appeals/clusters/{kept.pk}/merge/", {"other": other_id})
        assert page.status_code == 400
        assert message in page.content.decode()
        api = client.post(
            f"/api/v1/appeals/clusters/{kept.pk}/merge",
            {"other_id": other_id},
            content_type="application/json",
        )
        assert (api.status_code, api.json()["code"]) == (400, code)
    client.force_login(worker)
    empty = client.post(f"/console/appeals/clusters/{kept.pk}/merge/", {"other": ""})
    assert empty.status_code == 400
    assert state() == before
    assert AppealCluster.objects.count() == clusters
    assert not AuditEvent.objects.filter(verb="appeal.cluster_merge").exists()


def test_detach_a_request_alone_or_into_a_cluster_of_its_own(
    two_clusters: dict[str, Appeal], worker: User, client: Client, fixed_now: Any
) -> None:
    a1, a2 = two_clusters["a1"], two_clusters["a2"]
    fixed_now.shift(timedelta(days=1))
    a3 = report(PIN)
    assert fresh(a3).recurrence_of_id == a1.pk
    cluster = cluster_of(a1)
    client.force_login(worker)
    # The handled request was another problem: a3 is no longer its recurrence.
    done = client.post(f"/console/appeals/clusters/{cluster.pk}/detach/", {"appeal": a1.pk})
    assert done.status_code == 302
    assert fresh(a1).cluster_id is None
    assert fresh(a1).recurrence_of_id is None
    assert fresh(a3).recurrence_of_id is None
    assert Appeal.objects.filter(cluster=cluster).count() == 2
    # Into a new cluster of its own, over the API.
    api = client.post(
        f"/api/v1/appeals/{a2.pk}/cluster/detach",
        {"new_cluster": True},
        content_type="application/json",
    )
    assert api.status_code == 200
    new_id = api.json()["cluster_id"]
    assert new_id not in (None, cluster.pk)
    assert list(Appeal.objects.filter(cluster_id=new_id)) == [fresh(a2)]
    assert cluster_of(a3).pk == cluster.pk
    assert cluster_of(a3).last_at == fresh(a3).created_at
    assert AuditEvent.objects.filter(verb="appeal.cluster_detach").count() == 2
    # Not in a cluster any more: refused, nothing changes.
    before = state()
    again = client.post(
        f"/api/v1/appeals/{a1.pk}/cluster/detach", {}, content_type="application/json"
    )
    assert (again.status_code, again.json()["code"]) == (400, "not_clustered")
    bad = client.post(f"/console/appeals/clusters/{cluster.pk}/detach/", {"appeal": a1.pk})
    assert bad.status_code == 400
    assert "请从列表中选择本簇的诉求。" in bad.content.decode()
    assert state() == before


def test_a_detached_last_request_leaves_no_empty_cluster(
    world: None, worker: User, fixed_now: Any
) -> None:
    first, second = report(PIN), report(NEAR)
    cluster = cluster_of(first)
    assert cluster_detach(actor=worker, appeal_id=first.pk) is None
    assert AppealCluster.objects.filter(pk=cluster.pk).exists()
    assert cluster_detach(actor=worker, appeal_id=second.pk) is None
    assert not AppealCluster.objects.filter(pk=cluster.pk).exists()


def test_corrections_are_only_for_staff_of_the_area(
    two_clusters: dict[str, Appeal], client: Client
) -> None:
    kept, other = cluster_of(two_clusters["a1"]), cluster_of(two_clusters["b1"])
    elsewhere = make_staff("sjf_worker", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    before = state()
    with pytest.raises(NotFound):
        cluster_merge(actor=elsewhere, cluster_id=kept.pk, other_id=other.pk)
    with pytest.raises(NotFound):
        cluster_detach(actor=elsewhere, appeal_id=two_clusters["a1"].pk)
    client.force_login(elsewhere)
    merge = f"/console/appeals/clusters/{kept.pk}/merge/"
    assert client.post(merge, {"other": other.pk}).status_code == 404
    detach = f"/console/appeals/clusters/{kept.pk}/detach/"
    assert client.post(detach, {"appeal": two_clusters["a1"].pk}).status_code == 404
    api = client.post(
        f"/api/v1/appeals/clusters/{kept.pk}/merge",
        {"other_id": other.pk},
        content_type="application/json",
    )
    assert api.status_code == 404
    assert client.get(f"/api/v1/appeals/clusters/{kept.pk}/merge-choices").status_code == 404
    api = client.post(
        f"/api/v1/appeals/{two_clusters['a1'].pk}/cluster/detach",
        {},
        content_type="application/json",
    )
    assert api.status_code == 404
    # A resident cannot either.
    client.force_login(fresh(two_clusters["a1"]).reporter)
    assert client.post(merge, {"other": other.pk}).status_code in (403, 404)
    assert state() == before


def test_api_lists_merge_choices_and_merges(
    two_clusters: dict[str, Appeal], worker: User, client: Client
) -> None:
    kept, other = cluster_of(two_clusters["a1"]), cluster_of(two_clusters["b1"])
    client.force_login(worker)
    listed = client.get(f"/api/v1/appeals/clusters/{kept.pk}/merge-choices").json()
    assert [c["id"] for c in listed] == [other.pk]
    done = client.post(
        f"/api/v1/appeals/clusters/{kept.pk}/merge",
        {"other_id": other.pk},
        content_type="application/json",
    )
    assert done.status_code == 200
    body = done.json()
    assert (body["id"], body["requests"], body["recurrences"]) == (kept.pk, 4, 2)
    assert body["outcomes"][0]["linked"] == 2
