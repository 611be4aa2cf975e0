"""A whole problem cluster becomes a proposal, a project or spending from the community fund
(问题簇 → 议题/项目/支出): the staff of its community link every request of the cluster at
once, through ``appeals_link``."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.appeals.models import Appeal, AppealCluster, AppealOutcome
from shequ.appeals.permissions import may_link_outcome
from shequ.appeals.services.outcomes import appeals_link
from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.people.models import User


@transaction.atomic
def cluster_link(
    *,
    actor: User,
    cluster_id: int,
    proposal_id: int | None = None,
    project_id: int | None = None,
    commitment_id: int | None = None,
    ip: str | None = None,
) -> list[AppealOutcome]:
    """Link every request of the cluster in the cluster's community to one proposal or
    project of that community (``appeals_link`` for all of them at once). Requests of the
    cluster in a neighbouring community are left out (a proposal belongs to one community).

    Raises: NotFound (a cluster outside the actor's community); the errors of
    ``appeals_link`` (``one_target``, ``proposal_not_found``, ``project_not_found``,
    ``too_many``, ``already_linked``)."""
    cluster = AppealCluster.objects.select_for_update().filter(pk=cluster_id).first()
    if cluster is None or not may_link_outcome(actor, cluster.community_id):
        raise NotFound("cluster_not_found", _("No such problem cluster in your area."))
    ids = list(
        Appeal.objects.filter(cluster=cluster, community_id=cluster.community_id)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
    )
    if not ids:
        raise DomainError(
            "cluster_empty", _("No request of this cluster is in its community."), field="target"
        )
    made = appeals_link(
        actor=actor,
        appeal_id=ids[0],
        also=ids[1:],
        proposal_id=proposal_id,
        project_id=project_id,
        commitment_id=commitment_id,
        ip=ip,
    )
    audit_record(
        actor=actor,
        verb="appeal.cluster_link",
        target=cluster,
        division_code=cluster.community_id,
        changes={
            made[0].target_field: [None, made[0].target_id],
            "requests": [None, len(made)],
        },
        ip=ip,
    )
    return made


def cluster_target(value: Any) -> tuple[int | None, int | None, int | None]:
    """``proposal:12`` / ``project:7`` / ``spending:3`` (the picker's value) → (proposal_id,
    project_id, commitment_id).

    Raises: DomainError ``one_target``."""
    kind, _sep, raw = str(value or "").partition(":")
    valid = raw.isascii() and raw.isdigit() and len(raw) < 10
    if kind in ("proposal", "project", "spending") and valid:
        number = int(raw)
        return (
            number if kind == "proposal" else None,
            number if kind == "project" else None,
            number if kind == "spending" else None,
        )
    raise DomainError(
        "one_target", _("Choose one proposal, one project or one spending item."), field="target"
    )
