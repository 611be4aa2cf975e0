"""Pinyin initials of common Chinese characters, for typing "ld" to find 路灯.

GB2312's first level (the 3,755 most common characters) is ordered by pinyin, so the initial
of such a character is the letter whose first code it passes. Rarer characters, and the odd
polyphone, get no initial (or a wrong one): this is a tolerance for quick typing, not a
transliteration.
"""

# The first GB2312 code of each initial letter (i, u and v begin no syllable).
_BOUNDS = (
    (0xB0A1, "a"), (0xB0C5, "b"), (0xB2C1, "c"), (0xB4EE, "d"), (0xB6EA, "e"),
    (0xB7A2, "f"), (0xB8C1, "g"), (0xB9FE, "h"), (0xBBF7, "j"), (0xBFA6, "k"),
    (0xC0AC, "l"), (0xC2E8, "m"), (0xC4C3, "n"), (0xC5B6, "o"), (0xC5BE, "p"),
    (0xC6DA, "q"), (0xC8BB, "r"), (0xC8F6, "s"), (0xCBFA, "t"), (0xCDDA, "w"),
    (0xCEF4, "x"), (0xD1B9, "y"), (0xD4D1, "z"),
)  # fmt: skip
_END = 0xD7FA


def initial(character: str) -> str:
    """The pinyin initial of one character, or "" when unknown."""
    try:
        raw = character.encode("gb2312")
    except UnicodeEncodeError:
        return ""
    if len(raw) != 2:
        return ""
    code = (raw[0] << 8) | raw[1]
    if not _BOUNDS[0][0] <= code < _END:
        return ""
    letter = ""
    for start, candidate in _BOUNDS:
        if code < start:
            break
        letter = candidate
    return letter


def initials(word: str) -> str:
    """Initials of every character of ``word``; "" unless all are known."""
    letters = [initial(ch) for ch in word]
    return "".join(letters) if all(letters) else ""
