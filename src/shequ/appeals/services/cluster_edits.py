"""Staff correct problem clusters (问题簇纠正): merge two clusters that grew together at one
place, or take a request out of its cluster (alone, or into a new cluster of its own).

Intake never merges clusters; these are the community's staff's judgement. Both writes lock
the clusters and their requests, keep recurrence (复发) right, and are audited."""

from django.db import transaction
from django.db.models import Max, Min
from django.utils.translation import gettext_lazy as _

from shequ.appeals.models import Appeal, AppealCluster
from shequ.appeals.permissions import may_link_outcome
from shequ.appeals.selectors.clusters import HANDLED
from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.people.models import User


def _last_handled(appeal: Appeal, members: list[Appeal]) -> Appeal | None:
    """The last request of ``members`` handled before ``appeal`` was received."""
    handled = [
        a
        for a in members
        if a.pk != appeal.pk
        and a.status in HANDLED
        and a.closed_at is not None
        and a.closed_at <= appeal.created_at
    ]
    return max(handled, key=lambda a: (a.closed_at, a.pk)) if handled else None


def _refresh(cluster: AppealCluster) -> None:
    """Keep the cluster's first and newest dates and its pin (the first pinned request) true
    to its requests after a change."""
    span = Appeal.objects.filter(cluster=cluster).aggregate(
        first=Min("created_at"), last=Max("created_at")
    )
    if span["first"] is None:
        return
    pinned = (
        Appeal.objects.filter(cluster=cluster, latitude__isnull=False, longitude__isnull=False)
        .order_by("created_at", "id")
        .values_list("longitude", "latitude")
        .first()
    )
    cluster.created_at = span["first"]
    cluster.last_at = span["last"]
    cluster.longitude, cluster.latitude = pinned if pinned else (None, None)
    cluster.save(update_fields=["created_at", "last_at", "longitude", "latitude"])


@transaction.atomic
def cluster_merge(
    *, actor: User, cluster_id: int, other_id: int | None, ip: str | None = None
) -> AppealCluster:
    """Merge the cluster ``other_id`` into ``cluster_id`` (the one kept): its requests move
    over with their outcome links (which belong to the requests) and recurrences; a request
    received after a request of the other cluster was handled becomes its recurrence when it
    was none. The other cluster is deleted. Both must be of one category, in the same
    community or one of the same street, and both in the actor's area.

    Raises: NotFound ``cluster_not_found`` (the kept cluster outside the actor's area);
    DomainError ``merge_choose`` (nothing chosen, or the other cluster missing or outside the
    actor's area), ``merge_self``, ``merge_other_category``, ``merge_other_area``."""
    if other_id is None:
        raise DomainError(
            "merge_choose", _("Choose the cluster to merge from the list."), field="other"
        )
    if other_id == cluster_id:
        raise DomainError(
            "merge_self", _("A problem cluster cannot be merged with itself."), field="other"
        )
    # Lock both in id order, so two merges of the same pair cannot deadlock.
    locked = {
        c.pk: c
        for c in AppealCluster.objects.select_for_update()
        .filter(pk__in=[cluster_id, other_id])
        .order_by("pk")
    }
    kept = locked.get(cluster_id)
    if kept is None or not may_link_outcome(actor, kept.community_id):
        raise NotFound("cluster_not_found", _("No such problem cluster in your area."))
    other = locked.get(other_id)
    if other is None or not may_link_outcome(actor, other.community_id):
        raise DomainError(
            "merge_choose", _("Choose the cluster to merge from the list."), field="other"
        )
    if other.category_id != kept.category_id:
        raise DomainError(
            "merge_other_category",
            _("Only clusters of the same category can be merged."),
            field="other",
        )
    if other.community_id[:9] != kept.community_id[:9]:
        raise DomainError(
            "merge_other_area",
            _("Only clusters of the same or a neighbouring community (same street) can be merged."),
            field="other",
        )
    members = list(
        Appeal.objects.select_for_update()
        .filter(cluster_id__in=[kept.pk, other.pk])
        .order_by("created_at", "id")
    )
    moved = [a.pk for a in members if a.cluster_id == other.pk]
    Appeal.objects.filter(pk__in=moved).update(cluster=kept)
    # One problem now: a request received after any request of the merged cluster was
    # handled is a recurrence (existing recurrences stay as they are).
    recurrences: list[str] = []
    for appeal in members:
        if appeal.recurrence_of_id is not None:
            continue
        earlier = _last_handled(appeal, members)
        if earlier is not None:
            Appeal.objects.filter(pk=appeal.pk).update(recurrence_of=earlier)
            recurrences.append(appeal.number)
    other_pk = other.pk
    other.delete()
    _refresh(kept)
    audit_record(
        actor=actor,
        verb="appeal.cluster_merge",
        target=kept,
        division_code=kept.community_id,
        changes={
            "merged": [other_pk, None],
            "moved": [None, len(moved)],
            **({"recurrences": [None, recurrences]} if recurrences else {}),
        },
        ip=ip,
    )
    return kept


@transaction.atomic
def cluster_detach(
    *, actor: User, appeal_id: int, new_cluster: bool = False, ip: str | None = None
) -> AppealCluster | None:
    """Take the request out of its cluster (it is another problem): alone, or in a new
    cluster of its own when ``new_cluster``. It is no longer a recurrence of a request of the
    old cluster, and requests of the old cluster that were its recurrences are recurrences of
    the last other request handled before them (or none). An emptied cluster is deleted.
    Returns the request's new cluster (None: alone).

    Raises: NotFound ``appeal_not_found`` (the request outside the actor's area);
    DomainError ``not_clustered``."""
    appeal = Appeal.objects.select_for_update().filter(pk=appeal_id).first()
    if appeal is None or not may_link_outcome(actor, appeal.community_id):
        raise NotFound("appeal_not_found", _("No such request in your area."))
    if appeal.cluster_id is None:
        raise DomainError("not_clustered", _("This request is in no problem cluster."))
    old = AppealCluster.objects.select_for_update().get(pk=appeal.cluster_id)
    rest = list(
        Appeal.objects.select_for_update()
        .filter(cluster=old)
        .exclude(pk=appeal.pk)
        .order_by("created_at", "id")
    )
    ours = {a.pk for a in rest}
    renumbered: list[str] = []
    for member in rest:
        if member.recurrence_of_id == appeal.pk:
            earlier = _last_handled(member, rest)
            Appeal.objects.filter(pk=member.pk).update(recurrence_of=earlier)
            renumbered.append(member.number)
    was_recurrence = appeal.recurrence_of_id in ours
    recurrence_before = appeal.recurrence_of_id
    target: AppealCluster | None = None
    if new_cluster:
        target = AppealCluster.objects.create(
            category_id=appeal.category_id,
            community_id=appeal.community_id,
            longitude=appeal.longitude,
            latitude=appeal.latitude,
            created_at=appeal.created_at,
            last_at=appeal.created_at,
        )
    appeal.cluster = target
    if was_recurrence:
        appeal.recurrence_of = None
    appeal.save(update_fields=["cluster", "recurrence_of"])
    old_pk = old.pk
    if rest:
        _refresh(old)
    else:
        old.delete()
    audit_record(
        actor=actor,
        verb="appeal.cluster_detach",
        target=appeal,
        division_code=appeal.community_id,
        changes={
            "cluster": [old_pk, target.pk if target else None],
            **({"recurrence_of": [recurrence_before, None]} if was_recurrence else {}),
            **({"recurrences_changed": [None, renumbered]} if renumbered else {}),
        },
        ip=ip,
    )
    return target
