from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shequ.casework.demo import seed_casework
from shequ.catalogue.demo import seed_catalogue
from shequ.catalogue.models import Service
from shequ.core.scopes import Role
from shequ.people.models import User
from tests import images
from tests.factories import NIJIAQIAO, make_resident, make_staff, make_user

PNG = images.png()
PDF = b"%PDF-1.4\n" + b"0" * 64


def png(name: str = "photo.png", size: int = 0) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG + b"\x00" * size, content_type="image/png")


def pdf(name: str = "proof.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def residence_answers() -> dict[str, Any]:
    return {"address": "成都市武侯区倪家桥路1号", "since": "2024-03-01", "basis": "合法稳定住所"}


@pytest.fixture
def forms(chengdu: None) -> None:
    seed_catalogue(policies_per_service=0)
    seed_casework()


@pytest.fixture
def applicant(forms: None) -> User:
    user = make_user("applicant")
    make_resident(NIJIAQIAO, user=user, name="李四")
    return user


@pytest.fixture
def police(forms: None) -> User:
    return make_staff("police", Role.DEPARTMENT_STAFF, "gongan")


@pytest.fixture
def residence_permit(forms: None) -> Service:
    return Service.objects.get(code="juzhuzheng")


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Uploads of the tests go to a temporary directory, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
