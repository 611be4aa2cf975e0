"""Reads of divisions: ancestors, descendants, children, search and the tree."""

import pytest

from shequ.core.errors import NotFound
from shequ.places.models import Division
from shequ.places.selectors import (
    division_ancestors,
    division_children,
    division_descendants,
    division_get,
    division_list,
    division_search,
    division_tree,
)
from tests.factories import CITY, JINJIANG, NIJIAQIAO, SHUIJINGFANG, WUHOU, YULIN


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (NIJIAQIAO, ["成都市", "武侯区", "玉林街道"]),
        (YULIN, ["成都市", "武侯区"]),
        (WUHOU, ["成都市"]),
        (CITY, []),
        (SHUIJINGFANG, ["成都市", "锦江区", "锦官驿街道"]),
    ],
)
def test_ancestors_run_from_the_city_down(chengdu: None, code: str, expected: list[str]) -> None:
    assert [str(d) for d in division_ancestors(code)] == expected


def test_descendants_of_a_street_are_only_its_communities(chengdu: None) -> None:
    # when asking for everything under 玉林街道
    descendants = list(division_descendants(YULIN))
    # then all are its communities: 倪家桥 among them, no other street's, not itself
    assert len(descendants) == 11
    assert {d.level for d in descendants} == {"community"}
    assert {d.parent_id for d in descendants} == {YULIN}
    assert NIJIAQIAO in {d.code for d in descendants}
    assert YULIN not in {d.code for d in descendants}
    assert descendants == list(Division.objects.filter(parent_id=YULIN))


def test_descendants_of_a_district_by_level(chengdu: None) -> None:
    streets = division_descendants(WUHOU, level="street")
    communities = division_descendants(WUHOU, level="community")
    assert streets.count() == 15
    assert {d.parent_id for d in streets} == {WUHOU}
    assert communities.count() == Division.objects.filter(parent__parent_id=WUHOU).count()
    assert not communities.filter(code__startswith="510104").exists()


def test_children_leave_out_inactive_divisions_unless_asked(chengdu: None) -> None:
    Division.objects.filter(pk=NIJIAQIAO).update(is_active=False)
    assert NIJIAQIAO not in {d.code for d in division_children(YULIN)}
    assert NIJIAQIAO in {d.code for d in division_children(YULIN, include_inactive=True)}
    assert division_children(YULIN).count() == 10


def test_list_by_level_and_parent(chengdu: None) -> None:
    assert division_list(level="district").count() == 20
    assert [d.short_name for d in division_list(parent=YULIN)][:2] == [
        "玉林北路社区",
        "玉林东路社区",
    ]
    assert division_list(level="street", parent=JINJIANG).count() == 11


@pytest.mark.parametrize(
    ("query", "first", "all_within"),
    [
        ("倪家桥", NIJIAQIAO, "510107005004"),
        ("  倪家桥社区 ", NIJIAQIAO, "510107005004"),
        ("510107005", YULIN, "510107005"),
        ("510107005004", NIJIAQIAO, "510107005004"),
        ("武侯", WUHOU, "510107"),
        ("水井坊", SHUIJINGFANG, "510104017001"),
    ],
)
def test_search_by_name_or_code_prefix(
    chengdu: None, query: str, first: str, all_within: str
) -> None:
    results = division_search(query)
    assert results[0].code == first
    assert all(d.code.startswith(all_within) for d in results)


def test_search_by_code_prefix_finds_the_street_and_its_communities(chengdu: None) -> None:
    results = division_search("510107005")
    assert [d.level for d in results[:2]] == ["street", "community"]
    assert len(results) == 12


def test_search_by_name_prefers_the_exact_match(chengdu: None) -> None:
    # 玉林 matches the street and its 玉林… communities; the street comes first
    results = division_search("玉林街道")
    assert results[0].code == YULIN
    assert division_search("玉林")[0].level == "street"


@pytest.mark.parametrize("query", ["", "   ", "纽约", "999999"])
def test_search_without_a_match_is_empty(chengdu: None, query: str) -> None:
    assert division_search(query) == []


def test_search_respects_limit_and_level(chengdu: None) -> None:
    results = division_search("社区", limit=5, level="community")
    assert len(results) == 5
    assert {d.level for d in results} == {"community"}


def test_search_leaves_out_inactive_divisions(chengdu: None) -> None:
    Division.objects.filter(pk=NIJIAQIAO).update(is_active=False)
    assert division_search("倪家桥") == []


def test_tree_of_the_city_one_level_deep_lists_the_districts(chengdu: None) -> None:
    tree = division_tree(CITY, depth=1)
    assert (tree["code"], tree["name"], tree["level"]) == (CITY, "成都市", "city")
    children = tree["children"]
    assert isinstance(children, list)
    assert len(children) == 20
    assert all(child["children"] == [] for child in children)


def test_tree_of_a_district_two_levels_deep(chengdu: None) -> None:
    tree = division_tree(WUHOU, depth=2)
    streets = tree["children"]
    assert isinstance(streets, list)
    assert len(streets) == 15
    yulin = next(s for s in streets if s["code"] == YULIN)
    assert yulin["name"] == "玉林街道"
    assert len(yulin["children"]) == 11
    assert {"code": NIJIAQIAO, "name": "倪家桥社区", "level": "community", "children": []} in (
        yulin["children"]
    )
    total = sum(len(s["children"]) for s in streets)
    assert total == division_descendants(WUHOU, level="community").count()


def test_tree_of_a_community_has_no_children(chengdu: None) -> None:
    assert division_tree(NIJIAQIAO, depth=3)["children"] == []


@pytest.mark.parametrize("code", ["510107005999", "abc", "", "5101070050041"])
def test_unknown_code_is_not_found(chengdu: None, code: str) -> None:
    with pytest.raises(NotFound) as caught:
        division_get(code)
    assert caught.value.code == "unknown_division"
