"""Document numbers: ``CD-2026-7K3M-Q9XA-R`` — the city, the year of issue, eight random
characters (40 bits: unguessable among millions of documents) and a check character that
catches a mistyped or swapped character before any lookup.

Characters are Crockford's base-32 (no I, L, O, U), and reading is forgiving: lower case,
spaces, missing dashes, and O/I/L typed for 0/1 are accepted."""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "CD"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
RANDOM_LENGTH = 8
NUMBER_LENGTH = len("CD-2026-XXXX-XXXX-X")


def check_character(body: str) -> str:
    """Luhn mod 32 over ``body`` (year and random part, all in ALPHABET)."""
    n = len(ALPHABET)
    total = 0
    factor = 2
    for char in reversed(body):
        addend = factor * _VALUE[char]
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]


def format_number(year: int, random_part: str) -> str:
    body = f"{year:04d}{random_part}"
    return f"{PREFIX}-{year:04d}-{random_part[:4]}-{random_part[4:]}-{check_character(body)}"


def new_number(year: int) -> str:
    """A fresh random number for a document issued in ``year``."""
    random_part = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return format_number(year, random_part)


def normalise(text: str) -> str | None:
    """The canonical form of a typed number, or None when it is not a well-formed number
    (wrong length, a character outside the alphabet, or a wrong check character)."""
    compact = "".join(str(text).upper().split()).replace("-", "")
    if len(compact) != 2 + 4 + RANDOM_LENGTH + 1 or not compact.startswith(PREFIX):
        return None
    rest = compact[2:].translate(_CONFUSABLE)
    if not rest[:4].isdigit() or any(c not in _VALUE for c in rest):
        return None
    year, random_part, check = int(rest[:4]), rest[4:-1], rest[-1]
    if check_character(rest[:-1]) != check:
        return None
    return format_number(year, random_part)
