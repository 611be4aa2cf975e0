"""Find mainland ID numbers and mobile numbers stored in clear, anywhere in the database.

Every text and JSON column of every table Django knows is read as stored (raw SQL, so an
encrypted field is seen as its ciphertext, not decrypted). JSON is parsed and each string in
it (keys too) is scanned, so ``\\uXXXX`` escapes cannot hide or fake a digit next to a number.

What counts as "in clear": an 18-character ID number whose check character matches, or a
mobile number ``1[3-9]\\d{9}``, not part of a longer run of digits. Opaque values — ciphertext,
digests, random tokens and the random names of stored files — are runs of 24 or more
base64/hex characters mixing letters and digits; a number inside one is a coincidence of
randomness, not a number somebody typed, and is not reported.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection

from shequ.core.pii import id_check_character

TEXT_TYPES = {
    "CharField",
    "TextField",
    "SlugField",
    "EmailField",
    "URLField",
    "FileField",
    "ImageField",
    "FilePathField",
}
JSON_TYPES = {"JSONField"}

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
OPAQUE = re.compile(r"[A-Za-z0-9+/=_-]{24,}")


@dataclass(frozen=True)
class Finding:
    table: str
    column: str
    kind: str
    masked: str  # the finding, masked, for the failure message

    def __str__(self) -> str:
        return f"{self.table}.{self.column}: {self.kind} {self.masked}"


def _is_opaque(run: str) -> bool:
    return any(c.isdigit() for c in run) and any(c.isalpha() for c in run)


def numbers_in(text: str) -> Iterator[tuple[str, str]]:
    """(kind, value) for each personal number written in clear in ``text``."""
    hidden = [m.span() for m in OPAQUE.finditer(text) if _is_opaque(m.group())]

    def inside_opaque(start: int, end: int) -> bool:
        return any(low <= start and end <= high for low, high in hidden)

    for match in ID_NUMBER.finditer(text):
        value = match.group().upper()
        if id_check_character(value[:17]) == value[17] and not inside_opaque(*match.span()):
            yield "id_number", value
    for match in MOBILE.finditer(text):
        if not inside_opaque(*match.span()):
            yield "mobile", match.group()


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(value)


def columns() -> Iterator[tuple[str, str, bool]]:
    """(table, column, is_json) for every text and JSON column of every model's table."""
    seen: set[tuple[str, str]] = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.local_fields:
            kind = field.get_internal_type()
            if kind not in TEXT_TYPES | JSON_TYPES or not field.column:
                continue
            key = (model._meta.db_table, field.column)
            if key not in seen:
                seen.add(key)
                yield model._meta.db_table, field.column, kind in JSON_TYPES


def scan_database() -> list[Finding]:
    findings: list[Finding] = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, column, is_json in columns():
            cursor.execute(
                f"SELECT {quote(column)} FROM {quote(table)} "  # noqa: S608 - names from models
                f"WHERE {quote(column)} IS NOT NULL"
            )
            for (raw,) in cursor.fetchall():
                value = json.loads(raw) if is_json and isinstance(raw, str) else raw
                for text in _strings(value):
                    for kind, number in numbers_in(text):
                        masked = number[:3] + "*" * (len(number) - 7) + number[-4:]
                        findings.append(Finding(table, column, kind, masked))
    return findings
