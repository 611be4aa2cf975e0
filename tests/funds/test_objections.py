"""Objections are answered in public: the objection and the street office's answer are on
the disclosure page (the objector's name masked), and the objector gets the answer."""

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from shequ.core.errors import PermissionDenied
from shequ.funds.models import Objection
from shequ.funds.services import objections
from shequ.notices.models import Message
from shequ.participation.selectors import residents_council
from shequ.participation.services import councils
from shequ.people.models import User, VerificationLevel
from tests.factories import NIJIAQIAO, make_resident, make_user
from tests.funds.conftest import approve

PAGE = f"/funds/{NIJIAQIAO}/"


def objector(name: str = "王小明") -> User:
    user = make_user(f"objector_{len(name)}")
    # Objections need the registry match (a self-declared ID number is not enough).
    make_resident(NIJIAQIAO, user=user, name=name, level=VerificationLevel.REGISTRY_MATCHED)
    return User.objects.get(pk=user.pk)


def answered(worker: User, street: User) -> tuple[Objection, User]:
    approval = approve(worker, subject="楼道灯改造")
    resident = objector()
    objection = objections.objection_raise(
        actor=resident, approval_id=approval.pk, reason="报价偏高，请公开比价结果"
    )
    objections.objection_answer(
        actor=street, objection_id=objection.pk, answer="已比价三家，选择最低报价。"
    )
    return objection, resident


def test_the_objection_and_its_answer_are_on_the_public_page_with_the_name_masked(
    client: Client, worker: User, street: User, django_assert_max_num_queries: Any
) -> None:
    answered(worker, street)
    # At most one read more than without objections (eight), however many there are.
    with django_assert_max_num_queries(9):
        page = client.get(PAGE).content.decode()
    assert 'data-testid="objection"' in page
    assert "报价偏高，请公开比价结果" in page
    assert "已比价三家，选择最低报价。" in page
    assert "王*明" in page
    assert "王小明" not in page
    full_list = client.get(f"{PAGE}decisions/").content.decode()
    assert "已比价三家，选择最低报价。" in full_list
    assert "王小明" not in full_list


def test_an_open_objection_is_shown_as_awaiting_the_answer(client: Client, worker: User) -> None:
    approval = approve(worker)
    objections.objection_raise(
        actor=objector("李娜"), approval_id=approval.pk, reason="不同意此项支出"
    )
    page = client.get(PAGE).content.decode()
    assert "不同意此项支出" in page
    assert "李*" in page
    assert "等待街道答复" in page


def test_the_objector_gets_the_answer_in_their_inbox(worker: User, street: User) -> None:
    objection, resident = answered(worker, street)
    message = Message.objects.get(user=resident)
    assert message.title == "您提出的异议已获答复"
    assert "楼道灯改造" in message.body
    assert "已比价三家，选择最低报价。" in message.body
    assert message.url == f"/funds/{NIJIAQIAO}/#decision-{objection.approval_id}"
    assert not Message.objects.exclude(user=resident).exists()


def test_the_api_disclosure_lists_objections_with_answers_and_masked_names(
    client: Client, worker: User, street: User
) -> None:
    answered(worker, street)
    decisions = client.get(f"/api/v1/funds/communities/{NIJIAQIAO}/disclosure").json()["decisions"]
    (shown,) = decisions[0]["objections"]
    assert (shown["objector"], shown["status"]) == ("王*明", "answered")
    assert (shown["reason"], shown["answer"]) == (
        "报价偏高，请公开比价结果",
        "已比价三家，选择最低报价。",
    )


def test_the_council_sets_the_level_objecting_needs(worker: User) -> None:
    approval = approve(worker, subject="小区门禁更换")
    council = residents_council(NIJIAQIAO)
    assert council is not None
    councils.council_set_object_level(
        actor=worker, council_id=council.pk, object_level=VerificationLevel.IN_PERSON
    )
    registry_matched = objector()

    with translation.override("en"), pytest.raises(PermissionDenied) as refused:
        objections.objection_raise(
            actor=registry_matched, approval_id=approval.pk, reason="报价偏高，请公开比价结果"
        )
    assert refused.value.code == "level_required"
    assert "in-person verification" in str(refused.value)
    assert not Objection.objects.exists()

    councils.council_set_object_level(
        actor=worker, council_id=council.pk, object_level="id_checked"
    )
    self_declared = make_user("self_declared_objector")
    make_resident(NIJIAQIAO, user=self_declared, name="赵六", level=VerificationLevel.ID_CHECKED)
    objections.objection_raise(
        actor=User.objects.get(pk=self_declared.pk),
        approval_id=approval.pk,
        reason="施工时间影响休息",
    )
    assert Objection.objects.count() == 1
