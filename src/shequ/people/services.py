"""Writes of people: registration, real-name verification, reveals, roles, password reset.

Every service runs in one transaction and leaves an ``AuditEvent``.
"""

import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shequ.core.digits import canonical
from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.models import AuditEvent
from shequ.core.pii import PIIKind, PIIValue, blind_index
from shequ.core.scopes import DIVISION_ROLES, Role
from shequ.core.services import (
    audit_record,
    pii_reveal_allowance_check,
    pii_reveal_reason_clean,
)
from shequ.people.identity import clean_real_name, normalise_mobile, parse_id_number
from shequ.people.models import (
    Department,
    OneTimeCode,
    Resident,
    StaffRole,
    User,
    VerificationLevel,
)
from shequ.people.permissions import can_reveal_pii, can_verify_resident, has_role
from shequ.people.selectors import resident_get_for
from shequ.people.sms import send_sms
from shequ.people.verifiers import configured_verifier
from shequ.places.models import Division

_username_validator = UnicodeUsernameValidator()


def _clean_username(raw: str) -> str:
    # NFKC, as Django's own forms do: a full-width "ｘｉａｏｌｉ" is "xiaoli", and full-width
    # or superscript digits are digits, refused below like ASCII ones.
    username = canonical(raw)
    if not 3 <= len(username) <= 30:
        raise DomainError(
            "username_length", _("A username has 3 to 30 characters."), field="username"
        )
    try:
        _username_validator(username)
    except ValidationError:
        raise DomainError(
            "username_characters",
            _("A username may contain letters, digits and @ . + - _ only."),
            field="username",
        ) from None
    if username.isdigit():
        raise DomainError(
            "username_digits",
            _("A username cannot be only digits (that is how phone numbers log in)."),
            field="username",
        )
    return username


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("weak_password", " ".join(exc.messages), field="password") from None


def _new_account(*, username: str, password: str, phone: str) -> User:
    """An unsaved account with a checked username, phone and password (not yet compared
    with the accounts that hold the phone). Raises: DomainError."""
    clean_username = _clean_username(username)
    mobile = normalise_mobile(phone)
    if User.objects.filter(username__iexact=clean_username).exists():
        raise DomainError("username_taken", _("This username is taken."), field="username")
    user = User(
        username=clean_username,
        phone=PIIValue(PIIKind.PHONE, plain=mobile),
        phone_index=blind_index(PIIKind.PHONE, mobile),
    )
    _check_password(password, user)
    user.set_password(password)
    return user


def _save_account(user: User) -> User:
    """Save a new account unless its phone already has one. Raises: DomainError."""
    if User.objects.filter(phone_index=user.phone_index).exists():
        raise DomainError(
            "phone_taken", _("This mobile number already has an account."), field="phone"
        )
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise DomainError(
            "username_taken", _("This username is taken."), field="username"
        ) from None
    return user


def _create_account(*, username: str, password: str, phone: str) -> User:
    return _save_account(_new_account(username=username, password=password, phone=phone))


@transaction.atomic
def user_register(*, username: str, password: str, phone: str, ip: str | None = None) -> User:
    """Create a resident account at level "registered", for a caller that knows the phone is
    the person's. The public pages go through ``registration_start``/``registration_confirm``.

    Raises: DomainError (bad username, phone or password; username or phone taken).
    """
    user = _create_account(username=username, password=password, phone=phone)
    audit_record(actor=user, verb="user.register", target=user, ip=ip)
    return user


REGISTRATION_CODES_PER_HOUR = 3  # per phone number, so the page cannot flood a stranger's phone
OWNER_NOTICES_PER_HOUR = 3  # per account, likewise


@dataclass
class PendingRegistration:
    """A registration waiting for the code sent to its phone (kept in the session).

    Holds no plaintext secret: the password and the code as hashes, the phone as ciphertext.
    """

    username: str
    password_hash: str
    phone_token: str
    code_hash: str
    expires_at: str  # ISO 8601
    attempts: int = 0

    @property
    def masked_phone(self) -> str:
        return PIIValue(PIIKind.PHONE, token=self.phone_token).masked

    def as_dict(self) -> dict[str, str | int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> "PendingRegistration | None":
        """The pending registration stored by ``as_dict``, or None for anything else."""
        if not isinstance(data, dict):
            return None
        try:
            return cls(**data)
        except TypeError:
            return None


def _recent_events(verb: str, since: timedelta, **match: str | None) -> int:
    return AuditEvent.objects.filter(
        verb=verb, created_at__gte=timezone.now() - since, **match
    ).count()


OWNER_NOTICES = {
    "register": _(
        "[shequ] Someone tried to open a new account with this mobile number, which already "
        "has one. If it was you, log in with this number or reset your password. If not, "
        "you need not do anything."
    ),
    "id_check": _(
        "[shequ] Another account tried to use the ID number of your account for a real-name "
        "check; it was refused. If this was not you, please tell your community service centre."
    ),
}


def _notify_owner(
    owner: User, *, attempted: str, actor: User | None = None, ip: str | None = None
) -> None:
    """Tell an account's owner by SMS that someone tried to use their phone or ID number.

    This replaces telling the person who tried, who may not be the owner. Audited, and at
    most ``OWNER_NOTICES_PER_HOUR`` an hour. Call inside the caller's transaction.
    """
    if owner.phone is None:
        return
    if (
        _recent_events("user.owner_notified", timedelta(hours=1), object_id=str(owner.pk))
        >= OWNER_NOTICES_PER_HOUR
    ):
        return
    audit_record(
        actor=actor, verb="user.owner_notified", target=owner, ip=ip, changes={"by": attempted}
    )
    mobile = owner.phone.reveal()

    def send() -> None:
        # The owner did not choose the language of the page that was used: the site's default.
        with translation.override(settings.LANGUAGE_CODE):
            send_sms(phone=mobile, text=str(OWNER_NOTICES[attempted]))

    transaction.on_commit(send)


@transaction.atomic
def registration_start(
    *, username: str, password: str, phone: str, ip: str | None = None
) -> PendingRegistration:
    """Registration step 1: check the details and send a code by SMS to the phone.

    The answer never tells whether the phone already has an account: either way a pending
    registration comes back and the phone gets a text — the code or, when the number has an
    account, a note to its owner instead, so nobody else can finish it. Both ways do the same
    work (two hashes, one audit event), so the time taken does not tell either.

    Raises: DomainError (bad username, phone or password; username taken).
    """
    user = _new_account(username=username, password=password, phone=phone)
    mobile = user.phone.reveal() if user.phone is not None else ""
    code = f"{secrets.randbelow(1_000_000):06d}"
    pending = PendingRegistration(
        username=user.username,
        password_hash=user.password,
        phone_token=PIIValue(PIIKind.PHONE, plain=mobile).token,
        code_hash=make_password(code),
        expires_at=(timezone.now() + CODE_TTL).isoformat(),
    )
    owner = User.objects.filter(phone_index=user.phone_index).first()
    if owner is not None:
        _notify_owner(owner, attempted="register", ip=ip)
        return pending
    sent = _recent_events(
        "user.registration_code_sent", timedelta(hours=1), changes__phone_index=user.phone_index
    )
    if sent >= REGISTRATION_CODES_PER_HOUR:
        return pending
    audit_record(
        actor=None,
        verb="user.registration_code_sent",
        ip=ip,
        changes={"phone_index": user.phone_index},
    )
    transaction.on_commit(
        lambda: send_sms(
            phone=mobile,
            text=gettext(
                "[shequ] Your registration code is %(code)s, valid for 10 minutes. "
                "Do not tell it to anyone."
            )
            % {"code": code},
        )
    )
    return pending


def registration_confirm(*, pending: PendingRegistration, code: str, ip: str | None = None) -> User:
    """Registration step 2: the code from the text message creates the account.

    A wrong code uses up one of ``CODE_ATTEMPTS`` tries on ``pending`` (the caller keeps it).
    Raises: DomainError ``code_invalid`` (wrong, expired or too many tries), or
    ``username_taken``/``phone_taken`` when someone got there in the meantime.
    """
    invalid = DomainError("code_invalid", _("The code is wrong or has expired."), field="code")
    if pending.attempts >= CODE_ATTEMPTS:
        raise invalid
    try:
        expires_at = datetime.fromisoformat(pending.expires_at)
    except ValueError:
        raise invalid from None
    if expires_at <= timezone.now():
        raise invalid
    if not check_password(canonical(code), pending.code_hash):
        pending.attempts += 1
        raise invalid
    phone = PIIValue(PIIKind.PHONE, token=pending.phone_token)
    with transaction.atomic():
        if User.objects.filter(username__iexact=pending.username).exists():
            raise DomainError("username_taken", _("This username is taken."), field="username")
        user = User(
            username=pending.username,
            password=pending.password_hash,
            phone=phone,
            phone_index=blind_index(PIIKind.PHONE, phone.reveal()),
        )
        _save_account(user)
        audit_record(actor=user, verb="user.register", target=user, ip=ip)
    return user


@transaction.atomic
def staff_account_create(
    *,
    actor: User,
    username: str,
    password: str,
    phone: str,
    role: str,
    division_code: str | None = None,
    department_id: int | None = None,
    ip: str | None = None,
) -> User:
    """A system administrator opens an account for a staff member with one role.

    Raises: PermissionDenied, DomainError (account fields or the role's scope).
    """
    _require_admin(actor)
    user = _create_account(username=username, password=password, phone=phone)
    audit_record(actor=actor, verb="user.create_staff", target=user, ip=ip)
    staff_role_grant(
        actor=actor,
        user=user,
        role=role,
        division_code=division_code,
        department_id=department_id,
        ip=ip,
    )
    return user


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


ROLE_LEVELS: dict[str, str] = {
    Role.COMMUNITY_WORKER: Division.Level.COMMUNITY,
    Role.STREET_OFFICER: Division.Level.STREET,
    Role.DISTRICT_OFFICER: Division.Level.DISTRICT,
    Role.CITY_COMMITTEE: Division.Level.CITY,
}


def _require_admin(actor: User) -> None:
    if not has_role(actor, Role.SYSTEM_ADMIN):
        raise PermissionDenied("forbidden", _("Only system administrators manage roles."))


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


@transaction.atomic
def staff_role_grant(
    *,
    actor: User,
    user: User,
    role: str,
    division_code: str | None = None,
    department_id: int | None = None,
    ip: str | None = None,
) -> StaffRole:
    """Give a staff role with its scope. Raises: PermissionDenied, DomainError."""
    _require_admin(actor)
    if role not in Role.values:
        raise DomainError("unknown_role", _("Unknown role."), field="role")
    if role in DIVISION_ROLES:
        division = Division.objects.filter(pk=division_code or "", is_active=True).first()
        if division is None:
            raise DomainError(
                "unknown_division", _("Choose a valid division for this role."), field="division"
            )
        expected = ROLE_LEVELS.get(role)
        if expected is not None and division.level != expected:
            raise DomainError(
                "wrong_division_level",
                _("A %(role)s works at %(level)s level; %(division)s is not one."),
                field="division",
                role=Role(role).label,
                level=Division.Level(expected).label,
                division=division.short_name,
            )
        department_id = None
    elif role == Role.DEPARTMENT_STAFF:
        if department_id is None or not Department.objects.filter(pk=department_id).exists():
            raise DomainError(
                "unknown_department", _("Choose a department for this role."), field="department"
            )
        division_code = None
    else:
        division_code, department_id = None, None
    staff_role = StaffRole.objects.create(
        user=user,
        role=role,
        division_id=division_code,
        department_id=department_id,
        granted_by=actor,
    )
    audit_record(
        actor=actor,
        verb="staff_role.grant",
        target=user,
        ip=ip,
        division_code=division_code or "",
        changes={"role": role, "division": division_code, "department": department_id},
    )
    return staff_role


@transaction.atomic
def staff_role_revoke(*, actor: User, staff_role_id: int, ip: str | None = None) -> None:
    """Withdraw a role (kept, inactive, for the record). Raises: PermissionDenied, NotFound."""
    _require_admin(actor)
    staff_role = StaffRole.objects.select_for_update().filter(pk=staff_role_id).first()
    if staff_role is None:
        raise NotFound("role_not_found", _("No such role."))
    staff_role.is_active = False
    staff_role.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        verb="staff_role.revoke",
        target=staff_role.user,
        ip=ip,
        division_code=staff_role.division_id or "",
        changes={"role": staff_role.role},
    )


CODE_TTL = timedelta(minutes=10)
CODES_PER_HOUR = 3
CODE_ATTEMPTS = 5


@transaction.atomic
def password_reset_send_code(*, phone: str, ip: str | None = None) -> None:
    """Send a reset code by SMS if an account has this number. Silent either way.

    Raises: DomainError (malformed number only: whether an account exists is never told).
    """
    mobile = normalise_mobile(phone)
    user = User.objects.filter(phone_index=blind_index(PIIKind.PHONE, mobile)).first()
    if user is None:
        return
    since = timezone.now() - timedelta(hours=1)
    if OneTimeCode.objects.filter(user=user, created_at__gte=since).count() >= CODES_PER_HOUR:
        return
    code = f"{secrets.randbelow(1_000_000):06d}"
    OneTimeCode.objects.create(
        user=user,
        purpose=OneTimeCode.Purpose.PASSWORD_RESET,
        code_hash=make_password(code),
        expires_at=timezone.now() + CODE_TTL,
    )
    audit_record(actor=None, verb="user.password_reset_requested", target=user, ip=ip)
    transaction.on_commit(
        lambda: send_sms(
            phone=mobile,
            text=gettext("[shequ] Your password reset code is %(code)s, valid for 10 minutes.")
            % {"code": code},
        )
    )


def password_reset_with_code(
    *, phone: str, code: str, new_password: str, ip: str | None = None
) -> User:
    """Set a new password with a valid SMS code (5 tries per code). Raises: DomainError."""
    invalid = DomainError("code_invalid", _("The code is wrong or has expired."), field="code")
    mobile = normalise_mobile(phone)
    user = User.objects.filter(phone_index=blind_index(PIIKind.PHONE, mobile)).first()
    if user is None:
        raise invalid
    with transaction.atomic():
        otc = (
            OneTimeCode.objects.select_for_update()
            .filter(
                user=user,
                purpose=OneTimeCode.Purpose.PASSWORD_RESET,
                used_at__isnull=True,
                expires_at__gt=timezone.now(),
            )
            .order_by("-created_at")
            .first()
        )
        if otc is None or otc.attempts >= CODE_ATTEMPTS:
            raise invalid
        matched = check_password(code.strip(), otc.code_hash)
        if not matched:
            # Committed before refusing, so wrong guesses use up the code's attempts.
            OneTimeCode.objects.filter(pk=otc.pk).update(attempts=otc.attempts + 1)
    if not matched:
        raise invalid
    with transaction.atomic():
        _check_password(new_password, user)
        user.set_password(new_password)
        user.save(update_fields=["password"])
        OneTimeCode.objects.filter(pk=otc.pk).update(used_at=timezone.now())
        audit_record(actor=user, verb="user.password_reset", target=user, ip=ip)
    return user


def _mask_email(address: str) -> str:
    if not address:
        return ""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


@transaction.atomic
def email_set(*, actor: User, email: str, ip: str | None = None) -> User:
    """Set (or clear, with an empty value) the account's e-mail address for messages.

    Raises: DomainError ``email_invalid``.
    """
    address = email.strip()
    if address:
        try:
            validate_email(address)
        except ValidationError:
            raise DomainError(
                "email_invalid", _("Enter a valid e-mail address."), field="email"
            ) from None
        local, _at, domain = address.rpartition("@")
        address = f"{local}@{domain.lower()}"
    user = User.objects.select_for_update().get(pk=actor.pk)
    before = user.email
    if before == address:
        return user
    user.email = address
    user.save(update_fields=["email"])
    audit_record(
        actor=actor,
        verb="user.email_changed",
        target=user,
        ip=ip,
        changes={"email": [_mask_email(before), _mask_email(address)]},
    )
    return user


def password_change(
    *, actor: User, old_password: str, new_password: str, ip: str | None = None
) -> User:
    """Change one's own password, proving the current one first.

    Raises: DomainError ``old_password_wrong``, ``weak_password``.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        if not user.check_password(old_password):
            raise DomainError(
                "old_password_wrong",
                _("Your current password is not correct."),
                field="old_password",
            )
        _check_password(new_password, user)
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit_record(actor=actor, verb="user.password_changed", target=user, ip=ip)
    return user


RESET_LINKS_PER_HOUR = 3


def password_reset_send_link(
    *, email: str, link_for: Callable[[str, str], str], ip: str | None = None
) -> None:
    """E-mail a one-use reset link if an account has this address. Silent either way.

    ``link_for(uidb64, token)`` builds the absolute URL. The token (Django's signed token)
    stops working once the password changes, and expires after ``PASSWORD_RESET_TIMEOUT``.
    Raises: DomainError ``email_invalid`` (malformed address only).
    """
    address = email.strip()
    try:
        validate_email(address)
    except ValidationError:
        raise DomainError(
            "email_invalid", _("Enter a valid e-mail address."), field="email"
        ) from None
    user = User.objects.filter(email__iexact=address, is_active=True).first()
    if user is None:
        return
    since = timezone.now() - timedelta(hours=1)
    recent = AuditEvent.objects.filter(
        verb="user.password_reset_link_sent", object_id=str(user.pk), created_at__gte=since
    ).count()
    if recent >= RESET_LINKS_PER_HOUR:
        return
    link = link_for(
        urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)
    )
    audit_record(actor=None, verb="user.password_reset_link_sent", target=user, ip=ip)
    recipient = user.email
    transaction.on_commit(
        lambda: send_mail(
            subject=gettext("[shequ] Reset your password"),
            message=gettext(
                "Someone asked to reset the password of your shequ account %(username)s. "
                "If it was you, open this link within three days:\n\n%(link)s\n\n"
                "If it was not you, ignore this message: your password stays as it is."
            )
            % {"username": user.username, "link": link},
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[recipient],
        )
    )


def password_reset_link_user(*, uidb64: str, token: str) -> User:
    """The account a reset link belongs to. Raises: DomainError ``link_invalid``."""
    try:
        user_id = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, UnicodeDecodeError):
        user_id = 0
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        raise DomainError(
            "link_invalid",
            _("This link is wrong, has been used or has expired. Ask for a new one."),
        )
    return user


@transaction.atomic
def password_reset_with_link(
    *, uidb64: str, token: str, new_password: str, ip: str | None = None
) -> User:
    """Set a new password from an e-mailed link; the link stops working afterwards.

    Raises: DomainError ``link_invalid``, ``weak_password``.
    """
    user = password_reset_link_user(uidb64=uidb64, token=token)
    _check_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(
        actor=user, verb="user.password_reset", target=user, ip=ip, changes={"by": "email"}
    )
    return user
