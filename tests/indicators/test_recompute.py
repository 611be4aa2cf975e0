"""The recompute (values_compute): counts shared between indicators and asked together per
model give exactly what each indicator's own queries give, and a second recompute replaces
the first."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from shequ.indicators.models import Computation, Indicator, TreeVersion, Value
from shequ.indicators.services.values import values_compute
from shequ.indicators.sources import SOURCES, compute
from shequ.participation.models import Proposal
from shequ.people.models import Resident, User
from tests.factories import NIJIAQIAO, SHUIJINGFANG, YULIN_NORTH, make_resident

pytestmark = pytest.mark.django_db


def _stored(tree: TreeVersion, year: int) -> dict[tuple[str, str], tuple[float | None, dict]]:
    return {
        (code, division): (value, inputs)
        for code, division, value, inputs in Value.objects.filter(
            indicator__version=tree, year=year
        ).values_list("indicator__code", "division_id", "value", "inputs")
    }


def test_recompute_stores_what_each_indicators_own_queries_give(
    evaluated: tuple[TreeVersion, int], committee: User
) -> None:
    tree, year = evaluated
    # Proposals that some of the proposal counts take and others leave out: a merged one
    # (an environment proposal, but no longer one of the community's proposals) in a
    # community with no other, and a decided culture one.
    author = User.objects.create(username="merged-author")
    Proposal.objects.create(
        community_id=SHUIJINGFANG,
        author=author,
        title="并入的议题",
        description="内容",
        category="environment",
        status="merged",
    )
    Proposal.objects.create(
        community_id=YULIN_NORTH,
        author=author,
        title="文化议题",
        description="内容",
        category="culture",
        status="decided",
    )
    Resident.objects.filter(community_id=NIJIAQIAO).update(
        verified_at=datetime(year, 6, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    )
    make_resident(YULIN_NORTH, name="新居民")

    stored = values_compute(actor=committee, version_id=tree.pk, year=year)

    expected: dict[tuple[str, str], tuple[float | None, dict]] = {}
    for indicator in tree.indicators.filter(source=Indicator.Source.COMPUTED):
        values, inputs = compute(SOURCES[indicator.computation], year)
        for code, parts in inputs.items():
            expected[(indicator.code, code)] = (values.get(code), parts)
    assert _stored(tree, year) == expected
    assert stored == len(expected)
    # The merged proposal counts for the environment rate, not as a proposal of the
    # community: no "share decided" for a community without proposals.
    assert ("environment_proposals_per_1000", SHUIJINGFANG) in expected
    assert ("proposals_decided", SHUIJINGFANG) not in expected
    assert expected[("proposals_decided", YULIN_NORTH)][1] == {
        "numerator": 1.0,
        "denominator": 2.0,
    }


def test_a_second_recompute_replaces_the_first(
    evaluated: tuple[TreeVersion, int], committee: User
) -> None:
    tree, year = evaluated
    before = _stored(tree, year)
    first = set(Value.objects.filter(indicator__version=tree).values_list("computation_id"))
    Proposal.objects.filter(community_id=NIJIAQIAO).first().delete()  # type: ignore[union-attr]

    values_compute(actor=committee, version_id=tree.pk, year=year)

    after = _stored(tree, year)
    assert after.keys() == before.keys()
    assert after[("proposals_per_1000", NIJIAQIAO)][1] == {"numerator": 3.0, "denominator": 3.0}
    # Only what counts proposals of 倪家桥 moved.
    changed = {key for key in before if before[key] != after[key]}
    assert changed == {
        ("proposals_per_1000", NIJIAQIAO),
        ("environment_proposals_per_1000", NIJIAQIAO),
        ("proposals_decided", NIJIAQIAO),
    }
    # Every value points at a computation of this recompute, which keeps its query and time.
    now = set(Value.objects.filter(indicator__version=tree).values_list("computation_id"))
    assert not now & first
    latest = Computation.objects.filter(pk__in=[c for (c,) in now])
    assert all(c.queries and c.computed_at and c.units for c in latest)
