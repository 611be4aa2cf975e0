"""Checking uploaded files: the name's extension and the first bytes must agree; photos are
stripped of their metadata and downscaled before they are stored.

A declared content type or a renamed file proves nothing; the file's own signature does.
"""

from collections.abc import Iterable
from io import BytesIO

from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from shequ.core.errors import DomainError

# extension -> (content type served back, signatures the file may start with)
FILE_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    # 电子发票 (OFD is a zip container; XML e-invoices may carry a byte-order mark).
    "ofd": ("application/ofd", (b"PK\x03\x04",)),
    "xml": ("application/xml", (b"<?xml", b"\xef\xbb\xbf<?xml")),
    # Word documents (policy attachments): .docx is a zip container.
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    # Recorded stories: MP3 with an ID3 tag or starting at a frame header.
    "mp3": ("audio/mpeg", (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
}


def check_upload(upload: UploadedFile, *, field: str, types: Iterable[str], max_kb: int) -> str:
    """The detected content type of ``upload``.

    Raises: DomainError ``file_too_large``, ``file_type_not_allowed`` (on ``field``).
    """
    _check_size(upload.size, field=field, max_kb=max_kb)
    return _detected_type(upload, field=field, types=types)


def accept_upload(
    upload: UploadedFile, *, field: str, types: Iterable[str], max_kb: int
) -> tuple[File, str]:
    """The file to store and its content type: a photo re-encoded by ``clean_image``.

    ``max_kb`` limits what is stored. A photo as the phone took it may be larger (up to
    ``MAX_PHOTO_UPLOAD_KB``): it is downscaled first, then checked.

    Raises: DomainError ``file_too_large``, ``file_type_not_allowed``, ``image_unreadable``,
    ``image_too_large`` (on ``field``).
    """
    content_type = _detected_type(upload, field=field, types=types)
    if content_type not in IMAGE_FORMATS:
        _check_size(upload.size, field=field, max_kb=max_kb)
        return upload, content_type
    _check_size(upload.size, field=field, max_kb=max(max_kb, MAX_PHOTO_UPLOAD_KB))
    cleaned = clean_image(upload, content_type, field=field)
    _check_size(cleaned.size, field=field, max_kb=max_kb)
    return cleaned, content_type


def _check_size(size: int | None, *, field: str, max_kb: int) -> None:
    if size is None or size > max_kb * 1024:
        raise DomainError(
            "file_too_large", _("The file is larger than %(kb)s KB."), field=field, kb=max_kb
        )


def _detected_type(upload: UploadedFile, *, field: str, types: Iterable[str]) -> str:
    allowed = list(types)
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    extension = (upload.name or "").rsplit(".", 1)[-1].lower().replace("jpeg", "jpg")
    for kind in allowed:
        content_type, signatures = FILE_TYPES[kind]
        if extension == kind and head.startswith(signatures):
            return content_type
    raise DomainError(
        "file_type_not_allowed",
        _("Upload one of these file types: %(types)s."),
        field=field,
        types=", ".join(allowed),
    )


# Photos are shown to staff and often to the public: before anyone sees one it is re-encoded
# without its metadata (EXIF with the GPS position of the phone that took it, XMP, comments),
# turned upright as the camera meant, and made to fit within MAX_IMAGE_SIDE pixels.
MAX_IMAGE_SIDE = 2048
# A small file can declare a huge canvas (a "decompression bomb"): refused before decoding.
MAX_IMAGE_PIXELS = 50_000_000
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
JPEG_QUALITY = 85
# A phone's photo is often 4–12 MB; stored, downscaled, it is a few hundred KB.
MAX_PHOTO_UPLOAD_KB = 20 * 1024


def clean_image(upload: File, content_type: str, *, field: str) -> File:
    """For a JPEG, PNG or WebP: a new file with the picture only, no larger than
    ``MAX_IMAGE_SIDE`` on either side. Any other file is returned as it is.

    Raises: DomainError ``image_unreadable`` / ``image_too_large`` (on ``field``).
    """
    expected = IMAGE_FORMATS.get(content_type)
    if expected is None:
        return upload
    upload.seek(0)
    try:
        with Image.open(upload, formats=[expected]) as opened:
            if opened.width * opened.height > MAX_IMAGE_PIXELS:
                raise DomainError(
                    "image_too_large",
                    _("The picture has too many pixels (at most %(mp)s million)."),
                    field=field,
                    mp=MAX_IMAGE_PIXELS // 1_000_000,
                )
            opened.load()
            picture = ImageOps.exif_transpose(opened)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise DomainError(
            "image_unreadable", _("The picture could not be read."), field=field
        ) from None
    picture.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE), Image.Resampling.LANCZOS)
    # Encoders may take metadata from ``info`` (EXIF, ICC, XMP, text chunks): keep none.
    picture.info = {}
    buffer = BytesIO()
    if expected == "JPEG":
        if picture.mode not in ("RGB", "L"):
            picture = picture.convert("RGB")
        picture.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif expected == "WEBP":
        picture.save(buffer, "WEBP", quality=JPEG_QUALITY)
    else:
        picture.save(buffer, "PNG", optimize=True)
    upload.seek(0)
    return ContentFile(buffer.getvalue(), name=upload.name)


PHOTO_EXTENSIONS = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
}


def _needs_cleaning(picture: Image.Image) -> bool:
    kept = {"exif", "xmp", "XML:com.adobe.xmp", "comment", "icc_profile", "photoshop"}
    return (
        max(picture.size) > MAX_IMAGE_SIDE
        or len(picture.getexif()) > 0
        or any(key in picture.info for key in kept)
    )


def stored_photo_clean(field_file: FieldFile) -> bool:
    """Re-encode a photo stored before uploads were cleaned (its EXIF may hold the GPS
    position where it was taken). True when it was rewritten; files that are not photos, or
    are clean already, are left alone, so running it twice changes nothing.

    The row keeps pointing at the file: it is rewritten under the same name.
    """
    name = field_file.name
    if not name:
        return False
    extension = name.rsplit(".", 1)[-1].lower()
    content_type = PHOTO_EXTENSIONS.get(extension)
    storage = field_file.storage
    if content_type is None or not storage.exists(name):
        return False
    with storage.open(name, "rb") as handle:
        data = handle.read()
    try:
        with Image.open(BytesIO(data), formats=[IMAGE_FORMATS[content_type]]) as picture:
            if not _needs_cleaning(picture):
                return False
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False  # not a readable picture: nothing in it to strip for us
    cleaned = clean_image(ContentFile(data, name=name), content_type, field="file")
    storage.delete(name)
    saved = storage.save(name, cleaned)
    if saved != name:  # a storage that would not reuse the name: follow it
        field_file.name = saved
        field_file.instance.save(update_fields=[field_file.field.attname])
    return True
