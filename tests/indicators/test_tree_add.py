"""The default tree's new indicators and the tree editor's "add an indicator from a data
source": a seeded published version is never rewritten, a draft gains an indicator from the
source picker, and bad input is refused in Chinese, changing nothing."""

import pytest
from django.test import Client

from shequ.core.errors import DomainError
from shequ.core.models import AuditEvent
from shequ.indicators.models import Indicator, Node, TreeVersion
from shequ.indicators.services import trees
from shequ.people.models import User

pytestmark = pytest.mark.django_db

NEW_SOURCES = {
    "appeals_response_rate",
    "appeals_on_time_rate",
    "appeals_resolution_rate",
    "appeals_satisfaction_rate",
    "appeals_per_1000",
    "appeals_recurrence_rate",
    "volunteers_per_1000",
    "volunteer_hours_per_resident",
    "volunteer_activities_per_month",
    "centre_sessions_per_month",
}


def test_the_default_tree_computes_the_new_sources_and_publishes_cleanly(
    tree: TreeVersion, committee: User
) -> None:
    computed = set(tree.indicators.filter(source="computed").values_list("computation", flat=True))
    assert computed >= NEW_SOURCES
    assert trees.tree_problems(tree) == []
    # Installing again returns the seeded version untouched.
    before = list(tree.indicators.order_by("pk").values_list("pk", "weight", "computation"))
    again = trees.tree_install_default(actor=committee)
    assert again.pk == tree.pk
    assert list(again.indicators.order_by("pk").values_list("pk", "weight", "computation")) == (
        before
    )


@pytest.fixture
def draft(tree: TreeVersion, committee: User) -> TreeVersion:
    return trees.version_create_from(actor=committee, version_id=tree.pk, name="2027年版")


def _sub(version: TreeVersion, code: str = "service-quality") -> Node:
    return version.nodes.get(code=code)


def test_committee_adds_an_indicator_from_a_source_to_a_draft(
    client: Client, committee: User, draft: TreeVersion
) -> None:
    client.force_login(committee)
    tree_page = client.get(f"/console/indicators/tree/{draft.pk}/").content.decode()
    assert f"/console/indicators/tree/{draft.pk}/add/" in tree_page
    form = client.get(f"/console/indicators/tree/{draft.pk}/add/").content.decode()
    assert "诉求满意率（%）" in form  # the source picker in Chinese
    assert "服务 › 服务质效" in form
    count = draft.indicators.count()
    response = client.post(
        f"/console/indicators/tree/{draft.pk}/add/",
        {
            "node": _sub(draft).pk,
            "source": "appeals_satisfaction_rate",
            "name": "12345诉求满意率",
            "unit": "%",
            "direction": "higher",
            "target": "92",
            "weight": "10",
        },
    )
    assert response.status_code == 302
    assert draft.indicators.count() == count + 1
    added = draft.indicators.get(name="12345诉求满意率")
    assert added.code == "appeals_satisfaction_rate-2"  # the tree has one already
    assert (added.source, added.computation) == ("computed", "appeals_satisfaction_rate")
    assert added.node.code == "service-quality"
    assert str(added.upper_bound) == "100.0000"
    assert AuditEvent.objects.filter(verb="indicators.indicator_added").count() == 1
    # The weights under the sub-dimension now need rebalancing before publishing.
    assert any("服务质效" in p and "100" in p for p in trees.tree_problems(draft))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"weight": "-5"}, "权重不能为负数"),
        ({"target": "0"}, "目标值方向错误"),
        ({"direction": "lower", "target": "100"}, "目标值方向错误"),
        ({"target": "很多"}, "不是数字"),
        ({"source": "secret_source"}, "选择一个有效的选项"),
        ({"node": "999999"}, "选择一个有效的选项"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_changes_nothing(
    client: Client, committee: User, draft: TreeVersion, change: dict[str, str], message: str
) -> None:
    client.force_login(committee)
    count = draft.indicators.count()
    data = {
        "node": str(_sub(draft).pk),
        "source": "appeals_on_time_rate",
        "name": "诉求按期办结率（新）",
        "unit": "%",
        "direction": "higher",
        "target": "90",
        "weight": "10",
        **change,
    }
    response = client.post(f"/console/indicators/tree/{draft.pk}/add/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert draft.indicators.count() == count
    assert not AuditEvent.objects.filter(verb="indicators.indicator_added").exists()


def test_the_service_refuses_an_unknown_source_and_a_published_version(
    committee: User, tree: TreeVersion, draft: TreeVersion
) -> None:
    count = Indicator.objects.count()
    base = {
        "name": "试验指标",
        "unit": "%",
        "direction": "higher",
        "target": "90",
        "weight": "10",
    }
    with pytest.raises(DomainError) as unknown:
        trees.indicator_add(
            actor=committee,
            version_id=draft.pk,
            node_id=_sub(draft).pk,
            source="secret_source",
            **base,
        )
    assert "不是可用的数据来源" in str(unknown.value)
    with pytest.raises(DomainError) as frozen:
        trees.indicator_add(
            actor=committee,
            version_id=tree.pk,
            node_id=_sub(tree).pk,
            source="appeals_per_1000",
            **base,
        )
    assert "已发布" in str(frozen.value)
    with pytest.raises(DomainError):  # a dimension, not a sub-dimension
        trees.indicator_add(
            actor=committee,
            version_id=draft.pk,
            node_id=draft.nodes.get(code="service").pk,
            source="appeals_per_1000",
            **base,
        )
    assert Indicator.objects.count() == count


def test_only_the_committee_adds_indicators(
    client: Client, district_officer: User, draft: TreeVersion
) -> None:
    client.force_login(district_officer)
    assert client.get(f"/console/indicators/tree/{draft.pk}/add/").status_code == 403
