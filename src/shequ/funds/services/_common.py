"""Checks shared by several funds service modules: uploads, years and communities."""

from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import DomainError, NotFound
from shequ.core.uploads import accept_upload
from shequ.places.models import Division

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
RECEIPT_TYPES = ("pdf", "ofd", "xml", "jpg", "png")


def _check_upload(upload: UploadedFile | None, *, field: str, required: bool) -> File | None:
    """The file to store: a scan or photo comes without its metadata (GPS), downscaled."""
    if upload is None:
        if required:
            raise DomainError("file_required", _("Attach the file."), field=field)
        return None
    stored, _content_type = accept_upload(
        upload, field=field, types=RECEIPT_TYPES, max_kb=MAX_UPLOAD_BYTES // 1024
    )
    return stored


def _check_year(year: int) -> int:
    if not 2000 <= int(year) <= 2100:
        raise DomainError("year_invalid", _("Enter a year between 2000 and 2100."), field="year")
    return int(year)


def _community(code: str) -> Division:
    division = Division.objects.filter(code=code, level=Division.Level.COMMUNITY).first()
    if division is None:
        raise NotFound("community_not_found", _("No such community in your area."))
    return division
