from datetime import date

import pytest

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.models import AuditEvent
from shequ.people.models import User
from shequ.policies import selectors, services
from shequ.policies.models import Policy, Relation, Validity
from tests.factories import NIJIAQIAO, SHUIJINGFANG, WUHOU, YULIN
from tests.policies.conftest import make_policy, policy_data

pytestmark = pytest.mark.django_db


def _validity(policy: Policy, day: date) -> str:
    return selectors.validity_map([policy], today=day)[policy.pk]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2018, 2, 1), Validity.NOT_YET),
        (date(2018, 3, 1), Validity.IN_FORCE),
        (date(2020, 12, 31), Validity.IN_FORCE),
        (date(2021, 1, 1), Validity.EXPIRED),
    ],
)
def test_validity_follows_the_dates(city_officer: User, day: date, expected: str) -> None:
    policy = make_policy(city_officer, expires_on=date(2020, 12, 31))
    assert _validity(policy, day) == expected
    # The database filter agrees with the computed value.
    assert list(Policy.objects.filter(selectors.validity_q(expected, day))) == [policy]


def test_amendment_and_repeal_take_effect_on_the_new_documents_date(city_officer: User) -> None:
    old = make_policy(
        city_officer,
        title="旧办法",
        doc_number="A1",
        issued_on=date(2012, 1, 1),
        effective_on=date(2012, 1, 1),
    )
    amending = make_policy(
        city_officer,
        title="修订",
        doc_number="A2",
        issued_on=date(2015, 1, 1),
        effective_on=date(2015, 6, 1),
    )
    repealing = make_policy(
        city_officer,
        title="新办法",
        doc_number="A3",
        issued_on=date(2018, 1, 1),
        effective_on=date(2018, 3, 1),
    )
    services.relation_add(
        actor=city_officer, source_id=amending.pk, target_id=old.pk, kind="amends"
    )
    services.relation_add(
        actor=city_officer, source_id=repealing.pk, target_id=old.pk, kind="repeals"
    )
    assert _validity(old, date(2015, 5, 31)) == Validity.IN_FORCE
    assert _validity(old, date(2015, 6, 1)) == Validity.AMENDED
    assert _validity(old, date(2018, 3, 1)) == Validity.REPEALED
    page = selectors.policy_page(policy_id=old.pk, today=date(2019, 1, 1))
    assert [r.source.title for r in page.amended_by] == ["修订", "新办法"]
    assert AuditEvent.objects.filter(verb="policy.repeals").count() == 1


def test_a_draft_repeal_does_not_count(city_officer: User) -> None:
    old = make_policy(city_officer, title="旧", doc_number="B1")
    draft = make_policy(city_officer, title="草稿", doc_number="B2", publish=False)
    services.relation_add(actor=city_officer, source_id=draft.pk, target_id=old.pk, kind="repeals")
    assert _validity(old, date(2024, 1, 1)) == Validity.IN_FORCE


def test_repeal_of_itself_or_in_a_circle_is_refused(city_officer: User) -> None:
    a = make_policy(city_officer, title="甲", doc_number="C1")
    b = make_policy(city_officer, title="乙", doc_number="C2")
    c = make_policy(city_officer, title="丙", doc_number="C3")
    with pytest.raises(DomainError) as error:
        services.relation_add(actor=city_officer, source_id=a.pk, target_id=a.pk, kind="repeals")
    assert error.value.code == "relation_self"
    services.relation_add(actor=city_officer, source_id=a.pk, target_id=b.pk, kind="amends")
    services.relation_add(actor=city_officer, source_id=b.pk, target_id=c.pk, kind="repeals")
    with pytest.raises(DomainError) as error:
        services.relation_add(actor=city_officer, source_id=c.pk, target_id=a.pk, kind="repeals")
    assert error.value.code == "relation_cycle"
    assert "甲" in str(error.value) or "丙" in str(error.value)
    assert Relation.objects.count() == 2


def test_expiry_before_effective_is_refused_and_nothing_is_written(city_officer: User) -> None:
    with pytest.raises(DomainError) as error:
        make_policy(city_officer, effective_on=date(2020, 1, 1), expires_on=date(2019, 12, 31))
    assert error.value.code == "expiry_before_effective"
    assert error.value.field == "expires_on"
    assert not Policy.objects.exists()


def test_a_document_number_is_used_once_per_issuer_whatever_the_brackets(
    city_officer: User,
) -> None:
    make_policy(city_officer, doc_number="成民发〔2018〕1号")
    with pytest.raises(DomainError) as error:
        make_policy(city_officer, title="另一份", doc_number="成民发[2018]1号")
    assert error.value.code == "number_taken"
    # Another body may use the same number.
    other = make_policy(
        city_officer, title="另一份", issuer="武侯区民政局", doc_number="成民发〔2018〕1号"
    )
    assert other.doc_number == "成民发〔2018〕1号"


def test_1_6_n_structure_and_no_parent_circle(city_officer: User) -> None:
    core = make_policy(city_officer, title="意见", doc_number="D1", structure="core")
    supporting = make_policy(city_officer, title="配套", doc_number="D2", parent=core.pk)
    rules = make_policy(
        city_officer,
        title="细则",
        doc_number="D3",
        structure="implementation",
        parent=supporting.pk,
    )
    page = selectors.policy_page(policy_id=core.pk)
    assert [c.policy.title for c in page.children] == ["配套"]
    assert selectors.policy_page(policy_id=rules.pk).parent == supporting
    with pytest.raises(DomainError) as error:
        services.policy_update(
            actor=city_officer,
            policy_id=core.pk,
            data=policy_data(title="意见", doc_number="D1", parent=rules.pk),
        )
    assert error.value.code == "parent_cycle"


def test_district_officer_authors_only_in_their_district(wuhou_officer: User) -> None:
    policy = make_policy(wuhou_officer, division=YULIN)
    assert policy.level == "street"
    with pytest.raises(PermissionDenied):
        make_policy(wuhou_officer, title="全市", doc_number="E2", division="")
    with pytest.raises(PermissionDenied):
        make_policy(wuhou_officer, title="锦江", doc_number="E3", division=SHUIJINGFANG[:9] + "000")
    with pytest.raises(DomainError) as error:
        make_policy(wuhou_officer, title="社区", doc_number="E4", division=NIJIAQIAO)
    assert error.value.code == "bad_area"
    assert [r.policy.pk for r in selectors.policy_list_for(wuhou_officer)] == [policy.pk]


def test_console_list_is_scoped(city_officer: User, wuhou_officer: User) -> None:
    make_policy(city_officer, title="全市文件")
    mine = make_policy(wuhou_officer, title="武侯文件", doc_number="F1", division=WUHOU)
    assert [r.policy.pk for r in selectors.policy_list_for(wuhou_officer)] == [mine.pk]
    assert len(selectors.policy_list_for(city_officer)) == 2
    with pytest.raises(NotFound):
        services.policy_publish(
            actor=wuhou_officer, policy_id=Policy.objects.get(title="全市文件").pk
        )


def test_search_finds_published_policies_by_words_and_number(city_officer: User) -> None:
    make_policy(city_officer)
    make_policy(city_officer, title="社区保障资金草稿", doc_number="G2", publish=False)
    make_policy(
        city_officer, title="老旧院落改造", doc_number="G3", summary="院落", full_text="院落改造"
    )
    rows = selectors.policy_library(query="社区保障资金")
    assert [r.policy.title for r in rows] == ["社区保障资金管理办法"]
    assert "<mark>" in rows[0].title_html
    rows = selectors.policy_library(query="成民发〔2018〕1号")
    assert [r.policy.title for r in rows] == ["社区保障资金管理办法"]
    in_force = selectors.policy_library(validity="in_force", today=date(2024, 1, 1))
    assert len(in_force) == 2
