"""The routing decision takes one round trip to the database, whatever its answer."""

from typing import Any

import pytest

from shequ.appeals.models import RoutingRow, Unit
from shequ.appeals.routing import current_version, route
from shequ.places.models import Division
from tests.appeals.conftest import category
from tests.factories import NIJIAQIAO, SHUIJINGFANG, WUHOU

pytestmark = pytest.mark.django_db


def test_a_row_of_the_catalogue_in_one_query(world: None, django_assert_num_queries: Any) -> None:
    community = Division.objects.get(code=NIJIAQIAO)
    lamp = category("ludeng")
    row = RoutingRow.objects.get(category=lamp, place_id=NIJIAQIAO, retired_in__isnull=True)
    with django_assert_num_queries(1):
        decision = route(lamp, community)
    assert decision.unit is not None
    assert decision.unit.name == "倪家桥社区居委会"
    assert decision.row_id == row.pk
    assert decision.version == current_version()
    assert decision.reason == (
        f"路灯故障 · 倪家桥社区居委会 → 倪家桥社区居委会（派单目录 v{current_version()} "
        f"第 {row.pk} 行）"
    )


def test_the_street_row_beats_the_district(world: None, django_assert_num_queries: Any) -> None:
    community = Division.objects.get(code=NIJIAQIAO)
    chosen = category("zaosheng")
    with django_assert_num_queries(1):
        decision = route(chosen, community)
    assert decision.unit is not None
    assert decision.unit.name == "玉林街道办事处"


def test_the_district_takes_it_in_one_query(world: None, django_assert_num_queries: Any) -> None:
    community = Division.objects.get(code=SHUIJINGFANG)
    chosen = category("ludeng")
    with django_assert_num_queries(1):
        decision = route(chosen, community)
    assert decision.unit is not None
    assert decision.unit.name == "锦江区人民政府（兜底）"
    assert decision.row_id is None
    assert "兜底" in decision.reason


def test_no_district_unit_leaves_it_to_a_dispatcher_in_one_query(
    world: None, django_assert_num_queries: Any
) -> None:
    Unit.objects.filter(kind=Unit.Kind.DISTRICT, division_id=WUHOU).update(is_active=False)
    community = Division.objects.get(code=NIJIAQIAO)
    chosen = category("jianyi")
    with django_assert_num_queries(1):
        decision = route(chosen, community)
    assert decision.unit is None
    assert decision.version == current_version()
    assert "派单员" in decision.reason
