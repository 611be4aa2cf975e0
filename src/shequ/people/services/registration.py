"""Registration of a resident account in two steps: details, then the code sent to the phone."""

import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shequ.core.digits import canonical
from shequ.core.errors import DomainError
from shequ.core.pii import PIIKind, PIIValue, blind_index
from shequ.core.services import audit_record
from shequ.people.models import User
from shequ.people.services.accounts import (
    _new_account,
    _notify_owner,
    _recent_events,
    _save_account,
)
from shequ.people.services.codes import CODE_ATTEMPTS, CODE_TTL
from shequ.people.sms import send_sms

REGISTRATION_CODES_PER_HOUR = 3  # per phone number, so the page cannot flood a stranger's phone


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
