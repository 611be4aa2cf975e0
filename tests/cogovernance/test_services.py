from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from shequ.cogovernance.models import (
    Agreement,
    AreaOrganisation,
    Commitment,
    Designation,
    Member,
    Need,
    Project,
)
from shequ.cogovernance.services import agreements, designations, lists, organisations
from shequ.core.errors import DomainError, NotFound
from shequ.people.models import User
from tests.cogovernance.conftest import YULIN_NORTH, agreement, need, org, resource
from tests.factories import NIJIAQIAO, SHUIJINGFANG, YULIN, make_resident

pytestmark = pytest.mark.django_db


def test_a_commitment_with_a_negative_amount_is_refused_and_nothing_is_written(
    worker: User,
) -> None:
    unit = org(worker)
    with pytest.raises(DomainError) as error:
        agreements.agreement_create(
            actor=worker,
            data={
                "community": NIJIAQIAO,
                "unit": unit.pk,
                "title": "共建",
                "starts_on": "2025-01-01",
                "ends_on": "2025-12-31",
            },
            commitments=[{"category": "money", "description": "资助", "amount": "-500"}],
        )
    assert error.value.code == "amount_negative"
    assert str(error.value) == "金额不能为负数。"
    assert not Agreement.objects.exists()
    a = agreement(worker, unit)
    with pytest.raises(DomainError) as error:
        agreements.commitment_add(
            actor=worker,
            agreement_id=a.pk,
            data={"category": "money", "description": "资助", "amount": "-0.01"},
        )
    assert error.value.code == "amount_negative"
    assert Commitment.objects.count() == 1


def test_an_agreement_ending_before_it_starts_is_refused(worker: User) -> None:
    unit = org(worker)
    with pytest.raises(DomainError) as error:
        agreement(worker, unit, starts_on=date(2025, 6, 1), ends_on=date(2025, 1, 1))
    assert error.value.code == "period_order"


def test_a_term_ending_before_it_starts_and_a_member_ceased_before_the_term(
    worker: User,
) -> None:
    committee = org(worker, "倪家桥社区党委", kind="party_committee")
    base = {"position": "member", "outside_name": "张三", "term_start": date(2024, 1, 1)}
    with pytest.raises(DomainError) as error:
        organisations.member_add(
            actor=worker,
            organisation_id=committee.pk,
            data={**base, "term_end": date(2023, 12, 31)},
        )
    assert error.value.code == "term_order"
    with pytest.raises(DomainError) as error:
        organisations.member_add(
            actor=worker,
            organisation_id=committee.pk,
            data={**base, "ceased_on": date(2023, 6, 1)},
        )
    assert error.value.code == "ceased_before_term"
    member = organisations.member_add(actor=worker, organisation_id=committee.pk, data=base)
    with pytest.raises(DomainError) as error:
        organisations.member_cease(actor=worker, member_id=member.pk, ceased_on=date(2020, 1, 1))
    assert error.value.code == "ceased_before_term"
    member.refresh_from_db()
    assert member.ceased_on is None
    assert Member.objects.count() == 1


def test_a_member_outside_the_registry_is_encrypted_and_masked_to_others(
    worker: User, worker_sjf: User
) -> None:
    from shequ.cogovernance.selectors import member_name

    committee = org(worker, "倪家桥社区党委", kind="party_committee")
    member = organisations.member_add(
        actor=worker,
        organisation_id=committee.pk,
        data={
            "position": "secretary",
            "outside_name": "李秀英",
            "phone": "13812345678",
            "term_start": date(2024, 1, 1),
        },
    )
    member = Member.objects.select_related("organisation").get(pk=member.pk)
    assert member_name(member, worker) == "李秀英"
    assert member_name(member, worker_sjf) == "李*英"
    assert member.phone is not None
    assert member.phone.masked == "138****5678"
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT outside_name, phone FROM cogovernance_member")
        raw = cursor.fetchone()
    assert "李秀英" not in raw[0]
    assert "13812345678" not in raw[1]


def test_a_resident_member_is_picked_from_the_area(worker: User, worker_sjf: User) -> None:
    committee = org(worker, "倪家桥社区党委", kind="party_committee")
    resident = make_resident(NIJIAQIAO, name="王建国")
    elsewhere = make_resident(SHUIJINGFANG, name="赵六")
    base = {"position": "member", "term_start": date(2024, 1, 1)}
    member = organisations.member_add(
        actor=worker, organisation_id=committee.pk, data={**base, "resident": resident.pk}
    )
    assert member.resident_id == resident.pk
    with pytest.raises(DomainError) as error:
        organisations.member_add(
            actor=worker, organisation_id=committee.pk, data={**base, "resident": elsewhere.pk}
        )
    assert error.value.code == "person_unknown"
    with pytest.raises(NotFound):
        organisations.member_add(
            actor=worker_sjf, organisation_id=committee.pk, data={**base, "outside_name": "某"}
        )


def test_a_parent_cycle_is_refused(worker: User, street: User) -> None:
    committee = org(worker, "社区党委", kind="party_committee")
    branch = org(worker, "第一网格党支部", kind="grid_branch", parent=committee.pk)
    group = org(worker, "1栋党小组", kind="building_group", parent=branch.pk)
    with pytest.raises(DomainError) as error:
        organisations.organisation_update(
            actor=worker,
            organisation_id=committee.pk,
            data={
                "kind": "party_committee",
                "name": "社区党委",
                "division": NIJIAQIAO,
                "parent": group.pk,
            },
        )
    assert error.value.code == "parent_cycle"
    with pytest.raises(DomainError) as error:
        organisations.organisation_update(
            actor=worker,
            organisation_id=committee.pk,
            data={
                "kind": "party_committee",
                "name": "社区党委",
                "division": NIJIAQIAO,
                "parent": committee.pk,
            },
        )
    assert error.value.code == "parent_cycle"
    committee.refresh_from_db()
    assert committee.parent_id is None
    # A branch may belong to the street's party working committee, not to another community's.
    street_org = org(street, "玉林街道党工委", kind="party_committee", division=YULIN)
    organisations.organisation_update(
        actor=street,
        organisation_id=committee.pk,
        data={
            "kind": "party_committee",
            "name": "社区党委",
            "division": NIJIAQIAO,
            "parent": street_org.pk,
        },
    )
    other = org(street, "玉林北路社区党委", kind="party_committee", division=YULIN_NORTH)
    with pytest.raises(DomainError) as error:
        org(street, "某支部", kind="grid_branch", parent=other.pk)
    assert error.value.code == "parent_elsewhere"


def test_matching_suggests_same_kind_same_street_available_not_exhausted(
    worker: User, street: User
) -> None:
    from shequ.cogovernance.selectors import suggestions

    unit = org(worker)
    room = resource(worker, unit)
    north_unit = org(street, "玉林北路某单位", division=YULIN_NORTH)
    north_room = resource(street, north_unit, title="北路活动室")
    resource(worker, unit, title="志愿者", category="volunteers")
    withdrawn = resource(worker, unit, title="撤回的房间")
    lists.resource_withdraw(actor=worker, resource_id=withdrawn.pk)
    resource(
        worker,
        unit,
        title="过期的房间",
        available_until=date(2001, 1, 1),
        available_from=date(2000, 1, 1),
    )
    n = need(worker)
    found = suggestions(n)
    assert [r.title for r, _v in found] == [room.title, north_room.title]
    reasons = found[0][1].reasons
    assert "面向本社区" in reasons
    assert "面向同街道的社区" in found[1][1].reasons
    # Taking all 20 hours exhausts the room: it is no longer suggested.
    project = lists.match_confirm(
        actor=worker, need_id=n.pk, resource_ids=[room.pk], quantities={room.pk: "20"}
    )
    assert project.need_id == n.pk
    assert Need.objects.get(pk=n.pk).status == "matched"
    assert [r.title for r, _v in suggestions(need(worker, title="另一个"))] == [north_room.title]


def test_a_match_across_streets_is_refused(worker: User, worker_sjf: User, admin: User) -> None:
    elsewhere = org(worker_sjf, "水井坊某单位", division=SHUIJINGFANG)
    room = resource(worker_sjf, elsewhere)
    n = need(worker)
    with pytest.raises(DomainError) as error:
        lists.match_confirm(actor=admin, need_id=n.pk, resource_ids=[room.pk])
    assert error.value.code == "other_street"
    assert not Project.objects.exists()
    assert Need.objects.get(pk=n.pk).status == "open"


def test_taking_more_than_is_left_is_refused(worker: User) -> None:
    unit = org(worker)
    room = resource(worker, unit)
    with pytest.raises(DomainError) as error:
        lists.match_confirm(
            actor=worker,
            need_id=need(worker).pk,
            resource_ids=[room.pk],
            quantities={room.pk: "21"},
        )
    assert error.value.code == "too_much"


def test_a_confirmed_match_is_tied_to_the_commitment_its_resource_is_offered_under(
    worker: User,
) -> None:
    unit = org(worker)
    a = agreement(worker, unit)
    commitment = a.commitments.get()
    room = resource(worker, unit, commitment=commitment.pk)
    project = lists.match_confirm(actor=worker, need_id=need(worker).pk, resource_ids=[room.pk])
    assert project.commitment_id == commitment.pk
    lists.project_tie(actor=worker, project_id=project.pk, commitment_id=None)
    project.refresh_from_db()
    assert project.commitment_id is None


def test_deliveries_make_the_delivery_rate(worker: User) -> None:
    from shequ.cogovernance.selectors import agreement_rate, commitment_rows

    unit = org(worker)
    a = agreement(worker, unit)
    money = agreements.commitment_add(
        actor=worker,
        agreement_id=a.pk,
        data={"category": "money", "description": "资助", "amount": "10000"},
    )
    room = a.commitments.exclude(pk=money.pk).get()
    agreements.delivery_record(
        actor=worker,
        commitment_id=room.pk,
        data={"delivered_on": date(2025, 3, 1), "description": "3月", "quantity": "60"},
    )
    agreements.delivery_record(
        actor=worker,
        commitment_id=money.pk,
        data={"delivered_on": date(2025, 3, 1), "description": "拨付", "amount": "10000"},
    )
    with pytest.raises(DomainError) as error:
        agreements.delivery_record(
            actor=worker,
            commitment_id=money.pk,
            data={"delivered_on": date(2030, 1, 1), "description": "x", "amount": "1"},
        )
    assert error.value.code == "outside_period"
    rows = commitment_rows(a)
    assert sorted(r.rate for r in rows) == [25, 100]
    assert agreement_rate(rows) == 62
    assert rows[0].delivered_amount + rows[1].delivered_amount == Decimal("10000.00")


def test_a_community_is_designated_once_a_year(district: User, worker: User) -> None:
    data = {"year": 2024, "community": NIJIAQIAO, "criteria": ["party_leads", "three_lists"]}
    designations.designation_create(actor=district, data=data)
    with pytest.raises(DomainError) as error:
        designations.designation_create(actor=district, data=data)
    assert error.value.code == "already_designated"
    assert Designation.objects.count() == 1
    designations.designation_create(actor=district, data={**data, "year": 2025})
    with pytest.raises(DomainError) as error:
        designations.designation_create(actor=worker, data={**data, "year": 2026})
    assert error.value.code == "division_unknown"
    with pytest.raises(DomainError) as error:
        designations.designation_create(actor=district, data={**data, "criteria": []})
    assert error.value.code == "criteria_needed"


def test_a_need_raised_from_a_resident_request_links_it(worker: User, worker_sjf: User) -> None:
    from shequ.appeals.models import Appeal, Category, DeadlineClass, Nature

    cat = Category.objects.create(
        code="cg-test", name="活动场地", nature=Nature.HELP, deadline_class=DeadlineClass.values[0]
    )
    appeal = Appeal.objects.create(
        category=cat,
        nature=Nature.HELP,
        description="小区没有老人活动的地方",
        community_id=NIJIAQIAO,
        deadline_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    n = lists.need_create(actor=worker, data={"appeal": appeal.pk, "category": "venue"})
    assert (n.source, n.appeal_id, n.community_id) == ("appeal", appeal.pk, NIJIAQIAO)
    assert n.title == "小区没有老人活动的地方"
    with pytest.raises(DomainError) as error:
        lists.need_create(actor=worker_sjf, data={"appeal": appeal.pk, "category": "venue"})
    assert error.value.code == "appeal_unknown"


def test_demo_seeding_is_idempotent_and_marks_designations_as_demo(chengdu: None) -> None:
    from shequ.cogovernance.demo import seed_cogovernance
    from shequ.cogovernance.selectors import suggestions

    assert seed_cogovernance() == 4
    assert seed_cogovernance() == 0
    assert AreaOrganisation.objects.filter(division_id=NIJIAQIAO).count() == 4
    assert Designation.objects.filter(is_demo=False).count() == 0
    demo_need = Need.objects.get(title="老年人活动场地")
    assert [r.title for r, _v in suggestions(demo_need)] == ["一楼会议室（60平方米）"]
