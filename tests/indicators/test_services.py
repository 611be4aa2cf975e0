"""The tree, values with provenance, evaluation runs, and bad input."""

from decimal import Decimal

import pytest
from django.utils import timezone

from shequ.core.errors import DomainError, PermissionDenied
from shequ.indicators import evaluation, selectors
from shequ.indicators.models import Indicator, Node, Result, TreeVersion, Value
from shequ.indicators.services import trees, values
from shequ.people.models import User
from tests.factories import NIJIAQIAO, SHUIJINGFANG

pytestmark = pytest.mark.django_db


def test_default_tree_has_seven_scenarios_and_enough_computed_indicators(
    tree: TreeVersion,
) -> None:
    dimensions = tree.nodes.filter(parent__isnull=True)
    assert [d.name for d in dimensions] == ["服务", "文化", "生态", "空间", "产业", "共治", "智慧"]
    assert tree.indicators.count() >= 40
    assert tree.indicators.filter(source=Indicator.Source.COMPUTED).count() >= 25
    assert trees.tree_problems(tree) == []


def test_values_keep_their_counts_and_lead_to_exactly_those_records(
    evaluated: tuple[TreeVersion, int],
) -> None:
    tree, year = evaluated
    value = Value.objects.get(
        indicator__version=tree,
        indicator__code="proposals_per_1000",
        division_id=NIJIAQIAO,
        year=year,
    )
    assert value.inputs == {"numerator": 4.0, "denominator": 3.0}
    assert value.value == pytest.approx(4 / 3 * 1000)
    assert "participation_proposal" in value.computation.queries["numerator"]
    page = selectors.value_records(value, "numerator")
    assert page.count == 4
    assert len(page.rows) == 4
    assert {p.community_id for p in page.rows} == {NIJIAQIAO}
    assert selectors.value_records(value, "denominator").count == 3


def test_a_run_scores_ranks_and_bounds_every_unit(evaluated: tuple[TreeVersion, int]) -> None:
    tree, year = evaluated
    run = selectors.run_latest(tree, year)
    assert run is not None
    assert run.status == "done"
    nijiaqiao = Result.objects.get(run=run, division_id=NIJIAQIAO)
    assert nijiaqiao.score is not None
    assert set(nijiaqiao.dimension_scores) == {
        "service",
        "culture",
        "ecology",
        "space",
        "industry",
        "governance",
        "smart",
    }
    ranked = Result.objects.filter(run=run, level="community", ranked=True)
    for result in ranked:
        assert result.rank_low <= result.rank <= result.rank_high
        assert result.city_rank_low <= result.city_rank <= result.city_rank_high
    assert run.sensitivity["most"] in {"weights", "normalisation", "imputation", "aggregation"}
    assert Result.objects.filter(run=run, level="district", division_id="510107000000").exists()


def test_an_area_keeps_the_sums_of_its_communities_however_large(
    evaluated: tuple[TreeVersion, int],
) -> None:
    tree, year = evaluated
    run = selectors.run_latest(tree, year)
    assert run is not None
    district = Result.objects.get(run=run, division_id="510107000000")
    members = Result.objects.filter(
        run=run, level="community", ranked=True, division__code__startswith="510107"
    )
    assert district.measured == sum(r.measured for r in members) > 0
    # A district of 400 communities × 100 indicators: past a small integer's 32,767.
    Result.objects.filter(pk=district.pk).update(measured=400 * 100, met=300 * 100)
    district.refresh_from_db()
    assert (district.measured, district.met) == (40_000, 30_000)


def test_a_new_version_leaves_old_results_alone(
    evaluated: tuple[TreeVersion, int], committee: User
) -> None:
    tree, year = evaluated
    old_run = selectors.run_latest(tree, year)
    assert old_run is not None
    before = list(Result.objects.filter(run=old_run).values_list("division_id", "score"))
    draft = trees.version_create_from(actor=committee, version_id=tree.pk, name="2027版")
    indicator = draft.indicators.get(code="proposals_per_1000")
    trees.indicator_update(actor=committee, indicator_id=indicator.pk, data={"target": "10"})
    assert tree.indicators.get(code="proposals_per_1000").target == Decimal("3")
    trees.version_publish(actor=committee, version_id=draft.pk)
    evaluation.run_evaluate_now(actor=committee, version_id=draft.pk, year=year)
    assert list(Result.objects.filter(run=old_run).values_list("division_id", "score")) == before
    tree.refresh_from_db()
    assert tree.status == TreeVersion.Status.RETIRED


def test_bad_weights_and_targets_are_refused_naming_them(
    tree: TreeVersion, committee: User
) -> None:
    draft = trees.version_create_from(actor=committee, version_id=tree.pk, name="草稿")
    indicator = draft.indicators.get(code="coverage_all")
    with pytest.raises(DomainError, match="15分钟生活圈日常需求覆盖率"):
        trees.indicator_update(actor=committee, indicator_id=indicator.pk, data={"target": "120"})
    with pytest.raises(DomainError, match=r"wrong direction|方向"):
        trees.indicator_update(actor=committee, indicator_id=indicator.pk, data={"target": "0"})
    with pytest.raises(DomainError):
        trees.indicator_update(actor=committee, indicator_id=indicator.pk, data={"weight": "x"})
    indicator.refresh_from_db()
    assert indicator.target == Decimal("80")
    service = draft.nodes.get(code="service")
    with pytest.raises(DomainError, match="服务"):
        trees.node_update(actor=committee, node_id=service.pk, name="服务", weight="-5")
    trees.node_update(actor=committee, node_id=service.pk, name="服务", weight="30")
    with pytest.raises(DomainError, match="100"):
        trees.version_publish(actor=committee, version_id=draft.pk)
    draft.refresh_from_db()
    assert draft.status == TreeVersion.Status.DRAFT
    sub = draft.nodes.get(code="service-access")
    with pytest.raises(DomainError, match=r"cycle|循环"):
        trees.node_update(
            actor=committee, node_id=service.pk, name="服务", weight="30", parent_id=sub.pk
        )
    assert Node.objects.get(pk=service.pk).parent_id is None


def test_published_versions_are_frozen(tree: TreeVersion, committee: User) -> None:
    indicator = tree.indicators.get(code="coverage_all")
    with pytest.raises(DomainError):
        trees.indicator_update(actor=committee, indicator_id=indicator.pk, data={"weight": "1"})


def test_entering_values_checks_area_number_and_period(
    tree: TreeVersion, district_officer: User, committee: User
) -> None:
    year = timezone.localdate().year
    beds = tree.indicators.get(code="elderly_beds")
    with pytest.raises(PermissionDenied):
        values.value_enter(
            actor=district_officer,
            indicator_id=beds.pk,
            division_code=SHUIJINGFANG,
            year=year,
            raw="3",
        )
    with pytest.raises(DomainError):
        values.value_enter(
            actor=district_officer,
            indicator_id=beds.pk,
            division_code=NIJIAQIAO,
            year=year,
            raw="三",
        )
    values.value_enter(
        actor=district_officer, indicator_id=beds.pk, division_code=NIJIAQIAO, year=year, raw="3.5"
    )
    assert Value.objects.get(indicator=beds, division_id=NIJIAQIAO).value == 3.5
    values.period_close(actor=committee, year=year)
    with pytest.raises(DomainError):
        values.value_enter(
            actor=district_officer,
            indicator_id=beds.pk,
            division_code=NIJIAQIAO,
            year=year,
            raw="4",
        )
    assert Value.objects.get(indicator=beds, division_id=NIJIAQIAO).value == 3.5
