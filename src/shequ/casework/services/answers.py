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
from shequ.people.models import User


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
