"""Residents (居民): the real-name check, verification in person or by the authority, and
revealing a full personal number to an authorised worker."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, PermissionDenied
from shequ.core.pii import PIIKind, PIIValue, blind_index
from shequ.core.services import audit_record, pii_reveal_allowance_check, pii_reveal_reason_clean
from shequ.people.identity import clean_real_name, parse_id_number
from shequ.people.models import Resident, User, VerificationLevel
from shequ.people.permissions import areas_of, can_reveal_pii, can_verify_resident
from shequ.people.selectors import resident_get_for
from shequ.people.services.accounts import _notify_owner
from shequ.people.verifiers import configured_verifier
from shequ.places.models import Division


def _id_not_confirmed() -> DomainError:
    # One answer whether the number belongs to another account or the registry holds another
    # name for it, so the page cannot be used to find out which numbers have accounts.
    return DomainError(
        "id_not_confirmed",
        _(
            "This name and ID number could not be confirmed. If the ID number is yours, "
            "please visit your community service centre with your ID card."
        ),
        field="id_number",
    )


def resident_check_id(
    *, user: User, real_name: str, id_number: str, community_code: str, ip: str | None = None
) -> Resident:
    """Real-name step 1 (实名认证): name + valid ID number + home community.

    If the community registry already holds this ID number without an account, the account
    is linked to that record when the names agree, at ``REGISTRY_MATCHED``; a number the
    registry does not hold is only self-declared (``ID_CHECKED``). When the number belongs to
    another account the answer is the same as for a name that does not match, and the owner
    is told by SMS.

    Raises: DomainError (invalid name, ID or community; ``id_not_confirmed``).
    """
    with transaction.atomic():
        outcome = _check_id(
            user=user,
            real_name=real_name,
            id_number=id_number,
            community_code=community_code,
            ip=ip,
        )
        if isinstance(outcome, Resident):
            return outcome
        if outcome is not None:
            _notify_owner(outcome, attempted="id_check", actor=user, ip=ip)
    # Refused after the commit, so the owner's notice and its audit event stay.
    raise _id_not_confirmed()


def _check_id(
    *, user: User, real_name: str, id_number: str, community_code: str, ip: str | None
) -> Resident | User | None:
    """The checked resident; or, refused, the account that holds the number (None if none).

    Raises: DomainError for invalid input.
    """
    name = clean_real_name(real_name)
    parsed = parse_id_number(id_number)
    community = Division.objects.filter(
        pk=community_code, level=Division.Level.COMMUNITY, is_active=True
    ).first()
    if community is None:
        raise DomainError(
            "unknown_community", _("Please choose your community from the list."), field="community"
        )
    if getattr(user, "resident", None) is not None and user.resident.verification_level >= (
        VerificationLevel.ID_CHECKED
    ):
        raise DomainError("already_checked", _("Your identity has already been checked."))
    # Over the canonical number (ASCII digits, capital X), so one card has one index.
    index = blind_index(PIIKind.ID_NUMBER, parsed.value)
    existing = Resident.objects.select_for_update().filter(id_number_index=index).first()
    if existing is not None and existing.user_id is not None:
        return User.objects.get(pk=existing.user_id)
    if existing is not None and existing.real_name != name:
        return None
    resident = existing or Resident(id_number_index=index, community=community)
    resident.user = user
    resident.real_name = name
    resident.id_number = PIIValue(PIIKind.ID_NUMBER, plain=parsed.value)
    resident.birth_date = parsed.birth_date
    resident.sex = parsed.sex
    if resident.phone is None and user.phone is not None:
        resident.phone = user.phone
        resident.phone_index = user.phone_index
    # Only a record community staff entered is evidence; a number typed here is not.
    registry_matched = existing is not None and not existing.self_declared
    if existing is None:
        resident.self_declared = True
    reached = (
        VerificationLevel.REGISTRY_MATCHED if registry_matched else VerificationLevel.ID_CHECKED
    )
    resident.verification_level = max(resident.verification_level, reached)
    resident.verified_at = timezone.now()
    try:
        with transaction.atomic():
            resident.save()
    except IntegrityError:
        # Another request took the number a moment ago; its owner is not known here yet.
        return None
    audit_record(
        actor=user,
        verb="resident.check_id",
        target=resident,
        division_code=resident.community_id or "",
        ip=ip,
        changes={
            "linked_registry_record": existing is not None,
            "registry_matched": registry_matched,
            "verification_level": [VerificationLevel.REGISTERED, resident.verification_level],
        },
    )
    return resident


@transaction.atomic
def resident_verify_in_person(
    *, actor: User, resident_id: int, note: str = "", ip: str | None = None
) -> Resident:
    """A community worker saw the person and their ID card (现场核验).

    Raises: NotFound (outside the actor's area), PermissionDenied, DomainError.
    """
    resident = resident_get_for(actor, resident_id)
    if not can_verify_resident(actor, resident):
        raise PermissionDenied("forbidden", _("You may not verify residents here."))
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    if resident.id_number is None:
        raise DomainError("no_id_number", _("The resident has no ID number on record yet."))
    before = resident.verification_level
    if before >= VerificationLevel.IN_PERSON:
        raise DomainError("already_verified", _("This resident is already verified."))
    resident.verification_level = VerificationLevel.IN_PERSON
    resident.verified_at = timezone.now()
    resident.verified_by = actor
    resident.save(update_fields=["verification_level", "verified_at", "verified_by", "updated_at"])
    audit_record(
        actor=actor,
        verb="resident.verify_in_person",
        target=resident,
        division_code=resident.community_id or "",
        reason=note[:500],
        ip=ip,
        changes={"verification_level": [before, resident.verification_level]},
    )
    return resident


def resident_verify_by_authority(
    *, actor: User, resident: Resident, ip: str | None = None
) -> Resident:
    """Ask the configured external verifier; level 3 on a match. Every attempt is audited.

    Raises: DomainError (no verifier configured, no ID on record, no match), PermissionDenied.
    """
    if actor.pk != resident.user_id and not can_verify_resident(actor, resident):
        raise PermissionDenied("forbidden", _("You may not verify this resident."))
    verifier = configured_verifier()
    if verifier is None:
        raise DomainError(
            "verifier_unavailable",
            _("Verification by the authority is not available on this system."),
        )
    with transaction.atomic():
        resident = Resident.objects.select_for_update().get(pk=resident.pk)
        if resident.id_number is None:
            raise DomainError("no_id_number", _("Please complete the ID check first."))
        result = verifier.verify(
            real_name=resident.real_name, id_number=resident.id_number.reveal()
        )
        before = resident.verification_level
        if result.matched:
            resident.verification_level = VerificationLevel.AUTHORITY
            resident.verified_at = timezone.now()
            resident.save(update_fields=["verification_level", "verified_at", "updated_at"])
        audit_record(
            actor=actor,
            verb="resident.verify_by_authority",
            target=resident,
            division_code=resident.community_id or "",
            ip=ip,
            changes={
                "matched": result.matched,
                "reference": result.reference,
                "verification_level": [before, resident.verification_level],
            },
        )
    # Refused after the commit, so the failed attempt stays in the audit trail.
    if not result.matched:
        raise DomainError(
            "verifier_no_match", _("The authority could not confirm this name and ID number.")
        )
    return resident


REVEALABLE = {"id_number": PIIKind.ID_NUMBER, "phone": PIIKind.PHONE}


def resident_reveal_pii(
    *, actor: User, resident_id: int, field: str, reason: str, ip: str | None = None
) -> str:
    """Show one full personal number to an authorised worker, with a reason, audited.

    Raises: NotFound, PermissionDenied, RateLimited, DomainError (no reason, unknown field).
    """
    if field not in REVEALABLE:
        raise DomainError("unknown_field", _("This field cannot be revealed."))
    text = pii_reveal_reason_clean(reason)
    with transaction.atomic():
        resident = resident_get_for(actor, resident_id)
        if not can_reveal_pii(actor, resident):
            raise PermissionDenied("forbidden", _("You may not view full personal data."))
        pii_reveal_allowance_check(actor)
        value = getattr(resident, field)
        if value is None:
            raise DomainError("nothing_to_reveal", _("There is no value on record."))
        audit_record(
            actor=actor,
            verb="pii.reveal",
            target=resident,
            division_code=resident.community_id or "",
            reason=text[:500],
            ip=ip,
            changes={"field": field},
        )
    return str(value.reveal())


def _viewer_division(actor: User, division_code: str) -> str:
    """The division a look at residents is filed under: the area asked for, else the viewer's
    own area when they have exactly one (so that area's auditors see it)."""
    if division_code:
        return division_code
    codes = {a.division_code for a in areas_of(actor) if a.division_code}
    return codes.pop() if len(codes) == 1 else ""


def resident_list_view_record(
    *,
    actor: User,
    division_code: str,
    level: int | None,
    search_kind: str,
    page: int,
    shown: int,
    ip: str | None = None,
) -> None:
    """Trail a worker opening a list of residents: who, which area, which filter, how many
    rows. The search text is not kept (a name or number would put personal data in the
    trail); only whether it was by name or by number. One insert: no transaction of its own."""
    audit_record(
        actor=actor,
        verb="resident.list_view",
        division_code=_viewer_division(actor, division_code),
        ip=ip,
        changes={
            "filter": {
                "division": division_code or None,
                "level": level,
                "search": search_kind or None,
            },
            "page": page,
            "shown": shown,
        },
    )


def resident_detail_view_record(*, actor: User, resident: Resident, ip: str | None = None) -> None:
    """Trail a worker opening one resident's record (the numbers on it are shown masked)."""
    audit_record(
        actor=actor,
        verb="resident.detail_view",
        target=resident,
        division_code=resident.community_id or "",
        ip=ip,
    )
