"""Writes of demonstration-community designations (党建引领示范社区)."""

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.cogovernance.models import Criterion, Designation
from shequ.cogovernance.permissions import can_designate
from shequ.cogovernance.services._common import division, not_found, text
from shequ.core.errors import DomainError
from shequ.core.services import audit_record
from shequ.core.uploads import check_upload
from shequ.people.models import User

FILE_MAX_KB = 10 * 1024


@transaction.atomic
def designation_create(
    *,
    actor: User,
    data: dict[str, Any],
    evidence_file: UploadedFile | None = None,
    is_demo: bool = False,
    ip: str | None = None,
) -> Designation:
    """Designate a community a demonstration community of a year (once a year).

    Raises: DomainError (a field, ``year_invalid``, ``criteria_needed``, ``already_designated``)."""
    community = division(data.get("community"), field="community", community_only=True)
    if not can_designate(actor, community.code):
        raise DomainError(
            "division_unknown",
            _("Choose a place inside your area from the list."),
            field="community",
        )
    try:
        year = int(str(data.get("year") or ""))
    except ValueError:
        year = 0
    if not 2000 <= year <= 2100:
        raise DomainError("year_invalid", _("Enter a year such as 2025."), field="year")
    criteria = _criteria(data)
    if Designation.objects.filter(year=year, community=community).exists():
        raise DomainError(
            "already_designated",
            _("This community is already designated for that year."),
            field="community",
        )
    designation = Designation(
        year=year,
        community=community,
        criteria=criteria,
        evidence=text(data, "evidence", 5000),
        evidence_links=text(data, "evidence_links", 2000),
        is_demo=is_demo,
        designated_by=actor,
    )
    if evidence_file is not None:
        kind = check_upload(
            evidence_file, field="evidence_file", types=("pdf", "jpg", "png"), max_kb=FILE_MAX_KB
        )
        extension = {"application/pdf": "pdf", "image/png": "png"}.get(kind, "jpg")
        designation.evidence_file.save(f"evidence.{extension}", evidence_file, save=False)
    designation.save()
    audit_record(
        actor=actor,
        verb="cogov.designate",
        target=designation,
        division_code=community.code,
        ip=ip,
    )
    return designation


def _designation_for_edit(actor: User, designation_id: int) -> Designation:
    designation = Designation.objects.select_for_update().filter(pk=designation_id).first()
    if designation is None or not can_designate(actor, designation.community_id):
        raise not_found()
    return designation


def _criteria(data: dict[str, Any]) -> list[str]:
    criteria = [str(c) for c in data.get("criteria") or []]
    if not criteria or any(c not in Criterion.values for c in criteria):
        raise DomainError(
            "criteria_needed", _("Tick the criteria the community meets."), field="criteria"
        )
    return sorted(set(criteria), key=Criterion.values.index)


@transaction.atomic
def designation_update(
    *,
    actor: User,
    designation_id: int,
    data: dict[str, Any],
    evidence_file: UploadedFile | None = None,
    ip: str | None = None,
) -> Designation:
    """Correct a designation's criteria and evidence (year and community stay; a new file
    replaces the old one).

    Raises: NotFound, DomainError ``criteria_needed``, a field, a file that is not one."""
    designation = _designation_for_edit(actor, designation_id)
    designation.criteria = _criteria(data)
    designation.evidence = text(data, "evidence", 5000)
    designation.evidence_links = text(data, "evidence_links", 2000)
    if evidence_file is not None:
        kind = check_upload(
            evidence_file, field="evidence_file", types=("pdf", "jpg", "png"), max_kb=FILE_MAX_KB
        )
        extension = {"application/pdf": "pdf", "image/png": "png"}.get(kind, "jpg")
        designation.evidence_file.save(f"evidence.{extension}", evidence_file, save=False)
    designation.save()
    audit_record(
        actor=actor,
        verb="cogov.designation_update",
        target=designation,
        division_code=designation.community_id,
        ip=ip,
    )
    return designation


@transaction.atomic
def designation_revoke(
    *, actor: User, designation_id: int, data: dict[str, Any], ip: str | None = None
) -> Designation:
    """Revoke a designation with the reason: it stays on record but leaves the public list.

    Raises: NotFound, DomainError ``required``, ``already_revoked``."""
    designation = _designation_for_edit(actor, designation_id)
    if designation.revoked_at is not None:
        raise DomainError("already_revoked", _("This designation is already revoked."))
    reason = text(data, "reason", 300, required=True)
    designation.revoked_at = timezone.now()
    designation.revoke_reason = reason
    designation.revoked_by = actor
    designation.save(update_fields=["revoked_at", "revoke_reason", "revoked_by"])
    audit_record(
        actor=actor,
        verb="cogov.designation_revoke",
        target=designation,
        division_code=designation.community_id,
        reason=reason,
        ip=ip,
    )
    return designation
