import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.scopes import Role
from shequ.people.models import User
from shequ.stories import selectors, services
from shequ.stories.models import Item
from tests.factories import SHUIJINGFANG, make_staff, make_user
from tests.stories.conftest import donate, donation, photo

pytestmark = pytest.mark.django_db


def test_donated_photo_is_cleaned_and_a_phone_sized_copy_made(donor: User) -> None:
    item = donate(donor)
    assert item.status == Item.Status.SUBMITTED
    assert item.community_id == "510107005004"
    with Image.open(item.thumbnail.open("rb")) as thumb:
        assert max(thumb.size) <= 480
    with Image.open(item.photo.open("rb")) as picture:
        assert not picture.getexif().get_ifd(0x8825)  # no GPS position kept


def test_a_file_that_is_not_a_picture_is_refused(donor: User) -> None:
    fake = SimpleUploadedFile("old.jpg", b"GIF89a not a jpeg", content_type="image/jpeg")
    with pytest.raises(DomainError) as error:
        services.item_submit(actor=donor, data=donation(), photo=fake)
    assert error.value.field == "photo"
    assert not Item.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "size", "code"),
    [
        ("story.wav", b"RIFF....WAVE", None, "file_type_not_allowed"),
        ("story.mp3", b"%PDF-1.4 pretending", None, "file_type_not_allowed"),
        ("story.mp3", b"ID3\x04\x00 audio", 200 * 1024 * 1024, "file_too_large"),
    ],
)
def test_audio_must_be_mp3_and_not_huge(
    donor: User, name: str, content: bytes, size: int | None, code: str
) -> None:
    audio = SimpleUploadedFile(name, content, content_type="audio/mpeg")
    if size is not None:
        audio.size = size
    with pytest.raises(DomainError) as error:
        services.item_submit(actor=donor, data=donation(), photo=photo(), audio=audio)
    assert error.value.code == code
    assert error.value.field == "audio"
    assert not Item.objects.exists()


def test_only_residents_donate(chengdu: None) -> None:
    with pytest.raises(PermissionDenied):
        services.item_submit(actor=make_user("visitor"), data=donation(), photo=photo())


def test_review_is_for_workers_of_the_community(donor: User, worker: User) -> None:
    item = donate(donor)
    other = make_staff("jinjiang", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    with pytest.raises(NotFound):
        services.item_review(actor=other, item_id=item.pk, publish=True)
    assert list(selectors.review_queue_for(other)) == []
    assert list(selectors.review_queue_for(worker)) == [item]
    with pytest.raises(DomainError) as error:
        services.item_review(actor=worker, item_id=item.pk, publish=False)
    assert error.value.code == "note_needed"
    services.item_review(actor=worker, item_id=item.pk, publish=True)
    assert list(selectors.gallery(community_code=item.community_id, user=None)) == [item]


def test_community_only_items_are_hidden_from_visitors(donor: User, worker: User) -> None:
    item = donate(donor, audience="community")
    services.item_review(actor=worker, item_id=item.pk, publish=True)
    assert list(selectors.gallery(community_code=item.community_id, user=None)) == []
    assert list(selectors.gallery(community_code=item.community_id, user=donor)) == [item]
    with pytest.raises(NotFound):
        selectors.item_page(item_id=item.pk, user=make_user("stranger"))


def test_withdrawing_consent_removes_the_item_at_once(donor: User, worker: User) -> None:
    item = donate(donor)
    services.item_review(actor=worker, item_id=item.pk, publish=True)
    services.item_exhibit(actor=worker, item_id=item.pk, location="党群服务中心一楼")
    with pytest.raises(NotFound):
        services.item_withdraw_consent(actor=worker, item_id=item.pk)
    services.item_withdraw_consent(actor=donor, item_id=item.pk)
    assert list(selectors.gallery(community_code=item.community_id, user=None)) == []
    with pytest.raises(NotFound):
        selectors.item_by_label(code=item.label_code)
    with pytest.raises(NotFound):
        selectors.media_item(item_id=item.pk, user=worker)
    item.refresh_from_db()
    assert not item.photo
    assert not item.exhibit_location
    with pytest.raises(DomainError):
        services.item_review(actor=worker, item_id=item.pk, publish=True)
