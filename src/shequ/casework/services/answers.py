"""A resident's answers to an application form: checking the answers and the uploads,
storing the uploads, and revealing a personal number answered to the staff who work the case."""

import uuid
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.casework.models import Application, ApplicationDocument, FormDefinition
from shequ.casework.permissions import may_act
from shequ.casework.services.definitions import PII_FIELD_TYPES
from shequ.casework.services.errors import InvalidApplication
from shequ.core.errors import DomainError, PermissionDenied
from shequ.core.pii import seal, unseal
from shequ.core.services import (
    audit_record,
    pii_reveal_allowance_check,
    pii_reveal_reason_clean,
)
from shequ.core.storage import stored_files_removed_on_error
from shequ.core.uploads import accept_upload
from shequ.notices.services import plain_text
from shequ.people.identity import normalise_mobile, parse_id_number
from shequ.people.models import Resident, User


def condition_met(spec: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    """Is the item asked, given the answers so far? (No ``show_if``: always.)"""
    condition = spec.get("show_if")
    if not condition:
        return True
    value = answers.get(condition.get("field", ""))
    wanted = str(condition.get("equals", ""))
    if isinstance(value, list):
        return wanted in [str(v) for v in value]
    if isinstance(value, bool):
        return wanted == ("true" if value else "false")
    return value is not None and str(value) == wanted


def _raw_answer(spec: Mapping[str, Any], data: Mapping[str, Any]) -> Any:
    name = spec["name"]
    if spec.get("type") == "multichoice":
        getlist = getattr(data, "getlist", None)
        raw = getlist(name) if getlist is not None else data.get(name)
        return raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
    if spec.get("type") == "address":
        return {
            "text": data.get(name) or "",
            "community": data.get(f"{name}__community") or "",
        }
    return data.get(name)


def registry_fact(fact: str, resident: Resident | None) -> Any:
    """A fact of the applicant's registry record a field may be pre-filled with: plain text
    for a personal number (callers seal it), None when the registry does not have it."""
    if resident is None:
        return None
    if fact == "name":
        return resident.real_name or None
    if fact in ("id_number", "phone"):
        value = getattr(resident, fact)
        return value.reveal() if value is not None else None
    if fact == "community":
        return resident.community_id or None
    if fact == "birth_date":
        return resident.birth_date.isoformat() if resident.birth_date else None
    return None


def _prefilled(spec: Mapping[str, Any], raw: Any, resident: Resident | None) -> Any:
    """A blank answer of a pre-filled field takes the registry's fact."""
    fact = spec.get("prefill")
    if not fact or resident is None:
        return raw
    value = registry_fact(str(fact), resident)
    if value is None:
        return raw
    if spec.get("type") == "address":
        if not raw.get("community"):
            return {**raw, "community": value}
        return raw
    if str(raw or "").strip():
        return raw
    if fact == "community":
        from shequ.places.models import Division

        division = Division.objects.filter(pk=value).first()
        return division.name if division is not None else raw
    return value


def _clean_address(spec: Mapping[str, Any], raw: Mapping[str, Any]) -> Any:
    from shequ.places.models import Division

    name = spec["name"]
    text = str(raw.get("text") or "").strip()
    code = str(raw.get("community") or "").strip()
    if not text and not code:
        if spec.get("required"):
            raise DomainError("required", _("This field is required."), field=name)
        return None
    if not text:
        raise DomainError("address_required", _("Enter the street address."), field=name)
    division = (
        Division.objects.filter(pk=code, level=Division.Level.COMMUNITY, is_active=True).first()
        if code.isdigit()
        else None
    )
    if division is None:
        raise DomainError(
            "community_required", _("Choose the community of this address."), field=name
        )
    return {
        "text": plain_text(text, field=name, max_length=int(spec.get("max_length", 200))),
        "community": division.code,
        "community_name": division.name,
    }


def _clean_value(spec: Mapping[str, Any], raw: Any) -> Any:
    name, kind = spec["name"], spec["type"]
    required = bool(spec.get("required"))
    if kind == "address":
        return _clean_address(spec, raw)
    if kind == "multichoice":
        chosen = [str(c).strip() for c in raw if str(c).strip()]
        if not chosen:
            if required:
                raise DomainError("required", _("This field is required."), field=name)
            return []
        options = [str(c) for c in spec.get("choices", [])]
        if any(c not in options for c in chosen):
            raise DomainError("bad_choice", _("Choose one of the options."), field=name)
        return [c for c in options if c in chosen]
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
    return accept_upload(
        upload,
        field=spec["name"],
        types=spec.get("types", []),
        max_kb=int(spec.get("max_kb", 2048)),
    )


def _validate(
    definition: FormDefinition,
    data: Mapping[str, Any],
    files: Mapping[str, UploadedFile],
    *,
    already_uploaded: set[str] = frozenset(),  # type: ignore[assignment]
    previous: Mapping[str, Any] | None = None,
    only: set[str] | None = None,
    resident: Resident | None = None,
) -> tuple[dict[str, Any], dict[str, tuple[File, str]]]:
    """The cleaned answers and checked uploads. ``only`` (a resubmission that was asked for
    named items): the other answers keep their ``previous`` values, the named document slots
    must be uploaded anew and an upload to any other slot is refused. An item whose
    condition (``show_if``) is not met is not asked: no answer is kept, no upload taken.
    A blank pre-filled field takes the fact from ``resident`` (the registry)."""
    errors: list[DomainError] = []
    clean: dict[str, Any] = {}
    for spec in definition.fields:
        kept = (previous or {}).get(spec["name"])
        if only is not None and spec["name"] not in only:
            clean[spec["name"]] = kept
            continue
        if not condition_met(spec, clean):
            clean[spec["name"]] = None
            continue
        blank = not str(data.get(spec["name"]) or "").strip()
        if spec.get("type") in PII_FIELD_TYPES and blank and unseal(kept) is not None:
            # A resubmission leaves a personal number blank to keep the one on file.
            clean[spec["name"]] = kept
            continue
        try:
            raw = _prefilled(spec, _raw_answer(spec, data), resident)
            clean[spec["name"]] = _clean_value(spec, raw)
        except DomainError as error:
            errors.append(error)
    uploads: dict[str, tuple[File, str]] = {}
    for spec in definition.documents:
        upload = files.get(spec["name"])
        if not condition_met(spec, clean):
            continue
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
    """Raises: StorageUnavailable (the files stored before it are removed again)."""
    with stored_files_removed_on_error() as stored:
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
            stored.append(document.file)
            document.save()


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
