"""Request categories in English on English pages; the committee names them."""

import pytest
from django.test import Client

from shequ.appeals.models import Category
from shequ.people.models import User
from tests.appeals.conftest import category, street_light

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def test_intake_picker_and_public_pages_in_english(client: Client, resident: User) -> None:
    Category.objects.filter(code="biaoyang").update(name_en="")  # not translated yet
    client.force_login(resident)
    page = client.get("/appeals/new/", **EN).text
    assert "Street light out · " in page
    assert "Noise nuisance · " in page
    assert "表扬 · " in page  # no English name: the Chinese one
    assert "路灯故障 · " not in page
    assert "Wuhou District" in page  # the district picker
    chinese = client.get("/appeals/new/", **ZH).text
    assert "路灯故障 · " in chinese
    assert "Street light out" not in chinese
    appeal = street_light(resident)
    detail = Client().get(f"/appeals/{appeal.pk}/", **EN).text
    assert f"{appeal.number}</span> · Street light out</h1>" in detail
    listing = Client().get("/appeals/", **EN).text
    assert f"{appeal.number} · Street light out" in listing
    assert f"{appeal.number} · 路灯故障" in Client().get("/appeals/", **ZH).text
    api = Client().get("/api/v1/appeals/categories").json()
    assert {"code": "ludeng", "name": "路灯故障", "name_en": "Street light out"}.items() <= (
        next(c for c in api if c["code"] == "ludeng").items()
    )


def test_committee_names_a_category_in_english(client: Client, dispatcher: User) -> None:
    noise = category("zaosheng")
    client.force_login(dispatcher)
    form = client.get(f"/console/appeals/categories/{noise.pk}/").text
    assert 'name="name_en"' in form
    data = {
        "code": noise.code,
        "name": noise.name,
        "name_en": "Noise",
        "nature": noise.nature,
        "deadline_class": noise.deadline_class,
        "service_code": noise.service_code,
        "position": noise.position,
        "is_active": "on",
        "followup_days": 30,
    }
    assert client.post(f"/console/appeals/categories/{noise.pk}/", data).status_code == 302
    assert category("zaosheng").name_en == "Noise"
    refused = client.post(
        f"/console/appeals/categories/{noise.pk}/", {**data, "name_en": "<b>Noise</b>"}, **ZH
    )
    assert refused.status_code == 400
    assert 'data-testid="error-name_en"' in refused.text
    assert category("zaosheng").name_en == "Noise"
