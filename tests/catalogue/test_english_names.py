"""English names of services, life events and themes on English pages."""

from django.test import Client

from shequ.catalogue.models import Service, Topic
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from tests.factories import CITY, make_staff

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def test_life_events_and_themes_in_english_with_chinese_fallback(
    catalogue: None, client: Client
) -> None:
    death = Topic.objects.get(code="death")
    death.name_en = ""
    death.save()  # a topic nobody translated yet
    english = client.get("/catalogue/", **EN).content.decode()
    assert "Having a baby" in english
    assert "Social insurance" in english
    assert "身后事" in english  # no English name: the Chinese one
    assert "生育出生" not in english
    chinese = client.get("/catalogue/", **ZH).content.decode()
    assert "生育出生" in chinese
    assert "Having a baby" not in chinese
    home = Client().get("/", **EN).content.decode()
    assert "Having a baby" in home
    assert "生育出生" in Client().get("/", **ZH).content.decode()


def test_staff_give_a_service_an_english_name_shown_on_english_pages(
    catalogue: None, client: Client
) -> None:
    service = Service.objects.get(code="gongjijin-tiqu")
    chinese_name = service.name
    client.force_login(make_staff("gjj_en", Role.DEPARTMENT_STAFF, "gongjijin"))
    form = client.get(f"/console/catalogue/{service.pk}/").content.decode()
    assert 'name="name_en"' in form
    response = client.post(
        f"/console/catalogue/{service.pk}/",
        {
            "name": chinese_name,
            "name_en": "Withdrawing from the housing provident fund",
            "summary": service.summary,
            "min_level": service.min_level,
            "fee": "0",
            "channel": service.channel,
            "kind": service.kind,
            "topics": list(service.topics.values_list("code", flat=True)),
            "is_published": "on",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(verb="service.update", object_id=str(service.pk)).get()
    assert event.changes["name_en"] == ["", "Withdrawing from the housing provident fund"]
    page = Client().get(f"/catalogue/services/{service.pk}/", **EN).content.decode()
    assert "Withdrawing from the housing provident fund" in page
    assert "Housing provident fund" in page  # its theme, in English too
    chinese = Client().get(f"/catalogue/services/{service.pk}/", **ZH).content.decode()
    assert f'data-testid="service-name">{chinese_name}<' in chinese
    assert "Withdrawing" not in chinese
    # Lists and search results show it too; a service without one keeps its Chinese name.
    listing = Client().get("/catalogue/", {"topic": "gongjijin"}, **EN).content.decode()
    assert "Withdrawing from the housing provident fund" in listing
    other = Service.objects.filter(topics__code="gongjijin").exclude(pk=service.pk).first()
    assert other is not None
    assert other.name in listing
    found = Client().get("/catalogue/", {"q": "公积金提取"}, **EN).content.decode()
    assert "Withdrawing from the housing provident fund" in found
    api = Client().get(f"/api/v1/catalogue/services/{service.pk}").json()
    assert api["name"] == chinese_name
    assert api["name_en"] == "Withdrawing from the housing provident fund"


def test_markup_in_an_english_name_is_refused_and_nothing_changes(
    catalogue: None, client: Client
) -> None:
    service = Service.objects.get(code="gongjijin-tiqu")
    client.force_login(make_staff("gjj_en2", Role.DEPARTMENT_STAFF, "gongjijin"))
    response = client.post(
        f"/console/catalogue/{service.pk}/",
        {
            "name": service.name,
            "name_en": "<b>Fund</b>",
            "summary": service.summary,
            "min_level": service.min_level,
            "fee": "0",
            "channel": service.channel,
            "kind": service.kind,
        },
        **ZH,
    )
    assert response.status_code == 400
    assert 'data-testid="error-name_en"' in response.content.decode()
    service.refresh_from_db()
    assert service.name_en == ""


def test_committee_names_a_theme_in_english(catalogue: None, client: Client) -> None:
    topic = Topic.objects.get(code="nashui")
    client.force_login(make_staff("cmt_en", Role.CITY_COMMITTEE, CITY))
    response = client.post(
        f"/console/catalogue/topics/{topic.pk}/",
        {
            "name": topic.name,
            "name_en": "Paying taxes",
            "order": topic.order,
            "services": list(topic.services.values_list("pk", flat=True)),
        },
    )
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.name_en == "Paying taxes"
    assert "Paying taxes" in Client().get("/catalogue/", **EN).content.decode()
    listed = Client().get("/api/v1/catalogue/topics", {"kind": "theme"}).json()
    assert {"code": "nashui", "name_en": "Paying taxes"}.items() <= next(
        t for t in listed if t["code"] == "nashui"
    ).items()


def test_the_language_switch_turns_names_english_and_back(catalogue: None, client: Client) -> None:
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/catalogue/"})
    assert switched.status_code == 302
    assert "Going to school" in client.get("/catalogue/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/catalogue/"})
    back = client.get("/catalogue/").content.decode()
    assert "上学教育" in back
    assert "Going to school" not in back
