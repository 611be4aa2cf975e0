import pytest
from django.test import Client

from shequ.appeals.models import Appeal
from shequ.catalogue.demo import seed_catalogue
from shequ.people.models import User
from tests.appeals.conftest import PIN, category, photo, street_light
from tests.factories import NIJIAQIAO

pytestmark = pytest.mark.django_db


def test_resident_reports_from_the_phone_page(client: Client, resident: User) -> None:
    client.force_login(resident)
    page = client.get("/appeals/new/?category=ludeng")
    assert page.status_code == 200
    assert f'value="{category("ludeng").pk}" data-out="" data-redirect="" selected' in page.text
    assert f'value="{NIJIAQIAO}" selected' in page.text  # the resident's own community
    response = client.post(
        "/appeals/new/",
        {
            "category": category("ludeng").pk,
            "description": "路灯不亮",
            "community": NIJIAQIAO,
            "longitude": PIN[0],
            "latitude": PIN[1],
            "photos": [photo()],
        },
    )
    appeal = Appeal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/appeals/{appeal.pk}/"
    detail = client.get(response["Location"])
    assert "倪家桥社区居委会" in detail.text
    assert "派单目录 v1" in detail.text
    assert client.get("/appeals/mine/").text.count('data-testid="my-appeal"') == 1


def test_bad_photo_gives_a_chinese_error_and_keeps_nothing(client: Client, resident: User) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(resident)
    response = client.post(
        "/appeals/new/",
        {
            "category": category("ludeng").pk,
            "description": "路灯不亮",
            "community": NIJIAQIAO,
            "photos": [SimpleUploadedFile("x.jpg", b"plain text")],
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert 'data-testid="error-photos"' in response.text
    assert not Appeal.objects.exists()


def test_public_page_and_list_show_no_personal_data(client: Client, resident: User) -> None:
    appeal = street_light(resident)
    private = street_light(resident, is_private=True)
    page = Client().get(f"/appeals/{appeal.pk}/")
    assert page.status_code == 200
    assert "reporter" not in page.text
    assert "李四" not in page.text
    assert Client().get(f"/appeals/{private.pk}/").status_code == 404
    listing = Client().get("/appeals/")
    assert listing.text.count('data-testid="public-appeal"') == 1
    points = Client().get("/appeals/map/points.json").json()
    assert points["count"] == 1
    assert points["ids"] == [appeal.pk]
    assert points["open"] == [1]
    west, south = points["origin"]
    lon = west + points["lon"][0] / points["scale"]
    lat = south + points["lat"][0] / points["scale"]
    assert (round(lon, 5), round(lat, 5)) == PIN


def test_nearby_fragment_offers_me_too(client: Client, resident: User) -> None:
    appeal = street_light(resident)
    response = client.get(
        "/appeals/nearby/",
        {
            "category": appeal.category_id,
            "community": NIJIAQIAO,
            "longitude": PIN[0],
            "latitude": PIN[1],
        },
    )
    assert appeal.number in response.text


def test_console_queues_count_and_units_act(
    client: Client, resident: User, worker: User, dispatcher: User
) -> None:
    appeal = street_light(resident)
    client.force_login(worker)
    page = client.get("/console/appeals/?queue=unit")
    assert 'data-testid="count-unit">1<' in page.text
    response = client.post(f"/console/appeals/{appeal.pk}/return/", {"reason": "", "text": ""})
    assert response.status_code == 400
    assert Appeal.objects.get().status == Appeal.Status.DISPATCHED
    client.post(
        f"/console/appeals/{appeal.pk}/return/", {"reason": "wrong_area", "text": "不归我们"}
    )
    assert Appeal.objects.get().status == Appeal.Status.RETURNED
    desk = Client()
    desk.force_login(dispatcher)
    assert 'data-testid="count-dispatch">1<' in desk.get("/console/appeals/?queue=dispatch").text
    call = desk.post(
        "/console/appeals/call/",
        {
            "category": category("gongshui").pk,
            "description": "停水",
            "community": NIJIAQIAO,
            "caller_name": "王先生",
            "caller_phone": "13912345678",
        },
    )
    assert call.status_code == 302
    detail = desk.get(call["Location"])
    assert "139****5678" in detail.text
    assert "13912345678" not in detail.text


def test_resident_cannot_use_the_console(client: Client, resident: User) -> None:
    client.force_login(resident)
    assert client.get("/console/appeals/").status_code == 403


def test_catalogue_service_opens_the_intake(client: Client, resident: User) -> None:
    seed_catalogue(policies_per_service=0)
    from shequ.catalogue.models import Service

    service = Service.objects.get(code="shuiwu-baoxiu")
    client.force_login(resident)
    page = client.get(f"/catalogue/services/{service.pk}/")
    assert "/appeals/new/?category=gongshui" in page.text


def test_api_intake_and_categories(client: Client, resident: User) -> None:
    categories = client.get("/api/v1/appeals/categories").json()
    assert any(c["code"] == "xinfang" and c["out_of_scope"] for c in categories)
    client.force_login(resident)
    response = client.post(
        "/api/v1/appeals",
        {"category_id": category("ludeng").pk, "description": "路灯不亮", "community": NIJIAQIAO},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["unit"] == "倪家桥社区居委会"
    bad = client.post(
        "/api/v1/appeals",
        {"category_id": category("xinfang").pk, "description": "x", "community": NIJIAQIAO},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["code"] == "out_of_scope"
