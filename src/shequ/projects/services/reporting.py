"""Monthly progress (月报) by hand or from the Excel template, milestones and site photos."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.services import audit_record
from shequ.core.uploads import clean_image
from shequ.people.models import User
from shequ.projects import permissions
from shequ.projects.models import ZERO, Milestone, Photo, ProgressReport, Project
from shequ.projects.services._common import _project_locked, _today, _visible_or_404, money
from shequ.projects.services.followers import _notify_followers
from shequ.projects.services.import_results import ImportResult, RowErrors, _row_error


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


MAX_PHOTO_BYTES = 5 * 1024 * 1024
# Photos are recognised by their first bytes, not by the name or the declared type.
PHOTO_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"RIFF", "webp"),
)
PHOTO_CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


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
