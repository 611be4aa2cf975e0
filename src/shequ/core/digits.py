"""Numbers typed by people: one canonical form, ASCII digits only.

``str.isdigit()`` is true for superscripts (``²``) and for the digits of other scripts
(``٣``, ``३``). ``int()`` then fails on the first (an uncaught ``ValueError``: HTTP 500) and
quietly accepts the second, so the "same" number could be stored, compared or indexed in two
spellings. Input is therefore first brought to Unicode NFKC, which turns full-width ``１２``
and ``²`` into ``12`` and ``2`` (what a Chinese input method or a pasted document produces),
and then only ``0``–``9`` count as digits.
"""

import unicodedata

ASCII_DIGITS = frozenset("0123456789")


def canonical(raw: str) -> str:
    """The NFKC form of ``raw`` without surrounding whitespace."""
    return unicodedata.normalize("NFKC", raw).strip()


def is_ascii_digits(text: str) -> bool:
    """True when ``text`` is non-empty and made of ``0``–``9`` only (no other script's digits)."""
    return bool(text) and all(character in ASCII_DIGITS for character in text)


def digits_or_none(raw: object) -> str | None:
    """The canonical digit string of ``raw`` (e.g. a division code), or None for anything else."""
    if not isinstance(raw, str):
        return None
    text = canonical(raw)
    return text if is_ascii_digits(text) else None


def int_or_none(raw: object) -> int | None:
    """A non-negative whole number from a query parameter or a posted id, or None.

    For filters and pickers, where a bad value means "no choice" rather than an error.
    """
    text = digits_or_none(raw)
    return int(text) if text is not None else None
