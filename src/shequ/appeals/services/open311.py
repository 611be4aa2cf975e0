"""Writes of Open311 GeoReport v2: the committee's keys for client applications, and a
request filed by such an application, taken by the same intake as every other channel
(routing, "me too" candidates, audit)."""

import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.appeals.models import Appeal, Category, Open311Key, Unit, key_hash_of
from shequ.appeals.permissions import may_edit_catalogue
from shequ.appeals.services.intake import Caller, appeal_submit
from shequ.core.digits import digits_or_none
from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.services import audit_record
from shequ.notices.services import plain_text
from shequ.people.models import User

KEY_BYTES = 32


def _require_committee(actor: User) -> None:
    if not may_edit_catalogue(actor):
        raise PermissionDenied("not_allowed", _("Only the city committee manages Open311 keys."))


@transaction.atomic
def open311_key_create(
    *, actor: User, name: str, unit_id: Any, ip: str | None = None
) -> tuple[Open311Key, str]:
    """A new key for a client application; the key is returned once and kept only hashed.

    Raises: PermissionDenied, DomainError ``unit_required`` / ``duplicate`` and the text
    errors of ``plain_text``.
    """
    _require_committee(actor)
    clean = plain_text(name, field="name", max_length=100)
    owner = Unit.objects.filter(pk=digits_or_none(str(unit_id or "")) or 0, is_active=True).first()
    if owner is None:
        raise DomainError("unit_required", _("Choose the unit from the list."), field="unit")
    if Open311Key.objects.filter(name=clean).exists():
        raise DomainError("duplicate", _("An application with this name has a key."), field="name")
    raw = secrets.token_urlsafe(KEY_BYTES)
    key = Open311Key.objects.create(
        name=clean, unit=owner, key_hash=key_hash_of(raw), prefix=raw[:6], created_by=actor
    )
    audit_record(
        actor=actor,
        verb="appeal.open311_key_create",
        target=key,
        changes={"unit": [None, owner.name]},
        ip=ip,
    )
    return key, raw


@transaction.atomic
def open311_key_revoke(*, actor: User, key_id: int, ip: str | None = None) -> Open311Key:
    """Revoke a key: the application can file nothing more with it.

    Raises: PermissionDenied, NotFound.
    """
    _require_committee(actor)
    key = Open311Key.objects.select_for_update().filter(pk=key_id, is_active=True).first()
    if key is None:
        raise NotFound("key_not_found", _("No such key."))
    key.is_active = False
    key.revoked_at = timezone.now()
    key.save(update_fields=["is_active", "revoked_at"])
    audit_record(actor=actor, verb="appeal.open311_key_revoke", target=key, ip=ip)
    return key


@dataclass(frozen=True)
class Open311RequestIn:
    """The fields of ``POST requests`` (form-encoded), as sent."""

    service_code: str
    description: str
    lat: str = ""
    long: str = ""
    address_string: str = ""
    community: str = ""
    nature: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""


def _service(code: str) -> Category:
    category = Category.objects.filter(code=code, is_active=True, out_of_scope=False).first()
    if category is None:
        raise DomainError(
            "unknown_service", _("No service with this service_code."), field="service_code"
        )
    return category


def _mobile(phone: str) -> str:
    """A mobile number as people write it (``+86 138-1234-5678``) in our 11 digits."""
    digits = re.sub(r"[\s\-()]", "", phone)
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == 11 + len(prefix):
            return digits[len(prefix) :]
    return digits


def open311_request_submit(
    *, key: Open311Key, data: Open311RequestIn, ip: str | None = None
) -> Appeal:
    """File a request from a client application (its key already checked and active).

    The application's key stands for it in the audit trail; the caller's name and mobile
    number, when given, are kept like a hotline caller's (the number encrypted) and never
    shown publicly. Raises: DomainError ``unknown_service`` / ``location_required`` and
    every error of ``appeal_submit``.
    """
    category = _service(data.service_code)
    if not (data.lat or data.long or data.address_string.strip()):
        raise DomainError(
            "location_required",
            _("Give lat and long, or address_string."),
            field="lat",
        )
    name = f"{data.last_name.strip()}{data.first_name.strip()}"
    phone = _mobile(data.phone.strip()) if data.phone.strip() else ""
    caller = Caller(name=name, phone=phone) if name or phone else None
    return appeal_submit(
        actor=None,
        category_id=category.pk,
        description=data.description,
        community_code=data.community,
        longitude=data.long or None,
        latitude=data.lat or None,
        address=data.address_string,
        caller=caller,
        client=key,
        nature=data.nature,
        ip=ip,
    )
