"""The unified social credit code (统一社会信用代码, GB 32100-2015).

Eighteen characters: the registering authority (登记管理部门代码, 1 position), the kind of
organisation (机构类别代码, 1), the administrative division (登记管理机关行政区划码, 6 digits), the
organisation code (主体标识码, 9) and a check character (校验码, 1). Letters I, O, Z, S and V are
never used. The check is a weighted sum modulo 31 over all seventeen characters, with no
special case for the first: codes issued by the agriculture departments to village collective
economic organisations (N…), by the military (A…) or by other authorities (Y…) check exactly
like the civil-affairs ones (5…).
"""

import unicodedata

from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError

CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {character: index for index, character in enumerate(CHARACTERS)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# 登记管理部门代码: the first character is any of these (0 is never issued).
AUTHORITIES = CHARACTERS[1:]


def check_character(first17: str) -> str:
    """The check character (18th) of a code's first seventeen characters.

    Raises: KeyError for a character outside the code's alphabet.
    """
    total = sum(
        VALUES[character] * weight for character, weight in zip(first17, WEIGHTS, strict=True)
    )
    return CHARACTERS[(31 - total % 31) % 31]


def normalise(value: str) -> str:
    """Full-width characters and lower case as typed are read as the code's own (NFKC, upper)."""
    return "".join(unicodedata.normalize("NFKC", value or "").split()).upper()


def credit_code_clean(value: str, *, field: str = "credit_code") -> str:
    """The code in its one spelling, checked.

    Raises: DomainError ``credit_code_length``, ``credit_code_characters``,
    ``credit_code_division`` or ``credit_code_check``.
    """
    code = normalise(value)
    if len(code) != 18:
        raise DomainError(
            "credit_code_length",
            _("A unified social credit code has 18 characters."),
            field=field,
        )
    if code[0] not in AUTHORITIES or any(c not in VALUES for c in code):
        raise DomainError(
            "credit_code_characters",
            _("The code may hold only digits and capital letters other than I, O, S, V and Z."),
            field=field,
        )
    if not code[2:8].isdigit():
        raise DomainError(
            "credit_code_division",
            _("Characters 3 to 8 of the code are the six digits of a division."),
            field=field,
        )
    if check_character(code[:17]) != code[17]:
        raise DomainError(
            "credit_code_check",
            _(
                "The check character of this code is wrong: please check it against the certificate."  # noqa: E501
            ),
            field=field,
        )
    return code


def is_valid(value: str) -> bool:
    try:
        credit_code_clean(value)
    except DomainError:
        return False
    return True
