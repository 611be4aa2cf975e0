"""A whole problem cluster becomes a proposal or project (问题簇 → 议题/项目): the staff of
its community link every request of the cluster at once, through ``appeals_link``."""

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
        ip=ip,
    )
    audit_record(
        actor=actor,
        verb="appeal.cluster_link",
        target=cluster,
        division_code=cluster.community_id,
        changes={
            "proposal" if proposal_id is not None else "project": [None, proposal_id or project_id],
            "requests": [None, len(made)],
        },
        ip=ip,
    )
    return made


def cluster_target(value: Any) -> tuple[int | None, int | None]:
    """``proposal:12`` / ``project:7`` (the picker's value) → (proposal_id, project_id).

    Raises: DomainError ``one_target``."""
    kind, _sep, raw = str(value or "").partition(":")
    if kind in ("proposal", "project") and raw.isascii() and raw.isdigit() and len(raw) < 10:
        return (int(raw), None) if kind == "proposal" else (None, int(raw))
    raise DomainError("one_target", _("Choose one proposal or one project."), field="target")
