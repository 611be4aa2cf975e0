"""Registering a project (登记) and editing its fields; the status events copy the edits."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, PermissionDenied
from shequ.core.services import audit_record, changes_between
from shequ.people.models import Department, User
from shequ.places.models import Division
from shequ.projects import permissions
from shequ.projects.geometry import location_clean
from shequ.projects.models import ZERO, Project, ProjectType, Status, StatusEvent
from shequ.projects.services._common import (
    FIRST_YEAR,
    LAST_YEAR,
    _project_locked,
    _today,
    _type_get,
    _visible_or_404,
    money,
)


@dataclass
class ProjectValues:
    """A project's checked, editable fields (registration and later edits share the rules)."""

    name: str
    project_type: ProjectType
    communities: list[Division]
    district: Division
    year: int
    location: dict[str, Any] | None
    longitude: float | None
    latitude: float | None
    planned_city: Decimal
    planned_district: Decimal
    planned_social: Decimal
    department: Department | None
    implementer: str
    planned_start: date | None
    planned_end: date | None
    description: str

    @property
    def planned_total(self) -> Decimal:
        return self.planned_city + self.planned_district + self.planned_social

    def model_fields(self) -> dict[str, Any]:
        """The ``Project`` fields these values set (the communities are a separate relation)."""
        return {
            "name": self.name,
            "project_type": self.project_type,
            "division": self.communities[0],
            "district": self.district,
            "year": self.year,
            "location": self.location,
            "longitude": self.longitude,
            "latitude": self.latitude,
            "planned_city": self.planned_city,
            "planned_district": self.planned_district,
            "planned_social": self.planned_social,
            "department": self.department,
            "implementer": self.implementer,
            "planned_start": self.planned_start,
            "planned_end": self.planned_end,
            "description": self.description,
        }


def _communities_get(codes: Iterable[str]) -> list[Division]:
    wanted = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    if not wanted:
        raise DomainError(
            "division_missing", _("Choose at least one community."), field="communities"
        )
    found = {
        d.code: d for d in Division.objects.filter(code__in=wanted, level=Division.Level.COMMUNITY)
    }
    missing = [c for c in wanted if c not in found]
    if missing:
        raise DomainError(
            "division_unknown",
            _("%(code)s is not a known community."),
            field="communities",
            code=missing[0],
        )
    districts = {c[:6] for c in wanted}
    if len(districts) > 1:
        raise DomainError(
            "division_mixed",
            _("All communities of a project must lie in one district."),
            field="communities",
        )
    return [found[c] for c in wanted]


def _project_values(
    *,
    actor: User,
    name: str,
    type_code: str,
    community_codes: Iterable[str],
    year: int,
    location: dict[str, Any] | None,
    planned_city: Any,
    planned_district: Any,
    planned_social: Any,
    department_code: str,
    implementer: str,
    planned_start: date | None,
    planned_end: date | None,
    description: str,
) -> ProjectValues:
    """Check a project's fields. Raises: DomainError (``required``, ``type_unknown``,
    ``division_missing``, ``division_unknown``, ``division_mixed``, ``year_invalid``,
    ``dates_inverted``, ``money_invalid``, ``location_invalid``, ``location_outside``,
    ``department_unknown``); PermissionDenied when the actor may not register projects in one
    of the communities."""
    name = name.strip()
    if not name:
        raise DomainError("required", _("A project needs a name."), field="name")
    project_type = _type_get(type_code)
    communities = _communities_get(community_codes)
    for community in communities:
        if not permissions.can_register_in(actor, community.code):
            raise PermissionDenied(
                "forbidden", _("You may not register projects in %(place)s."), place=community.name
            )
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError(
            "year_invalid", _("The year must be between 2000 and 2100."), field="year"
        )
    if planned_start and planned_end and planned_end < planned_start:
        raise DomainError(
            "dates_inverted", _("The planned end is before the planned start."), field="planned_end"
        )
    amounts = [
        money(planned_city, field_name="planned_city"),
        money(planned_district, field_name="planned_district"),
        money(planned_social, field_name="planned_social"),
    ]
    district = Division.objects.get(pk=communities[0].code[:6] + "000000")
    geometry, longitude, latitude = (
        location_clean(location, district) if location else (None, None, None)
    )
    department = None
    if department_code:
        department = Department.objects.filter(code=department_code, is_active=True).first()
        if department is None:
            raise DomainError("department_unknown", _("No such department."), field="department")
    return ProjectValues(
        name=name[:200],
        project_type=project_type,
        communities=communities,
        district=district,
        year=year,
        location=geometry,
        longitude=longitude,
        latitude=latitude,
        planned_city=amounts[0],
        planned_district=amounts[1],
        planned_social=amounts[2],
        department=department,
        implementer=implementer.strip()[:100],
        planned_start=planned_start,
        planned_end=planned_end,
        description=description,
    )


@transaction.atomic
def project_create(
    *,
    actor: User,
    code: str,
    name: str,
    type_code: str,
    community_codes: list[str],
    year: int,
    location: dict[str, Any] | None = None,
    planned_city: Any = ZERO,
    planned_district: Any = ZERO,
    planned_social: Any = ZERO,
    department_code: str = "",
    implementer: str = "",
    planned_start: date | None = None,
    planned_end: date | None = None,
    registered_on: date | None = None,
    description: str = "",
    ip: str | None = None,
) -> Project:
    """Register a project (status planned, with its first status event).

    Raises: DomainError (``code_taken``, ``date_future`` and those of the fields: see
    ``_project_values``); PermissionDenied when the actor may not register projects in those
    communities.
    """
    code = code.strip()
    if not code:
        raise DomainError("required", _("A project needs a code and a name."), field="code")
    values = _project_values(
        actor=actor,
        name=name,
        type_code=type_code,
        community_codes=community_codes,
        year=year,
        location=location,
        planned_city=planned_city,
        planned_district=planned_district,
        planned_social=planned_social,
        department_code=department_code,
        implementer=implementer,
        planned_start=planned_start,
        planned_end=planned_end,
        description=description,
    )
    if Project.objects.filter(code=code).exists():
        raise DomainError(
            "code_taken", _("Project code %(code)s is already used."), field="code", code=code
        )
    on = registered_on or _today()
    if on > _today():
        raise DomainError("date_future", _("The date cannot be in the future."), field="date")
    project = Project.objects.create(
        code=code, status=Status.PLANNED, status_since=on, **values.model_fields()
    )
    project.communities.set(values.communities)
    StatusEvent.objects.create(
        project=project,
        status=Status.PLANNED,
        occurred_on=on,
        project_type=values.project_type,
        district=values.district,
        division=values.communities[0],
        year=values.year,
        planned_investment=values.planned_total,
        actor=actor,
    )
    audit_record(
        actor=actor,
        verb="project.create",
        target=project,
        division_code=project.division_id,
        changes={"type": [None, values.project_type.code], "year": [None, values.year]},
        ip=ip,
    )
    return project


def _project_summary(project: Project, community_codes: list[str]) -> dict[str, Any]:
    """What the audit trail compares before and after an edit."""
    return {
        "name": project.name,
        "type": project.project_type.code,
        "communities": ",".join(community_codes),
        "year": project.year,
        "location": project.location,
        "planned_city": str(project.planned_city),
        "planned_district": str(project.planned_district),
        "planned_social": str(project.planned_social),
        "department": project.department.code if project.department else "",
        "implementer": project.implementer,
        "planned_start": project.planned_start.isoformat() if project.planned_start else None,
        "planned_end": project.planned_end.isoformat() if project.planned_end else None,
        "description": project.description,
    }


@transaction.atomic
def project_update(
    *,
    actor: User,
    code: str,
    name: str,
    type_code: str,
    community_codes: list[str],
    year: int,
    location: dict[str, Any] | None = None,
    planned_city: Any = ZERO,
    planned_district: Any = ZERO,
    planned_social: Any = ZERO,
    department_code: str = "",
    implementer: str = "",
    planned_start: date | None = None,
    planned_end: date | None = None,
    description: str = "",
    ip: str | None = None,
) -> Project:
    """Edit a registered project's fields (its code and status history stay).

    The same checks as registration apply, and the actor must manage the project where it is
    and where it moves to. The copies on the project's status events (type, district,
    community, year, planned investment) follow, so the as-of statistics count it as it now is.
    Raises: NotFound outside the actor's area; PermissionDenied for a role that may not edit
    it; DomainError as ``project_create`` (nothing is changed).
    """
    project = _project_locked(code)
    _visible_or_404(actor, project)
    if not permissions.can_manage_project(actor, project):
        raise PermissionDenied("forbidden", _("You may not edit this project."))
    values = _project_values(
        actor=actor,
        name=name,
        type_code=type_code,
        community_codes=community_codes,
        year=year,
        location=location,
        planned_city=planned_city,
        planned_district=planned_district,
        planned_social=planned_social,
        department_code=department_code,
        implementer=implementer,
        planned_start=planned_start,
        planned_end=planned_end,
        description=description,
    )
    before = _project_summary(project, list(project.communities.values_list("code", flat=True)))
    for attribute, value in values.model_fields().items():
        setattr(project, attribute, value)
    project.save()
    project.communities.set(values.communities)
    StatusEvent.objects.filter(project=project).update(
        project_type=values.project_type,
        district=values.district,
        division=values.communities[0],
        year=values.year,
        planned_investment=values.planned_total,
    )
    after = _project_summary(project, [c.code for c in values.communities])
    audit_record(
        actor=actor,
        verb="project.update",
        target=project,
        division_code=project.division_id,
        changes=changes_between(before, after),
        ip=ip,
    )
    return project
