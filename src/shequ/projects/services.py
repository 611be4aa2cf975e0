"""Writes of the five major actions: projects, status moves, progress, photos, plan, taxonomy.

Every function checks who may act, runs in one transaction and leaves an audit event.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.digits import digits_or_none
from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.services import audit_record, changes_between
from shequ.core.uploads import clean_image
from shequ.people.models import Department, User
from shequ.places.models import Division
from shequ.projects import permissions
from shequ.projects.geometry import location_clean
from shequ.projects.models import (
    STATUS_ORDER,
    ZERO,
    Action,
    Follow,
    FollowerMessage,
    Milestone,
    Photo,
    PlanTarget,
    ProgressReport,
    Project,
    ProjectType,
    Status,
    StatusEvent,
)

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# Photos are recognised by their first bytes, not by the name or the declared type.
PHOTO_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"RIFF", "webp"),
)
PHOTO_CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
MAX_MONEY = Decimal("999999999999.99")
FIRST_YEAR, LAST_YEAR = 2000, 2100


class RowErrors(DomainError):
    """Several errors at once (an import's rows); ``errors`` lists them in order."""

    def __init__(self, errors: list["RowError"]) -> None:
        super().__init__(
            "import_rejected",
            _("Nothing was imported: %(n)s problems in the file."),
            n=len(errors),
        )
        self.errors = errors


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str
    code: str = "invalid"

    def __str__(self) -> str:
        return str(
            _("Row %(row)s, column %(column)s: %(message)s")
            % {"row": self.row, "column": self.column, "message": self.message}
        )


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)


def _today() -> date:
    return timezone.localdate()


def money(value: Any, *, field_name: str) -> Decimal:
    """Yuan with two decimals, never negative. Raises: DomainError ``money_invalid``."""
    if value in (None, ""):
        return ZERO
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation as error:
        raise DomainError(
            "money_invalid", _("Enter an amount in yuan, such as 1250000.00."), field=field_name
        ) from error
    if not amount.is_finite() or amount < 0 or amount > MAX_MONEY:
        raise DomainError(
            "money_invalid",
            _("An amount must be between 0 and 999,999,999,999.99 yuan."),
            field=field_name,
        )
    return amount.quantize(Decimal("0.01"))


def _type_get(code: str) -> ProjectType:
    project_type = ProjectType.objects.filter(code=code, is_active=True).first()
    if project_type is None:
        raise DomainError(
            "type_unknown",
            _("%(code)s is not a known project type."),
            field="project_type",
            code=code,
        )
    return project_type


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


def _project_locked(code: str) -> Project:
    project = Project.objects.select_for_update().filter(code=code).first()
    if project is None:
        raise NotFound("project_not_found", _("No such project."))
    return project


def _visible_or_404(actor: Any, project: Project) -> None:
    if not permissions.can_view_project(actor, project):
        raise NotFound("project_not_found", _("No such project."))


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


@transaction.atomic
def project_transition(
    *,
    actor: User,
    code: str,
    target: str,
    on: date | None = None,
    note: str = "",
    ip: str | None = None,
) -> Project:
    """Move a project one step along its life cycle (or back to work after a failed acceptance).

    Raises: NotFound outside the actor's area; DomainError ``transition_invalid`` (out of
    order), ``reason_required`` (rework without a reason), ``date_before_previous`` /
    ``date_future``; PermissionDenied when the actor's role may not make that move.
    """
    project = _project_locked(code)
    _visible_or_404(actor, project)
    if target not in STATUS_ORDER or (project.status, target) not in permissions.TRANSITION_ROLES:
        raise DomainError(
            "transition_invalid",
            _("A project cannot go from “%(current)s” to “%(target)s”."),
            field="status",
            current=Status(project.status).label,
            target=Status(target).label if target in STATUS_ORDER else target,
        )
    if not permissions.can_transition(actor, project, target):
        raise PermissionDenied("forbidden", _("Your role may not make this move."))
    backwards = STATUS_ORDER.index(target) < STATUS_ORDER.index(project.status)
    note = note.strip()
    if backwards and not note:
        raise DomainError(
            "reason_required", _("Say why the project goes back to work."), field="note"
        )
    day = on or _today()
    if day > _today():
        raise DomainError("date_future", _("The date cannot be in the future."), field="on")
    if day < project.status_since:
        raise DomainError(
            "date_before_previous",
            _("The date is before the previous step (%(previous)s)."),
            field="on",
            previous=project.status_since.isoformat(),
        )
    previous = project.status
    StatusEvent.objects.filter(project=project, superseded_on__isnull=True).update(
        superseded_on=day
    )
    StatusEvent.objects.create(
        project=project,
        status=target,
        occurred_on=day,
        is_first=not StatusEvent.objects.filter(project=project, status=target).exists(),
        project_type_id=project.project_type_id,
        district_id=project.district_id,
        division_id=project.division_id,
        year=project.year,
        planned_investment=project.planned_total,
        actor=actor,
        note=note[:300],
    )
    project.status, project.status_since = target, day
    if target in (Status.COMPLETED, Status.ACCEPTED):
        project.progress = 100
    project.save(update_fields=["status", "status_since", "progress", "updated_at"])
    audit_record(
        actor=actor,
        verb="project.transition",
        target=project,
        division_code=project.division_id,
        reason=note,
        changes={"status": [previous, target], "date": [None, day.isoformat()]},
        ip=ip,
    )
    _notify_followers(
        project,
        str(_("%(name)s: %(status)s") % {"name": project.name, "status": Status(target).label}),
    )
    return project


def _notify_followers(project: Project, text: str) -> None:
    followers = Follow.objects.filter(project=project).values_list("user_id", flat=True)
    FollowerMessage.objects.bulk_create(
        [FollowerMessage(user_id=uid, project=project, text=text[:300]) for uid in followers]
    )


def month_start(value: date) -> date:
    return value.replace(day=1)


def _progress_value(progress: Any) -> int:
    """Raises: DomainError ``progress_invalid`` unless a whole number from 0 to 100."""
    error = DomainError(
        "progress_invalid", _("Progress is a whole number from 0 to 100."), field="progress"
    )
    if isinstance(progress, bool) or progress is None:
        raise error
    if isinstance(progress, float):
        if not progress.is_integer():
            raise error
        progress = int(progress)
    try:
        percent = int(str(progress).strip().rstrip("%"))
    except ValueError as exc:
        raise error from exc
    if not 0 <= percent <= 100:
        raise error
    return percent


def _progress_not_backwards(earlier: int | None, percent: int, note: str) -> None:
    """Raises: DomainError ``progress_backwards`` when lower than before without a reason."""
    if earlier is not None and percent < earlier and not note.strip():
        raise DomainError(
            "progress_backwards",
            _("Progress went back from %(before)s%% to %(after)s%%: say why in the note."),
            field="note",
            before=earlier,
            after=percent,
        )


def _progress_checked(project: Project, month: date, progress: Any, note: str) -> int:
    percent = _progress_value(progress)
    earlier = (
        ProgressReport.objects.filter(project=project, month__lt=month)
        .order_by("-month")
        .values_list("progress", flat=True)
        .first()
    )
    _progress_not_backwards(earlier, percent, note)
    return percent


def _progress_write(
    *,
    actor: User,
    project: Project,
    month: date,
    progress: int,
    actual_city: Decimal,
    actual_district: Decimal,
    actual_social: Decimal,
    note: str,
) -> bool:
    """Insert or update the month's report; returns True when it was created."""
    report, created = ProgressReport.objects.update_or_create(
        project=project,
        month=month,
        defaults={
            "progress": progress,
            "actual_city": actual_city,
            "actual_district": actual_district,
            "actual_social": actual_social,
            "note": note.strip()[:300],
            "reported_by": actor,
        },
    )
    latest = ProgressReport.objects.filter(project=project).order_by("-month").first()
    if latest is not None and latest.pk == report.pk:
        project.progress = progress
        project.actual_city, project.actual_district, project.actual_social = (
            actual_city,
            actual_district,
            actual_social,
        )
        project.save(
            update_fields=[
                "progress",
                "actual_city",
                "actual_district",
                "actual_social",
                "updated_at",
            ]
        )
    _notify_followers(
        project,
        str(
            _("%(name)s: %(progress)s%% done (%(month)s)")
            % {"name": project.name, "progress": progress, "month": f"{month:%Y-%m}"}
        ),
    )
    return created


def _month_checked(month: date) -> date:
    month = month_start(month)
    if month > month_start(_today()):
        raise DomainError("date_future", _("The month cannot be in the future."), field="month")
    return month


@transaction.atomic
def progress_report_submit(
    *,
    actor: User,
    code: str,
    month: date,
    progress: Any,
    actual_city: Any = ZERO,
    actual_district: Any = ZERO,
    actual_social: Any = ZERO,
    note: str = "",
    ip: str | None = None,
) -> ProgressReport:
    """Report a month's progress (cumulative percentage and actual investment by source).

    A second report for the same month replaces the first.
    Raises: NotFound outside the area; PermissionDenied for readers; DomainError
    ``progress_invalid``, ``progress_backwards`` (lower than last month without a reason),
    ``money_invalid``, ``date_future``.
    """
    project = _project_locked(code)
    _visible_or_404(actor, project)
    if not permissions.can_report_progress(actor, project):
        raise PermissionDenied("forbidden", _("You may not report on this project."))
    month = _month_checked(month)
    percent = _progress_checked(project, month, progress, note)
    amounts = [
        money(actual_city, field_name="actual_city"),
        money(actual_district, field_name="actual_district"),
        money(actual_social, field_name="actual_social"),
    ]
    created = _progress_write(
        actor=actor,
        project=project,
        month=month,
        progress=percent,
        actual_city=amounts[0],
        actual_district=amounts[1],
        actual_social=amounts[2],
        note=note,
    )
    audit_record(
        actor=actor,
        verb="project.progress" if created else "project.progress_update",
        target=project,
        division_code=project.division_id,
        reason=note,
        changes={"month": [None, f"{month:%Y-%m}"], "progress": [None, percent]},
        ip=ip,
    )
    return ProgressReport.objects.get(project=project, month=month)


@transaction.atomic
def milestone_add(
    *,
    actor: User,
    code: str,
    name: str,
    weight: int,
    planned_on: date | None = None,
    ip: str | None = None,
) -> Milestone:
    """Raises: DomainError ``weight_invalid`` when the weights would exceed 100."""
    project = _project_locked(code)
    _visible_or_404(actor, project)
    if not permissions.can_manage_project(actor, project):
        raise PermissionDenied("forbidden", _("You may not plan this project."))
    used = Milestone.objects.filter(project=project).aggregate(s=Sum("weight"))["s"] or 0
    if weight < 1 or used + weight > 100:
        raise DomainError(
            "weight_invalid",
            _("Milestone weights add up to at most 100; %(left)s is left."),
            field="weight",
            left=100 - used,
        )
    if not name.strip():
        raise DomainError("required", _("A milestone needs a name."), field="name")
    milestone = Milestone.objects.create(
        project=project, name=name.strip()[:100], weight=weight, planned_on=planned_on
    )
    audit_record(
        actor=actor,
        verb="project.milestone_add",
        target=project,
        division_code=project.division_id,
        changes={"milestone": [None, milestone.name], "weight": [None, weight]},
        ip=ip,
    )
    return milestone


@transaction.atomic
def milestone_complete(
    *, actor: User, milestone_id: int, done_on: date | None = None, ip: str | None = None
) -> Milestone:
    """Raises: NotFound; DomainError ``date_future``."""
    milestone = Milestone.objects.select_related("project").filter(pk=milestone_id).first()
    if milestone is None:
        raise NotFound("milestone_not_found", _("No such milestone."))
    project = milestone.project
    _visible_or_404(actor, project)
    if not permissions.can_report_progress(actor, project):
        raise PermissionDenied("forbidden", _("You may not report on this project."))
    day = done_on or _today()
    if day > _today():
        raise DomainError("date_future", _("The date cannot be in the future."), field="done_on")
    milestone.done_on = day
    milestone.save(update_fields=["done_on"])
    audit_record(
        actor=actor,
        verb="project.milestone_done",
        target=project,
        division_code=project.division_id,
        changes={"milestone": [milestone.name, day.isoformat()]},
        ip=ip,
    )
    return milestone


def _photo_extension(upload: UploadedFile) -> str:
    """Raises: DomainError ``photo_too_large`` / ``photo_type``."""
    if (upload.size or 0) > MAX_PHOTO_BYTES:
        raise DomainError("photo_too_large", _("A photo may be at most 5 MB."), field="image")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, extension in PHOTO_SIGNATURES:
        if head.startswith(signature) and (extension != "webp" or head[8:12] == b"WEBP"):
            return extension
    raise DomainError("photo_type", _("Upload a JPEG, PNG or WebP photo."), field="image")


@transaction.atomic
def photo_add(
    *,
    actor: User,
    code: str,
    phase: str,
    upload: UploadedFile,
    caption: str = "",
    ip: str | None = None,
) -> Photo:
    """Raises: DomainError ``photo_phase``, ``photo_too_large``, ``photo_type``."""
    project = _project_locked(code)
    _visible_or_404(actor, project)
    if not permissions.can_report_progress(actor, project):
        raise PermissionDenied("forbidden", _("You may not report on this project."))
    if phase not in Photo.Phase.values:
        raise DomainError("photo_phase", _("Choose before, during or after."), field="phase")
    extension = _photo_extension(upload)
    image = clean_image(upload, PHOTO_CONTENT_TYPES[extension], field="image")
    image.name = f"{project.code}-{phase}.{extension}"
    photo = Photo.objects.create(
        project=project, phase=phase, image=image, caption=caption.strip()[:200], uploaded_by=actor
    )
    audit_record(
        actor=actor,
        verb="project.photo_add",
        target=project,
        division_code=project.division_id,
        changes={"photo": [None, phase]},
        ip=ip,
    )
    return photo


@transaction.atomic
def project_follow(*, actor: User, code: str, follow: bool = True) -> bool:
    """A signed-in resident follows (or stops following) a public project; returns the state."""
    if not actor.is_authenticated:
        raise PermissionDenied("not_authenticated", _("Please log in first."))
    project = Project.objects.filter(code=code).first()
    if project is None:
        raise NotFound("project_not_found", _("No such project."))
    if follow:
        Follow.objects.get_or_create(project=project, user=actor)
    else:
        Follow.objects.filter(project=project, user=actor).delete()
    return follow


@transaction.atomic
def project_type_save(
    *,
    actor: User,
    code: str,
    name: str,
    action_code: str,
    report_label: str = "",
    unit: str = "个",
    is_active: bool = True,
    ip: str | None = None,
) -> ProjectType:
    """Create or edit a project type (the city committee only).

    Raises: PermissionDenied; DomainError ``action_unknown``, ``name_taken``, ``required``.
    """
    if not permissions.can_edit_taxonomy(actor):
        raise PermissionDenied("forbidden", _("Only the city committee edits the taxonomy."))
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise DomainError("required", _("A type needs a code and a name."), field="name")
    action = Action.objects.filter(code=action_code).first()
    if action is None:
        raise DomainError("action_unknown", _("No such action."), field="action")
    if ProjectType.objects.filter(name=name).exclude(code=code).exists():
        raise DomainError("name_taken", _("Another type already has this name."), field="name")
    before = ProjectType.objects.filter(code=code).first()
    old = {"name": before.name, "active": before.is_active} if before else {}
    project_type, _created = ProjectType.objects.update_or_create(
        code=code,
        defaults={
            "name": name[:60],
            "action": action,
            "report_label": (report_label.strip() or name)[:60],
            "unit": (unit.strip() or "个")[:4],
            "is_active": is_active,
        },
    )
    audit_record(
        actor=actor,
        verb="project_type.save",
        target=project_type,
        changes=changes_between(old, {"name": name, "active": is_active}),
        ip=ip,
    )
    return project_type


def _plan_values(
    *, type_code: str, district_code: str, year: Any, count: Any, investment: Any
) -> tuple[ProjectType, Division, int, int, Decimal]:
    project_type = _type_get(type_code)
    district = Division.objects.filter(code=district_code, level=Division.Level.DISTRICT).first()
    if district is None:
        raise DomainError(
            "division_unknown",
            _("%(code)s is not a known district."),
            field="district",
            code=district_code,
        )
    try:
        year_int, count_int = int(year), int(count)
    except (TypeError, ValueError) as error:
        raise DomainError(
            "number_invalid", _("Year and count are whole numbers."), field="count"
        ) from error
    if not FIRST_YEAR <= year_int <= LAST_YEAR:
        raise DomainError(
            "year_invalid", _("The year must be between 2000 and 2100."), field="year"
        )
    if count_int < 0:
        raise DomainError("number_invalid", _("The count cannot be negative."), field="count")
    return project_type, district, year_int, count_int, money(investment, field_name="investment")


@transaction.atomic
def plan_target_set(
    *,
    actor: User,
    type_code: str,
    district_code: str,
    year: Any,
    count: Any,
    investment: Any,
    ip: str | None = None,
) -> PlanTarget:
    """Set one three-year-plan target (a second call for the same cell updates it).

    Raises: PermissionDenied outside the actor's district; DomainError ``type_unknown``,
    ``division_unknown``, ``year_invalid``, ``number_invalid``, ``money_invalid``.
    """
    project_type, district, year_int, count_int, amount = _plan_values(
        type_code=type_code,
        district_code=district_code,
        year=year,
        count=count,
        investment=investment,
    )
    if not permissions.can_set_plan(actor, district.code):
        raise PermissionDenied(
            "forbidden", _("You may not set the plan of %(place)s."), place=district.name
        )
    target, created = PlanTarget.objects.update_or_create(
        project_type=project_type,
        district=district,
        year=year_int,
        defaults={"count": count_int, "investment": amount},
    )
    audit_record(
        actor=actor,
        verb="plan_target.create" if created else "plan_target.update",
        target=target,
        division_code=district.code,
        changes={"count": [None, count_int], "investment": [None, str(amount)]},
        ip=ip,
    )
    return target


def _row_error(columns: Any, row: int, key: str, error: DomainError) -> RowError:
    from shequ.projects.workbooks import column_label

    return RowError(row=row, column=column_label(columns, key), message=str(error), code=error.code)


# A background import writes this many rows per transaction, then tells its progress.
IMPORT_CHUNK = 200
CleanRow = tuple[Project, int, list[Decimal], str]


def monthly_report_import(
    *,
    actor: User,
    month: date,
    data: bytes,
    valid_rows_only: bool = False,
    ip: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import a month's progress from the Excel template, row by row.

    Every row is checked first. With any error nothing is written (unless
    ``valid_rows_only``, then the clean rows are imported and the others reported).
    A project already reported for the month is updated, never duplicated.
    Without ``progress`` the import is one transaction. With it (a background import), the
    checked rows are written in transactions of ``IMPORT_CHUNK`` rows and ``progress(done,
    total)`` is told after each, so the console can show it; a run cut short is simply uploaded
    again (a re-upload updates).
    Raises: DomainError ``file_invalid`` / ``headers_invalid`` / ``date_future`` /
    ``file_empty``; RowErrors listing each bad row and column.
    """
    with transaction.atomic():
        month = _month_checked(month)
        result, clean = _monthly_rows_checked(actor, month, data, valid_rows_only)
        if progress is None:
            _monthly_rows_write(actor, month, clean, result)
            _monthly_audit(actor, month, result, ip)
            return result
    for start in range(0, len(clean), IMPORT_CHUNK):
        with transaction.atomic():
            _monthly_rows_write(actor, month, clean[start : start + IMPORT_CHUNK], result)
        progress(min(start + IMPORT_CHUNK, len(clean)), len(clean))
    with transaction.atomic():
        _monthly_audit(actor, month, result, ip)
    return result


def _monthly_audit(actor: User, month: date, result: ImportResult, ip: str | None) -> None:
    audit_record(
        actor=actor,
        verb="project.monthly_import",
        changes={
            "month": [None, f"{month:%Y-%m}"],
            "created": [None, result.created],
            "updated": [None, result.updated],
            "skipped": [None, result.skipped],
        },
        ip=ip,
    )


def _monthly_rows_write(
    actor: User, month: date, clean: list[CleanRow], result: ImportResult
) -> None:
    for project, percent, amounts, note in clean:
        created = _progress_write(
            actor=actor,
            project=project,
            month=month,
            progress=percent,
            actual_city=amounts[0],
            actual_district=amounts[1],
            actual_social=amounts[2],
            note=note,
        )
        result.created += int(created)
        result.updated += int(not created)


def _monthly_rows_checked(
    actor: User, month: date, data: bytes, valid_rows_only: bool
) -> tuple[ImportResult, list[CleanRow]]:
    """The rows of the file that can be written, and the others' errors (nothing written).

    Raises: DomainError (the file), RowErrors (rows) unless ``valid_rows_only``."""
    from shequ.projects.workbooks import MONTHLY_COLUMNS, sheet_rows, text_cell

    rows = list(sheet_rows(data, MONTHLY_COLUMNS))
    codes = {text_cell(r.values["code"]) for r in rows}
    projects = {p.code: p for p in Project.objects.select_for_update().filter(code__in=codes)}
    earlier: dict[int, int] = {}
    for project_id, percent in (
        ProgressReport.objects.filter(project__in=list(projects.values()), month__lt=month)
        .order_by("project_id", "month")
        .values_list("project_id", "progress")
    ):
        earlier[project_id] = percent  # ordered by month: the last one wins
    result = ImportResult()
    clean: list[CleanRow] = []
    seen: set[str] = set()
    for row in rows:
        errors_before = len(result.errors)
        code = text_cell(row.values["code"])
        project = projects.get(code)
        if not code:
            result.errors.append(
                _row_error(
                    MONTHLY_COLUMNS,
                    row.number,
                    "code",
                    DomainError("required", _("The project code is missing.")),
                )
            )
            continue
        if project is None or not permissions.can_report_progress(actor, project):
            result.errors.append(
                _row_error(
                    MONTHLY_COLUMNS,
                    row.number,
                    "code",
                    DomainError(
                        "project_unknown", _("%(code)s is not a project you report on."), code=code
                    ),
                )
            )
            continue
        if code in seen:
            result.errors.append(
                _row_error(
                    MONTHLY_COLUMNS,
                    row.number,
                    "code",
                    DomainError(
                        "duplicate_row", _("%(code)s appears twice in the file."), code=code
                    ),
                )
            )
            continue
        seen.add(code)
        note = text_cell(row.values["note"])
        percent = 0
        try:
            percent = _progress_value(row.values["progress"])
            _progress_not_backwards(earlier.get(project.pk), percent, note)
        except DomainError as error:
            result.errors.append(_row_error(MONTHLY_COLUMNS, row.number, "progress", error))
        amounts: list[Decimal] = []
        for key in ("actual_city", "actual_district", "actual_social"):
            try:
                amounts.append(money(row.values[key], field_name=key))
            except DomainError as error:
                result.errors.append(_row_error(MONTHLY_COLUMNS, row.number, key, error))
        if len(result.errors) == errors_before:
            clean.append((project, percent, amounts, note))
    if result.errors and not valid_rows_only:
        raise RowErrors(result.errors)
    if not rows:
        raise DomainError("file_empty", _("The file has no rows to import."), field="file")
    result.skipped = len(rows) - len(clean)
    return result, clean


@transaction.atomic
def plan_import(
    *, actor: User, data: bytes, valid_rows_only: bool = False, ip: str | None = None
) -> ImportResult:
    """Import three-year-plan targets from the plan template (same rules as the monthly import).

    Raises: DomainError ``file_invalid`` / ``headers_invalid``; RowErrors.
    """
    from shequ.projects.workbooks import PLAN_COLUMNS, sheet_rows, text_cell

    rows = list(sheet_rows(data, PLAN_COLUMNS))
    if not rows:
        raise DomainError("file_empty", _("The file has no rows to import."), field="file")
    types = {t.code: t for t in ProjectType.objects.filter(is_active=True)}
    types.update({t.name: t for t in types.values()})
    result = ImportResult()
    clean: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for row in rows:
        before = len(result.errors)
        type_text = text_cell(row.values["type"])
        project_type = types.get(type_text)
        if project_type is None:
            result.errors.append(
                _row_error(
                    PLAN_COLUMNS,
                    row.number,
                    "type",
                    DomainError(
                        "type_unknown", _("%(code)s is not a known project type."), code=type_text
                    ),
                )
            )
        district_code = text_cell(row.values["district"])
        if not Division.objects.filter(code=district_code, level=Division.Level.DISTRICT).exists():
            result.errors.append(
                _row_error(
                    PLAN_COLUMNS,
                    row.number,
                    "district",
                    DomainError(
                        "division_unknown",
                        _("%(code)s is not a known district."),
                        code=district_code,
                    ),
                )
            )
        elif not permissions.can_set_plan(actor, district_code):
            result.errors.append(
                _row_error(
                    PLAN_COLUMNS,
                    row.number,
                    "district",
                    DomainError(
                        "forbidden",
                        _("You may not set the plan of %(place)s."),
                        place=district_code,
                    ),
                )
            )
        values: dict[str, Any] = {}
        for key in ("year", "count"):
            raw = row.values[key]
            digits = digits_or_none(raw)
            if isinstance(raw, bool) or not (
                isinstance(raw, int)
                or (isinstance(raw, float) and raw.is_integer())
                or digits is not None
            ):
                result.errors.append(
                    _row_error(
                        PLAN_COLUMNS,
                        row.number,
                        key,
                        DomainError("number_invalid", _("Enter a whole number.")),
                    )
                )
            else:
                values[key] = int(digits if digits is not None else raw)
        if "year" in values and not FIRST_YEAR <= values["year"] <= LAST_YEAR:
            result.errors.append(
                _row_error(
                    PLAN_COLUMNS,
                    row.number,
                    "year",
                    DomainError("year_invalid", _("The year must be between 2000 and 2100.")),
                )
            )
        try:
            values["investment"] = money(row.values["investment"], field_name="investment")
        except DomainError as error:
            result.errors.append(_row_error(PLAN_COLUMNS, row.number, "investment", error))
        key3 = (type_text, district_code, str(values.get("year")))
        if key3 in seen:
            result.errors.append(
                _row_error(
                    PLAN_COLUMNS,
                    row.number,
                    "type",
                    DomainError(
                        "duplicate_row", _("This type, district and year appear twice in the file.")
                    ),
                )
            )
        seen.add(key3)
        if len(result.errors) == before and project_type is not None:
            clean.append({"type": project_type, "district": district_code, **values})
    if result.errors and not valid_rows_only:
        raise RowErrors(result.errors)
    for item in clean:
        _target, created = PlanTarget.objects.update_or_create(
            project_type=item["type"],
            district_id=item["district"],
            year=item["year"],
            defaults={"count": item["count"], "investment": item["investment"]},
        )
        result.created += int(created)
        result.updated += int(not created)
    result.skipped = len(rows) - len(clean)
    audit_record(
        actor=actor,
        verb="plan_target.import",
        changes={"created": [None, result.created], "updated": [None, result.updated]},
        ip=ip,
    )
    return result
