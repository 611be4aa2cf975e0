"""Correcting and closing co-governance records: needs, resources, projects, agreements and
commitments, designations and members. Each write works, is audited, refuses bad input in
Chinese without changing anything, and is a 404 for staff of another community."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from shequ.cogovernance.models import (
    Agreement,
    Commitment,
    Designation,
    Member,
    Need,
    Project,
    Resource,
)
from shequ.cogovernance.services import agreements, designations, lists, organisations
from shequ.core.errors import DomainError, NotFound
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.people.models import User
from tests.cogovernance.conftest import agreement, need, org, resource
from tests.factories import JINJIANG, NIJIAQIAO, SHUIJINGFANG, login_verified, make_staff

pytestmark = pytest.mark.django_db


def audited(verb: str) -> int:
    return AuditEvent.objects.filter(verb=verb).count()


@pytest.fixture
def world(worker: User) -> dict[str, Any]:
    unit = org(worker)
    a = agreement(worker, unit)
    n = need(worker)
    room = resource(worker, unit, commitment=a.commitments.get().pk)
    project = lists.match_confirm(
        actor=worker, need_id=n.pk, resource_ids=[room.pk], quantities={room.pk: "5"}
    )
    committee = org(worker, "倪家桥社区党委", kind="party_committee")
    member = organisations.member_add(
        actor=worker,
        organisation_id=committee.pk,
        data={"position": "member", "outside_name": "张三", "term_start": date(2024, 1, 1)},
    )
    return {
        "unit": unit,
        "agreement": a,
        "commitment": a.commitments.get(),
        "need": n,
        "room": room,
        "project": project,
        "member": member,
    }


# Needs ---------------------------------------------------------------------------------


def test_a_need_is_corrected_and_a_blank_title_changes_nothing(
    worker: User, worker_sjf: User, world: dict[str, Any]
) -> None:
    n = world["need"]
    lists.need_update(
        actor=worker,
        need_id=n.pk,
        data={"title": "老年人活动室", "category": "skills", "description": "每周三下午"},
    )
    n.refresh_from_db()
    assert (n.title, n.category, n.description) == ("老年人活动室", "skills", "每周三下午")
    assert audited("cogov.need_update") == 1
    with pytest.raises(DomainError) as error:
        lists.need_update(actor=worker, need_id=n.pk, data={"title": " ", "category": "venue"})
    assert str(error.value) == "此项为必填项。"
    n.refresh_from_db()
    assert n.title == "老年人活动室"
    with pytest.raises(NotFound):
        lists.need_update(actor=worker_sjf, need_id=n.pk, data={"title": "改", "category": "venue"})
    assert audited("cogov.need_update") == 1


def test_a_need_is_closed_with_a_reason_and_leaves_the_open_list(
    client: Client, worker: User, worker_sjf: User, world: dict[str, Any]
) -> None:
    n = world["need"]
    other = need(worker, title="健身器材")
    with pytest.raises(DomainError) as error:
        lists.need_close(actor=worker, need_id=n.pk, data={"reason": "merged"})
    assert str(error.value) == "请选择要并入的需求。"
    with pytest.raises(DomainError) as error:
        lists.need_close(actor=worker, need_id=n.pk, data={"reason": "forgotten"})
    assert str(error.value) == "请选择一个选项。"
    with pytest.raises(NotFound):
        lists.need_close(actor=worker_sjf, need_id=n.pk, data={"reason": "met"})
    assert Need.objects.get(pk=n.pk).status == Need.Status.MATCHED
    lists.need_close(
        actor=worker,
        need_id=n.pk,
        data={"reason": "merged", "merged_into": other.pk, "note": "与健身需求合并"},
    )
    n.refresh_from_db()
    assert n.status == Need.Status.CLOSED
    assert (n.close_reason, n.merged_into_id) == ("merged", other.pk)
    with pytest.raises(DomainError) as error:
        lists.need_close(actor=worker, need_id=n.pk, data={"reason": "met"})
    assert error.value.code == "need_closed"
    assert audited("cogov.need_close") == 1

    client.force_login(worker)
    page = client.get("/console/cogovernance/").content.decode()
    open_part, closed_part = page.split('data-testid="closed-needs"')
    assert "老年人活动场地" not in open_part.split("<h2")[1]
    assert "老年人活动场地" in closed_part
    assert "已并入其他需求" in closed_part
    detail = client.get(f"/console/cogovernance/needs/{n.pk}/").content.decode()
    assert 'data-testid="need-closed"' in detail
    assert "与健身需求合并" in detail
    client.logout()
    public = client.get(f"/cogovernance/c/{NIJIAQIAO}/").content.decode()
    assert "健身器材" in public
    assert "老年人活动场地" not in public.split("<h2")[1].split("<h2")[0]


def test_need_pages_edit_and_close_bad_input_and_other_community(
    client: Client, worker: User, worker_sjf: User, world: dict[str, Any]
) -> None:
    n = world["need"]
    client.force_login(worker)
    detail = client.get(f"/console/cogovernance/needs/{n.pk}/").content.decode()
    assert f"/console/cogovernance/needs/{n.pk}/edit/" in detail
    assert f"/console/cogovernance/needs/{n.pk}/close/" in detail
    assert client.get(f"/console/cogovernance/needs/{n.pk}/edit/").status_code == 200
    response = client.post(
        f"/console/cogovernance/needs/{n.pk}/close/", {"reason": "merged", "note": "x"}
    )
    assert response.status_code == 400
    assert "请选择要并入的需求。" in response.content.decode()
    assert Need.objects.get(pk=n.pk).status != Need.Status.CLOSED
    response = client.post(
        f"/console/cogovernance/needs/{n.pk}/edit/", {"title": "新的标题", "category": "venue"}
    )
    assert response.status_code == 302
    assert Need.objects.get(pk=n.pk).title == "新的标题"
    response = client.post(f"/console/cogovernance/needs/{n.pk}/close/", {"reason": "met"})
    assert response.status_code == 302
    assert Need.objects.get(pk=n.pk).close_reason == "met"
    client.force_login(worker_sjf)
    for url in (
        f"/console/cogovernance/needs/{n.pk}/edit/",
        f"/console/cogovernance/needs/{n.pk}/close/",
    ):
        assert client.get(url).status_code == 404
        assert (
            client.post(url, {"title": "x", "category": "venue", "reason": "met"}).status_code
            == 404
        )


# Resources -----------------------------------------------------------------------------


def test_a_resource_is_corrected_never_below_what_projects_take(
    worker: User, worker_sjf: User, world: dict[str, Any]
) -> None:
    room = world["room"]
    base = {"title": "二楼会议室", "category": "venue", "quantity": "30", "unit_label": "小时/月"}
    lists.resource_update(actor=worker, resource_id=room.pk, data=base)
    room.refresh_from_db()
    assert (room.title, room.quantity) == ("二楼会议室", Decimal("30.0"))
    assert room.commitment_id is None  # left empty on the form: untied
    for bad, message in (
        ({"quantity": "-1"}, "数量不能为负数。"),
        ({"quantity": "4"}, "项目已占用 5，不能少于此数。"),
    ):
        with pytest.raises(DomainError) as error:
            lists.resource_update(actor=worker, resource_id=room.pk, data={**base, **bad})
        assert str(error.value) == message
    room.refresh_from_db()
    assert room.quantity == Decimal("30.0")
    with pytest.raises(NotFound):
        lists.resource_update(actor=worker_sjf, resource_id=room.pk, data=base)
    with pytest.raises(NotFound):
        lists.resource_withdraw(actor=worker_sjf, resource_id=room.pk)
    assert audited("cogov.resource_update") == 1
    lists.resource_withdraw(actor=worker, resource_id=room.pk)
    assert Resource.objects.get(pk=room.pk).status == Resource.Status.WITHDRAWN


def test_resource_edit_page(
    client: Client, worker: User, worker_sjf: User, world: dict[str, Any]
) -> None:
    room = world["room"]
    client.force_login(worker)
    assert f"/console/cogovernance/resources/{room.pk}/edit/" in (
        client.get("/console/cogovernance/").content.decode()
    )
    assert client.get(f"/console/cogovernance/resources/{room.pk}/edit/").status_code == 200
    response = client.post(
        f"/console/cogovernance/resources/{room.pk}/edit/",
        {"title": "会议室", "category": "venue", "amount": "-5"},
    )
    assert response.status_code == 400
    assert 'data-testid="error-amount"' in response.content.decode()
    assert Resource.objects.get(pk=room.pk).title == "一楼会议室"
    client.force_login(worker_sjf)
    assert client.get(f"/console/cogovernance/resources/{room.pk}/edit/").status_code == 404


# Projects ------------------------------------------------------------------------------


def test_a_project_is_corrected_and_marked_done_then_listed_apart(
    client: Client, worker: User, worker_sjf: User, world: dict[str, Any]
) -> None:
    project = world["project"]
    lists.project_update(actor=worker, project_id=project.pk, data={"title": "老年活动室"})
    project.refresh_from_db()
    assert (project.title, project.commitment_id) == ("老年活动室", None)
    with pytest.raises(DomainError) as error:
        lists.project_done(actor=worker, project_id=project.pk, data={"result_note": ""})
    assert str(error.value) == "此项为必填项。"
    assert Project.objects.get(pk=project.pk).status == Project.Status.ACTIVE
    with pytest.raises(NotFound):
        lists.project_done(actor=worker_sjf, project_id=project.pk, data={"result_note": "x"})
    with pytest.raises(NotFound):
        lists.project_update(actor=worker_sjf, project_id=project.pk, data={"title": "x"})
    elsewhere = agreement(worker_sjf, org(worker_sjf, "水井坊单位", division=SHUIJINGFANG))
    with pytest.raises(DomainError) as error:
        lists.project_update(
            actor=worker,
            project_id=project.pk,
            data={"title": "别处", "commitment": elsewhere.commitments.get().pk},
        )
    assert str(error.value) == "请选择本社区共建协议中的承诺事项。"
    assert Project.objects.get(pk=project.pk).title == "老年活动室"
    lists.project_done(actor=worker, project_id=project.pk, data={"result_note": "每周开放三次"})
    with pytest.raises(DomainError) as error:
        lists.project_done(actor=worker, project_id=project.pk, data={"result_note": "再次"})
    assert str(error.value) == "该项目已完成。"
    assert audited("cogov.project_done") == 1
    client.force_login(worker)
    page = client.get("/console/cogovernance/").content.decode()
    assert page.count('data-testid="project-row"') == 0
    assert page.count('data-testid="done-project-row"') == 1
    assert "每周开放三次" in page
    client.logout()
    public = client.get(f"/cogovernance/c/{NIJIAQIAO}/").content.decode()
    assert 'data-testid="public-done-project"' in public
    assert 'data-testid="public-project"' not in public


def test_project_pages(
    client: Client, worker: User, worker_sjf: User, world: dict[str, Any]
) -> None:
    project = world["project"]
    client.force_login(worker)
    detail = client.get(f"/console/cogovernance/needs/{world['need'].pk}/").content.decode()
    assert f"/console/cogovernance/projects/{project.pk}/edit/" in detail
    assert f"/console/cogovernance/projects/{project.pk}/done/" in detail
    response = client.post(f"/console/cogovernance/projects/{project.pk}/done/", {})
    assert response.status_code == 400
    response = client.post(
        f"/console/cogovernance/projects/{project.pk}/edit/",
        {"title": "活动室", "commitment": str(world["commitment"].pk)},
    )
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).title == "活动室"
    client.force_login(worker_sjf)
    assert client.get(f"/console/cogovernance/projects/{project.pk}/edit/").status_code == 404
    assert client.get(f"/console/cogovernance/projects/{project.pk}/done/").status_code == 404


# Agreements and commitments ------------------------------------------------------------


def _deliver(worker: User, commitment: Commitment, quantity: str = "100") -> None:
    agreements.delivery_record(
        actor=worker,
        commitment_id=commitment.pk,
        data={"delivered_on": date(2025, 3, 1), "description": "活动", "quantity": quantity},
    )


def test_an_agreement_is_corrected_but_keeps_its_unit_once_delivered(
    worker: User, worker_sjf: User, world: dict[str, Any]
) -> None:
    a = world["agreement"]
    other_unit = org(worker, "另一家公司")
    data = {
        "unit": other_unit.pk,
        "title": "新协议名",
        "starts_on": "2025-01-01",
        "ends_on": "2026-12-31",
    }
    agreements.agreement_update(actor=worker, agreement_id=a.pk, data=data)
    a.refresh_from_db()
    assert (a.title, a.unit_id, a.ends_on) == ("新协议名", other_unit.pk, date(2026, 12, 31))
    _deliver(worker, world["commitment"])
    with pytest.raises(DomainError) as error:
        agreements.agreement_update(
            actor=worker, agreement_id=a.pk, data={**data, "unit": world["unit"].pk}
        )
    assert str(error.value) == "已有履约记录，不能更换共建单位。"
    with pytest.raises(DomainError) as error:
        agreements.agreement_update(
            actor=worker, agreement_id=a.pk, data={**data, "starts_on": "2025-06-01"}
        )
    assert error.value.code == "deliveries_outside"
    with pytest.raises(DomainError) as error:
        agreements.agreement_update(
            actor=worker, agreement_id=a.pk, data={**data, "ends_on": "2024-01-01"}
        )
    assert error.value.code == "period_order"
    with pytest.raises(NotFound):
        agreements.agreement_update(actor=worker_sjf, agreement_id=a.pk, data=data)
    a.refresh_from_db()
    assert (a.unit_id, a.starts_on) == (other_unit.pk, date(2025, 1, 1))
    assert audited("cogov.agreement_update") == 1


def test_a_commitment_cannot_go_below_what_was_delivered(
    worker: User, worker_sjf: User, world: dict[str, Any]
) -> None:
    c = world["commitment"]
    _deliver(worker, c, "100")
    data = {"category": "venue", "description": "会议室", "quantity": "99"}
    with pytest.raises(DomainError) as error:
        agreements.commitment_update(actor=worker, commitment_id=c.pk, data=data)
    assert str(error.value) == "已履约 100，承诺数量不能少于已履约的数量。"
    assert Commitment.objects.get(pk=c.pk).quantity == Decimal("240.0")
    with pytest.raises(NotFound):
        agreements.commitment_update(actor=worker_sjf, commitment_id=c.pk, data=data)
    agreements.commitment_update(actor=worker, commitment_id=c.pk, data={**data, "quantity": "100"})
    c.refresh_from_db()
    assert (c.quantity, c.description) == (Decimal("100.0"), "会议室")
    assert audited("cogov.commitment_update") == 1
    with pytest.raises(NotFound):
        agreements.commitment_add(
            actor=worker_sjf,
            agreement_id=c.agreement_id,
            data={"category": "money", "description": "资助", "amount": "100"},
        )


def test_agreement_and_commitment_pages(
    client: Client, worker: User, worker_sjf: User, world: dict[str, Any]
) -> None:
    a, c = world["agreement"], world["commitment"]
    _deliver(worker, c, "100")
    client.force_login(worker)
    detail = client.get(f"/console/cogovernance/agreements/{a.pk}/").content.decode()
    assert f"/console/cogovernance/agreements/{a.pk}/edit/" in detail
    assert f"/console/cogovernance/commitments/{c.pk}/edit/" in detail
    edit = client.get(f"/console/cogovernance/agreements/{a.pk}/edit/").content.decode()
    assert "已有履约记录，不能更换共建单位。" in edit
    response = client.post(
        f"/console/cogovernance/commitments/{c.pk}/edit/",
        {"category": "venue", "description": "会议室", "quantity": "10"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="error-quantity"' in body
    assert "承诺数量不能少于已履约的数量" in body
    response = client.post(
        f"/console/cogovernance/agreements/{a.pk}/edit/",
        {"title": "改名", "starts_on": "2025-01-01", "ends_on": "2027-12-31"},
    )
    assert response.status_code == 302
    assert Agreement.objects.get(pk=a.pk).title == "改名"
    client.force_login(worker_sjf)
    assert client.get(f"/console/cogovernance/agreements/{a.pk}/edit/").status_code == 404
    assert client.get(f"/console/cogovernance/commitments/{c.pk}/edit/").status_code == 404


# Designations --------------------------------------------------------------------------


@pytest.fixture
def designation(district: User) -> Designation:
    return designations.designation_create(
        actor=district, data={"year": 2024, "community": NIJIAQIAO, "criteria": ["party_leads"]}
    )


def test_a_designation_is_corrected_and_revoked_off_the_public_list(
    client: Client, district: User, admin: User, worker: User, designation: Designation
) -> None:
    other_district = make_staff("cg-jinjiang", Role.DISTRICT_OFFICER, JINJIANG)
    designations.designation_update(
        actor=district,
        designation_id=designation.pk,
        data={"criteria": ["safety", "party_leads"], "evidence": "台账齐全"},
    )
    designation.refresh_from_db()
    assert designation.criteria == ["party_leads", "safety"]
    with pytest.raises(DomainError) as error:
        designations.designation_update(
            actor=district, designation_id=designation.pk, data={"criteria": []}
        )
    assert str(error.value) == "请勾选社区达到的标准。"
    for outsider in (worker, other_district):
        with pytest.raises(NotFound):
            designations.designation_update(
                actor=outsider, designation_id=designation.pk, data={"criteria": ["safety"]}
            )
    designation.refresh_from_db()
    assert designation.criteria == ["party_leads", "safety"]
    for outsider in (worker, other_district):
        with pytest.raises(NotFound):
            designations.designation_revoke(
                actor=outsider, designation_id=designation.pk, data={"reason": "x"}
            )
    with pytest.raises(DomainError) as error:
        designations.designation_revoke(
            actor=district, designation_id=designation.pk, data={"reason": "  "}
        )
    assert str(error.value) == "此项为必填项。"
    assert (
        client.get("/cogovernance/demonstration/")
        .content.decode()
        .count('data-testid="designation"')
        == 1
    )
    designations.designation_revoke(
        actor=district, designation_id=designation.pk, data={"reason": "复查不合格"}
    )
    designation.refresh_from_db()
    assert designation.revoke_reason == "复查不合格"
    assert designation.revoked_at is not None
    with pytest.raises(DomainError) as error:
        designations.designation_revoke(
            actor=district, designation_id=designation.pk, data={"reason": "再次"}
        )
    assert str(error.value) == "该命名已撤销。"
    public = client.get("/cogovernance/demonstration/?year=2024").content.decode()
    assert 'data-testid="designation"' not in public
    assert client.get("/api/v1/cogovernance/designations").json()["items"] == []
    assert audited("cogov.designation_revoke") == 1
    client.force_login(district)
    login_verified(client, district)
    console = client.get("/console/cogovernance/designations/").content.decode()
    assert 'data-testid="revoked"' in console
    assert "复查不合格" in console


def test_designation_pages(
    client: Client, district: User, worker: User, designation: Designation
) -> None:
    client.force_login(district)
    login_verified(client, district)
    listing = client.get("/console/cogovernance/designations/").content.decode()
    assert f"/console/cogovernance/designations/{designation.pk}/edit/" in listing
    assert f"/console/cogovernance/designations/{designation.pk}/revoke/" in listing
    url = f"/console/cogovernance/designations/{designation.pk}/revoke/"
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert Designation.objects.get(pk=designation.pk).revoked_at is None
    response = client.post(
        f"/console/cogovernance/designations/{designation.pk}/edit/",
        {"criteria": ["services"], "evidence": "新的佐证"},
    )
    assert response.status_code == 302
    assert Designation.objects.get(pk=designation.pk).criteria == ["services"]
    assert client.post(url, {"reason": "撤销"}).status_code == 302
    client.force_login(worker)
    assert client.get(url).status_code == 404
    assert (
        client.get(f"/console/cogovernance/designations/{designation.pk}/edit/").status_code == 404
    )


# Members -------------------------------------------------------------------------------


def test_a_member_position_and_term_are_corrected_and_the_seat_ended(
    client: Client, worker: User, worker_sjf: User, world: dict[str, Any]
) -> None:
    member = world["member"]
    data = {"position": "secretary", "term_start": "2024-01-01", "term_end": "2028-12-31"}
    organisations.member_update(actor=worker, member_id=member.pk, data=data)
    member.refresh_from_db()
    assert (member.position, member.term_end) == ("secretary", date(2028, 12, 31))
    with pytest.raises(DomainError) as error:
        organisations.member_update(
            actor=worker, member_id=member.pk, data={**data, "term_end": "2023-01-01"}
        )
    assert str(error.value) == "聘期结束日期不能早于开始日期。"
    assert Member.objects.get(pk=member.pk).term_end == date(2028, 12, 31)
    with pytest.raises(NotFound):
        organisations.member_update(actor=worker_sjf, member_id=member.pk, data=data)
    assert audited("cogov.member_update") == 1
    client.force_login(worker)
    page = client.get(f"/console/cogovernance/organisations/{member.organisation_id}/")
    assert f"/console/cogovernance/members/{member.pk}/edit/" in page.content.decode()
    response = client.post(
        f"/console/cogovernance/members/{member.pk}/edit/",
        {**data, "term_end": "2020-01-01"},
    )
    assert response.status_code == 400
    assert 'data-testid="error-term_end"' in response.content.decode()
    client.force_login(worker_sjf)
    assert client.get(f"/console/cogovernance/members/{member.pk}/edit/").status_code == 404


# API -----------------------------------------------------------------------------------


def test_api_edits_close_and_revoke(
    client: Client,
    worker: User,
    worker_sjf: User,
    district: User,
    world: dict[str, Any],
    designation: Designation,
) -> None:
    n, c, member = world["need"], world["commitment"], world["member"]
    api = "/api/v1/cogovernance"
    put = {"content_type": "application/json"}
    assert (
        client.put(f"{api}/needs/{n.pk}", {"title": "x", "category": "venue"}, **put).status_code
        == 401
    )
    client.force_login(worker_sjf)
    assert (
        client.put(f"{api}/needs/{n.pk}", {"title": "x", "category": "venue"}, **put).status_code
        == 404
    )
    assert client.post(f"{api}/needs/{n.pk}/close", {"reason": "met"}, **put).status_code == 404
    assert (
        client.post(
            f"{api}/members/{member.pk}/cease", {"ceased_on": "2025-01-01"}, **put
        ).status_code
        == 404
    )
    client.force_login(worker)
    response = client.put(f"{api}/needs/{n.pk}", {"title": "", "category": "venue"}, **put)
    assert response.status_code == 400
    assert response.json()["title"] == "此项为必填项。"
    response = client.put(f"{api}/needs/{n.pk}", {"title": "活动场地", "category": "venue"}, **put)
    assert response.status_code == 200
    assert response.json()["title"] == "活动场地"
    response = client.post(f"{api}/needs/{n.pk}/close", {"reason": "withdrawn"}, **put)
    assert response.json()["close_reason"] == "withdrawn"
    assert client.get(f"{api}/lists/{NIJIAQIAO}").json()["needs"] == []
    response = client.put(
        f"{api}/resources/{world['room'].pk}",
        {"title": "会议室", "category": "venue", "quantity": "2"},
        **put,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "below_taken"
    response = client.post(f"{api}/resources/{world['room'].pk}/withdraw")
    assert response.json()["status"] == "withdrawn"
    response = client.post(
        f"{api}/projects/{world['project'].pk}/done", {"result_note": "完成"}, **put
    )
    assert response.json()["status"] == "done"
    response = client.post(
        f"{api}/agreements/{c.agreement_id}/commitments",
        {"category": "money", "description": "资助", "amount": "-1"},
        **put,
    )
    assert response.status_code == 400
    assert response.json()["title"] == "金额不能为负数。"
    response = client.post(
        f"{api}/agreements/{c.agreement_id}/commitments",
        {"category": "money", "description": "资助", "amount": "500"},
        **put,
    )
    assert response.status_code == 201
    response = client.put(
        f"{api}/commitments/{c.pk}",
        {"category": "venue", "description": "会议室", "quantity": "300"},
        **put,
    )
    assert response.json()["quantity"] == "300.0"
    response = client.put(
        f"{api}/agreements/{c.agreement_id}",
        {"title": "协议", "starts_on": "2025-01-01", "ends_on": "2025-12-31"},
        **put,
    )
    assert response.status_code == 200
    response = client.put(
        f"{api}/members/{member.pk}",
        {"position": "director", "term_start": "2024-01-01"},
        **put,
    )
    assert response.json()["position"] == "director"
    response = client.post(f"{api}/members/{member.pk}/cease", {"ceased_on": "2023-01-01"}, **put)
    assert response.status_code == 400
    response = client.post(f"{api}/members/{member.pk}/cease", {"ceased_on": "2025-06-30"}, **put)
    assert response.json()["ceased_on"] == "2025-06-30"
    assert (
        client.post(
            f"{api}/designations/{designation.pk}/revoke", {"reason": "x"}, **put
        ).status_code
        == 404
    )
    client.force_login(district)
    login_verified(client, district)
    response = client.post(f"{api}/designations/{designation.pk}/revoke", {"reason": "复查"}, **put)
    assert response.status_code == 200
    assert response.json()["revoke_reason"] == "复查"


def test_an_auditor_reads_the_lists_without_edit_buttons_and_cannot_edit(
    client: Client, world: dict[str, Any]
) -> None:
    auditor = make_staff("cg-auditor", Role.AUDITOR, NIJIAQIAO)
    client.force_login(auditor)
    login_verified(client, auditor)
    page = client.get("/console/cogovernance/").content.decode()
    assert "一楼会议室" in page
    assert 'data-testid="resource-edit"' not in page
    assert 'data-testid="project-row-done"' not in page
    need_page = client.get(f"/console/cogovernance/needs/{world['need'].pk}/").content.decode()
    assert 'data-testid="need-edit"' not in need_page
    assert client.get(f"/console/cogovernance/needs/{world['need'].pk}/edit/").status_code == 404
    response = client.post(
        f"/console/cogovernance/needs/{world['need'].pk}/close/", {"reason": "met"}
    )
    assert response.status_code == 404
    assert Need.objects.get(pk=world["need"].pk).status != Need.Status.CLOSED
