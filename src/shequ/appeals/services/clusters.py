"""Problem clusters (问题簇) and recurrence (复发): at intake a new request joins the cluster of
its neighbours (same category, within ``CLUSTER_METRES`` or the same community when not
pinned, within ``CLUSTER_DAYS``) or forms one with them; one received after an earlier
request of its cluster was handled is a recurrence."""

import zlib
from collections import Counter

from django.db import connection, transaction

from shequ.appeals.models import Appeal, AppealCluster
from shequ.appeals.selectors.clusters import HANDLED, cluster_neighbours
from shequ.core.services import audit_record
from shequ.people.models import User

# The first key of the advisory locks that serialise clustering (any constant of our own).
LOCK_CLASS = 16_0005


def _serialise(category_id: int, community_code: str) -> None:
    """On PostgreSQL, one intake at a time clusters a category in a street (a transaction
    lock, released at commit), so two reports of one problem filed at the same moment end
    up in one cluster: the second reads the first once it is committed."""
    if connection.vendor != "postgresql":
        return
    key = zlib.crc32(f"{category_id}:{community_code[:9]}".encode()) - 2**31
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, key])


def _last_handled(appeal: Appeal, candidates: list[Appeal]) -> Appeal | None:
    handled = [
        a
        for a in candidates
        if a.status in HANDLED and a.closed_at is not None and a.closed_at <= appeal.created_at
    ]
    return max(handled, key=lambda a: (a.closed_at, a.pk)) if handled else None


def _new_cluster(appeal: Appeal, members: list[Appeal]) -> AppealCluster:
    pinned = sorted(
        (a for a in [*members, appeal] if a.latitude is not None),
        key=lambda a: (a.created_at, a.pk),
    )
    anchor = pinned[0] if pinned else appeal
    return AppealCluster.objects.create(
        category_id=appeal.category_id,
        community_id=anchor.community_id,
        longitude=anchor.longitude,
        latitude=anchor.latitude,
        created_at=appeal.created_at,
        last_at=appeal.created_at,
    )


# Inside the intake's transaction, a savepoint would only cost two round trips: a failure
# here fails the whole intake anyway.
@transaction.atomic(savepoint=False)
def cluster_on_intake(
    *, appeal: Appeal, actor: User | None = None, ip: str | None = None
) -> AppealCluster | None:
    """Put a just-received request in its problem cluster (one indexed read of the
    neighbours). With no neighbour it stays alone. Neighbours already in clusters: it joins
    the cluster most of them are in (the newest on a tie); neighbours in no cluster join it
    too. Clusters are never merged. Audited as ``appeal.cluster_join``."""
    _serialise(appeal.category_id, appeal.community_id)
    neighbours = cluster_neighbours(
        category_id=appeal.category_id,
        community_code=appeal.community_id,
        longitude=appeal.longitude,
        latitude=appeal.latitude,
        before=appeal.created_at,
        exclude_id=appeal.pk,
    )
    if not neighbours:
        return None
    votes = Counter(a.cluster_id for a in neighbours if a.cluster_id is not None)
    loose = [a for a in neighbours if a.cluster_id is None]
    if votes:
        best = max(votes.values())
        # Neighbours are newest first: the first one in a most-voted cluster breaks the tie.
        cluster = next(
            a.cluster for a in neighbours if a.cluster is not None and votes[a.cluster.pk] == best
        )
        members = [a for a in neighbours if a.cluster_id == cluster.pk] + loose
    else:
        cluster = _new_cluster(appeal, loose)
        members = loose
    if loose:
        Appeal.objects.filter(pk__in=[a.pk for a in loose]).update(cluster=cluster)
    earlier = _last_handled(appeal, members)
    appeal.cluster = cluster
    appeal.recurrence_of = earlier
    appeal.save(update_fields=["cluster", "recurrence_of"])
    if appeal.created_at > cluster.last_at:
        cluster.last_at = appeal.created_at
        cluster.save(update_fields=["last_at"])
    audit_record(
        actor=actor,
        verb="appeal.cluster_join",
        target=appeal,
        division_code=appeal.community_id,
        changes={
            "cluster": [None, cluster.pk],
            "joined_with": [None, len(members)],
            **({"recurrence_of": [None, earlier.number]} if earlier else {}),
        },
        ip=ip,
    )
    return cluster


@transaction.atomic
def cluster_recurrence(
    *, appeal: Appeal, earlier: Appeal, actor: User | None = None, ip: str | None = None
) -> AppealCluster:
    """Record ``appeal`` as a recurrence of the handled ``earlier`` in the same cluster (a
    follow-up answered "no"): into ``earlier``'s cluster, or a new one of the two."""
    earlier = Appeal.objects.select_related("cluster").get(pk=earlier.pk)
    cluster = earlier.cluster
    if cluster is None:
        cluster = _new_cluster(appeal, [earlier])
        Appeal.objects.filter(pk=earlier.pk).update(cluster=cluster)
    before = appeal.cluster_id
    appeal.cluster = cluster
    appeal.recurrence_of = earlier
    appeal.save(update_fields=["cluster", "recurrence_of"])
    if appeal.created_at > cluster.last_at:
        cluster.last_at = appeal.created_at
        cluster.save(update_fields=["last_at"])
    audit_record(
        actor=actor,
        verb="appeal.cluster_join",
        target=appeal,
        division_code=appeal.community_id,
        changes={"cluster": [before, cluster.pk], "recurrence_of": [None, earlier.number]},
        ip=ip,
    )
    return cluster
