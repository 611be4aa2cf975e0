"""Where uploaded files and exports are kept, and how a permission-checked view hands one out.

Two stores, configured in ``settings.STORAGES`` (local folders by default, an S3-compatible
object store such as MinIO or Ceph RGW when ``STORAGE_S3_ENDPOINT`` is set):

- ``public``: project photos and proposal photos, which anyone may see. Locally this is
  MEDIA_ROOT (served by ``SERVE_MEDIA`` or nginx); on S3 a bucket readable without signature.
- ``private``: casework documents, fund receipts and minutes, meeting minutes, residents'
  survey photos, exports. Locally a folder outside MEDIA_ROOT that nothing serves; on S3 a
  bucket readable only through presigned links. A view checks permission first, then hands the
  file out with ``stored_file_response``.

A store that fails to write raises ``StorageUnavailable`` so the service's transaction rolls
back: the record is never saved without its file.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import cached_property
from pathlib import Path
from typing import IO, Any, cast
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.db.models.fields.files import FieldFile
from django.dispatch import receiver
from django.http import FileResponse, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import StorageUnavailable

STORAGE_UNAVAILABLE = _("File storage is temporarily unavailable, please try again later.")


def storage_unavailable() -> StorageUnavailable:
    return StorageUnavailable("storage_unavailable", STORAGE_UNAVAILABLE)


class LocalStorage(FileSystemStorage):
    """A folder on this machine; a failed write (disk full, read-only) is ``StorageUnavailable``."""

    def save(self, name: str | None, content: Any, max_length: int | None = None) -> str:
        try:
            return str(super().save(name, content, max_length=max_length))
        except OSError as error:
            raise storage_unavailable() from error


class PrivateLocalStorage(LocalStorage):
    """PRIVATE_MEDIA_ROOT, outside MEDIA_ROOT: no URL, files leave only through checked views."""

    @cached_property
    def base_location(self) -> str:
        return str(
            self._value_or_setting(getattr(self, "_location", None), settings.PRIVATE_MEDIA_ROOT)
        )

    def _clear_cached_properties(self, setting: Any, **kwargs: Any) -> None:
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name: str | None) -> str:
        raise ValueError(f"private files have no public address: {name}")


class _StorageByAlias(LazyObject):
    """``storages[alias]``, looked up on first use and again after STORAGES changes (tests):
    a model field keeps this proxy, not the store configured when the model was imported."""

    def __init__(self, alias: str) -> None:
        super().__init__()
        self.__dict__["_alias"] = alias

    def _setup(self) -> None:
        self._wrapped = storages[self.__dict__["_alias"]]


_PUBLIC = _StorageByAlias("public")
_PRIVATE = _StorageByAlias("private")


@receiver(setting_changed)
def _storages_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("STORAGES", "PRIVATE_MEDIA_ROOT", "MEDIA_ROOT"):
        for proxy in (_PUBLIC, _PRIVATE):
            proxy.__dict__["_wrapped"] = empty


def public_storage() -> Storage:
    """Photos anyone may see (project works, proposals)."""
    return cast(Storage, _PUBLIC)


def private_storage() -> Storage:
    """Personal papers, receipts, minutes, residents' photos and exports."""
    return cast(Storage, _PRIVATE)


def private_storage_under(prefix: str) -> Storage:
    """The private store seen from one of its folders (names stay short and stable)."""
    config = dict(cast(dict[str, Any], settings.STORAGES["private"]))
    options = dict(config.get("OPTIONS", {}))
    if is_object_storage(private_storage()):
        base = str(options.get("location", "")).strip("/")
        options["location"] = f"{base}/{prefix}".strip("/")
    else:
        options["location"] = str(
            Path(options.get("location") or settings.PRIVATE_MEDIA_ROOT) / prefix
        )
    config["OPTIONS"] = options
    return storages.create_storage(config)


@contextmanager
def stored_files_removed_on_error() -> Iterator[list[FieldFile]]:
    """Files stored inside the block are removed again when it fails (the second of two
    documents hits a store outage): the rolled-back record leaves no stray file behind."""
    stored: list[FieldFile] = []
    try:
        yield stored
    except BaseException:
        for field_file in stored:
            with suppress(Exception):  # the store may still be down; the error below matters
                field_file.storage.delete(field_file.name or "")
        raise


def is_object_storage(storage: Storage) -> bool:
    """An S3-compatible store: files are handed out as links, not streamed by Django."""
    return hasattr(storage, "bucket_name")


@contextmanager
def storage_reads() -> Iterator[None]:
    """Reading from a store that is down is the same clear error as writing to it."""
    try:
        yield
    except StorageUnavailable:
        raise
    except FileNotFoundError:
        raise
    except Exception as error:
        if _is_storage_error(error):
            raise storage_unavailable() from error
        raise


def _is_storage_error(error: Exception) -> bool:
    if isinstance(error, OSError):
        return True
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - local storage only
        return False
    return isinstance(error, BotoCoreError | ClientError)


def stored_file_response(
    storage: Storage,
    name: str,
    *,
    content_type: str = "application/octet-stream",
    filename: str | None = None,
    as_attachment: bool = False,
    public: bool = False,
) -> HttpResponseBase:
    """Hand out a stored file. Call only after the caller's permission has been checked.

    Object store: a redirect to a link that expires after ``PRIVATE_URL_EXPIRE_SECONDS``
    (public photos: their plain address). Local private files: nginx serves them from an
    ``internal`` location when ``SENDFILE_NGINX`` is on, else Django streams them.
    """
    disposition = "attachment" if as_attachment else "inline"
    if filename and filename.isascii():
        disposition += f'; filename="{filename}"'
    elif filename:
        disposition += f"; filename*=UTF-8''{quote(filename)}"
    cache = "public, max-age=3600" if public else "private, no-store"
    if is_object_storage(storage):
        parameters = {
            "ResponseContentType": content_type,
            "ResponseContentDisposition": disposition,
        }
        url_for: Callable[..., str] = storage.url
        with storage_reads():
            if public and not getattr(storage, "querystring_auth", True):
                location = url_for(name)
            else:
                location = url_for(
                    name, parameters=parameters, expire=settings.PRIVATE_URL_EXPIRE_SECONDS
                )
        response: HttpResponseBase = HttpResponseRedirect(location)
    elif settings.SENDFILE_NGINX and isinstance(storage, PrivateLocalStorage):
        relative = Path(storage.path(name)).relative_to(Path(settings.PRIVATE_MEDIA_ROOT))
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{settings.SENDFILE_NGINX_LOCATION}/{quote(str(relative))}"
        response["Content-Disposition"] = disposition
    else:
        with storage_reads():
            handle: IO[bytes] = storage.open(name, "rb")
        response = FileResponse(handle, content_type=content_type)
        response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache
    return response
