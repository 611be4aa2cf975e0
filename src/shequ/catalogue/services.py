"""Writes of the catalogue: departments publish and edit their own services; the committee
keeps the life events and themes (人生事件、主题) that group them."""

import re
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.catalogue.models import PolicyDocument, SearchEntry, Service, Topic
from shequ.catalogue.permissions import can_edit_service, can_manage_topics
from shequ.catalogue.search import index_tokens
from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.services import audit_record, changes_between
from shequ.notices.services import plain_text
from shequ.people.models import Department, User, VerificationLevel
from shequ.sso.models import DepartmentApp

# Lower-case letters, digits and hyphens: codes appear in addresses.
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")

EDITABLE = (
    "name",
    "name_en",
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
        topics = " ".join(f"{t.name} {t.name_en}" for t in service.topics.all())
        body = (
            f"{service.name_en} {service.summary} {service.description} "
            f"{service.eligibility} {topics}"
        )
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
        ("name_en", 160, False),
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
    code = str(code or "").strip().lower()
    if not CODE_PATTERN.match(code) or len(code) > 60:
        raise DomainError(
            "code_format",
            _("A code has up to 60 lower-case letters, digits or hyphens, e.g. laonian-youdai."),
            field="code",
        )
    if Service.objects.filter(code=code).exists():
        raise DomainError("code_taken", _("This code is already used."), field="code")
    topics = _topics_by_code(topic_codes or [])
    service = Service(department=department, code=code, **_clean_fields(fields))
    _check_app_link(service)
    service.save()
    if topics:
        service.topics.set(topics)
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
    changes = changes_between(before, clean)
    if topic_codes is not None:
        topics = _topics_by_code(topic_codes)
        old_codes = sorted(service.topics.values_list("code", flat=True))
        new_codes = sorted(t.code for t in topics)
        if old_codes != new_codes:
            changes["topics"] = [old_codes, new_codes]
        service.topics.set(topics)
    search_entry_refresh(service=service)
    audit_record(actor=actor, verb="service.update", target=service, changes=changes)
    return service


def _topics_by_code(codes: list[str]) -> list[Topic]:
    """The topics of ``codes``. Raises: DomainError ``unknown_topic`` for a code not found."""
    wanted = {str(code) for code in codes}
    topics = list(Topic.objects.filter(code__in=wanted))
    missing = wanted - {t.code for t in topics}
    if missing:
        raise DomainError(
            "unknown_topic",
            _("There is no life event or theme %(code)s."),
            field="topic_codes",
            code=sorted(missing)[0],
        )
    return topics


def _require_topic_manager(actor: User) -> None:
    if not can_manage_topics(actor):
        raise PermissionDenied(
            "forbidden",
            _("Only the city committee and system administrators keep life events and themes."),
        )


def _clean_topic(name: Any, order: Any, name_en: Any = "") -> tuple[str, int, str]:
    clean_name = plain_text(name, field="name", max_length=40)
    clean_en = plain_text(name_en, field="name_en", max_length=60, required=False)
    if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= 999:
        raise DomainError("bad_order", _("The order is a number from 0 to 999."), field="order")
    return clean_name, order, clean_en


@transaction.atomic
def topic_create(
    *, actor: User, code: str, name: str, kind: str, order: int = 0, name_en: str = ""
) -> Topic:
    """Add a life event or a theme residents browse the catalogue by.

    Raises: PermissionDenied (not the committee or an administrator), DomainError
    ``code_format`` / ``code_taken`` / ``bad_choice`` / ``required`` / ``too_long`` /
    ``bad_order``.
    """
    _require_topic_manager(actor)
    clean_code = str(code or "").strip().lower()
    if not CODE_PATTERN.match(clean_code) or len(clean_code) > 40:
        raise DomainError(
            "code_format",
            _("A code has up to 40 lower-case letters, digits or hyphens, e.g. shengyu."),
            field="code",
        )
    if kind not in Topic.Kind.values:
        raise DomainError("bad_choice", _("Choose one of the options."), field="kind")
    clean_name, clean_order, clean_en = _clean_topic(name, order, name_en)
    if Topic.objects.filter(code=clean_code).exists():
        raise DomainError("code_taken", _("This code is already used."), field="code")
    topic = Topic.objects.create(
        code=clean_code, name=clean_name, name_en=clean_en, kind=kind, order=clean_order
    )
    changes: dict[str, Any] = {"name": [None, clean_name], "kind": [None, kind]}
    if clean_en:
        changes["name_en"] = [None, clean_en]
    audit_record(actor=actor, verb="topic.create", target=topic, changes=changes)
    return topic


@transaction.atomic
def topic_update(
    *,
    actor: User,
    topic_id: int,
    name: str | None = None,
    order: int | None = None,
    service_ids: list[int] | None = None,
    name_en: str | None = None,
) -> Topic:
    """Rename or reorder a life event or theme, and (with ``service_ids``) choose the
    services under it; the search index of every service concerned follows.

    Raises: PermissionDenied, NotFound, DomainError ``required`` / ``too_long`` /
    ``bad_order`` / ``unknown_service``.
    """
    _require_topic_manager(actor)
    topic = Topic.objects.select_for_update().filter(pk=topic_id).first()
    if topic is None:
        raise NotFound("topic_not_found", _("No such life event or theme."))
    clean_name, clean_order, clean_en = _clean_topic(
        topic.name if name is None else name,
        topic.order if order is None else order,
        topic.name_en if name_en is None else name_en,
    )
    before: dict[str, Any] = {"name": topic.name, "name_en": topic.name_en, "order": topic.order}
    after: dict[str, Any] = {"name": clean_name, "name_en": clean_en, "order": clean_order}
    touched: set[int] = set()
    if clean_name != topic.name or clean_en != topic.name_en:
        touched |= set(topic.services.values_list("pk", flat=True))
    topic.name, topic.name_en, topic.order = clean_name, clean_en, clean_order
    topic.save()
    if service_ids is not None:
        wanted = {int(pk) for pk in service_ids}
        found = set(Service.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        if wanted - found:
            raise DomainError(
                "unknown_service", _("One of the services does not exist."), field="service_ids"
            )
        current = set(topic.services.values_list("pk", flat=True))
        if current != wanted:
            before["services"] = sorted(current)
            after["services"] = sorted(wanted)
        topic.services.set(wanted)
        touched |= current ^ wanted
    for service in Service.objects.filter(pk__in=touched).prefetch_related("topics"):
        search_entry_refresh(service=service)
    audit_record(
        actor=actor, verb="topic.update", target=topic, changes=changes_between(before, after)
    )
    return topic
