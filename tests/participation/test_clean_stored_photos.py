"""Photos stored before uploads were cleaned lose their GPS position when the command runs;
other files and clean photos are left as they are."""

from io import StringIO
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.management import call_command

from shequ.core.uploads import MAX_IMAGE_SIDE
from shequ.participation.models import Proposal
from shequ.participation.services import proposals
from tests import images
from tests.factories import NIJIAQIAO
from tests.participation.conftest import Place


def _proposal(place: Place, title: str) -> Proposal:
    return proposals.proposal_create(
        actor=place.residents[0],
        community_code=NIJIAQIAO,
        title=title,
        description="路灯坏了，晚上看不见台阶。",
        category="safety",
    )


def test_old_photos_lose_their_gps_and_the_command_can_run_again(
    place: Place, settings: object, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    old = _proposal(place, "旧照片")
    old.photo.save("old.jpg", ContentFile(images.jpeg(3000, 2000, gps=True)))
    minutes = _proposal(place, "会议记录")
    pdf = b"%PDF-1.4\n% a scanned page\n"
    minutes.photo.save("minutes.pdf", ContentFile(pdf))
    assert images.metadata_of(Path(old.photo.path).read_bytes())["gps"]

    out = StringIO()
    call_command("clean_stored_photos", stdout=out)

    old.refresh_from_db()
    cleaned = images.metadata_of(Path(old.photo.path).read_bytes())
    assert cleaned["gps"] == {}
    assert cleaned["exif"] == {}
    assert max(cleaned["size"]) == MAX_IMAGE_SIDE  # type: ignore[call-overload]
    assert Path(minutes.photo.path).read_bytes() == pdf
    assert "participation.Proposal.photo: 1 photo(s) cleaned" in out.getvalue()

    again = StringIO()
    before = Path(old.photo.path).read_bytes()
    call_command("clean_stored_photos", stdout=again)
    assert again.getvalue().strip() == "0 photo(s) cleaned"
    assert Path(old.photo.path).read_bytes() == before
