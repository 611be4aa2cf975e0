"""Writes of demonstration-community designations (党建引领示范社区)."""

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.cogovernance.models import Criterion, Designation
from shequ.cogovernance.permissions import can_designate
from shequ.cogovernance.services._common import division, text
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
    criteria = [str(c) for c in data.get("criteria") or []]
    if not criteria or any(c not in Criterion.values for c in criteria):
        raise DomainError(
            "criteria_needed", _("Tick the criteria the community meets."), field="criteria"
        )
    if Designation.objects.filter(year=year, community=community).exists():
        raise DomainError(
            "already_designated",
            _("This community is already designated for that year."),
            field="community",
        )
    designation = Designation(
        year=year,
        community=community,
        criteria=sorted(set(criteria), key=Criterion.values.index),
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
