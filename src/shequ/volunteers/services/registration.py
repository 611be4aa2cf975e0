"""Registering as a volunteer from the resident's verified identity, editing the profile,
leaving and returning (注册、变更、退出与恢复)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import cast

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError
from shequ.core.services import audit_record
from shequ.notices.services import plain_text
from shequ.people.models import Resident, User, VerificationLevel
from shequ.places.models import Division
from shequ.volunteers.models import (
    ADULT_AGE,
    AVAILABILITY,
    FIELDS,
    MIN_AGE,
    SELF_SUPPORTING_AGE,
    SKILLS,
    Volunteer,
)
from shequ.volunteers.selectors import age_on, service_area_choices


@dataclass(frozen=True)
class Profile:
    """What a volunteer says about themselves (the rest comes from the verified identity)."""

    skills: Iterable[str] = ()
    fields: Iterable[str] = ()
    availability: Iterable[str] = ()
    service_areas: Iterable[str] = ()
    guardian_name: str = ""
    guardian_relation: str = ""
    guardian_consent: bool = False
    self_supporting: bool = False


def _codes(values: Iterable[str], allowed: dict[str, object], name: str) -> list[str]:
    chosen = list(dict.fromkeys(str(v) for v in values))
    if any(code not in allowed for code in chosen):
        raise DomainError("bad_choice", _("Choose from the list."), field=name)
    return chosen


def resident_for_registration(user: User) -> Resident:
    """The user's verified resident record. Raises DomainError ``not_verified``."""
    resident = getattr(user, "resident", None)
    if (
        resident is None
        or resident.verification_level < VerificationLevel.ID_CHECKED
        or resident.birth_date is None
        or resident.community_id is None
    ):
        raise DomainError(
            "not_verified",
            _("Complete the real-name check of your account first; volunteers register with it."),
        )
    return resident


def _age_rules(resident: Resident, profile: Profile, today: date) -> tuple[str, str, bool]:
    """The guardian fields to keep. Raises DomainError ``too_young`` / ``guardian_required``."""
    age = age_on(resident.birth_date, today) if resident.birth_date else 0
    if age < MIN_AGE:
        raise DomainError(
            "too_young",
            _("Volunteers must be at least %(age)s years old."),
            age=MIN_AGE,
        )
    if age >= ADULT_AGE:
        return "", "", False
    if profile.self_supporting and age >= SELF_SUPPORTING_AGE:
        return "", "", True
    name = plain_text(profile.guardian_name, field="guardian_name", max_length=30, required=False)
    relation = plain_text(
        profile.guardian_relation, field="guardian_relation", max_length=10, required=False
    )
    if not (name and relation and profile.guardian_consent):
        raise DomainError(
            "guardian_required",
            _(
                "Under 18, a guardian must agree: enter the guardian's name and relation and "
                "confirm their consent."
            ),
            field="guardian_name",
        )
    return name, relation, False


def _areas(resident: Resident, codes: Iterable[str]) -> list[Division]:
    allowed = {d.pk: d for d in service_area_choices(resident)}
    chosen = list(dict.fromkeys(str(c) for c in codes))
    if any(code not in allowed for code in chosen):
        raise DomainError(
            "bad_area", _("Choose service areas from the list."), field="service_areas"
        )
    return [allowed[c] for c in chosen]


def _own_community(resident: Resident) -> list[Division]:
    return [d for d in (resident.community,) if d is not None]


@transaction.atomic
def volunteer_register(
    *, actor: User, profile: Profile, today: date | None = None, ip: str | None = None
) -> Volunteer:
    """Register the actor as a volunteer from their verified resident record: name, ID,
    age and community are never typed again. A number is given (``ZY`` + year + serial).

    Raises: DomainError ``not_verified`` / ``too_young`` / ``guardian_required`` /
    ``bad_choice`` / ``bad_area`` / ``already_registered``.
    """
    resident = resident_for_registration(actor)
    today = today or timezone.localdate()
    if Volunteer.objects.filter(user=actor).exists():
        raise DomainError("already_registered", _("You are already registered as a volunteer."))
    guardian_name, guardian_relation, self_supporting = _age_rules(resident, profile, today)
    areas = _areas(resident, profile.service_areas)
    volunteer = Volunteer(
        user=actor,
        resident=resident,
        number="",
        community_id=cast(str, resident.community_id),
        skills=_codes(profile.skills, SKILLS, "skills"),
        fields=_codes(profile.fields, FIELDS, "fields"),
        availability=_codes(profile.availability, AVAILABILITY, "availability"),
        guardian_name=guardian_name,
        guardian_relation=guardian_relation,
        guardian_consent_at=timezone.now() if guardian_name else None,
        self_supporting=self_supporting,
    )
    try:
        with transaction.atomic():
            volunteer.number = f"pending-{actor.pk}"
            volunteer.save()
    except IntegrityError as error:
        raise DomainError(
            "already_registered", _("You are already registered as a volunteer.")
        ) from error
    volunteer.number = f"ZY{today.year}{volunteer.pk:07d}"
    volunteer.save(update_fields=["number"])
    volunteer.service_areas.set(areas or _own_community(resident))
    audit_record(
        actor=actor,
        verb="volunteer.register",
        target=volunteer,
        division_code=volunteer.community_id,
        changes={"number": [None, volunteer.number], "guardian_consent": bool(guardian_name)},
        ip=ip,
    )
    return volunteer


@transaction.atomic
def volunteer_update(*, actor: User, profile: Profile, ip: str | None = None) -> Volunteer:
    """Change one's skills, fields, availability and service areas.

    Raises: DomainError ``not_volunteer`` / ``bad_choice`` / ``bad_area``.
    """
    volunteer = _own(actor, lock=True)
    volunteer.skills = _codes(profile.skills, SKILLS, "skills")
    volunteer.fields = _codes(profile.fields, FIELDS, "fields")
    volunteer.availability = _codes(profile.availability, AVAILABILITY, "availability")
    areas = _areas(volunteer.resident, profile.service_areas)
    volunteer.save(update_fields=["skills", "fields", "availability"])
    volunteer.service_areas.set(areas or _own_community(volunteer.resident))
    audit_record(
        actor=actor, verb="volunteer.update", target=volunteer, division_code=volunteer.community_id
    )
    return volunteer


def _own(actor: User, *, lock: bool = False) -> Volunteer:
    query = Volunteer.objects.select_related("resident")
    if lock:
        query = query.select_for_update(of=("self",))
    volunteer = query.filter(user=actor).first()
    if volunteer is None:
        raise DomainError("not_volunteer", _("Register as a volunteer first."))
    return volunteer


@transaction.atomic
def volunteer_leave(*, actor: User, reason: str = "", ip: str | None = None) -> Volunteer:
    """Leave (退出): no new sign-ups; the hours stay on the record. Future sign-ups are
    withdrawn. Raises: DomainError ``not_volunteer`` / ``already_left``."""
    from shequ.volunteers.services.activities import withdraw_future_signups

    volunteer = _own(actor, lock=True)
    if not volunteer.is_active:
        raise DomainError("already_left", _("You have already left."))
    volunteer.status = Volunteer.Status.LEFT
    volunteer.left_at = timezone.now()
    volunteer.left_reason = plain_text(reason, field="reason", max_length=200, required=False)
    volunteer.save(update_fields=["status", "left_at", "left_reason"])
    withdrawn = withdraw_future_signups(volunteer)
    audit_record(
        actor=actor,
        verb="volunteer.leave",
        target=volunteer,
        division_code=volunteer.community_id,
        changes={"withdrawn_signups": withdrawn},
        ip=ip,
    )
    return volunteer


@transaction.atomic
def volunteer_return(*, actor: User, ip: str | None = None) -> Volunteer:
    """Come back (恢复) with the same number and record. Raises: DomainError
    ``not_volunteer`` / ``not_left``."""
    volunteer = _own(actor, lock=True)
    if volunteer.is_active:
        raise DomainError("not_left", _("You are an active volunteer."))
    volunteer.status = Volunteer.Status.ACTIVE
    volunteer.left_at = None
    volunteer.left_reason = ""
    volunteer.save(update_fields=["status", "left_at", "left_reason"])
    audit_record(
        actor=actor, verb="volunteer.return", target=volunteer, division_code=volunteer.community_id
    )
    return volunteer
