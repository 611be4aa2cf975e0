"""Writes of the planners' and experts' work. Each in one transaction, audited; bad input
raises a DomainError with a field and changes nothing."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.civil.models import Organisation
from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.scopes import Role, code_prefix
from shequ.core.services import audit_record
from shequ.core.uploads import accept_upload
from shequ.indicators.models import Indicator
from shequ.participation.models import Proposal
from shequ.participation.services.proposals import proposal_create
from shequ.people.models import Resident, StaffRole, User
from shequ.places.models import Division
from shequ.planning.models import (
    Assignment,
    Attendance,
    Consultation,
    ConsultationPhoto,
    ConsultationRating,
    Plan,
    PlanVersion,
    Report,
    Suggestion,
    WorkLog,
)
from shequ.planning.permissions import can_assign, can_run, is_assigned, is_expert
from shequ.policies.models import Policy
from shequ.projects.models import Project

PHOTO_TYPES = ("jpg", "png")
PHOTO_MAX_KB = 2 * 1024
DOCUMENT_TYPES = ("pdf", "docx")
DOCUMENT_MAX_KB = 20 * 1024
MAX_PHOTOS = 6


def _text(value: Any, field: str, max_length: int, *, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise DomainError("required", _("This field is required."), field=field)
    if len(text) > max_length:
        raise DomainError("too_long", _("At most %(n)s characters."), field=field, n=max_length)
    return text


def _community(code: str | None) -> Division:
    division = Division.objects.filter(
        pk=code or "", level=Division.Level.COMMUNITY, is_active=True
    ).first()
    if division is None:
        raise DomainError("unknown_community", _("Choose a community."), field="community")
    return division


def _photo(upload: UploadedFile, field: str) -> tuple[Any, str, str]:
    stored, content_type = accept_upload(
        upload, field=field, types=PHOTO_TYPES, max_kb=PHOTO_MAX_KB
    )
    extension = "png" if content_type == "image/png" else "jpg"
    return stored, content_type, f"{uuid.uuid4().hex}.{extension}"


def _document(upload: UploadedFile, field: str) -> tuple[Any, str, str]:
    stored, content_type = accept_upload(
        upload, field=field, types=DOCUMENT_TYPES, max_kb=DOCUMENT_MAX_KB
    )
    extension = "pdf" if content_type == "application/pdf" else "docx"
    return stored, content_type, f"{uuid.uuid4().hex}.{extension}"


def _resident_of(actor: User, community_code: str) -> Resident:
    resident = Resident.objects.filter(user_id=actor.pk, community_id=community_code).first()
    if resident is None:
        raise PermissionDenied(
            "not_a_resident", _("Only residents of this community may take part.")
        )
    return resident


# --- assignments -------------------------------------------------------------------------


@transaction.atomic
def assignment_create(
    *,
    actor: User,
    planner_id: int | None,
    community_code: str | None,
    term_start: date | None,
    term_end: date | None,
    hours_per_month: Any,
    contract_party: str = "",
    organisation_id: int | None = None,
    ip: str | None = None,
) -> Assignment:
    """Assign a planner to a community for a term.

    Raises: NotFound (the community is outside the actor's area); DomainError
    ``planner_out_of_scope`` (the planner's role does not cover the community), ``bad_term``,
    ``bad_hours``, ``unknown_planner``.
    """
    community = _community(community_code)
    if not can_assign(actor, community.code):
        raise NotFound("not_found", _("No such community in your area."))
    roles = StaffRole.objects.filter(user_id=planner_id or 0, role=Role.PLANNER, is_active=True)
    if not roles.exists():
        raise DomainError("unknown_planner", _("Choose a community planner."), field="planner")
    if not any(
        r.division_id and community.code.startswith(code_prefix(r.division_id)) for r in roles
    ):
        raise DomainError(
            "planner_out_of_scope",
            _("This planner serves another district or street; %(community)s is outside it."),
            field="community",
            community=community.name,
        )
    if term_start is None or term_end is None:
        raise DomainError("required", _("This field is required."), field="term_end")
    if term_end < term_start:
        raise DomainError("bad_term", _("The term cannot end before it starts."), field="term_end")
    hours = _int(hours_per_month, "hours_per_month")
    if not 1 <= hours <= 300:
        raise DomainError(
            "bad_hours", _("Enter between 1 and 300 hours a month."), field="hours_per_month"
        )
    organisation = None
    if organisation_id:
        organisation = Organisation.objects.filter(pk=organisation_id).first()
        if organisation is None:
            raise DomainError(
                "unknown_organisation", _("Choose an organisation."), field="organisation"
            )
    assignment = Assignment.objects.create(
        planner=roles[0].user,
        community=community,
        term_start=term_start,
        term_end=term_end,
        hours_per_month=hours,
        contract_party=_text(contract_party, "contract_party", 120, required=False)
        or (organisation.name if organisation else ""),
        organisation=organisation,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        verb="planning.assign",
        target=assignment,
        division_code=community.code,
        ip=ip,
    )
    return assignment


def _int(value: Any, field: str) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError("not_a_number", _("Enter a whole number."), field=field) from None


# --- consultations -----------------------------------------------------------------------


@transaction.atomic
def consultation_schedule(
    *,
    actor: User,
    community_code: str | None,
    title: str,
    topic: str,
    place: str,
    starts_at: datetime | None,
    ip: str | None = None,
) -> Consultation:
    """Schedule a consultation in a community the actor runs (an assigned planner on that
    day, or a worker of the area). Raises: DomainError, NotFound."""
    community = _community(community_code)
    if starts_at is None:
        raise DomainError("required", _("This field is required."), field="starts_at")
    if not can_run(actor, community.code, timezone.localdate(starts_at)):
        raise NotFound("not_assigned", _("You are not assigned to this community on that day."))
    consultation = Consultation.objects.create(
        community=community,
        planner=actor,
        title=_text(title, "title", 120),
        topic=_text(topic, "topic", 2000),
        place=_text(place, "place", 120),
        starts_at=starts_at,
    )
    audit_record(
        actor=actor,
        verb="planning.consultation_schedule",
        target=consultation,
        division_code=community.code,
        ip=ip,
    )
    return consultation


def _runnable(actor: User, consultation_id: int) -> Consultation:
    consultation = Consultation.objects.select_for_update().filter(pk=consultation_id).first()
    if consultation is None or not can_run(
        actor, consultation.community_id, timezone.localdate(consultation.starts_at)
    ):
        raise NotFound("not_found", _("No such consultation in your area."))
    return consultation


@transaction.atomic
def consultation_set_status(
    *, actor: User, consultation_id: int, status: str, ip: str | None = None
) -> Consultation:
    """Open a consultation for suggestions or close it. Raises: NotFound, DomainError."""
    consultation = _runnable(actor, consultation_id)
    if status not in (Consultation.Status.OPEN, Consultation.Status.CLOSED):
        raise DomainError("bad_status", _("Choose one of the options."), field="status")
    if consultation.status == Consultation.Status.CLOSED:
        raise DomainError("closed", _("This consultation is closed."))
    consultation.status = status
    consultation.save(update_fields=["status"])
    audit_record(
        actor=actor,
        verb=f"planning.consultation_{status}",
        target=consultation,
        division_code=consultation.community_id,
        ip=ip,
    )
    return consultation


@transaction.atomic
def consultation_record(
    *,
    actor: User,
    consultation_id: int,
    notes: str,
    photos: Sequence[UploadedFile] = (),
    ip: str | None = None,
) -> Consultation:
    """Save the notes of a consultation and add photos (downscaled, type-checked).

    Raises: NotFound, DomainError (``too_many_photos``, ``file_type_not_allowed``, ...)."""
    consultation = _runnable(actor, consultation_id)
    if consultation.photos.count() + len(photos) > MAX_PHOTOS:
        raise DomainError(
            "too_many_photos", _("Attach at most %(n)s photos."), field="photos", n=MAX_PHOTOS
        )
    checked = [_photo(upload, "photos") for upload in photos]
    consultation.notes = _text(notes, "notes", 8000, required=False)
    consultation.save(update_fields=["notes"])
    for stored, content_type, name in checked:
        photo = ConsultationPhoto(consultation=consultation, content_type=content_type)
        photo.file.save(name, stored, save=False)
        photo.save()
    audit_record(
        actor=actor,
        verb="planning.consultation_notes",
        target=consultation,
        division_code=consultation.community_id,
        ip=ip,
    )
    return consultation


@transaction.atomic
def attendance_sign_in(*, actor: User, consultation_id: int) -> Attendance:
    """A resident of the community signs in on their phone (once; again changes nothing).

    Raises: NotFound, PermissionDenied ``not_a_resident``, DomainError ``closed``."""
    consultation = Consultation.objects.filter(pk=consultation_id).first()
    if consultation is None:
        raise NotFound("not_found", _("No such consultation."))
    resident = _resident_of(actor, consultation.community_id)
    if consultation.status == Consultation.Status.CLOSED:
        raise DomainError("closed", _("This consultation is closed."))
    attendance, _created = Attendance.objects.get_or_create(
        consultation=consultation,
        user=actor,
        defaults={"name": resident.real_name, "how": Attendance.How.SELF},
    )
    return attendance


@transaction.atomic
def attendance_tick(
    *, actor: User, consultation_id: int, resident_id: int | None, ip: str | None = None
) -> Attendance:
    """The planner ticks a resident of the community on the sign-in list.

    Raises: NotFound, DomainError ``no_account`` (the resident has no account)."""
    consultation = _runnable(actor, consultation_id)
    resident = Resident.objects.filter(
        pk=resident_id or 0, community_id=consultation.community_id
    ).first()
    if resident is None:
        raise DomainError(
            "unknown_resident", _("Choose a resident of this community."), field="resident"
        )
    if resident.user_id is None:
        raise DomainError(
            "no_account",
            _("This resident has no account yet and cannot be signed in."),
            field="resident",
        )
    attendance, _created = Attendance.objects.get_or_create(
        consultation=consultation,
        user_id=resident.user_id,
        defaults={"name": resident.real_name, "how": Attendance.How.TICKED},
    )
    audit_record(
        actor=actor,
        verb="planning.attendance_tick",
        target=consultation,
        division_code=consultation.community_id,
        ip=ip,
    )
    return attendance


@transaction.atomic
def suggestion_submit(
    *,
    actor: User,
    consultation_id: int,
    text: str,
    photo: UploadedFile | None = None,
    ip: str | None = None,
) -> Suggestion:
    """A resident sends a suggestion while the consultation is open.

    Raises: NotFound, PermissionDenied ``not_a_resident``, DomainError ``not_open`` and on
    the text or the photo."""
    consultation = Consultation.objects.filter(pk=consultation_id).first()
    if consultation is None:
        raise NotFound("not_found", _("No such consultation."))
    _resident_of(actor, consultation.community_id)
    if consultation.status != Consultation.Status.OPEN:
        raise DomainError(
            "not_open", _("This consultation is not taking suggestions now."), field="text"
        )
    suggestion = Suggestion(consultation=consultation, author=actor, text=_text(text, "text", 2000))
    if photo is not None:
        stored, _type, name = _photo(photo, "photo")
        suggestion.photo.save(name, stored, save=False)
    suggestion.save()
    audit_record(
        actor=actor,
        verb="planning.suggestion_submit",
        target=suggestion,
        division_code=consultation.community_id,
        ip=ip,
    )
    return suggestion


@transaction.atomic
def suggestion_promote(
    *,
    actor: User,
    suggestion_id: int,
    title: str,
    category: str = Proposal.Category.OTHER,
    ip: str | None = None,
) -> Proposal:
    """Turn a suggestion into a participation proposal in its author's name (the author is
    asked to support it like any proposal); the suggestion links to the proposal.

    Raises: NotFound, DomainError ``already_proposed``, PermissionDenied
    ``not_a_verified_resident`` (the author is not an ID-checked resident)."""
    suggestion = (
        Suggestion.objects.select_for_update()
        .select_related("consultation", "author")
        .filter(pk=suggestion_id)
        .first()
    )
    if suggestion is None:
        raise NotFound("not_found", _("No such suggestion."))
    consultation = suggestion.consultation
    if not can_run(actor, consultation.community_id, timezone.localdate(consultation.starts_at)):
        raise NotFound("not_found", _("No such suggestion."))
    if suggestion.proposal_id is not None:
        raise DomainError("already_proposed", _("This suggestion is a proposal already."))
    photos: list[UploadedFile] = []
    if suggestion.photo:
        # The suggestion's photo (checked and cleaned when it came) goes with the proposal.
        stored = suggestion.photo
        extension = stored.name.rsplit(".", 1)[-1]
        photos.append(cast(UploadedFile, File(stored.open("rb"), name=f"photo.{extension}")))
    proposal = proposal_create(
        actor=suggestion.author,
        community_code=consultation.community_id,
        title=_text(title, "title", 120),
        description=suggestion.text,
        category=category,
        photos=photos,
    )
    suggestion.proposal = proposal
    suggestion.save(update_fields=["proposal"])
    audit_record(
        actor=actor,
        verb="planning.suggestion_promote",
        target=suggestion,
        division_code=consultation.community_id,
        ip=ip,
    )
    return proposal


@transaction.atomic
def rating_submit(
    *, actor: User, consultation_id: int, stars: Any, comment: str = ""
) -> ConsultationRating:
    """An attendee rates a consultation once (1–5 stars).

    Raises: NotFound, DomainError ``not_attended``, ``already_rated``, ``bad_stars``."""
    consultation = Consultation.objects.filter(pk=consultation_id).first()
    if consultation is None:
        raise NotFound("not_found", _("No such consultation."))
    if not Attendance.objects.filter(consultation=consultation, user=actor).exists():
        raise DomainError(
            "not_attended", _("Only residents who signed in may rate this consultation.")
        )
    value = _int(stars, "stars")
    if not 1 <= value <= 5:
        raise DomainError("bad_stars", _("Choose from 1 to 5 stars."), field="stars")
    if ConsultationRating.objects.filter(consultation=consultation, user=actor).exists():
        raise DomainError("already_rated", _("You have rated this consultation already."))
    return ConsultationRating.objects.create(
        consultation=consultation,
        user=actor,
        stars=value,
        comment=_text(comment, "comment", 500, required=False),
    )


# --- plans -------------------------------------------------------------------------------


def _checked_projects(community_code: str, project_ids: Sequence[int]) -> list[Project]:
    projects = list(
        Project.objects.filter(
            Q(communities=community_code) | Q(division_id=community_code),
            pk__in=list(project_ids),
        ).distinct()
    )
    if len({p.pk for p in projects}) != len(set(project_ids)):
        raise DomainError(
            "unknown_project", _("Choose projects of this community."), field="projects"
        )
    return projects


@transaction.atomic
def plan_create(
    *,
    actor: User,
    community_code: str | None,
    title: str,
    summary: str = "",
    project_ids: Sequence[int] = (),
    on: date,
    ip: str | None = None,
) -> Plan:
    """Start a community plan (its documents come as versions). Raises: DomainError, NotFound."""
    community = _community(community_code)
    if not can_run(actor, community.code, on):
        raise NotFound("not_found", _("No such community in your area."))
    plan = Plan.objects.create(
        community=community,
        title=_text(title, "title", 160),
        summary=_text(summary, "summary", 4000, required=False),
        created_by=actor,
    )
    plan.projects.set(_checked_projects(community.code, project_ids))
    audit_record(
        actor=actor, verb="planning.plan_create", target=plan, division_code=community.code, ip=ip
    )
    return plan


@transaction.atomic
def plan_update_projects(
    *, actor: User, plan_id: int, project_ids: Sequence[int], on: date, ip: str | None = None
) -> Plan:
    """Link the five-major-actions projects that follow from a plan. Raises: NotFound."""
    plan = Plan.objects.select_for_update().filter(pk=plan_id).first()
    if plan is None or not can_run(actor, plan.community_id, on):
        raise NotFound("not_found", _("No such plan in your area."))
    plan.projects.set(_checked_projects(plan.community_id, project_ids))
    audit_record(
        actor=actor, verb="planning.plan_projects", target=plan, division_code=plan.community_id
    )
    return plan


@transaction.atomic
def plan_version_add(
    *,
    actor: User,
    plan_id: int,
    upload: UploadedFile | None,
    notes: str = "",
    on: date,
    ip: str | None = None,
) -> PlanVersion:
    """Publish the next version of a plan (PDF or Word, checked by its first bytes).

    Raises: NotFound, DomainError ``file_type_not_allowed`` / ``file_too_large`` / ``required``."""
    plan = Plan.objects.select_for_update().filter(pk=plan_id).first()
    if plan is None or not can_run(actor, plan.community_id, on):
        raise NotFound("not_found", _("No such plan in your area."))
    if upload is None:
        raise DomainError("required", _("This field is required."), field="file")
    stored, content_type, name = _document(upload, "file")
    number = (plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PlanVersion(
        plan=plan,
        number=number,
        content_type=content_type,
        notes=_text(notes, "notes", 500, required=False),
        published_by=actor,
    )
    version.file.save(name, stored, save=False)
    version.save()
    audit_record(
        actor=actor,
        verb="planning.plan_version",
        target=plan,
        division_code=plan.community_id,
        ip=ip,
    )
    return version


# --- work log ----------------------------------------------------------------------------


def _hours(value: Any) -> Decimal:
    try:
        hours = Decimal(str(value).strip()).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise DomainError("bad_hours", _("Enter the hours, e.g. 2.5."), field="hours") from None
    if not hours.is_finite() or hours <= 0 or hours > 24:
        raise DomainError("bad_hours", _("Enter more than 0 and at most 24 hours."), field="hours")
    return hours


@transaction.atomic
def worklog_add(
    *,
    actor: User,
    community_code: str | None,
    day: date | None,
    hours: Any,
    work: str,
    photo: UploadedFile | None = None,
    ip: str | None = None,
) -> WorkLog:
    """A planner logs a day's work in a community they were assigned to that day.

    Raises: DomainError ``bad_hours`` (not in (0, 24], or more than 24 in the day),
    ``not_assigned``."""
    community = _community(community_code)
    if day is None:
        raise DomainError("required", _("This field is required."), field="date")
    value = _hours(hours)
    if not is_assigned(actor, community.code, day):
        raise DomainError(
            "not_assigned",
            _("You were not assigned to this community on that day."),
            field="community",
        )
    logged = WorkLog.objects.filter(planner=actor, date=day).aggregate(h=Sum("hours"))["h"] or 0
    if logged + value > 24:
        raise DomainError(
            "bad_hours",
            _("A day has 24 hours; %(logged)s are logged on that day already."),
            field="hours",
            logged=logged,
        )
    entry = WorkLog(
        planner=actor,
        community=community,
        date=day,
        hours=value,
        work=_text(work, "work", 2000),
    )
    if photo is not None:
        stored, _type, name = _photo(photo, "photo")
        entry.photo.save(name, stored, save=False)
    entry.save()
    audit_record(
        actor=actor, verb="planning.worklog", target=entry, division_code=community.code, ip=ip
    )
    return entry


# --- think-tank reports ------------------------------------------------------------------


@transaction.atomic
def report_publish(
    *,
    actor: User,
    title: str,
    summary: str,
    findings: str,
    recommendations: str,
    policy_ids: Sequence[int],
    indicator_ids: Sequence[int] = (),
    upload: UploadedFile | None = None,
    ip: str | None = None,
) -> Report:
    """An expert publishes a policy evaluation report; it shows on each policy's page.

    Raises: PermissionDenied ``not_an_expert``, DomainError on fields, policies, the file."""
    if not is_expert(actor):
        raise PermissionDenied("not_an_expert", _("Only think-tank experts write reports."))
    policies = list(Policy.objects.filter(pk__in=list(policy_ids), is_published=True))
    if not policies or len(policies) != len(set(policy_ids)):
        raise DomainError(
            "policies_needed", _("Choose the published policies it assesses."), field="policies"
        )
    indicators = list(Indicator.objects.filter(pk__in=list(indicator_ids)))
    if len(indicators) != len(set(indicator_ids)):
        raise DomainError("unknown_indicator", _("Choose indicators."), field="indicators")
    from shequ.civil.models import Expert

    pooled = Expert.objects.filter(user=actor).values_list("display_name", flat=True).first()
    report = Report(
        expert=actor,
        author_name=pooled or actor.get_full_name() or actor.get_username(),
        title=_text(title, "title", 160),
        summary=_text(summary, "summary", 2000),
        findings=_text(findings, "findings", 8000),
        recommendations=_text(recommendations, "recommendations", 8000),
    )
    if upload is not None:
        stored, content_type, name = _document(upload, "file")
        report.content_type = content_type
        report.file.save(name, stored, save=False)
    report.save()
    report.policies.set(policies)
    report.indicators.set(indicators)
    audit_record(actor=actor, verb="planning.report_publish", target=report, ip=ip)
    return report
