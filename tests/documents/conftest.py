import io
from collections.abc import Iterator
from typing import Any

import pypdf
import pytest
from django.core.cache import cache

from shequ.casework.models import Application
from shequ.casework.services.applications import application_act, application_submit
from shequ.documents.demo import seed_result_templates
from shequ.people.models import User
from tests.casework.conftest import (  # noqa: F401 - fixtures
    applicant,
    forms,
    media_in_tmp,
    pdf,
    png,
    police,
    residence_answers,
    residence_permit,
)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Verification results and the per-address limit live in the cache: start each test clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def templates(forms: None) -> None:  # noqa: F811
    seed_result_templates()


def pdf_text(data: bytes) -> str:
    """The PDF's text as a reader extracts it, without the spaces it puts between characters."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "".join(
        "".join(page.extract_text().replace("\x00", "").split()) for page in reader.pages
    )


def completed_case(applicant: User, police: User, service: Any) -> Application:  # noqa: F811
    application = application_submit(
        actor=applicant,
        service_id=service.pk,
        data=residence_answers(),
        files={"photo": png(), "proof": pdf()},
    )
    for action in ("accept", "approve", "complete"):
        application_act(actor=police, application_id=application.pk, action=action)
    application.refresh_from_db()
    return application
