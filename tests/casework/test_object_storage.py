"""Casework papers on an S3-compatible store: private, handed out by presigned links only after
the permission check; an outage refuses the application and stores nothing."""

from typing import Any
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen

import boto3
import pytest
from django.core.files.storage import FileSystemStorage
from django.test import Client

from shequ.casework.models import Application, ApplicationDocument
from shequ.catalogue.models import Service
from shequ.people.models import User
from tests.casework.conftest import PDF, pdf, png, residence_answers
from tests.factories import make_user
from tests.object_store import KEYS, PRIVATE_BUCKET, PUBLIC_BUCKET

OUTAGE = "文件存储暂时不可用，请稍后再试"


def _keys(endpoint: str, bucket: str) -> list[str]:
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
    )
    return [item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_an_applicants_papers_are_private_and_handed_out_by_expiring_links(
    client: Client,
    applicant: User,
    residence_permit: Service,
    on_object_store: str,
    settings: Any,
) -> None:
    settings.PRIVATE_URL_EXPIRE_SECONDS = 120
    # given an application sent with an ID photo and a PDF, stored on the object store
    client.force_login(applicant)
    sent = client.post(
        f"/casework/apply/{residence_permit.pk}/",
        {**residence_answers(), "photo": png(), "proof": pdf()},
    )
    assert sent.status_code == 302
    proof = ApplicationDocument.objects.get(slot="proof")
    assert f"casework/{proof.file.name.split('casework/')[-1]}" in _keys(
        on_object_store, PRIVATE_BUCKET
    )
    assert not any(key.startswith("casework/") for key in _keys(on_object_store, PUBLIC_BUCKET))

    # when the applicant opens it, they are sent to a signed link that expires in two minutes
    opened = client.get(f"/casework/documents/{proof.pk}/")
    assert opened.status_code == 302
    link = urlsplit(opened["Location"])
    query = parse_qs(link.query)
    assert link.path.startswith(f"/{PRIVATE_BUCKET}/casework/")
    assert query["X-Amz-Expires"] == ["120"]
    assert "X-Amz-Signature" in query
    assert opened["Cache-Control"] == "private, no-store"
    with urlopen(opened["Location"]) as fetched:  # noqa: S310 - the local test server
        assert fetched.read() == PDF

    # and the object's address without the signature is refused by the store itself
    unsigned = urlsplit(opened["Location"])._replace(query="").geturl()
    with pytest.raises(HTTPError) as denied:
        urlopen(unsigned)  # noqa: S310 - the local test server
    assert denied.value.code == 403

    # then someone else gets no link at all
    client.force_login(make_user("stranger"))
    refused = client.get(f"/casework/documents/{proof.pk}/")
    assert refused.status_code == 404
    assert "Location" not in refused


def test_a_storage_outage_refuses_the_application_in_chinese_and_saves_nothing(
    client: Client, applicant: User, residence_permit: Service, dead_object_store: None
) -> None:
    client.force_login(applicant)
    refused = client.post(
        f"/casework/apply/{residence_permit.pk}/",
        {**residence_answers(), "photo": png(), "proof": pdf()},
    )
    assert refused.status_code == 400
    assert OUTAGE in refused.content.decode()
    assert not Application.objects.exists()
    assert not ApplicationDocument.objects.exists()


def test_when_the_second_paper_cannot_be_written_the_first_is_removed_again(
    client: Client,
    applicant: User,
    residence_permit: Service,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a disk that fills up after the first of two documents
    real_save = FileSystemStorage._save
    writes: list[str] = []

    def save_then_full(self: FileSystemStorage, name: str, content: Any) -> str:
        if writes:
            raise OSError(28, "No space left on device")
        writes.append(name)
        return str(real_save(self, name, content))

    monkeypatch.setattr(FileSystemStorage, "_save", save_then_full)
    client.force_login(applicant)
    refused = client.post(
        f"/casework/apply/{residence_permit.pk}/",
        {**residence_answers(), "photo": png(), "proof": pdf()},
    )
    # then the resident is told to retry, and neither the record nor the first file remains
    assert refused.status_code == 400
    assert OUTAGE in refused.content.decode()
    assert not Application.objects.exists()
    assert len(writes) == 1
    stored = FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT)
    assert not stored.exists(writes[0])


def test_behind_nginx_the_checked_view_hands_the_file_to_an_internal_location(
    client: Client, applicant: User, residence_permit: Service, settings: Any
) -> None:
    settings.SENDFILE_NGINX = True
    client.force_login(applicant)
    client.post(
        f"/casework/apply/{residence_permit.pk}/",
        {**residence_answers(), "photo": png(), "proof": pdf()},
    )
    proof = ApplicationDocument.objects.get(slot="proof")
    opened = client.get(f"/casework/documents/{proof.pk}/")
    assert opened.status_code == 200
    assert opened["X-Accel-Redirect"] == f"/_private/{proof.file.name}"
    assert opened.content == b""
    client.force_login(make_user("stranger"))
    refused = client.get(f"/casework/documents/{proof.pk}/")
    assert refused.status_code == 404
    assert "X-Accel-Redirect" not in refused
