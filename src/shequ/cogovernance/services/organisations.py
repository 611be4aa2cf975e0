"""Writes of the registry of organisations in an area (区域化党建) and their members."""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.civil.models import Organisation as CivilOrganisation
from shequ.cogovernance.models import AreaOrganisation, Member, OrgKind, Position
from shequ.cogovernance.permissions import can_edit, can_read
from shequ.cogovernance.services._common import (
    choice,
    day,
    day_required,
    division,
    not_found,
    text,
)
from shequ.core.digits import digits_or_none
from shequ.core.errors import DomainError
from shequ.core.scopes import code_range
from shequ.core.services import audit_record
from shequ.people.models import Resident, User


def _phone(data: dict[str, Any], key: str) -> str | None:
    raw = str(data.get(key) or "").strip()
    if not raw:
        return None
    digits = digits_or_none(raw.replace(" ", "").replace("-", ""))
    if digits is None or not 7 <= len(digits) <= 12:
        raise DomainError("phone_invalid", _("Enter a phone number of digits only."), field=key)
    return digits


def organisation_for_edit(actor: User, organisation_id: int) -> AreaOrganisation:
    org = AreaOrganisation.objects.select_for_update().filter(pk=organisation_id).first()
    if org is None or not can_edit(actor, org.division_id):
        raise not_found()
    return org


def _check_parent(org_id: int | None, parent: AreaOrganisation | None, division_code: str) -> None:
    """A parent is an organisation of the same community or of the street above it, and the
    chain of parents never comes back to the organisation itself.

    Raises: DomainError ``parent_cycle``, ``parent_elsewhere``."""
    if parent is None:
        return
    low, high = code_range(parent.division_id)
    if not low <= division_code <= high:
        raise DomainError(
            "parent_elsewhere",
            _("The organisation it belongs to must be in the same community or its street."),
            field="parent",
        )
    seen: set[int] = set()
    node: AreaOrganisation | None = parent
    while node is not None:
        if org_id is not None and node.pk == org_id:
            raise DomainError(
                "parent_cycle",
                _("An organisation cannot belong to itself or to one that belongs to it."),
                field="parent",
            )
        if node.pk in seen:
            break
        seen.add(node.pk)
        node = node.parent


def _fields(actor: User, data: dict[str, Any], org_id: int | None) -> dict[str, Any]:
    place = division(data.get("division"), field="division")
    if not can_edit(actor, place.code):
        raise DomainError(
            "division_unknown",
            _("Choose a place inside your area from the list."),
            field="division",
        )
    kind = choice(data, "kind", OrgKind.values)
    parent = None
    if data.get("parent"):
        parent = AreaOrganisation.objects.filter(pk=data["parent"]).first()
        if parent is None or not can_read(actor, parent.division_id):
            raise DomainError("parent_unknown", _("Choose one of the options."), field="parent")
    _check_parent(org_id, parent, place.code)
    civil = None
    if data.get("civil_organisation"):
        civil = CivilOrganisation.objects.filter(pk=data["civil_organisation"]).first()
        if civil is None:
            raise DomainError(
                "civil_unknown", _("Choose one of the options."), field="civil_organisation"
            )
    return {
        "kind": kind,
        "name": text(data, "name", 120, required=True),
        "division": place,
        "parent": parent,
        "civil_organisation": civil,
        "contact_name": text(data, "contact_name", 40),
        "contact_phone": _phone(data, "contact_phone"),
    }


def _unique_name(fields: dict[str, Any], org_id: int | None) -> None:
    clash = AreaOrganisation.objects.filter(division=fields["division"], name=fields["name"])
    if org_id is not None:
        clash = clash.exclude(pk=org_id)
    if clash.exists():
        raise DomainError(
            "name_taken", _("This place already has an organisation of that name."), field="name"
        )


@transaction.atomic
def organisation_create(
    *, actor: User, data: dict[str, Any], ip: str | None = None
) -> AreaOrganisation:
    """Add an organisation to the area's registry.

    Raises: DomainError (a field, ``parent_elsewhere``, ``name_taken``)."""
    fields = _fields(actor, data, None)
    _unique_name(fields, None)
    org = AreaOrganisation.objects.create(**fields)
    audit_record(
        actor=actor, verb="cogov.org_create", target=org, division_code=org.division_id, ip=ip
    )
    return org


@transaction.atomic
def organisation_update(
    *, actor: User, organisation_id: int, data: dict[str, Any], ip: str | None = None
) -> AreaOrganisation:
    """Change an organisation (its parent included).

    Raises: NotFound, DomainError (a field, ``parent_cycle``, ``name_taken``)."""
    org = organisation_for_edit(actor, organisation_id)
    fields = _fields(actor, data, org.pk)
    _unique_name(fields, org.pk)
    for key, value in fields.items():
        setattr(org, key, value)
    org.save()
    audit_record(
        actor=actor, verb="cogov.org_update", target=org, division_code=org.division_id, ip=ip
    )
    return org


def _check_term(start: date, end: date | None, ceased: date | None) -> None:
    if end is not None and end < start:
        raise DomainError(
            "term_order", _("The term cannot end before it starts."), field="term_end"
        )
    if ceased is not None and ceased < start:
        raise DomainError(
            "ceased_before_term",
            _("A member cannot cease before their term starts."),
            field="ceased_on",
        )


@transaction.atomic
def member_add(
    *, actor: User, organisation_id: int, data: dict[str, Any], ip: str | None = None
) -> Member:
    """Seat a member: a resident picked from the registry, or a name outside it.

    Raises: NotFound, DomainError ``person_needed``, ``term_order``, ``ceased_before_term``."""
    org = organisation_for_edit(actor, organisation_id)
    resident = None
    if data.get("resident"):
        resident = Resident.objects.filter(pk=data["resident"]).first()
        if resident is None or not can_edit(actor, resident.community_id):
            raise DomainError(
                "person_unknown",
                _("Choose a resident of your area from the search results."),
                field="resident",
            )
    outside = text(data, "outside_name", 30)
    if resident is None and not outside:
        raise DomainError(
            "person_needed",
            _("Choose a resident, or write the name of a person outside the registry."),
            field="resident",
        )
    start = day_required(data, "term_start")
    end, ceased = day(data, "term_end"), day(data, "ceased_on")
    _check_term(start, end, ceased)
    member = Member.objects.create(
        organisation=org,
        position=choice(data, "position", Position.values),
        resident=resident,
        outside_name=None if resident else outside,
        phone=_phone(data, "phone"),
        term_start=start,
        term_end=end,
        ceased_on=ceased,
    )
    audit_record(
        actor=actor, verb="cogov.member_add", target=member, division_code=org.division_id, ip=ip
    )
    return member


@transaction.atomic
def member_cease(*, actor: User, member_id: int, ceased_on: date, ip: str | None = None) -> Member:
    """Record that a member left their seat on ``ceased_on``.

    Raises: NotFound, DomainError ``ceased_before_term``."""
    member = Member.objects.select_for_update().filter(pk=member_id).first()
    if member is None:
        raise not_found()
    org = organisation_for_edit(actor, member.organisation_id)
    _check_term(member.term_start, member.term_end, ceased_on)
    member.ceased_on = ceased_on
    member.save(update_fields=["ceased_on"])
    audit_record(
        actor=actor, verb="cogov.member_cease", target=member, division_code=org.division_id, ip=ip
    )
    return member


@transaction.atomic
def member_update(
    *, actor: User, member_id: int, data: dict[str, Any], ip: str | None = None
) -> Member:
    """Correct a member's position and term (the person stays; ending the seat is
    ``member_cease``).

    Raises: NotFound, DomainError ``bad_choice``, ``term_order``, ``ceased_before_term``."""
    member = Member.objects.select_for_update().filter(pk=member_id).first()
    if member is None:
        raise not_found()
    org = organisation_for_edit(actor, member.organisation_id)
    position = choice(data, "position", Position.values)
    start = day_required(data, "term_start")
    end = day(data, "term_end")
    _check_term(start, end, member.ceased_on)
    member.position, member.term_start, member.term_end = position, start, end
    member.save(update_fields=["position", "term_start", "term_end"])
    audit_record(
        actor=actor,
        verb="cogov.member_update",
        target=member,
        division_code=org.division_id,
        ip=ip,
    )
    return member
