"""Staff two-factor sign-in (双因素登录): an authenticator app (TOTP) and recovery codes.

django-otp keeps the devices: a ``TOTPDevice`` refuses a code at or before the last accepted
time step (no replay) and slows down wrong guesses; a ``StaticDevice`` holds the recovery
codes, each deleted when used.
"""

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from shequ.core.errors import DomainError, NotFound
from shequ.core.services import audit_record
from shequ.notices.models import Category
from shequ.notices.services import message_send
from shequ.people.models import User
from shequ.people.services.staff import _require_admin

RECOVERY_CODE_COUNT = 10
TOTP_CODE = re.compile(r"\d{6}")
RECOVERY_CODE = re.compile(r"[a-z2-7]{8}")
# Whitespace and dashes people type when copying a code; full-width digits from Chinese IMEs.
CODE_NOISE = re.compile(r"[\s\-]")
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


@dataclass(frozen=True)
class Enrolled:
    """A confirmed authenticator and the recovery codes, shown to the staff member once."""

    device: TOTPDevice
    recovery_codes: list[str]


def _clean_code(raw: str) -> str:
    code = CODE_NOISE.sub("", raw.translate(FULL_WIDTH_DIGITS)).lower()
    if not (TOTP_CODE.fullmatch(code) or RECOVERY_CODE.fullmatch(code)):
        raise DomainError(
            "two_factor_code_invalid",
            _("Enter the 6-digit code from your authenticator app or a recovery code."),
            field="code",
        )
    return code


def _wrong_code() -> DomainError:
    return DomainError(
        "two_factor_code_wrong",
        _("This code is wrong or has already been used. Wait for the next code and try again."),
        field="code",
    )


@transaction.atomic
def two_factor_enrol_start(*, actor: User) -> TOTPDevice:
    """The authenticator the staff member is about to scan: the one not yet confirmed (so a
    reload shows the same QR code) or a new one with a fresh secret.

    Raises: DomainError when the staff member has already enrolled.
    """
    if TOTPDevice.objects.filter(user=actor, confirmed=True).exists():
        raise DomainError("two_factor_enrolled", _("Two-factor sign-in is already set up."))
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name="authenticator", confirmed=False)
    return device


def two_factor_enrol_confirm(
    *, actor: User, device_id: int, code: str, ip: str | None = None
) -> Enrolled:
    """Confirm the authenticator with one code from it; issue ten recovery codes.

    Raises: DomainError (malformed or wrong code, already enrolled), NotFound.
    """
    code = _clean_code(code)
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(pk=device_id, user=actor, confirmed=False)
            .first()
        )
        if device is None:
            raise NotFound("two_factor_device_not_found", _("Start the set-up again."))
        # Outside the failure path's rollback: a wrong guess must still count for throttling.
        accepted = bool(TOTP_CODE.fullmatch(code)) and device.verify_token(code)
    if not accepted:
        raise _wrong_code()
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if TOTPDevice.objects.filter(user=actor, confirmed=True).exists():
            raise DomainError("two_factor_enrolled", _("Two-factor sign-in is already set up."))
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_issue(actor)
        audit_record(actor=actor, verb="two_factor.enrol", target=actor, ip=ip)
    return Enrolled(device=device, recovery_codes=codes)


def _recovery_codes_issue(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes: list[str] = []
    while len(codes) < RECOVERY_CODE_COUNT:
        token = StaticToken.random_token()
        if token not in codes:
            codes.append(token)
    StaticToken.objects.bulk_create(StaticToken(device=static, token=token) for token in codes)
    return codes


def two_factor_verify(*, actor: User, code: str, ip: str | None = None) -> Device:
    """Check the second factor at sign-in: a code from the authenticator (each code once) or
    a recovery code (then used up).

    Raises: DomainError (malformed, wrong, replayed or too many codes in a row).
    """
    code = _clean_code(code)
    is_totp = bool(TOTP_CODE.fullmatch(code))
    model: type[TOTPDevice] | type[StaticDevice] = TOTPDevice if is_totp else StaticDevice
    # The device row is locked while checking so two requests cannot both spend one code; the
    # failure counter is committed before the refusal is raised.
    with transaction.atomic():
        device = (
            model.objects.select_for_update()
            .filter(user=actor, confirmed=True)
            .order_by("pk")
            .first()
        )
        if device is None:
            raise _wrong_code()
        allowed, _state = device.verify_is_allowed()
        accepted = allowed and device.verify_token(code)
    if not allowed:
        raise DomainError(
            "two_factor_throttled",
            _("Too many wrong codes in a row. Wait a minute, then try again."),
            field="code",
        )
    if not accepted:
        raise _wrong_code()
    with transaction.atomic():
        audit_record(
            actor=actor,
            verb="two_factor.verify" if is_totp else "two_factor.recovery_code_used",
            target=actor,
            ip=ip,
        )
    return device


def two_factor_recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def two_factor_reset(*, actor: User, user_id: int, reason: str, ip: str | None = None) -> None:
    """A system administrator removes a staff member's authenticator and recovery codes (a
    lost phone); the staff member sets up a new one at their next sign-in and is told so.

    Raises: PermissionDenied (not a system administrator), DomainError (no reason; resetting
    oneself), NotFound.
    """
    _require_admin(actor)
    reason = " ".join(reason.split())
    if not reason:
        raise DomainError("reason_required", _("Give the reason for the reset."), field="reason")
    if len(reason) > 200:
        raise DomainError(
            "reason_too_long", _("Keep the reason under 200 characters."), field="reason"
        )
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None or not user.staff_roles.exists():
        raise NotFound("staff_not_found", _("No such staff member."))
    if user.pk == actor.pk:
        # Otherwise a stolen administrator session could swap in the thief's authenticator.
        raise DomainError(
            "two_factor_reset_self",
            _("Another system administrator must reset your own two-factor sign-in."),
        )
    removed = TOTPDevice.objects.filter(user=user).count()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(
        actor=actor,
        verb="two_factor.reset",
        target=user,
        ip=ip,
        reason=reason,
        changes={"devices_removed": removed},
    )
    message_send(
        user_id=user.pk,
        category=Category.SYSTEM,
        title=_("Your two-factor sign-in was reset"),
        body=_(
            "A system administrator removed your authenticator and recovery codes. "
            "Set up a new authenticator the next time you log in. If you did not ask for "
            "this, tell your administrator at once."
        ),
    )
