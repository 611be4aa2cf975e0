"""Passwords: changing one's own, and resetting a forgotten one by SMS code or e-mailed link."""

import secrets
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError
from shequ.core.models import AuditEvent
from shequ.core.pii import PIIKind, blind_index
from shequ.core.services import audit_record
from shequ.people.identity import normalise_mobile
from shequ.people.models import OneTimeCode, User
from shequ.people.services.accounts import _check_password
from shequ.people.services.codes import CODE_ATTEMPTS, CODE_TTL
from shequ.people.sms import send_sms

CODES_PER_HOUR = 3


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
    *, uidb64: str, token: str, new_password: str, ip: str | None = None, by: str = "email"
) -> User:
    """Set a new password from a link (e-mailed to a resident, or texted to a staff member
    whose account was opened or reset by an administrator); the link stops working afterwards.

    Raises: DomainError ``link_invalid``, ``weak_password``.
    """
    user = password_reset_link_user(uidb64=uidb64, token=token)
    _check_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(actor=user, verb="user.password_reset", target=user, ip=ip, changes={"by": by})
    return user
