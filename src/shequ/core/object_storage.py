"""The S3-compatible store (MinIO, Ceph RGW, any S3): django-storages with our error mapping.

Kept apart from ``shequ.core.storage`` so a laptop on local folders never imports boto3.
"""

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from storages.backends.s3 import S3Storage

from shequ.core.storage import storage_unavailable


class ObjectStorage(S3Storage):
    """A bucket; a write the store refuses or never answers is ``StorageUnavailable``."""

    def save(self, name: str | None, content: Any, max_length: int | None = None) -> str:
        # The whole save, not only ``_save``: picking a free name already asks the store.
        try:
            return str(super().save(name, content, max_length=max_length))
        except (BotoCoreError, ClientError) as error:
            raise storage_unavailable() from error
