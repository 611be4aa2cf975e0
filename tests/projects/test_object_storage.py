"""Site photos on an S3-compatible store are public: their address works without a signature."""

from urllib.parse import urlsplit
from urllib.request import urlopen

from django.test import Client

from shequ.people.models import User
from shequ.projects.models import Project
from shequ.projects.services import reporting
from tests import images
from tests.object_store import PUBLIC_BUCKET
from tests.projects.test_services import _Upload


def test_a_site_photo_on_the_object_store_is_public(
    client: Client, project: Project, worker: User, on_object_store: str
) -> None:
    photo = reporting.photo_add(
        actor=worker, code=project.code, phase="before", upload=_Upload(images.jpeg()).file
    )
    address = photo.image.url
    assert urlsplit(address).path.startswith(f"/{PUBLIC_BUCKET}/projects/")
    assert "Signature" not in address
    with urlopen(address) as fetched:  # noqa: S310 - the local test server
        assert fetched.read(3) == b"\xff\xd8\xff"
