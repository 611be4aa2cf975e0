"""Evaluation runs (评估): queueing one, publishing its scores to the public and withdrawing
them.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.scopes import CITY_CODE
from shequ.core.services import audit_record
from shequ.indicators.models import (
    Run,
    TreeVersion,
)
from shequ.indicators.permissions import can_edit_tree
from shequ.indicators.services._common import (
    _open_period,
    _require_editor,
)


@transaction.atomic
def run_create(*, actor: Any, version_id: int, year: int) -> Run:
    """Queue an evaluation run of a version for a year (the task computes it)."""
    _require_editor(actor)
    _open_period(year)
    version = TreeVersion.objects.filter(pk=version_id).first()
    if version is None:
        raise NotFound("not_found", _("No such version of the indicator tree."))
    if version.status == TreeVersion.Status.DRAFT:
        raise DomainError("draft", _("Publish the version before evaluating with it."))
    run = Run.objects.create(version=version, year=year, created_by=actor)
    audit_record(
        actor=actor,
        verb="indicators.run_created",
        target=run,
        division_code=CITY_CODE,
        changes={"year": [None, year], "version": [None, version.number]},
    )
    return run


def _require_publisher(actor: Any) -> None:
    """Only the city committee and system administrators publish scores; nobody anonymous."""
    if not getattr(actor, "is_authenticated", False) or not can_edit_tree(actor):
        raise PermissionDenied(
            "forbidden", _("Only the city committee publishes evaluation scores to the public.")
        )


@transaction.atomic
def run_publish(*, actor: Any, run_id: int) -> Run:
    """Show a finished run's scores and rank intervals on the public dashboards; one run is
    public at a time, so the one published before is taken off. Raises: PermissionDenied,
    NotFound, DomainError (the run has not finished, or is published already)."""
    _require_publisher(actor)
    run = Run.objects.select_for_update().filter(pk=run_id).first()
    if run is None:
        raise NotFound("not_found", _("No such evaluation run."))
    if run.status != Run.Status.DONE:
        raise DomainError(
            "run_not_done", _("Only a finished evaluation run can be published to the public.")
        )
    if run.published_at is not None:
        raise DomainError("run_published", _("This evaluation run is already published."))
    replaced = list(
        Run.objects.select_for_update()
        .filter(published_at__isnull=False)
        .exclude(pk=run.pk)
        .values_list("pk", flat=True)
    )
    Run.objects.filter(pk__in=replaced).update(published_at=None)
    run.published_at = timezone.now()
    run.save(update_fields=["published_at"])
    audit_record(
        actor=actor,
        verb="indicators.run_published",
        target=run,
        division_code=CITY_CODE,
        changes={
            "published_at": [None, run.published_at.isoformat()],
            "replaced_run": [replaced[0] if replaced else None, None],
        },
    )
    return run


@transaction.atomic
def run_withdraw(*, actor: Any, run_id: int) -> Run:
    """Take a run's scores off the public dashboards (from the next snapshot on).
    Raises: PermissionDenied, NotFound, DomainError (not published)."""
    _require_publisher(actor)
    run = Run.objects.select_for_update().filter(pk=run_id).first()
    if run is None:
        raise NotFound("not_found", _("No such evaluation run."))
    if run.published_at is None:
        raise DomainError("run_not_published", _("This evaluation run is not published."))
    before = run.published_at
    run.published_at = None
    run.save(update_fields=["published_at"])
    audit_record(
        actor=actor,
        verb="indicators.run_withdrawn",
        target=run,
        division_code=CITY_CODE,
        changes={"published_at": [before.isoformat(), None]},
    )
    return run
