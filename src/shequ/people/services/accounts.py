"""Accounts: a new account's username, phone and password checked and saved, the e-mail
address for messages, and the SMS that tells an account's owner someone tried to use their
phone or ID number."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from shequ.core.digits import canonical
from shequ.core.errors import DomainError
from shequ.core.models import AuditEvent
from shequ.core.pii import PIIKind, PIIValue, blind_index
from shequ.core.services import audit_record
from shequ.people.identity import normalise_mobile
from shequ.people.models import User
from shequ.people.sms import send_sms

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


def _new_account(*, username: str, password: str | None, phone: str | None) -> User:
    """An unsaved account with a checked username, phone and password (not yet compared
    with the accounts that hold the phone). Without a password the account cannot sign in
    until its owner sets one; without a phone it has none. Raises: DomainError."""
    clean_username = _clean_username(username)
    mobile = normalise_mobile(phone) if phone is not None else None
    if User.objects.filter(username__iexact=clean_username).exists():
        raise DomainError("username_taken", _("This username is taken."), field="username")
    user = User(username=clean_username)
    if mobile is not None:
        user.phone = PIIValue(PIIKind.PHONE, plain=mobile)
        user.phone_index = blind_index(PIIKind.PHONE, mobile)
    if password is None:
        user.set_unusable_password()
    else:
        _check_password(password, user)
        user.set_password(password)
    return user


def _save_account(user: User) -> User:
    """Save a new account unless its phone already has one. Raises: DomainError."""
    if user.phone_index and User.objects.filter(phone_index=user.phone_index).exists():
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


OWNER_NOTICES_PER_HOUR = 3  # per account, so the pages cannot flood the owner's phone


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
