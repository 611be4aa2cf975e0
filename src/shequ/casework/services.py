"""Writes of casework: build forms, submit, and move applications through their states.

State machine (办件流程): submitted → accepted → (more_info ↔ resubmitted) → approved /
rejected → completed; a resident may withdraw while the case is open. Every step is taken by
an authorised person, written to the case history and the audit trail, and messaged to the
applicant.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.casework.models import (
    OPEN_STATUSES,
    Application,
    ApplicationDocument,
    ApplicationEvent,
    FormDefinition,
    Holiday,
    HolidayYear,
    Status,
)
from shequ.casework.permissions import can_build_forms, can_manage_holidays, may_act
from shequ.casework.workdays import HolidayTableMissing, working_day_add, working_days_between
from shequ.catalogue.models import Service
from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.pii import PIIKind, seal, unseal
from shequ.core.services import (
    audit_record,
    pii_reveal_allowance_check,
    pii_reveal_reason_clean,
)
from shequ.core.uploads import FILE_TYPES as ALL_FILE_TYPES
from shequ.core.uploads import check_upload, clean_image
from shequ.notices.models import Category
from shequ.notices.services import message_send, plain_text
from shequ.people.identity import age_on, normalise_mobile, parse_id_number
from shequ.people.models import Resident, User

FIELD_TYPES = (
    "text",
    "textarea",
    "integer",
    "decimal",
    "date",
    "choice",
    "boolean",
    "phone",
    "id_number",
)
# Answers of these types are personal numbers: kept sealed (encrypted) in the answers, shown
# masked, revealed to the case's staff only with a reason, audited. A number typed into a
# text answer instead is masked on save (``plain_text``).
PII_FIELD_TYPES = {"phone": PIIKind.PHONE, "id_number": PIIKind.ID_NUMBER}
# Application forms may ask for these kinds of upload.
FILE_TYPES = {kind: ALL_FILE_TYPES[kind] for kind in ("pdf", "jpg", "png")}
MAX_FILE_KB = 10 * 1024


class InvalidApplication(DomainError):
    """Several field errors at once (``errors``), shown under each field."""

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__("invalid_application", _("Please correct the marked fields."))
        self.errors = errors


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    by_resident: bool = False
    needs_note: bool = False


TRANSITIONS = {
    t.action: t
    for t in (
        Transition("accept", (Status.SUBMITTED,), Status.ACCEPTED),
        Transition("request_info", (Status.ACCEPTED, Status.RESUBMITTED), Status.MORE_INFO),
        Transition("resubmit", (Status.MORE_INFO,), Status.RESUBMITTED, by_resident=True),
        Transition("approve", (Status.ACCEPTED, Status.RESUBMITTED), Status.APPROVED),
        Transition(
            "reject",
            (Status.SUBMITTED, Status.ACCEPTED, Status.RESUBMITTED),
            Status.REJECTED,
            needs_note=True,
        ),
        Transition("complete", (Status.APPROVED,), Status.COMPLETED),
        Transition("withdraw", tuple(OPEN_STATUSES), Status.WITHDRAWN, by_resident=True),
    )
}
STAFF_ACTIONS = tuple(a for a, t in TRANSITIONS.items() if not t.by_resident)

MESSAGES = {
    Status.SUBMITTED: _("Your application %(ref)s for %(service)s was received"),
    Status.ACCEPTED: _("Your application %(ref)s for %(service)s was accepted"),
    Status.MORE_INFO: _("Your application %(ref)s needs more information"),
    Status.RESUBMITTED: _("Your application %(ref)s was resubmitted"),
    Status.APPROVED: _("Your application %(ref)s for %(service)s was approved"),
    Status.REJECTED: _("Your application %(ref)s for %(service)s was rejected"),
    Status.COMPLETED: _("Your application %(ref)s for %(service)s is completed"),
    Status.WITHDRAWN: _("Your application %(ref)s was withdrawn"),
}


# --- Form definitions ---------------------------------------------------------------------


def _definition_errors(fields: Any, documents: Any) -> list[DomainError]:
    errors: list[DomainError] = []
    if not isinstance(fields, list) or not isinstance(documents, list):
        return [DomainError("bad_form", _("Fields and documents must be lists."), field="fields")]
    names: set[str] = set()
    for spec in [*fields, *documents]:
        if not isinstance(spec, dict) or not str(spec.get("name", "")).isidentifier():
            errors.append(
                DomainError(
                    "bad_form", _("Every item needs a name (letters, digits, _)."), field="fields"
                )
            )
            continue
        if spec["name"] in names:
            errors.append(DomainError("bad_form", _("Names must be unique."), field="fields"))
        names.add(spec["name"])
        if not str(spec.get("label", "")).strip():
            errors.append(DomainError("bad_form", _("Every item needs a label."), field="fields"))
    for spec in fields:
        if isinstance(spec, dict) and spec.get("type") not in FIELD_TYPES:
            errors.append(DomainError("bad_form", _("Unknown field type."), field="fields"))
        if isinstance(spec, dict) and spec.get("type") == "choice" and not spec.get("choices"):
            errors.append(
                DomainError("bad_form", _("A choice field needs choices."), field="fields")
            )
    for spec in documents:
        if not isinstance(spec, dict):
            continue
        types = spec.get("types") or []
        if not types or any(t not in FILE_TYPES for t in types):
            errors.append(
                DomainError(
                    "bad_form", _("Document types must be pdf, jpg or png."), field="documents"
                )
            )
        max_kb = spec.get("max_kb", 0)
        if not isinstance(max_kb, int) or not 1 <= max_kb <= MAX_FILE_KB:
            errors.append(
                DomainError("bad_form", _("Size limits are 1 to 10240 KB."), field="documents")
            )
    return errors


RESIDENCE_RULES = ("", "city", "community")
ELIGIBILITY_KEYS = ("min_age", "max_age", "residence", "communities")


def _eligibility_errors(eligibility: Any) -> list[DomainError]:
    """What is wrong with an eligibility definition (see ``FormDefinition``)."""
    if not isinstance(eligibility, dict) or any(k not in ELIGIBILITY_KEYS for k in eligibility):
        return [DomainError("bad_eligibility", _("Unknown eligibility rule."), field="min_age")]
    errors: list[DomainError] = []
    ages = [eligibility.get("min_age"), eligibility.get("max_age")]
    for key, age in zip(("min_age", "max_age"), ages, strict=True):
        if age is not None and (
            isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 150
        ):
            errors.append(
                DomainError(
                    "bad_eligibility", _("An age is a whole number from 0 to 150."), field=key
                )
            )
    low, high = ages
    if not errors and low is not None and high is not None and low > high:
        errors.append(
            DomainError(
                "bad_eligibility",
                _("The minimum age is above the maximum age."),
                field="max_age",
            )
        )
    residence = eligibility.get("residence", "")
    communities = eligibility.get("communities", [])
    if residence not in RESIDENCE_RULES:
        errors.append(
            DomainError("bad_eligibility", _("Unknown residence rule."), field="residence")
        )
    elif not isinstance(communities, list) or any(not isinstance(c, str) for c in communities):
        errors.append(
            DomainError("bad_eligibility", _("Communities must be codes."), field="communities")
        )
    elif residence == "community":
        from shequ.places.models import Division

        known = set(Division.objects.filter(code__in=communities).values_list("code", flat=True))
        if not communities or known != set(communities):
            errors.append(
                DomainError(
                    "bad_eligibility",
                    _("Name the communities by their codes (known division codes)."),
                    field="communities",
                )
            )
    return errors


@transaction.atomic
def form_definition_publish(
    *,
    actor: User | None,
    service_id: int,
    fields: Any,
    documents: Any,
    eligibility: Any = None,
) -> FormDefinition:
    """Publish a new version of a service's application form (older versions stay).

    Raises: NotFound, PermissionDenied (another department), InvalidApplication (bad spec).
    """
    service = Service.objects.select_for_update().filter(pk=service_id).first()
    if service is None:
        raise NotFound("service_not_found", _("No such service."))
    if actor is not None and not can_build_forms(actor, service):
        raise PermissionDenied(
            "not_your_department", _("You may edit only your own department's services.")
        )
    if service.kind != Service.Kind.APPLICATION:
        raise DomainError("not_an_application", _("This service takes no applications."))
    if eligibility is None:
        eligibility = {}
    elif isinstance(eligibility, dict):  # unset rules are left out
        eligibility = {k: v for k, v in eligibility.items() if v not in (None, "", [])}
    errors = _definition_errors(fields, documents) + _eligibility_errors(eligibility)
    if errors:
        raise InvalidApplication(errors)
    latest = FormDefinition.objects.filter(service=service).order_by("-version").first()
    definition = FormDefinition.objects.create(
        service=service,
        version=(latest.version + 1) if latest else 1,
        fields=fields,
        documents=documents,
        eligibility=eligibility,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        verb="form.publish",
        target=definition,
        changes={"version": [latest.version if latest else None, definition.version]},
    )
    return definition


# --- Validation of a resident's answers ---------------------------------------------------


def _clean_value(spec: Mapping[str, Any], raw: Any) -> Any:
    name, kind = spec["name"], spec["type"]
    required = bool(spec.get("required"))
    if kind == "boolean":
        if required and raw not in (True, "on", "true", "1", 1):
            raise DomainError("required", _("This field is required."), field=name)
        return raw in (True, "on", "true", "1", 1)
    text = "" if raw is None else str(raw).strip()
    if not text:
        if required:
            raise DomainError("required", _("This field is required."), field=name)
        return None
    if kind in ("text", "textarea"):
        return plain_text(text, field=name, max_length=int(spec.get("max_length", 500)))
    if kind in PII_FIELD_TYPES:
        try:
            number = normalise_mobile(text) if kind == "phone" else parse_id_number(text).value
        except DomainError as error:
            raise DomainError(error.code, error.message, field=name, **error.params) from None
        return seal(PII_FIELD_TYPES[kind], number)
    if kind == "integer":
        try:
            value: Any = int(text)
        except ValueError:
            raise DomainError("not_integer", _("Enter a whole number."), field=name) from None
    elif kind == "decimal":
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise DomainError("not_number", _("Enter a number."), field=name) from None
        if not value.is_finite():
            raise DomainError("not_number", _("Enter a number."), field=name)
    elif kind == "date":
        try:
            value = date.fromisoformat(text)
        except ValueError:
            raise DomainError("not_date", _("Enter a date as YYYY-MM-DD."), field=name) from None
        low, high = spec.get("min"), spec.get("max")
        low_d = (
            timezone.localdate() if low == "today" else (date.fromisoformat(low) if low else None)
        )
        high_d = (
            timezone.localdate()
            if high == "today"
            else (date.fromisoformat(high) if high else None)
        )
        if (low_d and value < low_d) or (high_d and value > high_d):
            raise DomainError("date_out_of_range", _("This date is out of range."), field=name)
        return value.isoformat()
    elif kind == "choice":
        if text not in [str(c) for c in spec.get("choices", [])]:
            raise DomainError("bad_choice", _("Choose one of the options."), field=name)
        return text
    else:  # pragma: no cover - definitions are validated on publish
        raise DomainError("bad_form", _("Unknown field type."), field=name)
    low, high = spec.get("min"), spec.get("max")
    if (low is not None and value < Decimal(str(low))) or (
        high is not None and value > Decimal(str(high))
    ):
        raise DomainError(
            "out_of_range",
            _("Enter a value between %(low)s and %(high)s."),
            field=name,
            low=low if low is not None else "—",
            high=high if high is not None else "—",
        )
    return str(value) if isinstance(value, Decimal) else value


def _check_file(spec: Mapping[str, Any], upload: UploadedFile) -> tuple[File, str]:
    """The file to store (a photo without its metadata, downscaled) and its detected type.

    Raises: DomainError (wrong type, too large, unreadable picture).
    """
    content_type = check_upload(
        upload,
        field=spec["name"],
        types=spec.get("types", []),
        max_kb=int(spec.get("max_kb", 2048)),
    )
    return clean_image(upload, content_type, field=spec["name"]), content_type


def _validate(
    definition: FormDefinition,
    data: Mapping[str, Any],
    files: Mapping[str, UploadedFile],
    *,
    already_uploaded: set[str] = frozenset(),  # type: ignore[assignment]
    previous: Mapping[str, Any] | None = None,
    only: set[str] | None = None,
) -> tuple[dict[str, Any], dict[str, tuple[File, str]]]:
    """The cleaned answers and checked uploads. ``only`` (a resubmission that was asked for
    named items): the other answers keep their ``previous`` values, the named document slots
    must be uploaded anew and an upload to any other slot is refused."""
    errors: list[DomainError] = []
    clean: dict[str, Any] = {}
    for spec in definition.fields:
        kept = (previous or {}).get(spec["name"])
        if only is not None and spec["name"] not in only:
            clean[spec["name"]] = kept
            continue
        blank = not str(data.get(spec["name"]) or "").strip()
        if spec.get("type") in PII_FIELD_TYPES and blank and unseal(kept) is not None:
            # A resubmission leaves a personal number blank to keep the one on file.
            clean[spec["name"]] = kept
            continue
        try:
            clean[spec["name"]] = _clean_value(spec, data.get(spec["name"]))
        except DomainError as error:
            errors.append(error)
    uploads: dict[str, tuple[File, str]] = {}
    for spec in definition.documents:
        upload = files.get(spec["name"])
        if only is not None and spec["name"] not in only:
            if upload is not None:
                errors.append(
                    DomainError(
                        "document_not_requested",
                        _("This document was not asked for; send only the requested items."),
                        field=spec["name"],
                    )
                )
            continue
        if upload is None and only is not None:
            errors.append(
                DomainError(
                    "document_required",
                    _("Please upload this document anew: it was asked for."),
                    field=spec["name"],
                )
            )
            continue
        if upload is None:
            if spec.get("required") and spec["name"] not in already_uploaded:
                errors.append(
                    DomainError(
                        "document_required", _("Please upload this document."), field=spec["name"]
                    )
                )
            continue
        try:
            uploads[spec["name"]] = _check_file(spec, upload)
        except DomainError as error:
            errors.append(error)
    if errors:
        raise InvalidApplication(errors)
    return clean, uploads


def _store(application: Application, uploads: dict[str, tuple[File, str]]) -> None:
    for slot, (upload, content_type) in uploads.items():
        extension = content_type.rsplit("/", 1)[-1].replace("jpeg", "jpg")
        document = ApplicationDocument(
            application=application,
            slot=slot,
            original_name=(upload.name or slot)[-120:],
            content_type=content_type,
            size=upload.size or 0,
        )
        document.file.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
        document.save()


def _notify(application: Application, status: str, note: str = "") -> None:
    title = MESSAGES[Status(status)] % {
        "ref": application.reference,
        "service": application.service.name,
    }
    message_send(
        user_id=application.applicant_id,
        category=Category.APPLICATION,
        title=title,
        body=note,
        url=f"/casework/{application.pk}/",
    )


def _record(
    application: Application,
    *,
    actor: User | None,
    action: str,
    from_status: str,
    note: str,
    ip: str | None,
    requested: list[str] | None = None,
) -> None:
    changes: dict[str, Any] = {"status": [from_status or None, application.status]}
    if requested is not None:
        changes["requested"] = [None, requested]
    ApplicationEvent.objects.create(
        application=application,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=application.status,
        note=note,
    )
    audit_record(
        actor=actor,
        verb=f"application.{action}",
        target=application,
        division_code=application.community_id or "",
        reason=note,
        changes=changes,
        ip=ip,
    )
    _notify(application, application.status, note)


# --- Resident actions ---------------------------------------------------------------------


def current_form(service: Service) -> FormDefinition | None:
    return FormDefinition.objects.filter(service=service).order_by("-version").first()


def _check_eligibility(
    eligibility: Mapping[str, Any], resident: Resident | None, today: date
) -> None:
    """Refuse an applicant the registry shows not eligible, naming the unmet condition.

    Raises: DomainError (age or residence condition not met, or not on the registry).
    """
    min_age, max_age = eligibility.get("min_age"), eligibility.get("max_age")
    if min_age is not None or max_age is not None:
        birth = resident.birth_date if resident is not None else None
        if birth is None:
            raise DomainError(
                "age_unknown",
                _(
                    "This service has an age condition and the registry has no date of birth "
                    "for you. Please complete the real-name check."
                ),
            )
        age = age_on(birth, today)
        if min_age is not None and age < min_age:
            raise DomainError(
                "too_young",
                _(
                    "This service is for people aged %(min)s or over; the registry gives your "
                    "age as %(age)s."
                ),
                min=min_age,
                age=age,
            )
        if max_age is not None and age > max_age:
            raise DomainError(
                "too_old",
                _(
                    "This service is for people aged %(max)s or under; the registry gives your "
                    "age as %(age)s."
                ),
                max=max_age,
                age=age,
            )
    residence = eligibility.get("residence", "")
    community = resident.community_id if resident is not None else None
    if residence == "city" and not community:
        raise DomainError(
            "residence_required",
            _("This service is for residents of the city registered in one of its communities."),
        )
    if residence == "community" and community not in eligibility.get("communities", []):
        from shequ.places.models import Division

        names = Division.objects.filter(code__in=eligibility.get("communities", []))
        raise DomainError(
            "residence_required",
            _("This service is only for residents of %(communities)s."),
            communities="、".join(sorted(d.name for d in names)),
        )


@transaction.atomic
def application_submit(
    *,
    actor: User,
    service_id: int,
    data: Mapping[str, Any],
    files: Mapping[str, UploadedFile],
    ip: str | None = None,
) -> Application:
    """A resident applies with the service's current form; routed to department (+community).

    Raises: NotFound, DomainError (not verified enough, no form), InvalidApplication.
    """
    service = Service.objects.filter(pk=service_id, is_published=True).first()
    if service is None or service.kind != Service.Kind.APPLICATION:
        raise NotFound("service_not_found", _("No such service."))
    definition = current_form(service)
    if definition is None:
        raise DomainError("no_form", _("This service does not take online applications yet."))
    if actor.verification_level < service.min_level:
        raise DomainError(
            "verification_required",
            _(
                "This service needs a higher verification level. "
                "Please complete the real-name check."
            ),
        )
    resident = getattr(actor, "resident", None)
    _check_eligibility(definition.eligibility or {}, resident, timezone.localdate())
    if service.community_level and (resident is None or not resident.community_id):
        raise DomainError(
            "community_required", _("Tell us your community first (real-name check).")
        )
    clean, uploads = _validate(definition, data, files)
    application = Application.objects.create(
        service=service,
        form=definition,
        applicant=actor,
        resident=resident,
        department_id=service.department_id,
        community_id=resident.community_id
        if resident is not None and service.community_level
        else None,
        data=clean,
        submitted_at=timezone.now(),
    )
    application.reference = f"SQ{timezone.localdate():%Y%m%d}{application.pk:06d}"
    application.save(update_fields=["reference"])
    _store(application, uploads)
    _record(application, actor=actor, action="submit", from_status="", note="", ip=ip)
    return application


def _locked_for_applicant(actor: User, application_id: int) -> Application:
    application = (
        Application.objects.select_for_update()
        .filter(pk=application_id, applicant_id=actor.pk)
        .first()
    )
    if application is None:
        raise NotFound("application_not_found", _("No such application."))
    return application


def _check_transition(application: Application, action: str) -> Transition:
    transition = TRANSITIONS[action]
    if application.status not in transition.sources:
        raise DomainError(
            "invalid_transition",
            _("This application is %(status)s; that step is not possible now."),
            status=application.get_status_display(),
        )
    return transition


@transaction.atomic
def application_resubmit(
    *,
    actor: User,
    application_id: int,
    data: Mapping[str, Any],
    files: Mapping[str, UploadedFile],
    ip: str | None = None,
) -> Application:
    """The applicant answers a request for more information (补正材料).

    Raises: NotFound (not yours), DomainError (wrong state), InvalidApplication.
    """
    application = _locked_for_applicant(actor, application_id)
    _check_transition(application, "resubmit")
    uploaded = set(application.documents.values_list("slot", flat=True))
    clean, uploads = _validate(
        application.form,
        data,
        files,
        already_uploaded=uploaded,
        previous=application.data,
        only=set(application.requested) if application.requested else None,
    )
    before = application.status
    application.data = clean
    application.status = Status.RESUBMITTED
    if application.days_left_when_paused is not None:
        _deadline_set(application, timezone.localdate(), application.days_left_when_paused)
        application.days_left_when_paused = None
    elif application.deadline_pending_from is not None:
        _deadline_set(
            application,
            application.deadline_pending_from,
            application.deadline_pending_days or 0,
        )
    application.save(
        update_fields=[
            "data",
            "status",
            "due_date",
            "days_left_when_paused",
            "deadline_pending_from",
            "deadline_pending_days",
            "updated_at",
        ]
    )
    _store(application, uploads)
    _record(application, actor=actor, action="resubmit", from_status=before, note="", ip=ip)
    return application


@transaction.atomic
def application_withdraw(*, actor: User, application_id: int, ip: str | None = None) -> Application:
    """The applicant withdraws an open application. Raises: NotFound, DomainError."""
    application = _locked_for_applicant(actor, application_id)
    _check_transition(application, "withdraw")
    before = application.status
    application.status = Status.WITHDRAWN
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "decided_at", "updated_at"])
    _record(application, actor=actor, action="withdraw", from_status=before, note="", ip=ip)
    return application


# --- Staff actions ------------------------------------------------------------------------


def _deadline_set(application: Application, start: date, days: int) -> None:
    """The legal deadline ``days`` working days after ``start``; when the holiday table does
    not reach it, no date at all: the case is flagged (``deadline_pending``) and the date is
    computed when the committee enters the missing year."""
    try:
        application.due_date = working_day_add(start, days)
    except HolidayTableMissing:
        application.due_date = None
        application.deadline_pending_from = start
        application.deadline_pending_days = days
    else:
        application.deadline_pending_from = None
        application.deadline_pending_days = None


def _deadline_pause(application: Application, today: date) -> None:
    """Stop the legal clock (补正): keep the working days left.

    A deadline that is not computable stays pending when the days already used cannot be
    counted either (today lies past the holiday table): it is then computed from acceptance
    without the pause, which errs on the early side."""
    if application.due_date is not None:
        application.days_left_when_paused = (
            working_days_between(today, application.due_date) if today < application.due_date else 0
        )
        application.due_date = None
        return
    if application.deadline_pending_from is None:
        return
    try:
        used = working_days_between(application.deadline_pending_from, today)
    except HolidayTableMissing:
        return
    application.days_left_when_paused = max(0, (application.deadline_pending_days or 0) - used)
    application.deadline_pending_from = None
    application.deadline_pending_days = None


def requestable_items(definition: FormDefinition) -> list[tuple[str, str]]:
    """The fields and document slots of a form, as ``(name, label)``, in form order."""
    return [(s["name"], s["label"]) for s in [*definition.fields, *definition.documents]]


def _requested_items(definition: FormDefinition, requested: Sequence[str]) -> list[str]:
    """The named items of a request for more information, in form order.

    Raises: DomainError (none named, or a name the form does not have).
    """
    names = [name for name, _label in requestable_items(definition)]
    asked = {str(n) for n in requested}
    if not asked:
        raise DomainError(
            "nothing_requested",
            _("Choose at least one field or document the applicant must correct or supply."),
            field="requested",
        )
    unknown = sorted(asked - set(names))
    if unknown:
        raise DomainError(
            "unknown_item",
            _("The application form has no field or document %(names)s."),
            field="requested",
            names=", ".join(unknown),
        )
    return [n for n in names if n in asked]


@transaction.atomic
def application_act(
    *,
    actor: User,
    application_id: int,
    action: str,
    note: str = "",
    requested: Sequence[str] = (),
    ip: str | None = None,
) -> Application:
    """A staff step: accept, request_info (naming the fields and document slots to correct or
    supply in ``requested``, note optional), approve, reject (with reason) or complete.

    Raises: NotFound (outside the actor's department/community), PermissionDenied,
    DomainError (out of order, reason missing, nothing or an unknown item requested).
    """
    if action not in STAFF_ACTIONS:
        raise DomainError("bad_action", _("Unknown action."), field="action")
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("service", "form")
        .filter(pk=application_id)
        .first()
    )
    from shequ.casework.selectors import application_queue_for

    if (
        application is None
        or not application_queue_for(user=actor).filter(pk=application_id).exists()
    ):
        raise NotFound("application_not_found", _("No such application."))
    if not may_act(actor, application, action):
        raise PermissionDenied("not_allowed", _("You may not take this step on this application."))
    transition = _check_transition(application, action)
    clean_note = plain_text(note, field="note", max_length=1000, required=transition.needs_note)
    before = application.status
    now = timezone.now()
    application.status = transition.target
    if action == "accept":
        application.accepted_at = now
        days = application.service.time_limit_days or 0
        _deadline_set(application, timezone.localdate(now), days)
    if action == "request_info":
        application.requested = _requested_items(application.form, requested)
        _deadline_pause(application, timezone.localdate(now))
    if action in ("approve", "reject"):
        application.decided_at = now
        application.reason = clean_note
    application.save()
    _record(
        application,
        actor=actor,
        action=action,
        from_status=before,
        note=clean_note,
        ip=ip,
        requested=application.requested if action == "request_info" else None,
    )
    return application


def application_reveal_answer(
    *, actor: User, application_id: int, field: str, reason: str, ip: str | None = None
) -> str:
    """The full personal number answered in ``field`` (phone or ID number), for staff who
    work the case, with a reason; rate-limited together with the registry's reveals, audited.

    Raises: NotFound, PermissionDenied, RateLimited, DomainError (no reason, not such a field).
    """
    from shequ.casework.selectors import application_get_for_staff

    text = pii_reveal_reason_clean(reason)
    with transaction.atomic():
        application = application_get_for_staff(user=actor, application_id=application_id)
        if not may_act(actor, application, "accept"):
            raise PermissionDenied("forbidden", _("You may not view full personal data."))
        spec = next((s for s in application.form.fields if s["name"] == field), None)
        if spec is None or spec.get("type") not in PII_FIELD_TYPES:
            raise DomainError("unknown_field", _("This field cannot be revealed."), field="field")
        value = unseal(application.data.get(field))
        if value is None:
            raise DomainError("nothing_to_reveal", _("There is no value on record."))
        pii_reveal_allowance_check(actor)
        audit_record(
            actor=actor,
            verb="pii.reveal",
            target=application,
            division_code=application.community_id or "",
            reason=text[:500],
            ip=ip,
            changes={"field": field},
        )
    return value.reveal()


@dataclass(frozen=True)
class BulkOutcome:
    done: list[int]
    refused: dict[int, str]


def application_bulk_act(
    *, actor: User, application_ids: list[int], action: str, note: str = "", ip: str | None = None
) -> BulkOutcome:
    """The same step on many applications; each succeeds or fails on its own (own transaction)."""
    done: list[int] = []
    refused: dict[int, str] = {}
    for application_id in application_ids[:200]:
        try:
            application_act(
                actor=actor, application_id=application_id, action=action, note=note, ip=ip
            )
        except DomainError as error:
            refused[application_id] = str(error)
        else:
            done.append(application_id)
    return BulkOutcome(done=done, refused=refused)


@transaction.atomic
def applications_escalate_overdue(*, today: date | None = None) -> int:
    """Mark open applications past their legal deadline as escalated (督办); returns how many.

    Idempotent: an escalated case is not escalated again.
    """
    today = today or timezone.localdate()
    overdue = list(
        Application.objects.select_for_update()
        .filter(
            status__in=(Status.ACCEPTED, Status.RESUBMITTED, Status.MORE_INFO),
            due_date__lt=today,
            escalated_at__isnull=True,
        )
        .only("id", "status", "community_id", "department_id", "reference")
    )
    now = timezone.now()
    for application in overdue:
        application.escalated_at = now
        ApplicationEvent.objects.create(
            application=application,
            actor=None,
            action="escalate",
            from_status=application.status,
            to_status=application.status,
            note="",
        )
        audit_record(
            actor=None,
            verb="application.escalate",
            target=application,
            division_code=application.community_id or "",
        )
    Application.objects.filter(pk__in=[a.pk for a in overdue]).update(escalated_at=now)
    _tell_supervisors(overdue)
    return len(overdue)


def _tell_supervisors(overdue: list[Application]) -> None:
    """One inbox message per department's staff and per supervisor with the number escalated."""
    from collections import Counter

    from shequ.casework.permissions import SUPERVISING_DEPARTMENT
    from shequ.core.scopes import Role
    from shequ.people.models import StaffRole

    per_department = Counter(a.department_id for a in overdue)
    if not per_department:
        return
    roles = (
        StaffRole.objects.filter(is_active=True, role=Role.DEPARTMENT_STAFF)
        .filter(
            models.Q(department_id__in=list(per_department))
            | models.Q(department__code=SUPERVISING_DEPARTMENT)
        )
        .select_related("department")
    )
    totals: dict[int, int] = {}
    for role in roles:
        supervises = role.department is not None and role.department.code == SUPERVISING_DEPARTMENT
        count = len(overdue) if supervises else per_department[role.department_id or 0]
        totals[role.user_id] = max(totals.get(role.user_id, 0), count)
    for user_id, count in totals.items():
        message_send(
            user_id=user_id,
            category=Category.SYSTEM,
            title=_("%(n)s applications are past their legal deadline") % {"n": count},
            url="/console/casework/?escalated=1",
        )


# --- The holiday table (法定节假日与调休) ----------------------------------------------------


@dataclass(frozen=True)
class HolidayDay:
    day: date
    kind: str  # Holiday.Kind: "off" or "work" (a weekend day made a working day, 调休上班)
    name: str


@dataclass(frozen=True)
class HolidayPeriod:
    """One holiday as the State Council's notice states it: days off, make-up working days."""

    name: str
    first_off: date
    last_off: date
    work_days: tuple[date, ...] = ()


def holiday_days_from_periods(periods: Sequence[HolidayPeriod]) -> list[HolidayDay]:
    days: list[HolidayDay] = []
    for period in periods:
        day = period.first_off
        while day <= period.last_off:
            days.append(HolidayDay(day=day, kind=Holiday.Kind.OFF, name=period.name))
            day += timedelta(days=1)
        days.extend(
            HolidayDay(day=d, kind=Holiday.Kind.WORK, name=f"{period.name}调休上班")
            for d in period.work_days
        )
    return days


def _holiday_errors(year: int, source: str, days: Sequence[HolidayDay]) -> list[DomainError]:
    errors: list[DomainError] = []
    if not 2000 <= year <= 2100:
        errors.append(
            DomainError("holiday_year_invalid", _("Enter a year such as 2027."), field="year")
        )
    if not source.strip() or len(source.strip()) > 80:
        errors.append(
            DomainError(
                "holiday_source_missing",
                _("Enter the notice the days come from (e.g. 国办发明电〔2025〕7号)."),
                field="source",
            )
        )
    if not any(d.kind == Holiday.Kind.OFF for d in days):
        errors.append(DomainError("holiday_days_missing", _("Enter the days off of the year.")))
    seen: set[date] = set()
    for d in days:
        label = d.day.isoformat()
        if d.kind not in Holiday.Kind.values:
            errors.append(DomainError("holiday_kind_invalid", _("Unknown kind of day.")))
        elif d.day.year != year:
            errors.append(
                DomainError(
                    "holiday_day_outside_year",
                    _("%(day)s is not in %(year)s."),
                    day=label,
                    year=year,
                )
            )
        elif d.day in seen:
            errors.append(
                DomainError("holiday_day_twice", _("%(day)s is entered twice."), day=label)
            )
        elif d.kind == Holiday.Kind.WORK and d.day.weekday() < 5:
            errors.append(
                DomainError(
                    "holiday_work_day_weekday",
                    _(
                        "%(day)s is a weekday: a make-up working day (调休上班) is a Saturday "
                        "or a Sunday."
                    ),
                    day=label,
                )
            )
        if not d.name.strip() or len(d.name) > 40:
            errors.append(
                DomainError(
                    "holiday_name_missing",
                    _("Give each holiday its name."),
                    day=label,
                )
            )
        seen.add(d.day)
    return errors


class InvalidHolidays(DomainError):
    """Several errors at once (``errors``): each shown under its field or at the top."""

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__("invalid_holidays", _("Please correct the holidays."))
        self.errors = errors


@transaction.atomic
def holiday_year_enter(
    *,
    actor: User | None,
    year: int,
    source: str,
    days: Sequence[HolidayDay],
    replace: bool = False,
    ip: str | None = None,
) -> HolidayYear:
    """Enter a year's public holidays and make-up working days from the State Council's
    notice; working days in that year can be counted from then on, and open applications
    whose deadline was not computable get it. ``actor`` None is the system (a command).

    Raises: PermissionDenied (not the city committee or an administrator), InvalidHolidays,
    DomainError ``holiday_year_exists`` (already entered, unless ``replace``).
    """
    if actor is not None and not can_manage_holidays(actor):
        raise PermissionDenied(
            "not_allowed", _("Only the city committee may enter the holiday table.")
        )
    errors = _holiday_errors(year, source, days)
    if errors:
        raise InvalidHolidays(errors)
    source = source.strip()
    existing = HolidayYear.objects.select_for_update().filter(year=year).first()
    if existing is not None and not replace:
        raise DomainError(
            "holiday_year_exists",
            _("The holidays of %(year)s are already entered. Tick “replace” to enter them again."),
            field="replace",
            year=year,
        )
    # Rows of the year go, also any left without their year entered (a partial load).
    old = Holiday.objects.filter(day__year=year)
    before: dict[str, Any] = {
        "source": existing.source if existing is not None else None,
        "off": old.filter(kind=Holiday.Kind.OFF).count() or None,
        "work": old.filter(kind=Holiday.Kind.WORK).count() or None,
    }
    old.delete()
    Holiday.objects.bulk_create(
        [Holiday(day=d.day, kind=d.kind, name=d.name.strip(), source=source) for d in days]
    )
    entry, _created = HolidayYear.objects.update_or_create(
        year=year, defaults={"source": source, "entered_by": actor}
    )
    after = {
        "source": source,
        "off": sum(1 for d in days if d.kind == Holiday.Kind.OFF),
        "work": sum(1 for d in days if d.kind == Holiday.Kind.WORK),
    }
    audit_record(
        actor=actor,
        verb="holiday_year.replace" if existing is not None else "holiday_year.enter",
        target=entry,
        changes={key: [before.get(key), value] for key, value in after.items()},
        ip=ip,
    )
    pending_deadlines_compute(actor=actor)
    return entry


def pending_deadlines_compute(*, actor: User | None = None) -> int:
    """Give open applications whose deadline was not computable their date, where the
    holiday table now reaches it (the clock running: accepted or resubmitted). Returns how
    many got one; each is audited."""
    pending = Application.objects.select_for_update().filter(
        deadline_pending_from__isnull=False,
        status__in=(Status.ACCEPTED, Status.RESUBMITTED),
    )
    computed = 0
    for application in pending:
        start = application.deadline_pending_from
        if start is None:
            continue
        try:
            due = working_day_add(start, application.deadline_pending_days or 0)
        except HolidayTableMissing:
            continue
        application.due_date = due
        application.deadline_pending_from = None
        application.deadline_pending_days = None
        application.save(
            update_fields=[
                "due_date",
                "deadline_pending_from",
                "deadline_pending_days",
                "updated_at",
            ]
        )
        audit_record(
            actor=actor,
            verb="application.deadline_computed",
            target=application,
            division_code=application.community_id or "",
            changes={"due_date": [None, due.isoformat()]},
        )
        computed += 1
    return computed
