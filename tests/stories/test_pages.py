import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from shequ.people.models import User
from shequ.stories import services
from shequ.stories.models import Item
from tests.factories import NIJIAQIAO
from tests.images import png
from tests.stories.conftest import donate, photo

pytestmark = pytest.mark.django_db


def test_donate_from_the_phone_then_publish_and_scan(
    client: Client, donor: User, worker: User
) -> None:
    client.force_login(donor)
    form = {
        "kind": "photo",
        "title": "老茶馆",
        "description": "爷爷每天都去。",
        "audience": "public",
        "licence": "cc_by",
        "era": "1970年代",
    }
    response = client.post("/stories/donate/", {**form, "photo": photo()})
    assert response.status_code == 400  # consent not given
    assert 'data-testid="error-consent"' in response.content.decode()
    response = client.post("/stories/donate/", {**form, "consent": "on", "photo": photo()})
    assert response.status_code == 302
    item = Item.objects.get()
    assert "等待审核" in client.get("/stories/mine/").content.decode()
    assert client.get(f"/stories/items/{item.pk}/").status_code == 404
    client.force_login(worker)
    assert (
        client.post(f"/console/stories/{item.pk}/review/", {"decision": "publish"}).status_code
        == 302
    )
    response = client.post(f"/console/stories/{item.pk}/exhibit/", {"location": "一楼"})
    assert response.status_code == 302
    label = client.get(f"/console/stories/{item.pk}/label/").content.decode()
    assert f"/stories/l/{item.label_code}/" in label
    assert "<svg" in label
    client.logout()
    response = client.get(f"/stories/l/{item.label_code}/", follow=True)
    assert "老茶馆" in response.content.decode()
    assert client.get(f"/stories/items/{item.pk}/thumb/")["Content-Type"] == "image/jpeg"


def test_a_png_named_jpg_is_refused_on_the_form(client: Client, donor: User) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(donor)
    wrong = SimpleUploadedFile("a.jpg", png(), content_type="image/jpeg")
    response = client.post(
        "/stories/donate/",
        {
            "kind": "photo",
            "title": "t",
            "description": "d",
            "audience": "public",
            "licence": "cc_by",
            "consent": "on",
            "photo": wrong,
        },
    )
    assert response.status_code == 400
    assert 'data-testid="error-photo"' in response.content.decode()


def test_gallery_pages_and_query_count(
    client: Client, donor: User, worker: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    item = donate(donor)
    services.item_review(actor=worker, item_id=item.pk, publish=True)
    client.get(f"/stories/c/{NIJIAQIAO}/")
    with django_assert_num_queries(3):
        page = client.get(f"/stories/c/{NIJIAQIAO}/").content.decode()
    assert page.count('data-testid="story-card"') == 1
    assert 'loading="lazy"' in page
    assert "王秀英" in client.get(f"/stories/items/{item.pk}/").content.decode()
    assert (
        client.get("/api/v1/stories", {"community": NIJIAQIAO}).json()["items"][0]["contributor"]
        == "王秀英"
    )


def test_console_is_scoped(client: Client, donor: User) -> None:
    from shequ.core.scopes import Role
    from tests.factories import SHUIJINGFANG, make_staff

    item = donate(donor)
    client.force_login(make_staff("other", Role.COMMUNITY_WORKER, SHUIJINGFANG))
    assert client.get(f"/console/stories/{item.pk}/").status_code == 404
    assert 'data-testid="queue-row"' not in client.get("/console/stories/").content.decode()
    client.force_login(donor)
    assert client.get("/console/stories/").status_code == 403
