"""The form builder (设计申请表): department staff build a form without JSON, on a draft;
bad forms are refused in Chinese with nothing saved; answered versions are never rewritten;
a department edits only its own services' forms; residents apply with what was built."""

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from shequ.casework.models import Application, FormDefinition
from shequ.casework.services.applications import application_submit
from shequ.casework.services.definitions import current_form
from shequ.casework.services.errors import InvalidApplication
from shequ.casework.services.forms import (
    draft_of,
    form_draft_discard,
    form_draft_eligibility_set,
    form_draft_item_add,
    form_draft_item_delete,
    form_draft_item_move,
    form_draft_item_update,
    form_draft_publish,
)
from shequ.catalogue.models import Service
from shequ.core.errors import DomainError, PermissionDenied
from shequ.core.models import AuditEvent
from shequ.core.pii import unseal
from shequ.core.scopes import Role
from shequ.people.models import User, VerificationLevel
from tests.casework.conftest import pdf, png
from tests.factories import NIJIAQIAO, make_resident, make_staff, make_user

TODAY = datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ID_NUMBER = "510107196001011236"


@pytest.fixture
def card(forms: None) -> Service:
    """老年人优待证 of 民政 (a demo service with a published form)."""
    return Service.objects.get(code="laonianren-youdaizheng")


@pytest.fixture
def minzheng(forms: None) -> User:
    return make_staff("minzheng", Role.DEPARTMENT_STAFF, "minzheng")


@pytest.fixture(autouse=True)
def chinese() -> Any:
    with translation.override("zh-hans"):
        yield


def refused(call: Any, **kwargs: Any) -> list[str]:
    with pytest.raises(InvalidApplication) as error:
        call(**kwargs)
    return [str(e) for e in error.value.errors]


def add(actor: User, service: Service, **item: Any) -> str:
    return form_draft_item_add(actor=actor, service_id=service.pk, item=item)[1]


# --- validation: Chinese errors, nothing saved -------------------------------------------


def test_two_fields_with_the_same_name_are_refused(minzheng, card) -> None:
    add(minzheng, card, type="text", label="联系地址")
    before = list(draft_of(card).fields)  # type: ignore[union-attr]
    errors = refused(
        form_draft_item_add,
        actor=minzheng,
        service_id=card.pk,
        item={"type": "textarea", "label": "联系地址"},
    )
    assert any("联系地址" in e and "同名" in e for e in errors), errors
    assert draft_of(card).fields == before  # type: ignore[union-attr]


def test_a_condition_on_a_later_field_or_on_itself_is_refused(minzheng, card) -> None:
    kind = add(minzheng, card, type="choice", label="残疾类别", choices="视力\n肢体")
    note = add(
        minzheng,
        card,
        type="text",
        label="辅具需求",
        show_if={"field": kind, "equals": "肢体"},
    )
    # moving the dependent field above the one it looks at
    errors = refused(
        form_draft_item_move,
        actor=minzheng,
        service_id=card.pk,
        section="fields",
        name=note,
        offset=-1,
    )
    assert any("之前" in e for e in errors), errors
    # a condition on itself
    errors = refused(
        form_draft_item_update,
        actor=minzheng,
        service_id=card.pk,
        section="fields",
        name=kind,
        item={
            "label": "残疾类别",
            "choices": "视力\n肢体",
            "show_if": {"field": kind, "equals": "视力"},
        },
    )
    assert any("之前" in e for e in errors), errors
    # deleting the field a condition looks at
    errors = refused(
        form_draft_item_delete, actor=minzheng, service_id=card.pk, section="fields", name=kind
    )
    assert any("辅具需求" in e for e in errors), errors
    names = [s["name"] for s in draft_of(card).fields]  # type: ignore[union-attr]
    assert names.index(kind) < names.index(note)


def test_a_choice_without_options_and_a_file_without_kinds_are_refused(minzheng, card) -> None:
    errors = refused(
        form_draft_item_add,
        actor=minzheng,
        service_id=card.pk,
        item={"type": "multichoice", "label": "困难类型", "choices": "\n  \n"},
    )
    assert any("选项" in e for e in errors), errors
    errors = refused(
        form_draft_item_add,
        actor=minzheng,
        service_id=card.pk,
        item={"type": "file", "label": "诊断证明", "types": []},
    )
    assert any("文件类型" in e for e in errors), errors
    assert draft_of(card) is None or all(
        s["label"] not in ("困难类型", "诊断证明")
        for s in [*draft_of(card).fields, *draft_of(card).documents]  # type: ignore[union-attr]
    )


def test_min_age_above_max_age_is_refused(minzheng, card) -> None:
    errors = refused(
        form_draft_eligibility_set,
        actor=minzheng,
        service_id=card.pk,
        eligibility={"min_age": 70, "max_age": 60},
    )
    assert any("最低年龄" in e for e in errors), errors
    draft = draft_of(card)
    assert draft is None or draft.eligibility == {"min_age": 60}


def test_the_builder_page_shows_the_error_and_saves_nothing(client: Client, minzheng, card) -> None:
    client.force_login(minzheng)
    response = client.post(
        f"/console/casework/forms/{card.pk}/add/?type=choice",
        {"type": "choice", "label": "领取地点", "choices": ""},
    )
    assert response.status_code == 400
    assert "选项" in response.content.decode()
    assert "领取地点" not in str(draft_of(card).fields if draft_of(card) else "")  # type: ignore[union-attr]


# --- versions ------------------------------------------------------------------------------


@time_machine.travel(TODAY, tick=False)
def test_an_answered_version_is_never_rewritten(minzheng, card) -> None:
    senior = make_user("senior")
    resident = make_resident(NIJIAQIAO, user=senior, name="王五")
    resident.birth_date = date(1950, 1, 1)
    resident.save(update_fields=["birth_date"])
    answered = current_form(card)
    assert answered is not None
    application = application_submit(
        actor=senior,
        service_id=card.pk,
        data={"contact_name": "李四", "contact_phone": "13912345678", "pickup": "邮寄"},
        files={"photo": png()},
    )
    fields_before = list(answered.fields)
    add(minzheng, card, type="text", label="备注")
    pickup = next(s for s in answered.fields if s["name"] == "pickup")
    form_draft_item_update(
        actor=minzheng,
        service_id=card.pk,
        section="fields",
        name="pickup",
        item={**pickup, "choices": "社区领取\n邮寄\n代领"},
    )
    answered.refresh_from_db()
    assert answered.fields == fields_before
    assert current_form(card) == answered  # the draft is not applied with
    published = form_draft_publish(actor=minzheng, service_id=card.pk)
    assert published.version == answered.version + 1
    assert current_form(card) == published
    assert published.fields[-1]["label"] == "备注"
    application.refresh_from_db()
    assert application.form_id == answered.pk
    answered.refresh_from_db()
    assert answered.fields == fields_before
    # the next edit opens a new draft; the published one stays as it is
    add(minzheng, card, type="date", label="希望领取日期")
    published.refresh_from_db()
    assert [s["label"] for s in published.fields][-1] == "备注"
    assert draft_of(card) is not None
    assert draft_of(card).pk != published.pk
    form_draft_discard(actor=minzheng, service_id=card.pk)
    assert draft_of(card) is None
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"form.draft_open", "form.item_add", "form.publish", "form.draft_discard"} <= verbs


def test_the_history_lists_who_published_each_version(client: Client, minzheng, card) -> None:
    add(minzheng, card, type="text", label="备注")
    form_draft_publish(actor=minzheng, service_id=card.pk)
    client.force_login(minzheng)
    page = client.get(f"/console/casework/forms/{card.pk}/").content.decode()
    assert "v2" in page
    assert "minzheng" in page


# --- permissions ---------------------------------------------------------------------------


def test_a_department_edits_only_its_own_services_forms(client: Client, card) -> None:
    police = make_staff("police", Role.DEPARTMENT_STAFF, "gongan")
    with pytest.raises(PermissionDenied):
        form_draft_item_add(
            actor=police, service_id=card.pk, item={"type": "text", "label": "备注"}
        )
    client.force_login(police)
    assert client.get(f"/console/casework/forms/{card.pk}/").status_code in (403, 404)
    response = client.post(
        f"/console/casework/forms/{card.pk}/add/?type=text", {"type": "text", "label": "备注"}
    )
    assert response.status_code in (403, 404)
    assert draft_of(card) is None
    resident = make_user("resident")
    client.force_login(resident)
    assert client.get(f"/console/casework/forms/{card.pk}/preview/").status_code in (302, 403, 404)


def test_the_service_pages_link_to_the_builder_for_its_department(
    client: Client, minzheng, card
) -> None:
    client.force_login(minzheng)
    url = f"/console/casework/forms/{card.pk}/"
    assert url in client.get(reverse("catalogue:service", args=[card.pk])).content.decode()
    client.force_login(make_user("resident"))
    assert url not in client.get(reverse("catalogue:service", args=[card.pk])).content.decode()


# --- residents apply with what was built ---------------------------------------------------


def built_form(minzheng: User, card: Service) -> dict[str, str]:
    names = {"disabled": add(minzheng, card, type="boolean", label="是否持有残疾证")}
    names["level"] = add(
        minzheng,
        card,
        type="choice",
        label="残疾等级",
        choices="一级\n二级\n三级\n四级",
        required=True,
        show_if={"field": names["disabled"], "equals": "true"},
    )
    names["needs"] = add(
        minzheng, card, type="multichoice", label="需要的帮助", choices="上门\n代办\n陪同"
    )
    names["id"] = add(
        minzheng, card, type="id_number", label="申请人身份证号", required=True, prefill="id_number"
    )
    names["home"] = add(minzheng, card, type="address", label="居住地址", required=True)
    names["cert"] = add(
        minzheng,
        card,
        type="file",
        label="残疾证照片",
        types=["jpg", "png"],
        max_kb=2048,
        required=True,
        show_if={"field": names["disabled"], "equals": "true"},
    )
    form_draft_publish(actor=minzheng, service_id=card.pk)
    return names


def senior_applicant(level: int = VerificationLevel.ID_CHECKED) -> User:
    user = make_user("senior")
    resident = make_resident(NIJIAQIAO, user=user, name="王五", id_number=ID_NUMBER, level=level)
    resident.birth_date = date(1960, 1, 1)
    resident.save(update_fields=["birth_date"])
    return user


BASE = {"contact_name": "李四", "contact_phone": "13912345678", "pickup": "邮寄"}


@time_machine.travel(TODAY, tick=False)
def test_a_resident_applies_with_the_built_form(client: Client, minzheng, card) -> None:
    names = built_form(minzheng, card)
    user = senior_applicant()
    client.force_login(user)
    page = client.get(f"/casework/apply/{card.pk}/").content.decode()
    assert "残疾等级" in page
    assert "仅当" in page
    assert ID_NUMBER not in page
    assert "5101" in page
    assert 'id="form-conditions"' in page
    answers = {
        **BASE,
        names["needs"]: ["上门", "陪同"],
        names["home"]: "倪家桥路1号2栋",
        f"{names['home']}__community": NIJIAQIAO,
        "photo": png(),
    }
    # the condition is not met: the level and the certificate are not asked
    response = client.post(f"/casework/apply/{card.pk}/", answers)
    assert response.status_code == 302, response.content.decode()[:2000]
    application = Application.objects.get()
    data = application.data
    assert unseal(data[names["id"]]).reveal() == ID_NUMBER  # type: ignore[union-attr]
    assert ID_NUMBER not in str(data)
    assert data[names["needs"]] == ["上门", "陪同"]
    assert data[names["home"]]["community"] == NIJIAQIAO
    assert data[names["level"]] is None


@time_machine.travel(TODAY, tick=False)
def test_a_conditional_item_is_required_once_its_condition_is_met(
    client: Client, minzheng, card
) -> None:
    names = built_form(minzheng, card)
    client.force_login(senior_applicant())
    answers = {
        **BASE,
        names["disabled"]: "on",
        names["home"]: "倪家桥路1号",
        f"{names['home']}__community": NIJIAQIAO,
        "photo": png(),
        names["cert"]: pdf("cert.pdf"),  # a PDF where only photos are allowed
    }
    response = client.post(f"/casework/apply/{card.pk}/", answers)
    assert response.status_code == 400
    page = response.content.decode()
    assert "此项为必填项" in page or "必填" in page  # the level
    assert "JPG" in page.upper()
    assert "PNG" in page.upper()
    assert not Application.objects.exists()


@time_machine.travel(TODAY, tick=False)
def test_eligibility_rules_are_checked_at_submission(minzheng, card) -> None:
    add(minzheng, card, type="text", label="备注")
    form_draft_eligibility_set(
        actor=minzheng,
        service_id=card.pk,
        eligibility={
            "min_age": 60,
            "max_age": 80,
            "min_level": VerificationLevel.REGISTRY_MATCHED,
        },
    )
    form_draft_publish(actor=minzheng, service_id=card.pk)
    user = senior_applicant(level=VerificationLevel.ID_CHECKED)
    with pytest.raises(DomainError) as error:
        application_submit(actor=user, service_id=card.pk, data=BASE, files={"photo": png()})
    assert "核验" in str(error.value) or "认证" in str(error.value)
    assert not Application.objects.exists()


def test_the_preview_renders_the_draft_in_a_frame(client: Client, minzheng, card) -> None:
    add(minzheng, card, type="text", label="草稿里的新问题")
    client.force_login(minzheng)
    response = client.get(f"/console/casework/forms/{card.pk}/preview/")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    page = response.content.decode()
    assert "草稿里的新问题" in page
    assert "disabled" in page
    # residents still see the published version
    client.force_login(make_user("resident"))
    assert "草稿里的新问题" not in client.get(f"/casework/apply/{card.pk}/").content.decode()


def test_the_apply_page_query_count_does_not_grow_with_the_fields(
    client: Client, minzheng, card, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = senior_applicant()
    client.force_login(user)
    url = f"/casework/apply/{card.pk}/"

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    add(minzheng, card, type="text", label="问题0")
    form_draft_publish(actor=minzheng, service_id=card.pk)
    few = count()
    for i in range(1, 30):
        add(
            minzheng,
            card,
            type=("text", "choice", "date", "id_number")[i % 4],
            label=f"问题{i}",
            choices="甲\n乙",
        )
    form_draft_publish(actor=minzheng, service_id=card.pk)
    assert count() == few


def test_existing_forms_still_validate_and_publish(minzheng) -> None:
    """Older forms (without the builder's keys) open in the builder unchanged."""
    for form in FormDefinition.objects.filter(is_draft=False):
        draft = form_draft_item_add(
            actor=make_staff(f"s{form.pk}", Role.SYSTEM_ADMIN),
            service_id=form.service_id,
            item={"type": "text", "label": f"新问题{form.pk}"},
        )[0]
        assert draft.fields[: len(form.fields)] == form.fields
