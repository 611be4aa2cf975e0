"""Photo answers: uploads judged by their first bytes, kept outside the public media, and
"keep the photo sent before" resolved from the response's own stored answers only.
"""

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError
from shequ.core.storage import private_storage_under
from shequ.core.uploads import clean_image
from shequ.surveys.models import KEEP_PHOTO, Answer, Question, QuestionType, Response, SurveyVersion

PHOTO_MAX_BYTES = 8 * 1024 * 1024
# HEIC is kept as sent: Pillow cannot re-encode it without a plugin (phones' browsers send
# JPEG for a photo input in practice).
CLEANED_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


@dataclass(frozen=True)
class NewPhoto:
    """A photo uploaded with this save, already checked; written once the answers are valid."""

    name: str
    data: bytes


@dataclass(frozen=True)
class KeptPhoto:
    """The photo this response already holds for the question."""

    name: str


@dataclass(frozen=True)
class BadPhoto:
    """An upload that is not an acceptable photo (reported with the other answer problems)."""

    code: str
    message: str


def photo_storage() -> Storage:
    """Where residents' photos are kept: the private store, never a public folder."""
    return private_storage_under("survey-photos")


def _photo_extension(head: bytes) -> str | None:
    """The image format by its first bytes (the browser's file name and type are not trusted)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"heim", b"heis", b"mif1"):
        return "heic"
    return None


def _take_photo(upload: Any) -> NewPhoto | BadPhoto:
    data = upload.read(PHOTO_MAX_BYTES + 1)
    if len(data) > PHOTO_MAX_BYTES:
        return BadPhoto(
            "photo_too_large",
            str(_("A photo may be at most %(mb)s MB.") % {"mb": PHOTO_MAX_BYTES // 2**20}),
        )
    extension = _photo_extension(bytes(data[:16]))
    if extension is None:
        return BadPhoto("not_photo", str(_("Take or choose a photo (JPEG, PNG, WebP or HEIC).")))
    content_type = CLEANED_TYPES.get(extension)
    if content_type is not None:
        # The phone's GPS position and other metadata go before anyone sees the photo.
        try:
            cleaned = clean_image(ContentFile(bytes(data)), content_type, field="photo")
        except DomainError as error:
            return BadPhoto(error.code, str(error))
        cleaned.seek(0)
        data = cleaned.read()
    return NewPhoto(f"{uuid.uuid4().hex}.{extension}", bytes(data))


def _kept_photo(value: Any, held: Mapping[tuple[str, int], str], name: str, entry: int) -> Any:
    """An upload read and checked; "keep" resolved to the response's own stored photo (the
    one of the entry the marker names, as entries may have been removed since), else None;
    anything else as it came."""
    if isinstance(value, str) and value.startswith(KEEP_PHOTO):
        source = value.removeprefix(KEEP_PHOTO)
        stored = held.get((name, int(source) if source.isdigit() else entry))
        return KeptPhoto(stored) if stored else None
    if callable(getattr(value, "read", None)):
        return _take_photo(value)
    return value


def _prepare_photos(
    response: Response | None, version: SurveyVersion, answers: Mapping[str, Any]
) -> dict[str, Any]:
    """Answers with photo questions' uploads read and checked, and "keep" resolved from the
    response's stored answers (dropped when there is nothing to keep), also in entries."""
    photos = list(
        Question.objects.filter(version=version, qtype=QuestionType.IMAGE).values_list(
            "name", "section__name", "section__repeat"
        )
    )
    names = {name for name, _section, repeat in photos if not repeat}
    in_entries: dict[str, set[str]] = {}
    for name, section, repeat in photos:
        if repeat:
            in_entries.setdefault(section, set()).add(name)
    prepared = dict(answers)
    if not names & set(answers) and not set(in_entries) & set(answers):
        return prepared
    held: dict[tuple[str, int], str] = {}
    if response is not None and response.pk is not None:
        held = {
            (name, entry): text
            for name, entry, text in Answer.objects.filter(
                response=response, question__qtype=QuestionType.IMAGE
            ).values_list("question__name", "entry", "value_text")
        }
    for name in names & set(answers):
        value = _kept_photo(answers[name], held, name, 0)
        if value is None:
            prepared.pop(name)
        else:
            prepared[name] = value
    for section, section_names in in_entries.items():
        entries = answers.get(section)
        if not isinstance(entries, list):
            continue
        kept: list[Any] = []
        for index, entry in enumerate(entries, start=1):
            if isinstance(entry, Mapping):
                entry = {
                    key: _kept_photo(value, held, key, index) if key in section_names else value
                    for key, value in entry.items()
                }
                entry = {key: value for key, value in entry.items() if value is not None}
            kept.append(entry)
        prepared[section] = kept
    return prepared


def _store_photos(answers: Mapping[str, Any], rows: list[Answer], old: set[str]) -> None:
    """Write the new photos the stored answers name; drop replaced ones once committed.

    A photo of a question the skip logic hid has no answer row and is not written.
    """
    stored = {row.value_text for row in rows if row.question.qtype == QuestionType.IMAGE}
    storage = photo_storage()
    for value in _new_photos(answers):
        if value.name in stored:
            storage.save(value.name, ContentFile(value.data))
    stale = old - stored

    def remove() -> None:
        for name in stale:
            storage.delete(name)

    if stale:
        transaction.on_commit(remove)


def _new_photos(answers: Mapping[str, Any]) -> Iterator[NewPhoto]:
    """The uploads among the answers, also those in repeated sections' entries."""
    for value in answers.values():
        if isinstance(value, NewPhoto):
            yield value
        elif isinstance(value, list):
            for entry in value:
                if isinstance(entry, Mapping):
                    yield from (v for v in entry.values() if isinstance(v, NewPhoto))
