"""Residents follow proposals from the page, attach photos when proposing; staff API extras."""

import json
from html import escape
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from shequ.core.uploads import MAX_IMAGE_SIDE, MAX_PHOTO_UPLOAD_KB
from shequ.participation.models import Follow, Proposal, ProposalPhoto
from shequ.participation.services import proposals
from tests import images
from tests.factories import NIJIAQIAO, SHUIJINGFANG
from tests.participation.conftest import Place, voting_round

PNG = images.png()
JPG = images.jpeg()


def said(msgid: str, **params: object) -> str:
    with translation.override("zh-hans"):
        text = gettext(msgid)
    return escape(text % params if params else text)


@pytest.fixture(autouse=True)
def media(settings: LazySettings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def proposal_of(place: Place) -> Proposal:
    return proposals.proposal_create(
        actor=place.residents[0],
        community_code=NIJIAQIAO,
        title="修缮凉亭",
        description="凉亭漏雨",
        category="facilities",
    )


def test_a_neighbour_follows_and_unfollows_from_the_page(place: Place, client: Client) -> None:
    proposal = proposal_of(place)
    url = f"/participation/proposals/{proposal.pk}/"
    neighbour = place.residents[1]
    client.force_login(neighbour)
    page = client.get(url).content.decode()
    assert 'data-testid="follow"' in page
    response = client.post(f"{url}follow/", {"follow": "1"}, follow=True)
    assert Follow.objects.filter(proposal=proposal, user=neighbour).exists()
    page = response.content.decode()
    assert 'data-testid="unfollow"' in page
    assert said("You follow this proposal: you get a message on every change.") in page
    # Followers hear of changes: the worker hides it.
    proposals.proposal_hide(actor=place.worker, proposal_id=proposal.pk, reason="重复")
    assert neighbour.messages.count() == 1
    proposal.status = Proposal.Status.OPEN
    proposal.save()
    client.post(f"{url}follow/", {"follow": "0"})
    assert not Follow.objects.filter(proposal=proposal, user=neighbour).exists()
    assert 'data-testid="follow"' in client.get(url).content.decode()


@pytest.mark.parametrize("who", ["outsider", "unverified"])
def test_only_verified_residents_of_the_community_may_follow(
    place: Place, client: Client, who: str
) -> None:
    proposal = proposal_of(place)
    url = f"/participation/proposals/{proposal.pk}/"
    client.force_login(getattr(place, who))
    page = client.get(url).content.decode()
    assert 'data-testid="follow"' not in page
    response = client.post(f"{url}follow/", {"follow": "1"}, follow=True)
    assert said("Only ID-checked residents of this community may take part.") in (
        response.content.decode()
    )
    assert not Follow.objects.filter(proposal=proposal, user=getattr(place, who)).exists()


def test_anonymous_visitors_see_no_follow_button(place: Place, client: Client) -> None:
    proposal = proposal_of(place)
    url = f"/participation/proposals/{proposal.pk}/"
    assert 'data-testid="follow"' not in client.get(url).content.decode()
    assert client.post(f"{url}follow/").status_code == 302
    assert Follow.objects.filter(proposal=proposal).count() == 1  # the author only


def propose(client: Client, *files: SimpleUploadedFile) -> tuple[int, str]:
    response = client.post(
        f"/participation/c/{NIJIAQIAO}/propose/",
        {
            "title": "增设晾衣架",
            "description": "院坝里没地方晒被子",
            "category": "facilities",
            "photos": list(files),
        },
    )
    return response.status_code, response.content.decode()


def test_photos_come_with_the_proposal_and_show_on_its_page(place: Place, client: Client) -> None:
    client.force_login(place.residents[0])
    status, _page = propose(
        client,
        SimpleUploadedFile("院坝.png", PNG, content_type="image/png"),
        SimpleUploadedFile("IMG_1.JPEG", JPG, content_type="image/jpeg"),
    )
    assert status == 302
    proposal = Proposal.objects.get(title="增设晾衣架")
    photos = list(proposal.photos.all())
    assert [(p.position, p.content_type) for p in photos] == [(1, "image/png"), (2, "image/jpeg")]
    client.logout()
    page = client.get(f"/participation/proposals/{proposal.pk}/").content.decode()
    assert page.count('data-testid="photo"') == 2
    served = client.get(f"/participation/photos/{photos[0].pk}/")
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    body = b"".join(served.streaming_content)  # type: ignore[attr-defined]
    assert images.metadata_of(body)["size"] == (64, 48)
    proposals.proposal_hide(actor=place.worker, proposal_id=proposal.pk, reason="不当内容")
    assert client.get(f"/participation/photos/{photos[0].pk}/").status_code == 404


def test_a_phone_photo_is_served_without_its_gps_and_downscaled(
    place: Place, client: Client, media: Path
) -> None:
    # given a resident's phone photo (3000×2250) that says in its EXIF where it was taken
    client.force_login(place.residents[0])
    taken = images.jpeg(3000, 2250, gps=True)
    status, _page = propose(client, SimpleUploadedFile("IMG_0001.jpg", taken, "image/jpeg"))
    assert status == 302
    # when anyone opens the photo of the proposal
    photo = ProposalPhoto.objects.get()
    client.logout()
    served = client.get(f"/participation/photos/{photo.pk}/")
    body = b"".join(served.streaming_content)  # type: ignore[attr-defined]
    # then it carries no EXIF at all and fits within the maximum side
    seen = images.metadata_of(body)
    assert (seen["exif"], seen["gps"], seen["metadata"]) == ({}, {}, [])
    assert max(seen["size"]) <= MAX_IMAGE_SIDE  # type: ignore[call-overload]
    assert photo.size == len(body)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            [("a.png", PNG), ("b.png", PNG), ("c.png", PNG), ("d.png", PNG)],
            ("Attach at most %(n)s photos.", {"n": 3}),
        ),
        (
            [("fake.png", b"<svg onload=alert(1)>" + b" " * 50)],
            ("Upload one of these file types: %(types)s.", {"types": "jpg, png"}),
        ),
        (
            [("swapped.png", JPG)],
            ("Upload one of these file types: %(types)s.", {"types": "jpg, png"}),
        ),
        (
            [("script.exe", PNG)],
            ("Upload one of these file types: %(types)s.", {"types": "jpg, png"}),
        ),
        (
            # A photo is downscaled before the 5 MB limit applies; past what a camera takes
            # it is refused unread.
            [("huge.jpg", JPG + b"\x00" * (MAX_PHOTO_UPLOAD_KB * 1024))],
            ("The file is larger than %(kb)s KB.", {"kb": MAX_PHOTO_UPLOAD_KB}),
        ),
    ],
)
def test_bad_photos_are_refused_and_nothing_is_stored(
    place: Place,
    client: Client,
    media: Path,
    files: list[tuple[str, bytes]],
    message: tuple[str, dict[str, object]],
) -> None:
    client.force_login(place.residents[0])
    status, page = propose(client, *(SimpleUploadedFile(n, c) for n, c in files))
    assert status == 400
    assert 'data-testid="error-photos"' in page
    assert said(message[0], **message[1]) in page
    assert not Proposal.objects.exists()
    assert not ProposalPhoto.objects.exists()
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_follow_merge_and_rules_over_the_api(place: Place, client: Client) -> None:
    base = "/api/v1/participation"
    first, second = proposal_of(place), proposal_of(place)
    client.force_login(place.residents[2])
    assert client.put(f"{base}/proposals/{first.pk}/follow").json() == {"following": True}
    assert client.delete(f"{base}/proposals/{first.pk}/follow").json() == {"following": False}
    client.force_login(place.outsider)
    assert client.put(f"{base}/proposals/{first.pk}/follow").status_code == 403

    elsewhere = proposals.proposal_create(
        actor=place.outsider,
        community_code=SHUIJINGFANG,
        title="别处",
        description="d",
        category="other",
    )
    client.force_login(place.worker)
    response = client.post(
        f"{base}/proposals/{second.pk}/merge",
        json.dumps({"into": elsewhere.pk}),
        content_type="application/json",
    )
    assert (response.status_code, response.json()["code"]) == (400, "merge_other_community")
    response = client.post(
        f"{base}/proposals/{second.pk}/merge",
        json.dumps({"into": first.pk, "reason": "重复"}),
        content_type="application/json",
    )
    assert (response.status_code, response.json()["id"]) == (200, first.pk)

    budget_round = voting_round(place)
    response = client.put(
        f"{base}/rounds/{budget_round.pk}/rules",
        json.dumps({"rule": "k_approval", "max_choices": 1, "method": "greedy"}),
        content_type="application/json",
    )
    assert (response.status_code, response.json()["code"]) == (400, "rules_frozen")
    client.force_login(place.other_worker)
    response = client.put(
        f"{base}/rounds/{budget_round.pk}/rules",
        json.dumps({"rule": "k_approval", "max_choices": 1, "method": "greedy"}),
        content_type="application/json",
    )
    assert response.status_code == 404
