"""Writes of the organisation registry: register or file, edit, grade (评估), inspect (年检),
change status (blacklist, deregister). Each in one transaction, audited."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from shequ.civil.credit_codes import credit_code_clean
from shequ.civil.models import (
    REGISTERED_KINDS,
    Field,
    Grade,
    Inspection,
    Kind,
    Organisation,
    Rating,
)
from shequ.civil.permissions import can_register
from shequ.core.errors import DomainError, NotFound
from shequ.core.pii import PIIKind, PIIValue
from shequ.core.services import audit_record
from shequ.notices.services import plain_text
from shequ.people.identity import clean_real_name, normalise_mobile, parse_id_number
from shequ.places.models import Division

# A grade is valid for five years (民政部《社会组织评估管理办法》).
RATING_YEARS = 5


@dataclass
class OrganisationData:
    """What a registrar types about an organisation (plain values, checked by the service)."""

    name: str
    kind: str
    authority_code: str
    legal_rep_name: str
    credit_code: str = ""
    fields: Sequence[str] = ()
    registered_on: date | None = None
    legal_rep_id: str = ""
    legal_rep_phone: str = ""
    address: str = ""
    service_area_codes: Sequence[str] = field(default_factory=list)
    staff_count: int = 0
    volunteer_count: int = 0
    incubation: str = ""
    incubation_base: str = ""
    bank_name: str = ""
    bank_account: str = ""


def _not_found() -> NotFound:
    return NotFound("organisation_not_found", _("No such organisation in your area."))


def _clean(data: OrganisationData) -> dict[str, Any]:
    if data.kind not in Kind.values:
        raise DomainError("kind_invalid", _("Choose the kind of organisation."), field="kind")
    name = plain_text(data.name, field="name", max_length=120)
    code = (data.credit_code or "").strip()
    if code:
        code = credit_code_clean(code)
    elif data.kind in REGISTERED_KINDS:
        raise DomainError(
            "credit_code_required",
            _("A registered organisation has a unified social credit code."),
            field="credit_code",
        )
    fields = list(dict.fromkeys(str(f) for f in data.fields))
    if any(f not in Field.values for f in fields):
        raise DomainError("field_invalid", _("Choose fields from the list."), field="fields")
    authority = Division.objects.filter(code=data.authority_code).first()
    if authority is None:
        raise DomainError(
            "authority_required", _("Choose the registering authority."), field="authority"
        )
    if data.kind == Kind.COMMUNITY_BASED and authority.level not in (
        Division.Level.STREET,
        Division.Level.COMMUNITY,
    ):
        raise DomainError(
            "authority_street",
            _("A community-based organisation is filed with its street."),
            field="authority",
        )
    areas = list(dict.fromkeys(data.service_area_codes))
    found = set(Division.objects.filter(code__in=areas).values_list("code", flat=True))
    if len(found) != len(areas):
        raise DomainError(
            "service_area_invalid", _("Choose service areas from the list."), field="service_areas"
        )
    rep_name = clean_real_name(data.legal_rep_name)
    rep_id = data.legal_rep_id.strip()
    if rep_id:
        try:
            rep_id = parse_id_number(rep_id).value
        except DomainError as error:
            raise DomainError(error.code, error.message, field="legal_rep_id") from None
    rep_phone = data.legal_rep_phone.strip()
    if rep_phone:
        try:
            rep_phone = normalise_mobile(rep_phone)
        except DomainError as error:
            raise DomainError(error.code, error.message, field="legal_rep_phone") from None
    account = "".join(data.bank_account.split())
    if account and (not account.isascii() or not account.isdigit() or not 8 <= len(account) <= 30):
        raise DomainError(
            "bank_account_invalid",
            _("A bank account number has 8 to 30 digits."),
            field="bank_account",
        )
    if data.incubation not in Organisation.Incubation.values:
        raise DomainError(
            "incubation_invalid", _("Choose the incubation stage."), field="incubation"
        )
    if data.incubation and not data.incubation_base.strip():
        raise DomainError(
            "incubation_base_required",
            _("Name the incubation base."),
            field="incubation_base",
        )
    if min(data.staff_count, data.volunteer_count) < 0:
        raise DomainError("count_invalid", _("Counts cannot be negative."), field="staff_count")
    return {
        "name": name,
        "credit_code": code or None,
        "kind": data.kind,
        "fields": fields,
        "authority": authority,
        "registered_on": data.registered_on,
        "legal_rep_name": PIIValue(PIIKind.NAME, plain=rep_name),
        "legal_rep_id": PIIValue(PIIKind.ID_NUMBER, plain=rep_id) if rep_id else None,
        "legal_rep_phone": PIIValue(PIIKind.PHONE, plain=rep_phone) if rep_phone else None,
        "address": plain_text(data.address, field="address", max_length=200, required=False),
        "staff_count": int(data.staff_count),
        "volunteer_count": int(data.volunteer_count),
        "incubation": data.incubation,
        "incubation_base": plain_text(
            data.incubation_base, field="incubation_base", max_length=120, required=False
        ),
        "bank_name": plain_text(data.bank_name, field="bank_name", max_length=80, required=False),
        "bank_account": PIIValue(PIIKind.BANK_ACCOUNT, plain=account) if account else None,
        "_areas": areas,
    }


def _duplicate_code() -> DomainError:
    return DomainError(
        "credit_code_taken",
        _("An organisation with this credit code is already in the registry."),
        field="credit_code",
    )


@transaction.atomic
def organisation_register(
    *, actor: Any, data: OrganisationData, ip: str | None = None
) -> Organisation:
    """Register (登记) or file (备案) an organisation with an authority in the actor's area.

    Raises: NotFound (authority outside the actor's area); DomainError ``kind_invalid``,
    the ``credit_code_*`` errors, ``credit_code_required``, ``credit_code_taken``,
    ``authority_street``, ``service_area_invalid``, ID number and mobile errors,
    ``bank_account_invalid``, ``incubation_*``.
    """
    values = _clean(data)
    filed = values["kind"] == Kind.COMMUNITY_BASED
    if not can_register(actor, values["authority"].code, filed=filed):
        raise NotFound(
            "authority_not_yours",
            _("You may not register organisations with that authority."),
        )
    areas = values.pop("_areas")
    if (
        values["credit_code"]
        and Organisation.objects.filter(credit_code=values["credit_code"]).exists()
    ):
        raise _duplicate_code()
    try:
        with transaction.atomic():
            organisation = Organisation.objects.create(**values)
    except IntegrityError:
        raise _duplicate_code() from None
    organisation.service_areas.set(areas)
    audit_record(
        actor=actor,
        verb="civil.organisation_register",
        target=organisation,
        division_code=values["authority"].code,
        changes={"kind": [None, organisation.kind]},
        ip=ip,
    )
    return organisation


def organisation_for_registrar(
    actor: Any, organisation_id: int, *, lock: bool = False
) -> Organisation:
    """The organisation if the actor may manage it. Raises: NotFound."""
    rows = Organisation.objects.all()
    if lock:
        rows = rows.select_for_update()
    organisation = rows.filter(pk=organisation_id).first()
    if organisation is None or not can_register(
        actor, organisation.authority_id, filed=organisation.kind == Kind.COMMUNITY_BASED
    ):
        raise _not_found()
    return organisation


@transaction.atomic
def organisation_update(
    *, actor: Any, organisation_id: int, data: OrganisationData, ip: str | None = None
) -> Organisation:
    """Edit an organisation's record. Raises: as ``organisation_register``."""
    organisation = organisation_for_registrar(actor, organisation_id, lock=True)
    values = _clean(data)
    if not can_register(
        actor, values["authority"].code, filed=values["kind"] == Kind.COMMUNITY_BASED
    ):
        raise NotFound(
            "authority_not_yours",
            _("You may not register organisations with that authority."),
        )
    areas = values.pop("_areas")
    # Sealed numbers are typed only to change them: left empty, the stored one stays.
    for sealed in ("legal_rep_id", "legal_rep_phone", "bank_account"):
        if values[sealed] is None:
            values.pop(sealed)
    if (
        values["credit_code"]
        and Organisation.objects.filter(credit_code=values["credit_code"])
        .exclude(pk=organisation.pk)
        .exists()
    ):
        raise _duplicate_code()
    before = {"name": organisation.name, "kind": organisation.kind}
    for key, value in values.items():
        setattr(organisation, key, value)
    organisation.save()
    organisation.service_areas.set(areas)
    audit_record(
        actor=actor,
        verb="civil.organisation_update",
        target=organisation,
        division_code=organisation.authority_id,
        changes={k: [v, values[k]] for k, v in before.items() if v != values[k]},
        # Which sealed numbers changed, never their values.
        reason=", ".join(
            k for k in ("legal_rep_id", "legal_rep_phone", "bank_account") if k in values
        ),
        ip=ip,
    )
    return organisation


@transaction.atomic
def rating_record(
    *,
    actor: Any,
    organisation_id: int,
    grade: Any,
    year: int,
    score: int | None = None,
    ip: str | None = None,
) -> Rating:
    """Record an assessment grade (5A–1A) for a year; valid for five years from the end of
    that year.

    Raises: NotFound; DomainError ``grade_invalid``, ``year_invalid``, ``score_invalid``,
    ``rating_exists``.
    """
    organisation = organisation_for_registrar(actor, organisation_id, lock=True)
    try:
        value = int(grade)
    except (TypeError, ValueError):
        value = 0
    if value not in Grade.values:
        raise DomainError("grade_invalid", _("Choose a grade from 5A to 1A."), field="grade")
    if not 2000 <= int(year) <= 2100:
        raise DomainError("year_invalid", _("Enter a year between 2000 and 2100."), field="year")
    if score is not None and not 0 <= int(score) <= 1000:
        raise DomainError(
            "score_invalid", _("The assessment has 1,000 points at most."), field="score"
        )
    if organisation.ratings.filter(year=year).exists():
        raise DomainError(
            "rating_exists", _("This organisation already has a grade for that year."), field="year"
        )
    rating = Rating.objects.create(
        organisation=organisation,
        grade=value,
        year=int(year),
        score=score,
        expires_on=date(int(year) + RATING_YEARS, 12, 31),
    )
    audit_record(
        actor=actor,
        verb="civil.rating_record",
        target=organisation,
        division_code=organisation.authority_id,
        changes={"grade": [None, rating.get_grade_display()], "year": [None, rating.year]},
        ip=ip,
    )
    return rating


@transaction.atomic
def inspection_record(
    *,
    actor: Any,
    organisation_id: int,
    year: int,
    result: str,
    note: str = "",
    ip: str | None = None,
) -> Inspection:
    """Record (or correct) the result of a year's annual inspection (年检).

    Raises: NotFound; DomainError ``result_invalid``, ``year_invalid``.
    """
    organisation = organisation_for_registrar(actor, organisation_id, lock=True)
    if result not in Inspection.Result.values:
        raise DomainError("result_invalid", _("Choose the result."), field="result")
    if not 2000 <= int(year) <= 2100:
        raise DomainError("year_invalid", _("Enter a year between 2000 and 2100."), field="year")
    inspection, _created = Inspection.objects.update_or_create(
        organisation=organisation,
        year=int(year),
        defaults={
            "result": result,
            "note": plain_text(note, field="note", max_length=300, required=False),
        },
    )
    audit_record(
        actor=actor,
        verb="civil.inspection_record",
        target=organisation,
        division_code=organisation.authority_id,
        changes={"year": [None, inspection.year], "result": [None, result]},
        ip=ip,
    )
    return inspection


@transaction.atomic
def organisation_set_status(
    *, actor: Any, organisation_id: int, status: str, reason: str, ip: str | None = None
) -> Organisation:
    """Put an organisation on the list of serious violations, deregister it or restore it.

    Raises: NotFound; DomainError ``status_invalid``, ``required`` (reason).
    """
    organisation = organisation_for_registrar(actor, organisation_id, lock=True)
    if status not in Organisation.Status.values:
        raise DomainError("status_invalid", _("Choose the status."), field="status")
    clean = plain_text(reason, field="reason", max_length=300)
    before = organisation.status
    organisation.status = status
    organisation.status_reason = clean
    organisation.save(update_fields=["status", "status_reason"])
    audit_record(
        actor=actor,
        verb="civil.organisation_status",
        target=organisation,
        division_code=organisation.authority_id,
        changes={"status": [before, status]},
        reason=clean,
        ip=ip,
    )
    return organisation
