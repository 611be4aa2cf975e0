"""Checking uploaded files: the name's extension and the first bytes must agree.

A declared content type or a renamed file proves nothing; the file's own signature does.
"""

from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError

# extension -> (content type served back, signatures the file may start with)
FILE_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    # 电子发票 (OFD is a zip container; XML e-invoices may carry a byte-order mark).
    "ofd": ("application/ofd", (b"PK\x03\x04",)),
    "xml": ("application/xml", (b"<?xml", b"\xef\xbb\xbf<?xml")),
}


def check_upload(upload: UploadedFile, *, field: str, types: Iterable[str], max_kb: int) -> str:
    """The detected content type of ``upload``.

    Raises: DomainError ``file_too_large``, ``file_type_not_allowed`` (on ``field``).
    """
    allowed = list(types)
    if upload.size is None or upload.size > max_kb * 1024:
        raise DomainError(
            "file_too_large", _("The file is larger than %(kb)s KB."), field=field, kb=max_kb
        )
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
