"""Photos lose their metadata (GPS above all) and are downscaled before anyone sees them."""

import io
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shequ.core import uploads
from shequ.core.errors import DomainError
from shequ.core.uploads import MAX_IMAGE_SIDE, clean_image
from tests import images

CLEAN = {"exif": {}, "gps": {}, "metadata": []}


def _clean(data: bytes, name: str, content_type: str) -> bytes:
    cleaned = clean_image(SimpleUploadedFile(name, data), content_type, field="photo")
    cleaned.seek(0)
    return cleaned.read()


def test_a_phone_jpeg_with_gps_is_stored_without_exif_within_the_max_side() -> None:
    # given a 4000×3000 photo whose EXIF says where it was taken
    data = images.jpeg(4000, 3000, gps=True)
    assert images.metadata_of(data)["gps"]
    # when it is cleaned for storing
    stored = images.metadata_of(_clean(data, "IMG_0001.jpg", "image/jpeg"))
    # then no EXIF (nor GPS) is left and it fits within the maximum side, same proportions
    assert {key: stored[key] for key in CLEAN} == CLEAN
    assert stored["format"] == "JPEG"
    assert stored["size"] == (MAX_IMAGE_SIDE, MAX_IMAGE_SIDE * 3 // 4)


def test_a_photo_taken_sideways_is_stored_upright() -> None:
    # EXIF orientation 6: the camera was held upright, the sensor wrote a landscape picture
    data = images.jpeg(400, 300, gps=True, orientation=6)
    stored = images.metadata_of(_clean(data, "IMG_0002.jpg", "image/jpeg"))
    assert stored["size"] == (300, 400)
    assert stored["exif"] == {}


@pytest.mark.parametrize(
    ("data", "name", "content_type", "kind"),
    [
        (images.png(gps=True), "a.png", "image/png", "PNG"),
        (images.webp(gps=True), "a.webp", "image/webp", "WEBP"),
    ],
)
def test_png_and_webp_lose_their_exif_too(
    data: bytes, name: str, content_type: str, kind: str
) -> None:
    assert images.metadata_of(data)["gps"]
    stored = images.metadata_of(_clean(data, name, content_type))
    assert {key: stored[key] for key in CLEAN} == CLEAN
    assert (stored["format"], stored["size"]) == (kind, (64, 48))


def test_a_small_photo_keeps_its_size_and_a_pdf_is_left_alone() -> None:
    assert images.metadata_of(_clean(images.jpeg(), "a.jpg", "image/jpeg"))["size"] == (64, 48)
    pdf = b"%PDF-1.4\n% scan\n"
    assert _clean(pdf, "scan.pdf", "application/pdf") == pdf


def test_a_picture_that_cannot_be_read_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        _clean(b"\xff\xd8\xff\xe0" + b"0" * 200, "broken.jpg", "image/jpeg")
    assert (caught.value.code, caught.value.field) == ("image_unreadable", "photo")


def test_a_picture_with_too_many_pixels_is_refused_before_decoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(uploads, "MAX_IMAGE_PIXELS", 100 * 100)
    with pytest.raises(DomainError) as caught:
        _clean(images.png(101, 100), "big.png", "image/png")
    assert caught.value.code == "image_too_large"


def _phone_photo() -> bytes:
    """A 12-megapixel photo of about 10 MB, as a phone takes it (seeded, detailed)."""
    detail = Image.frombytes("RGB", (800, 600), random.Random(7).randbytes(800 * 600 * 3))
    buffer = io.BytesIO()
    detail.resize((4000, 3000), Image.Resampling.NEAREST).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def test_a_phone_photo_over_the_limit_is_taken_downscaled_and_stored_within_it() -> None:
    taken = _phone_photo()
    assert len(taken) > 4 * 1024 * 1024
    upload = SimpleUploadedFile("IMG_0001.jpg", taken, content_type="image/jpeg")

    stored, content_type = uploads.accept_upload(
        upload, field="photo", types=["jpg", "pdf"], max_kb=2048
    )

    assert content_type == "image/jpeg"
    assert stored.size is not None
    assert stored.size <= 2048 * 1024
    with Image.open(stored) as picture:
        assert max(picture.size) == MAX_IMAGE_SIDE


def test_files_that_are_not_photos_and_photos_past_the_camera_limit_are_refused() -> None:
    pdf = SimpleUploadedFile("minutes.pdf", b"%PDF-1.7\n" + b"0" * (3 * 1024 * 1024))
    with pytest.raises(DomainError) as refused:
        uploads.accept_upload(pdf, field="minutes", types=["jpg", "pdf"], max_kb=2048)
    assert refused.value.code == "file_too_large"
    assert refused.value.field == "minutes"

    huge = b"\xff\xd8\xff\xe0" + b"0" * (uploads.MAX_PHOTO_UPLOAD_KB * 1024)
    photo = SimpleUploadedFile("IMG_0002.jpg", huge)
    with pytest.raises(DomainError) as refused:
        uploads.accept_upload(photo, field="photo", types=["jpg"], max_kb=2048)
    assert refused.value.code == "file_too_large"
