"""Phone and ID numbers in application answers: sealed at rest, masked on screen, revealed
only with a reason (audited); numbers typed into free text are masked on save."""

import importlib
import json
from datetime import date
from io import StringIO
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from shequ.casework.models import Application, Status
from shequ.casework.services.answers import application_reveal_answer
from shequ.casework.services.applications import application_act
from shequ.casework.services.definitions import current_form, form_definition_publish
from shequ.catalogue.models import Service
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.people.models import User
from tests.casework.conftest import png
from tests.factories import SHUIJINGFANG, make_staff, valid_id_number

PHONE = "13912345678"
ID_NUMBER = valid_id_number(region="510104", sequence=7)
# ciphertext that happens to read like a grouped phone number: never to be "masked"
SEALED_LOOKALIKE = "gAAAA-139-1234-5678"


@pytest.fixture
def youdaizheng(forms: None, applicant: User) -> Service:
    """老年人优待证: the demo form asks for the emergency contact's name and phone; it is
    for people aged 60 or over, so the applicant is one on the registry."""
    applicant.resident.birth_date = date(1950, 5, 1)
    applicant.resident.save(update_fields=["birth_date"])
    return Service.objects.get(code="laonianren-youdaizheng")


@pytest.fixture
def minzheng(forms: None) -> User:
    return make_staff("minzheng", Role.DEPARTMENT_STAFF, "minzheng")


@pytest.fixture
def with_id_field(youdaizheng: Service) -> Service:
    """A new version of the form that also asks for the holder's ID number."""
    form = current_form(youdaizheng)
    assert form is not None
    form_definition_publish(
        actor=None,
        service_id=youdaizheng.pk,
        fields=[
            *form.fields,
            {"name": "holder_id", "label": "持证人身份证号", "type": "id_number"},
            {"name": "note", "label": "备注", "type": "textarea", "max_length": 300},
        ],
        documents=form.documents,
    )
    return youdaizheng


def _apply(client: Client, service: Service, **answers: str) -> Application:
    response = client.post(
        f"/casework/apply/{service.pk}/",
        {
            "contact_name": "李四",
            "contact_phone": PHONE,
            "pickup": "社区领取",
            "photo": png(),
            **answers,
        },
    )
    assert response.status_code == 302, response.content.decode()
    return Application.objects.get()


def _stored_data(application: Application) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM casework_application WHERE id = %s", [application.pk])
        (raw,) = cursor.fetchone()
    return raw if isinstance(raw, str) else json.dumps(raw)


def test_phone_and_id_answers_are_encrypted_at_rest_and_masked_on_screen(
    client: Client, applicant: User, minzheng: User, with_id_field: Service
) -> None:
    # when a resident answers the phone and ID number fields
    client.force_login(applicant)
    form_page = client.get(f"/casework/apply/{with_id_field.pk}/").content.decode()
    assert 'inputmode="tel"' in form_page
    application = _apply(client, with_id_field, holder_id=ID_NUMBER.lower())
    # then the database holds neither number in clear
    stored = _stored_data(application)
    assert PHONE not in stored
    assert ID_NUMBER not in stored
    assert ID_NUMBER.lower() not in stored
    # and staff see them masked, in the console and over the API
    client.force_login(minzheng)
    page = client.get(f"/console/casework/{application.pk}/").content.decode()
    assert "139****5678" in page
    assert f"{ID_NUMBER[:4]}**********{ID_NUMBER[-4:]}" in page
    assert PHONE not in page
    assert ID_NUMBER not in page
    body = client.get(f"/api/v1/casework/queue/{application.pk}").json()
    assert body["data"]["contact_phone"] == "139****5678"
    assert body["data"]["contact_name"] == "李四"
    assert PHONE not in json.dumps(body)


def test_a_wrong_phone_answer_is_refused_on_its_field(
    client: Client, applicant: User, youdaizheng: Service
) -> None:
    client.force_login(applicant)
    response = client.post(
        f"/casework/apply/{youdaizheng.pk}/",
        {"contact_name": "李四", "contact_phone": "1391234", "pickup": "邮寄", "photo": png()},
    )
    assert response.status_code == 400
    assert 'data-testid="error-contact_phone"' in response.content.decode()
    assert not Application.objects.exists()


def test_staff_reveal_a_number_only_with_a_reason_and_it_is_audited(
    client: Client, applicant: User, minzheng: User, youdaizheng: Service
) -> None:
    client.force_login(applicant)
    application = _apply(client, youdaizheng)
    client.force_login(minzheng)
    url = f"/console/casework/{application.pk}/reveal/"
    # without a reason: refused, nothing shown, nothing recorded
    refused = client.post(url, {"field": "contact_phone", "reason": ""})
    assert refused.status_code == 400
    assert PHONE not in refused.content.decode()
    # a field that is not a personal number cannot be "revealed"
    assert client.post(url, {"field": "pickup", "reason": "核实领取方式"}).status_code == 400
    # with a reason: shown once, not cached, audited with the field and the reason
    shown = client.post(url, {"field": "contact_phone", "reason": "联系紧急联系人核实"})
    assert shown.status_code == 200
    assert PHONE in shown.content.decode()
    assert shown["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(verb="pii.reveal", object_id=str(application.pk))
    assert (event.actor, event.reason, event.changes) == (
        minzheng,
        "联系紧急联系人核实",
        {"field": "contact_phone"},
    )
    assert PHONE not in json.dumps(event.changes)


def test_only_staff_who_work_the_case_may_reveal(
    client: Client, applicant: User, youdaizheng: Service
) -> None:
    client.force_login(applicant)
    application = _apply(client, youdaizheng)
    outsider = make_staff("sjf_worker", Role.COMMUNITY_WORKER, SHUIJINGFANG)
    client.force_login(outsider)
    response = client.post(
        f"/api/v1/casework/queue/{application.pk}/reveal",
        {"field": "contact_phone", "reason": "想看看号码"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert PHONE not in response.content.decode()
    assert not AuditEvent.objects.filter(verb="pii.reveal").exists()


def test_a_resubmission_keeps_the_number_on_file_when_left_blank(
    client: Client, applicant: User, minzheng: User, youdaizheng: Service
) -> None:
    client.force_login(applicant)
    application = _apply(client, youdaizheng)
    application_act(actor=minzheng, application_id=application.pk, action="accept")
    application_act(
        actor=minzheng,
        application_id=application.pk,
        action="request_info",
        note="请补充",
        requested=["contact_name", "contact_phone", "pickup"],
    )
    # the page asking for more information does not put the number back, it says it is kept
    page = client.get(f"/casework/{application.pk}/").content.decode()
    assert PHONE not in page
    assert "留空则保留 139****5678。" in page
    response = client.post(
        f"/casework/{application.pk}/resubmit/",
        {"contact_name": "李四", "contact_phone": "", "pickup": "邮寄"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.RESUBMITTED
    assert (
        application_reveal_answer(
            actor=minzheng, application_id=application.pk, field="contact_phone", reason="核实补正"
        )
        == PHONE
    )


def test_numbers_typed_into_free_text_are_masked_on_save(
    client: Client, applicant: User, with_id_field: Service
) -> None:
    client.force_login(applicant)
    application = _apply(
        client,
        with_id_field,
        contact_name="李四 139 1234 5678",
        note=f"另一联系人 13800001111，身份证{ID_NUMBER}",
    )
    assert application.data["contact_name"] == "李四 139****5678"
    assert application.data["note"] == (
        f"另一联系人 138****1111，身份证{ID_NUMBER[:4]}**********{ID_NUMBER[-4:]}"
    )
    stored = _stored_data(application)
    assert "13800001111" not in stored
    assert ID_NUMBER not in stored


def test_key_rotation_re_encrypts_the_numbers_in_answers(
    client: Client, applicant: User, minzheng: User, youdaizheng: Service, settings: Any
) -> None:
    client.force_login(applicant)
    application = _apply(client, youdaizheng)
    old_token = application.data["contact_phone"]["token"]
    new_key = Fernet.generate_key().decode()
    settings.PII_ENCRYPTION_KEYS = [new_key, *settings.PII_ENCRYPTION_KEYS]
    call_command("rotate_pii_keys", stdout=StringIO(), stderr=StringIO())
    settings.PII_ENCRYPTION_KEYS = [new_key]  # the old key is dropped
    application.refresh_from_db()
    assert application.data["contact_phone"]["token"] != old_token
    assert (
        application_reveal_answer(
            actor=minzheng, application_id=application.pk, field="contact_phone", reason="核实号码"
        )
        == PHONE
    )


def test_answers_saved_before_the_fix_are_masked_by_the_migration(
    applicant: User, youdaizheng: Service
) -> None:
    # given an application saved when the contact's phone was a text answer, and a note
    form = current_form(youdaizheng)
    application = Application.objects.create(
        service=youdaizheng,
        form=form,
        applicant=applicant,
        department_id=youdaizheng.department_id,
        data={
            "phone_contact": f"李四 {PHONE}",
            "pickup": "邮寄",
            "contact_phone": {"pii": "phone", "token": "gAAAA-139-1234-5678"},
        },
        submitted_at=timezone.now(),
    )
    event = application.events.create(
        action="request_info", to_status="more_info", note=f"请回电 {PHONE}"
    )
    # when the data migration runs
    migration = importlib.import_module("shequ.casework.migrations.0004_mask_numbers_in_answers")
    migration.forwards(django_apps, None)
    # then the numbers typed as text are masked, sealed values untouched
    application.refresh_from_db()
    event.refresh_from_db()
    assert application.data["phone_contact"] == "李四 139****5678"
    assert application.data["contact_phone"]["token"] == SEALED_LOOKALIKE
    assert event.note == "请回电 139****5678"
