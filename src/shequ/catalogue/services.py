"""Writes of the catalogue: departments publish and edit their own services."""

import re
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.catalogue.models import PolicyDocument, SearchEntry, Service, Topic
from shequ.catalogue.permissions import can_edit_service
from shequ.catalogue.search import index_tokens
from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.services import audit_record, changes_between
from shequ.notices.services import plain_text
from shequ.people.models import Department, User, VerificationLevel
from shequ.sso.models import DepartmentApp

EDITABLE = (
    "name",
    "summary",
    "description",
    "eligibility",
    "min_level",
    "documents",
    "time_limit_days",
    "fee",
    "channel",
    "kind",
    "community_level",
    "is_published",
    "in_person_window",
    "in_person_address",
    "in_person_hours",
    "phone",
    "sso_app",
    "sso_entry_url",
)
# An enquiry line is an office number or hotline: 12345, 028-12345678, 400-…; never a
# person's mobile number (personal numbers are never kept in clear).
OFFICE_PHONE = re.compile(r"^[0-9][0-9\- ]{2,19}$")
MOBILE = re.compile(r"1[3-9][0-9]{9}")


def search_entry_refresh(
    *, service: Service | None = None, policy: PolicyDocument | None = None
) -> None:
    """Re-cut the tokens of one service or policy (the database re-indexes them)."""
    if service is not None:
        topics = " ".join(t.name for t in service.topics.all())
        body = f"{service.summary} {service.description} {service.eligibility} {topics}"
        SearchEntry.objects.update_or_create(
            service=service,
            defaults={
                "kind": SearchEntry.Kind.SERVICE,
                "title": service.name,
                "text": service.summary,
                "title_tokens": index_tokens(service.name),
                "body_tokens": index_tokens(body),
            },
        )
        if not service.is_published:
            SearchEntry.objects.filter(service=service).delete()
    if policy is not None:
        SearchEntry.objects.update_or_create(
            policy=policy,
            defaults={
                "kind": SearchEntry.Kind.POLICY,
                "title": policy.title,
                "text": policy.body,
                "title_tokens": index_tokens(policy.title),
                "body_tokens": index_tokens(policy.body),
            },
        )


def _clean_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Validate the editable fields. Raises: DomainError on the first bad field."""
    clean: dict[str, Any] = {}
    for key, max_length, required in (
        ("name", 80, True),
        ("summary", 300, True),
        ("description", 5000, False),
        ("eligibility", 300, False),
        ("documents", 2000, False),
        ("in_person_window", 100, False),
        ("in_person_address", 200, False),
        ("in_person_hours", 100, False),
    ):
        if key in data:
            clean[key] = plain_text(data[key], field=key, max_length=max_length, required=required)
    if "fee" in data:
        try:
            fee = Decimal(str(data["fee"])).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            raise DomainError("bad_fee", _("Enter an amount in yuan."), field="fee") from None
        if fee < 0 or fee > Decimal("100000"):
            raise DomainError(
                "fee_out_of_range", _("The fee must be between 0 and 100,000 yuan."), field="fee"
            )
        clean["fee"] = fee
    if "time_limit_days" in data:
        days = data["time_limit_days"]
        if days is not None and (not isinstance(days, int) or not 0 <= days <= 365):
            raise DomainError(
                "bad_time_limit",
                _("The time limit must be 0 to 365 working days."),
                field="time_limit_days",
            )
        clean["time_limit_days"] = days
    for key, choices in (("channel", Service.Channel.values), ("kind", Service.Kind.values)):
        if key in data:
            if data[key] not in choices:
                raise DomainError("bad_choice", _("Choose one of the options."), field=key)
            clean[key] = data[key]
    if "min_level" in data:
        if data["min_level"] not in VerificationLevel.values:
            raise DomainError("bad_choice", _("Choose one of the options."), field="min_level")
        clean["min_level"] = data["min_level"]
    for key in ("community_level", "is_published"):
        if key in data:
            clean[key] = bool(data[key])
    if "phone" in data:
        phone = str(data["phone"] or "").strip()
        if phone and MOBILE.search(phone.replace("-", "").replace(" ", "")):
            raise DomainError(
                "phone_mobile",
                _("Give an office line or hotline, not a mobile number."),
                field="phone",
            )
        if phone and not OFFICE_PHONE.match(phone):
            raise DomainError(
                "bad_phone",
                _("Enter a telephone number, e.g. 12345 or 028-12345678."),
                field="phone",
            )
        clean["phone"] = phone
    if "sso_app" in data:
        app_id = data["sso_app"]
        app = None
        if app_id not in (None, ""):
            app = (
                DepartmentApp.objects.filter(pk=app_id, is_active=True).first()
                if (str(app_id).isdigit())
                else None
            )
            if app is None:
                raise DomainError("bad_app", _("Choose an active department app."), field="sso_app")
        clean["sso_app"] = app
    if "sso_entry_url" in data:
        clean["sso_entry_url"] = str(data["sso_entry_url"] or "").strip()
    return clean


def _origin(url: str) -> str:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return f"{parts.scheme}://{parts.hostname}:{port or (443 if parts.scheme == 'https' else 80)}"


def _check_app_link(service: Service) -> None:
    """A service that points to a department app needs the app's own address to start at:
    on the same site as one of the app's registered redirect URIs. Raises: DomainError."""
    app = service.sso_app
    if app is None:
        service.sso_entry_url = ""
        return
    url = service.sso_entry_url
    if not url:
        raise DomainError(
            "app_url_required",
            _("Give the address in the department app where residents start."),
            field="sso_entry_url",
        )
    registered = {_origin(uri) for uri in app.redirect_uris.split()}
    if not _origin(url) or _origin(url) not in registered:
        raise DomainError(
            "app_url_foreign",
            _("The address must be on the department app's own site (as its redirect URIs)."),
            field="sso_entry_url",
        )


@transaction.atomic
def service_create(
    *,
    actor: User,
    department_id: int,
    code: str,
    topic_codes: list[str] | None = None,
    **fields: Any,
) -> Service:
    """Publish a new service for the actor's own department.

    Raises: PermissionDenied (another department), DomainError (bad fields, code taken).
    """
    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        raise NotFound("department_not_found", _("No such department."))
    probe = Service(department=department)
    if not can_edit_service(actor, probe):
        raise PermissionDenied(
            "not_your_department", _("You may edit only your own department's services.")
        )
    missing = {"name", "summary", "channel", "kind"} - set(fields)
    if missing:
        raise DomainError("required", _("This field is required."), field=sorted(missing)[0])
    if Service.objects.filter(code=code).exists():
        raise DomainError("code_taken", _("This code is already used."), field="code")
    service = Service(department=department, code=code, **_clean_fields(fields))
    _check_app_link(service)
    service.save()
    if topic_codes:
        service.topics.set(Topic.objects.filter(code__in=topic_codes))
    search_entry_refresh(service=service)
    audit_record(actor=actor, verb="service.create", target=service)
    return service


@transaction.atomic
def service_update(
    *, actor: User, service_id: int, topic_codes: list[str] | None = None, **fields: Any
) -> Service:
    """Change a service of the actor's own department; the search index follows.

    Raises: NotFound, PermissionDenied (another department's service), DomainError.
    """
    service = Service.objects.select_for_update().filter(pk=service_id).first()
    if service is None:
        raise NotFound("service_not_found", _("No such service."))
    if not can_edit_service(actor, service):
        raise PermissionDenied(
            "not_your_department", _("You may edit only your own department's services.")
        )
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise DomainError("unknown_field", _("Unknown field."), field=sorted(unknown)[0])
    clean = _clean_fields(fields)
    before = {key: getattr(service, key) for key in clean}
    for key, value in clean.items():
        setattr(service, key, value)
    _check_app_link(service)
    service.save()
    if topic_codes is not None:
        service.topics.set(Topic.objects.filter(code__in=topic_codes))
    search_entry_refresh(service=service)
    audit_record(
        actor=actor,
        verb="service.update",
        target=service,
        changes=changes_between(before, clean),
    )
    return service
