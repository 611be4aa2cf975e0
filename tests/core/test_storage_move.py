"""Papers uploaded before the private store existed sit in the served media folder: the move
takes them out of it and keeps them readable by their applicant."""

import shutil
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.test import Client

from shequ.casework.demo import seed_casework
from shequ.casework.models import ApplicationDocument
from shequ.casework.services.applications import application_submit
from shequ.catalogue.demo import seed_catalogue
from shequ.catalogue.models import Service
from tests.casework.conftest import PDF, pdf, png, residence_answers
from tests.factories import NIJIAQIAO, make_resident, make_user


def test_old_papers_leave_the_public_folder_and_stay_readable(
    chengdu: None, client: Client, settings: Any, tmp_path: Path
) -> None:
    # given a document stored where all uploads used to go (MEDIA_ROOT)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    seed_catalogue(policies_per_service=0)
    seed_casework()
    applicant = make_user("applicant")
    make_resident(NIJIAQIAO, user=applicant, name="李四")
    application_submit(
        actor=applicant,
        service_id=Service.objects.get(code="juzhuzheng").pk,
        data=residence_answers(),
        files={"photo": png(), "proof": pdf()},
    )
    proof = ApplicationDocument.objects.get(slot="proof")
    private = Path(settings.PRIVATE_MEDIA_ROOT) / proof.file.name
    old = tmp_path / "media" / proof.file.name
    old.parent.mkdir(parents=True)
    shutil.move(private, old)

    # when the operator runs the move (twice: the second run finds nothing to do)
    call_command("storage_move")
    call_command("storage_move")

    # then the file is in the private store only, and its applicant still opens it
    assert not old.exists()
    assert private.read_bytes() == PDF
    client.force_login(applicant)
    opened = client.get(f"/casework/documents/{proof.pk}/")
    assert b"".join(opened.streaming_content) == PDF  # type: ignore[attr-defined]
    assert client.get(f"/media/{proof.file.name}").status_code == 404
