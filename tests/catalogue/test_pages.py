from django.core.cache import cache
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from shequ.catalogue.models import Service
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from tests.factories import make_staff


def test_search_page_shows_highlighted_hits(catalogue: None, client: Client) -> None:
    html = client.get("/catalogue/", {"q": "社保"}).content.decode()
    assert "<mark>" in html
    assert "<mark>社保</mark>缴费查询" in html


def test_htmx_search_returns_only_results(catalogue: None, client: Client) -> None:
    response = client.get("/catalogue/", {"q": "户口"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "新生儿<mark>落户</mark>" in html
    assert "<nav" not in html


def test_life_event_lists_services_in_constant_queries(
    catalogue: None, client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client.get("/catalogue/", {"topic": "birth"})
    # Cold cache: the services with their departments, the life events, the themes.
    cache.clear()
    with django_assert_num_queries(3):
        html = client.get("/catalogue/", {"topic": "birth"}).content.decode()
    assert html.count('data-testid="service-row"') >= 8
    # Warm: from the shared cache; another life event reads only its own services.
    with django_assert_num_queries(0):
        again = client.get("/catalogue/", {"topic": "birth"}).content.decode()
    assert again.count('data-testid="service-row"') == html.count('data-testid="service-row"')
    with django_assert_num_queries(1):
        client.get("/catalogue/", {"topic": "old_age"})


def test_service_page_shows_fee_time_limit_and_documents(catalogue: None, client: Client) -> None:
    service = Service.objects.get(code="juzhuzheng")
    html = client.get(f"/catalogue/services/{service.pk}/").content.decode()
    assert "居民身份证" in html
    assert "15" in html


def test_console_lists_only_own_department_services(catalogue: None, client: Client) -> None:
    client.force_login(make_staff("gjj", Role.DEPARTMENT_STAFF, "gongjijin"))
    html = client.get("/console/catalogue/").content.decode()
    assert (
        html.count('data-testid="service-row"')
        == Service.objects.filter(department__code="gongjijin").count()
    )
    other = Service.objects.get(code="juzhuzheng")
    assert client.get(f"/console/catalogue/{other.pk}/").status_code == 404


def test_console_edit_shows_field_error(catalogue: None, client: Client) -> None:
    client.force_login(make_staff("gjj3", Role.DEPARTMENT_STAFF, "gongjijin"))
    service = Service.objects.get(code="gongjijin-tiqu")
    response = client.post(
        f"/console/catalogue/{service.pk}/",
        {
            "name": "住房公积金提取",
            "summary": "<script>x</script>",
            "min_level": 1,
            "fee": "0",
            "channel": "online",
            "kind": "application",
        },
    )
    assert response.status_code == 400
    assert 'data-testid="error-summary"' in response.content.decode()


def test_api_search_and_staff_patch_scope(catalogue: None, client: Client) -> None:
    body = client.get("/api/v1/catalogue/search", {"q": "驾照"}).json()
    assert body[0]["title"] == "机动车驾驶证期满换证"
    service = Service.objects.get(code="juzhuzheng")
    client.force_login(make_staff("mz", Role.DEPARTMENT_STAFF, "minzheng"))
    response = client.patch(
        f"/api/v1/catalogue/services/{service.pk}", {"name": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def _queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_service_lists_keep_a_constant_query_count(catalogue: None, client: Client) -> None:
    client.force_login(make_staff("gq", Role.DEPARTMENT_STAFF, "gongan"))
    few = [
        _queries(client, "/api/v1/catalogue/services?limit=3"),
        _queries(client, "/api/v1/catalogue/search?q=社保&limit=2"),
    ]
    many = [
        _queries(client, "/api/v1/catalogue/services?limit=50"),
        _queries(client, "/api/v1/catalogue/search?q=社保&limit=20"),
    ]
    assert few == many
    gongan_list = _queries(client, "/console/catalogue/")
    client.force_login(make_staff("gq2", Role.DEPARTMENT_STAFF, "minzheng"))
    assert _queries(client, "/console/catalogue/") == gongan_list


def _new_service(**overrides: object) -> dict[str, object]:
    return {
        "code": "gongjijin-xinzeng",
        "name": "公积金贷款额度试算",
        "summary": "按缴存情况估算可贷额度",
        "min_level": 1,
        "fee": "0",
        "channel": "online",
        "kind": "information",
        "is_published": "on",
        **overrides,
    }


def test_department_staff_publish_a_new_service_which_search_finds(
    catalogue: None, client: Client
) -> None:
    client.force_login(make_staff("gjj4", Role.DEPARTMENT_STAFF, "gongjijin"))
    form = client.get("/console/catalogue/new/").content.decode()
    # Only one's own department is offered.
    assert "住房公积金" in form
    assert "公安" not in form
    gongjijin = Service.objects.filter(department__code="gongjijin").first()
    assert gongjijin is not None
    response = client.post(
        "/console/catalogue/new/",
        _new_service(department=gongjijin.department_id, topics=["housing"]),
    )
    assert response.status_code == 302
    service = Service.objects.get(code="gongjijin-xinzeng")
    assert service.department_id == gongjijin.department_id
    hits = client.get("/catalogue/", {"q": "额度试算"}).content.decode()
    assert f"/catalogue/services/{service.pk}/" in hits
    assert AuditEvent.objects.filter(verb="service.create", object_id=str(service.pk)).exists()


def test_a_new_service_for_another_department_or_a_taken_code_is_refused(
    catalogue: None, client: Client
) -> None:
    client.force_login(make_staff("gjj5", Role.DEPARTMENT_STAFF, "gongjijin"))
    police = Service.objects.get(code="juzhuzheng").department_id
    before = Service.objects.count()
    foreign = client.post("/console/catalogue/new/", _new_service(department=police))
    assert foreign.status_code == 400  # not among the choices
    own = Service.objects.get(code="gongjijin-tiqu").department_id
    taken = client.post(
        "/console/catalogue/new/",
        _new_service(department=own, code="gongjijin-tiqu"),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert taken.status_code == 400
    assert 'data-testid="error-code"' in taken.content.decode()
    assert Service.objects.count() == before


def test_community_workers_cannot_open_the_new_service_page(
    catalogue: None, client: Client
) -> None:
    client.force_login(make_staff("sq1", Role.COMMUNITY_WORKER, "510107005004"))
    assert client.get("/console/catalogue/new/").status_code == 403
