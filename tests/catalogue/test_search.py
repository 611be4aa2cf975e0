import pytest

from shequ.catalogue.demo import seed_catalogue
from shequ.catalogue.models import PolicyDocument, SearchEntry, Service
from shequ.catalogue.selectors import service_search
from shequ.catalogue.services import service_update
from shequ.core.scopes import Role
from tests.factories import make_staff


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("身份证", "居民身份证补领"),
        ("社保", "社保缴费查询"),
        ("提公积金", "住房公积金提取（租房）"),
        ("暂住证", "居住证办理"),
        ("老年证", "老年人优待证办理"),
        ("生娃 上户口", "新生儿落户"),
        ("水费", "水电气缴费"),
        ("看病", "预约挂号"),
        ("身份证丢了怎么办", "居民身份证补领"),
    ],
)
def test_colloquial_words_find_the_official_service(catalogue: None, typed, expected) -> None:
    titles = [hit.title for hit in service_search(query=typed, limit=5)]
    assert expected in titles


def test_results_are_ranked_title_matches_first(catalogue: None) -> None:
    hits = service_search(query="居住证", limit=10)
    assert hits[0].title.startswith("居住证")


def test_matches_are_highlighted_and_text_escaped(catalogue: None) -> None:
    hit = service_search(query="居住证", limit=1)[0]
    assert hit.title_html.startswith("<mark>居住证</mark>")
    assert "<mark>" in hit.snippet_html


def test_highlight_escapes_markup_around_terms() -> None:
    from shequ.catalogue.search import highlight

    assert highlight("<b>居住证</b>", ["居住证"]) == "&lt;b&gt;<mark>居住证</mark>&lt;/b&gt;"


def test_script_in_query_is_harmless(catalogue: None) -> None:
    assert service_search(query="<script>alert(1)</script>") == []
    assert service_search(query='" OR 1=1 --') == []


def test_editing_a_service_reindexes_it(catalogue: None) -> None:
    staff = make_staff("gaj", Role.DEPARTMENT_STAFF, "gongan")
    service = Service.objects.get(code="juzhuzheng")
    service_update(actor=staff, service_id=service.pk, name="居住证申领（新市民）")
    assert service_search(query="新市民", limit=3)[0].title == "居住证申领（新市民）"


def test_unpublished_services_disappear_from_search(catalogue: None) -> None:
    staff = make_staff("gaj2", Role.DEPARTMENT_STAFF, "gongan")
    service = Service.objects.get(code="juzhuzheng")
    service_update(actor=staff, service_id=service.pk, is_published=False)
    assert "居住证办理" not in [h.title for h in service_search(query="居住证")]


def test_policies_are_searchable_and_seed_is_idempotent(chengdu: None) -> None:
    first = seed_catalogue(policies_per_service=1)
    assert first["services"] >= 100
    assert seed_catalogue() == {"topics": 0, "services": 0, "policies": 0}
    assert SearchEntry.objects.count() == Service.objects.count() + PolicyDocument.objects.count()
    assert any(h.kind == "policy" for h in service_search(query="管理办法 公积金", limit=20))


def test_catalogue_covers_thirty_departments(catalogue: None) -> None:
    assert Service.objects.values("department").distinct().count() >= 30
