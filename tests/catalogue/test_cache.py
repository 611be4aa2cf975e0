"""The catalogue's searches and lists come from the shared cache, and are never stale."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from shequ.catalogue.cache import catalogue_version
from shequ.catalogue.models import PolicyDocument, Service, Topic
from shequ.catalogue.selectors import (
    bump_catalogue_version,
    published_services,
    service_search,
    topics_of_kind,
)
from shequ.catalogue.services import search_entry_refresh, service_update
from shequ.core.scopes import Role
from shequ.people.models import Department
from tests.factories import make_staff


def test_a_repeated_search_asks_the_database_nothing(catalogue: None) -> None:
    first = [h.title for h in service_search(query="身份证丢了怎么办", limit=5)]
    with CaptureQueriesContext(connection) as queries:
        again = [h.title for h in service_search(query="身份证丢了怎么办", limit=5)]
        topics = topics_of_kind(kind=Topic.Kind.LIFE_EVENT)
        topics = topics_of_kind(kind=Topic.Kind.LIFE_EVENT)
    assert again == first
    assert "居民身份证补领" in again
    assert topics
    # The topics were read once (the first call), the search not at all.
    assert len(queries) == 1


def test_the_catalogue_page_searches_from_the_cache(catalogue: None, client: Client) -> None:
    url = "/catalogue/?q=%E5%B1%85%E4%BD%8F%E8%AF%81"  # 居住证
    assert "<mark>居住证</mark>办理" in client.get(url).content.decode()
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    assert "<mark>居住证</mark>办理" in page
    catalogue_queries = [q["sql"] for q in queries if "catalogue_" in q["sql"]]
    assert catalogue_queries == []


def test_a_service_edited_through_the_service_shows_at_once(catalogue: None) -> None:
    staff = make_staff("gaj", Role.DEPARTMENT_STAFF, "gongan")
    service = Service.objects.get(code="juzhuzheng")
    assert "居住证办理" in [h.title for h in service_search(query="居住证", limit=5)]
    service_update(actor=staff, service_id=service.pk, name="居住证申领（新市民）")
    after = [h.title for h in service_search(query="居住证", limit=5)]
    assert "居住证申领（新市民）" in after
    assert "居住证办理" not in after
    service_update(actor=staff, service_id=service.pk, is_published=False)
    assert "居住证申领（新市民）" not in [h.title for h in service_search(query="居住证")]


def test_lists_follow_topic_changes_and_direct_writes(catalogue: None, client: Client) -> None:
    # Writes outside the services (seeders, the admin site) invalidate too.
    births = published_services(topic="birth")
    assert births
    first = births[0]
    first.topics.remove(Topic.objects.get(code="birth"))
    assert first.pk not in [s.pk for s in published_services(topic="birth")]

    assert "生育出生" in client.get("/catalogue/").content.decode()
    topic = Topic.objects.get(code="birth")
    topic.name = "宝宝出生"
    topic.save()
    assert "宝宝出生" in client.get("/catalogue/").content.decode()

    department = first.department
    department.short_name = "新名字局"
    department.save()
    rows = published_services(kind=first.kind)
    assert "新名字局" in [s.department.short_name for s in rows if s.department_id == department.pk]


def test_new_policies_are_found_at_once(catalogue: None) -> None:
    assert service_search(query="积分落户", kind="policy") == []
    version = catalogue_version()

    policy = PolicyDocument.objects.create(
        department=Department.objects.get(code="gongan"),
        title="成都市积分落户管理办法",
        body="积分落户的条件和程序。",
        published_on="2026-01-05",
    )
    search_entry_refresh(policy=policy)
    assert catalogue_version() != version
    titles = [h.title for h in service_search(query="积分落户", kind="policy")]
    assert titles == ["成都市积分落户管理办法"]


def test_a_bump_by_hand_drops_every_cached_read(catalogue: None) -> None:
    # For writes that send no signal (QuerySet.update), bump_catalogue_version() by hand.
    topics_of_kind(kind=Topic.Kind.THEME)
    Topic.objects.filter(kind=Topic.Kind.THEME).update(name="改名")
    assert "改名" not in [t.name for t in topics_of_kind(kind=Topic.Kind.THEME)]
    bump_catalogue_version()
    assert {t.name for t in topics_of_kind(kind=Topic.Kind.THEME)} == {"改名"}


def test_each_language_has_its_own_entries(catalogue: None, client: Client) -> None:
    with translation.override("en"):
        english = topics_of_kind(kind=Topic.Kind.THEME)
    with translation.override("zh-hans"):
        chinese = topics_of_kind(kind=Topic.Kind.THEME)
    assert [t.code for t in english] == [t.code for t in chinese]


def test_the_search_page_shows_an_edit_at_once(catalogue: None, client: Client) -> None:
    staff = make_staff("gaj3", Role.DEPARTMENT_STAFF, "gongan")
    service = Service.objects.get(code="juzhuzheng")
    url = "/catalogue/?q=%E5%B1%85%E4%BD%8F%E8%AF%81"  # 居住证
    htmx = {"HX-Request": "true"}
    assert "<mark>居住证</mark>办理" in client.get(url).content.decode()
    assert "<mark>居住证</mark>办理" in client.get(url, headers=htmx).content.decode()
    service_update(actor=staff, service_id=service.pk, name="居住证申领（新市民）")
    for page in (client.get(url), client.get(url, headers=htmx)):
        html = page.content.decode()
        assert "<mark>居住证</mark>申领（新市民）" in html
        assert "<mark>居住证</mark>办理" not in html
    # The topic buttons too: a renamed life event shows on the next visit.
    assert "生育出生" in client.get("/catalogue/").content.decode()
    topic = Topic.objects.get(code="birth")
    topic.name = "宝宝出生"
    topic.save()
    browse = client.get("/catalogue/").content.decode()
    assert "宝宝出生" in browse
    assert "生育出生" not in browse
