"""指派: after 签收 the unit's head or whoever signed assigns the request to one of the unit's
officers, who is told and finds it under "指派给我"; a non-member is refused."""

import pytest
import time_machine
from django.test import Client

from shequ.appeals.models import Appeal, AppealEvent, Unit
from shequ.appeals.services.assignment import appeal_assign, unit_head_set
from shequ.appeals.services.handling import appeal_return, appeal_sign
from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.notices.models import Message
from shequ.people.models import User
from tests.appeals.conftest import BEFORE_NATIONAL_DAY, street_light
from tests.factories import NIJIAQIAO, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed_day() -> object:
    with time_machine.travel(BEFORE_NATIONAL_DAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def officer(world: None) -> User:
    user = make_staff("njq_officer", Role.COMMUNITY_WORKER, NIJIAQIAO)
    user.first_name = "王小明"
    user.save(update_fields=["first_name"])
    return user


@pytest.fixture
def colleague(world: None) -> User:
    return make_staff("njq_colleague", Role.COMMUNITY_WORKER, NIJIAQIAO)


def _signed(resident: User, worker: User) -> Appeal:
    appeal = street_light(resident)
    return appeal_sign(actor=worker, appeal_id=appeal.pk)


def test_signer_assigns_and_reassigns(
    resident: User, worker: User, officer: User, colleague: User
) -> None:
    appeal = _signed(resident, worker)
    appeal_assign(actor=worker, appeal_id=appeal.pk, officer_id=officer.pk, note="今天去现场")
    assert Appeal.objects.get(pk=appeal.pk).assignee == officer
    assert Message.objects.filter(user=officer, title__contains="指派给您").exists()
    event = AppealEvent.objects.get(appeal=appeal, kind=AppealEvent.Kind.ASSIGNED)
    assert event.note == "王*明（njq_officer）: 今天去现场"
    appeal_assign(actor=worker, appeal_id=appeal.pk, officer_id=colleague.pk)
    assert Appeal.objects.get(pk=appeal.pk).assignee == colleague
    assert AuditEvent.objects.filter(verb="appeal.assign").count() == 2
    assert Message.objects.filter(user=colleague, title__contains="指派给您").exists()


def test_assigning_to_a_non_member_is_refused(
    resident: User, worker: User, officer: User, street: User
) -> None:
    appeal = _signed(resident, worker)
    for stranger in (street.pk, 999999, "abc"):
        with pytest.raises(DomainError) as caught:
            appeal_assign(actor=worker, appeal_id=appeal.pk, officer_id=stranger)
        assert caught.value.code == "not_a_member"
        assert "只能从列表中选择倪家桥社区居委会的工作人员" in str(caught.value)
    assert Appeal.objects.get(pk=appeal.pk).assignee is None
    assert not AppealEvent.objects.filter(kind=AppealEvent.Kind.ASSIGNED).exists()
    assert not AuditEvent.objects.filter(verb="appeal.assign").exists()


def test_only_the_head_or_the_signer_assigns(
    resident: User, worker: User, officer: User, colleague: User, street: User
) -> None:
    appeal = street_light(resident)
    with pytest.raises(DomainError) as caught:
        appeal_assign(actor=worker, appeal_id=appeal.pk, officer_id=officer.pk)
    assert "请先签收，再指派" in str(caught.value)
    appeal_sign(actor=worker, appeal_id=appeal.pk)
    with pytest.raises(PermissionDenied) as denied:
        appeal_assign(actor=colleague, appeal_id=appeal.pk, officer_id=officer.pk)
    assert "只有单位负责人或签收人才能指派" in str(denied.value)
    with pytest.raises(NotFound):
        appeal_assign(actor=street, appeal_id=appeal.pk, officer_id=officer.pk)
    assert Appeal.objects.get(pk=appeal.pk).assignee is None
    Unit.objects.filter(name="倪家桥社区居委会").update(head=colleague)
    appeal_assign(actor=colleague, appeal_id=appeal.pk, officer_id=officer.pk)
    assert Appeal.objects.get(pk=appeal.pk).assignee == officer
    with pytest.raises(DomainError) as caught:
        appeal_assign(actor=colleague, appeal_id=appeal.pk, officer_id=officer.pk)
    assert caught.value.code == "already_assigned"


def test_a_return_clears_the_assignment(resident: User, worker: User, officer: User) -> None:
    appeal = _signed(resident, worker)
    appeal_assign(actor=worker, appeal_id=appeal.pk, officer_id=officer.pk)
    appeal_return(actor=worker, appeal_id=appeal.pk, reason="wrong_area", text="不在本社区")
    assert Appeal.objects.get(pk=appeal.pk).assignee is None


def test_console_picker_and_assigned_to_me_queue(
    client: Client, resident: User, worker: User, officer: User, street: User
) -> None:
    appeal = _signed(resident, worker)
    client.force_login(worker)
    page = client.get(f"/console/appeals/{appeal.pk}/")
    assert 'data-testid="assign-form"' in page.text
    assert "王*明（njq_officer）</option>" in page.text
    assert "王小明" not in page.text
    bad = client.post(f"/console/appeals/{appeal.pk}/assign/", {"officer": street.pk})
    assert bad.status_code == 400
    assert "只能从列表中选择" in bad.text
    done = client.post(f"/console/appeals/{appeal.pk}/assign/", {"officer": officer.pk})
    assert done.status_code == 302
    mine = Client()
    mine.force_login(officer)
    queue = mine.get("/console/appeals/")
    assert 'data-testid="count-assigned">1<' in queue.text
    assert appeal.number in mine.get("/console/appeals/?queue=assigned").text
    # The officer did not sign and is not the head: no assign form for them.
    assert 'data-testid="assign-form"' not in mine.get(f"/console/appeals/{appeal.pk}/").text
    public = Client().get(f"/appeals/{appeal.pk}/")
    assert "njq_officer" not in public.text
    assert "王*明" not in public.text


def test_api_officers_assign_and_assigned(
    client: Client, resident: User, worker: User, officer: User, street: User
) -> None:
    appeal = _signed(resident, worker)
    client.force_login(worker)
    officers = client.get(f"/api/v1/appeals/{appeal.pk}/officers").json()
    labels = {o["label"]: o["id"] for o in officers}
    assert labels["王*明（njq_officer）"] == officer.pk
    bad = client.post(
        f"/api/v1/appeals/{appeal.pk}/assignment",
        {"officer_id": street.pk},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["code"] == "not_a_member"
    done = client.post(
        f"/api/v1/appeals/{appeal.pk}/assignment",
        {"officer_id": officer.pk, "note": "请跟进"},
        content_type="application/json",
    )
    assert done.status_code == 200, done.content
    mine = Client()
    mine.force_login(officer)
    listed = mine.get("/api/v1/appeals/assigned").json()
    assert [(a["number"], a["assigned_to_me"]) for a in listed["items"]] == [(appeal.number, True)]
    assert client.get("/api/v1/appeals/assigned").json()["items"] == []


def test_the_committee_names_a_head_from_the_members(
    client: Client, worker: User, officer: User, street: User, dispatcher: User
) -> None:
    unit = Unit.objects.get(name="倪家桥社区居委会")
    with pytest.raises(PermissionDenied):
        unit_head_set(actor=worker, unit_id=unit.pk, head_id=officer.pk)
    with pytest.raises(DomainError) as caught:
        unit_head_set(actor=dispatcher, unit_id=unit.pk, head_id=street.pk)
    assert "只能从列表中选择倪家桥社区居委会的工作人员" in str(caught.value)
    assert Unit.objects.get(pk=unit.pk).head is None
    assert not AuditEvent.objects.filter(verb="appeal.unit_head").exists()
    client.force_login(dispatcher)
    page = client.get(f"/console/appeals/units/{unit.pk}/head/")
    assert "王*明（njq_officer）</option>" in page.text
    bad = client.post(f"/console/appeals/units/{unit.pk}/head/", {"head": street.pk})
    assert bad.status_code == 400
    done = client.post(f"/console/appeals/units/{unit.pk}/head/", {"head": officer.pk})
    assert done.status_code == 302
    assert Unit.objects.get(pk=unit.pk).head == officer
    units = client.get("/console/appeals/units/")
    assert "王*明（njq_officer）" in units.text
    cleared = client.post(
        f"/api/v1/appeals/units/{unit.pk}/head", {"head_id": None}, content_type="application/json"
    )
    assert cleared.status_code == 200, cleared.content
    assert cleared.json()["head"] is None
    worker_client = Client()
    worker_client.force_login(worker)
    assert worker_client.get(f"/console/appeals/units/{unit.pk}/head/").status_code == 403
