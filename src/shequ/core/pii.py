"""Personal data (个人信息): encryption at rest, blind indexes, masking.

Every ID number and phone number lives in the database only as MultiFernet ciphertext, with
an HMAC-SHA256 blind index beside it for look-ups and uniqueness. In Python the value is a
``PIIValue`` whose ``str()``, ``repr()`` and ``format()`` are the *masked* form, so a template,
an API schema, an export or a log line that forgets to mask still masks. Only ``reveal()``
gives the plaintext, and the services that call it are permission-checked and audited.
"""

import hashlib
import hmac
import re
from enum import StrEnum
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models
from stdnum.cn import ric


class PIIKind(StrEnum):
    ID_NUMBER = "id_number"
    PHONE = "phone"
    NAME = "name"
    BANK_ACCOUNT = "bank_account"


class PIIDecryptionError(RuntimeError):
    """Ciphertext that none of the configured keys opens: loud, never silently empty."""


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def cipher() -> MultiFernet:
    return _cipher(tuple(settings.PII_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return cipher().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise PIIDecryptionError("personal data could not be decrypted with the keys") from exc


def rotate(token: str) -> str:
    """Re-encrypt under the newest key (used by ``manage.py rotate_pii_keys``)."""
    return cipher().rotate(token.encode()).decode()


def blind_index(kind: PIIKind, normalised: str) -> str:
    """Deterministic keyed digest: equal inputs match, the index reveals nothing by itself."""
    key = settings.PII_BLIND_INDEX_KEY.encode()
    return hmac.new(key, f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """``510107199001011234`` → ``5101**********1234``."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678``."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """``张三`` → ``张*``; ``欧阳娜娜`` → ``欧**娜``."""
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_bank_account(value: str) -> str:
    """``6222021234567890123`` → ``***************0123`` (the last four show which one)."""
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


MASKERS = {
    PIIKind.BANK_ACCOUNT: mask_bank_account,
    PIIKind.ID_NUMBER: mask_id_number,
    PIIKind.PHONE: mask_phone,
    PIIKind.NAME: mask_name,
}

# GB 11643-1999 check character (ISO 7064 MOD 11-2): the weights and characters serve the demo's
# vectorised generator (numpy); single numbers are checked with python-stdnum.
ID_CHECK_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARACTERS = "10X98765432"


def id_check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of an ID number's first 17 digits."""
    # python-stdnum's calc_check_digit takes a whole number and ignores its last character.
    return str(ric.calc_check_digit(first17 + "0"))


# Numbers as people type them into free text: an ID number (18 characters whose check
# character matches) or a mainland mobile (11 digits from 13 to 19, maybe grouped 3-4-4 with
# spaces or hyphens), never part of a longer run of digits.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{17}[0-9Xx])(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d(?:[ -]?\d{4}){2})(?!\d)")


def _id_in_text(match: re.Match[str]) -> str:
    value = match.group(1)
    if id_check_character(value[:17]) != value[17].upper():
        return value
    return mask_id_number(value)


def _mobile_in_text(match: re.Match[str]) -> str:
    return mask_phone(re.sub(r"[ -]", "", match.group(1)))


def mask_numbers_in_text(text: str) -> str:
    """Free text with every ID number and mobile number in it masked, the rest unchanged."""
    return _MOBILE_IN_TEXT.sub(_mobile_in_text, _ID_IN_TEXT.sub(_id_in_text, text))


class PIIValue:
    """A personal value that prints masked. Decrypts lazily, only when needed."""

    __slots__ = ("_kind", "_plain", "_token")

    def __init__(self, kind: PIIKind, *, plain: str | None = None, token: str | None = None):
        if plain is None and token is None:
            raise ValueError("PIIValue needs a plaintext or a token")
        self._kind = kind
        self._plain = plain
        self._token = token

    @property
    def kind(self) -> PIIKind:
        return self._kind

    def reveal(self) -> str:
        """The plaintext. Callers must be services that checked permission and audited."""
        if self._plain is None:
            self._plain = decrypt(self._token or "")
        return self._plain

    @property
    def token(self) -> str:
        if self._token is None:
            self._token = encrypt(self.reveal())
        return self._token

    @property
    def masked(self) -> str:
        return MASKERS[self._kind](self.reveal())

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"<PIIValue {self._kind} {self.masked}>"

    def __format__(self, spec: str) -> str:
        return format(self.masked, spec)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PIIValue):
            return self._kind == other._kind and self.reveal() == other.reveal()
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._kind, self.reveal()))


# A personal number inside JSON (answers to a form): ciphertext under a marker, never plain.
SEALED_MARKER = "pii"


def seal(kind: PIIKind, plaintext: str) -> dict[str, str]:
    """The JSON form of a personal number: ``{"pii": kind, "token": ciphertext}``."""
    return {SEALED_MARKER: str(kind), "token": encrypt(plaintext)}


def unseal(value: Any) -> PIIValue | None:
    """The ``PIIValue`` of a sealed JSON value (prints masked), or None for anything else."""
    if not isinstance(value, dict) or not isinstance(value.get("token"), str):
        return None
    try:
        kind = PIIKind(str(value.get(SEALED_MARKER)))
    except ValueError:
        return None
    return PIIValue(kind, token=value["token"])


def rotate_sealed(value: Any) -> tuple[Any, bool]:
    """``value`` (JSON) with every sealed number re-encrypted under the newest key; and whether
    it held any."""
    if unseal(value) is not None:
        return {**value, "token": rotate(value["token"])}, True
    if isinstance(value, dict):
        pairs = [(key, rotate_sealed(item)) for key, item in value.items()]
        return {key: item for key, (item, _) in pairs}, any(found for _, (_, found) in pairs)
    if isinstance(value, list):
        items = [rotate_sealed(item) for item in value]
        return [item for item, _ in items], any(found for _, found in items)
    return value, False


class EncryptedPIIField(models.Field):
    """Stores a ``PIIValue`` as Fernet ciphertext; reads it back as a ``PIIValue``."""

    # Types for django-stubs: set with a PIIValue or plain str, read back a PIIValue.
    _pyi_private_set_type: "PIIValue | str | None"
    _pyi_private_get_type: "PIIValue | None"

    def __init__(self, *args: Any, kind: PIIKind = PIIKind.ID_NUMBER, **kwargs: Any) -> None:
        self.kind = PIIKind(kind)
        super().__init__(*args, **kwargs)

    def get_internal_type(self) -> str:
        return "TextField"

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = str(self.kind)
        return name, path, args, kwargs

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return None
        return PIIValue(self.kind, token=value)

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, PIIValue):
            return value
        return PIIValue(self.kind, plain=str(value))

    def get_prep_value(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        if not isinstance(value, PIIValue):
            value = PIIValue(self.kind, plain=str(value))
        return value.token

    def value_to_string(self, obj: Any) -> str:
        # Serialisation (dumpdata, fixtures) carries ciphertext, never plaintext.
        value = self.value_from_object(obj)
        return "" if value is None else value.token
