"""A real S3-compatible server for the object-storage tests: moto's, started in this process
on a free port, with the two buckets ``scripts/object-store`` also creates."""

import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from django.conf import LazySettings

PUBLIC_BUCKET = "shequ-public"
PRIVATE_BUCKET = "shequ-private"
KEYS = {"access_key": "shequ-test", "secret_key": "shequ-test-secret"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def s3_storages(endpoint: str, *, timeout: int = 5, retries: int = 2) -> dict[str, Any]:
    """The STORAGES setting settings.py builds for ``STORAGE_S3_ENDPOINT=endpoint``."""
    from botocore.config import Config

    def options(bucket: str, *, signed: bool) -> dict[str, Any]:
        return {
            "endpoint_url": endpoint,
            "bucket_name": bucket,
            **KEYS,
            "region_name": "us-east-1",
            "addressing_style": "path",
            "signature_version": "s3v4",
            "querystring_auth": signed,
            "file_overwrite": False,
            "client_config": Config(
                connect_timeout=timeout,
                read_timeout=timeout,
                retries={"max_attempts": retries, "mode": "standard"},
                signature_version="s3v4",
                s3={"addressing_style": "path"},
            ),
        }

    private = {
        "BACKEND": "shequ.core.object_storage.ObjectStorage",
        "OPTIONS": options(PRIVATE_BUCKET, signed=True),
    }
    return {
        "default": private,
        "private": private,
        "public": {
            "BACKEND": "shequ.core.object_storage.ObjectStorage",
            "OPTIONS": {**options(PUBLIC_BUCKET, signed=False), "default_acl": "public-read"},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session")
def object_store() -> Iterator[str]:
    """The endpoint of a running S3-compatible server with empty buckets."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
    )
    for bucket in (PUBLIC_BUCKET, PRIVATE_BUCKET):
        client.create_bucket(Bucket=bucket)
    yield endpoint
    server.stop()


@pytest.fixture
def on_object_store(object_store: str, settings: LazySettings) -> str:
    """This test's uploads and exports go to the S3 server."""
    settings.STORAGES = s3_storages(object_store)
    return object_store


@pytest.fixture
def dead_object_store(settings: LazySettings) -> None:
    """An object store that does not answer (nothing listens on its port)."""
    settings.STORAGES = s3_storages(f"http://127.0.0.1:{_free_port()}", timeout=1, retries=1)
