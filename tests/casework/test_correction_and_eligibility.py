"""A request for more information (补正) names what to correct; services declare who may
apply (age, residence), checked from the registry; staff see the registry's facts."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from shequ.casework.models import Application, ApplicationDocument, Status
from shequ.casework.services.applications import (
    application_act,
    application_bulk_act,
    application_submit,
)
from shequ.casework.services.definitions import current_form, form_definition_publish
from shequ.casework.services.errors import InvalidApplication
from shequ.catalogue.models import Service
from shequ.core.errors import DomainError
from shequ.core.scopes import Role
from shequ.people.models import User
from tests.casework.conftest import pdf, png, residence_answers
from tests.factories import NIJIAQIAO, SHUIJINGFANG, make_resident, make_staff, make_user

# A Monday inside the holiday table; birthdays below are counted from it.
TODAY = datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CARD_ANSWERS = {"contact_name": "李四", "contact_phone": "13912345678", "pickup": "社区领取"}


def person(username: str, born: date, community: str = NIJIAQIAO) -> User:
    user = make_user(username)
    resident = make_resident(community, user=user, name="王五")
    resident.birth_date = born
    resident.save(update_fields=["birth_date"])
    return user


def apply_for_card(user: User, card: Service) -> Application:
    return application_submit(
        actor=user, service_id=card.pk, data=CARD_ANSWERS, files={"photo": png()}
    )


@pytest.fixture
def card(forms: None) -> Service:
    """老年人优待证 (60周岁以上), a demo service."""
    return Service.objects.get(code="laonianren-youdaizheng")


@time_machine.travel(TODAY, tick=False)
def test_a_36_year_old_is_refused_the_60_plus_card_and_a_61_year_old_gets_it(card) -> None:
    with pytest.raises(DomainError) as refused:
        apply_for_card(person("young", date(1990, 1, 1)), card)
    assert refused.value.code == "too_young"
    assert "60" in str(refused.value)
    assert "36" in str(refused.value)
    # the day before the 60th birthday is too early, the birthday itself is in time
    with pytest.raises(DomainError):
        apply_for_card(person("almost", date(1966, 6, 16)), card)
    assert apply_for_card(person("sixty", date(1966, 6, 15)), card).status == Status.SUBMITTED
    assert apply_for_card(person("senior", date(1965, 1, 1)), card).status == Status.SUBMITTED


@time_machine.travel(TODAY, tick=False)
def test_the_apply_page_says_which_condition_is_not_met(client: Client, card) -> None:
    client.force_login(person("young", date(1990, 1, 1)))
    response = client.post(f"/casework/apply/{card.pk}/", {**CARD_ANSWERS, "photo": png()})
    assert response.status_code == 400
    page = response.content.decode()
    assert "60" in page
    assert "36" in page
    assert not Application.objects.exists()


@time_machine.travel(TODAY, tick=False)
def test_residence_and_age_rules_are_validated_and_checked(card) -> None:
    form = current_form(card)
    assert form is not None
    with pytest.raises(InvalidApplication):
        form_definition_publish(
            actor=None,
            service_id=card.pk,
            fields=form.fields,
            documents=form.documents,
            eligibility={"min_age": 70, "max_age": 60},
        )
    with pytest.raises(InvalidApplication):
        form_definition_publish(
            actor=None,
            service_id=card.pk,
            fields=form.fields,
            documents=form.documents,
            eligibility={"residence": "community", "communities": ["nowhere"]},
        )
    form_definition_publish(
        actor=None,
        service_id=card.pk,
        fields=form.fields,
        documents=form.documents,
        eligibility={"residence": "community", "communities": [SHUIJINGFANG]},
    )
    with pytest.raises(DomainError) as refused:
        apply_for_card(person("elsewhere", date(1950, 1, 1), NIJIAQIAO), card)
    assert refused.value.code == "residence_required"
    local = apply_for_card(person("local", date(1990, 1, 1), SHUIJINGFANG), card)
    assert local.status == Status.SUBMITTED


@pytest.fixture
def accepted(applicant, police, residence_permit) -> Application:
    application = application_submit(
        actor=applicant,
        service_id=residence_permit.pk,
        data=residence_answers(),
        files={"photo": png(), "proof": pdf()},
    )
    return application_act(actor=police, application_id=application.pk, action="accept")


@time_machine.travel(TODAY, tick=False)
def test_a_request_names_a_slot_and_the_resubmission_accepts_exactly_it(
    client: Client, applicant, police, accepted
) -> None:
    # a request naming nothing, or an item the form does not have, is refused
    for requested, code in (([], "nothing_requested"), (["passport"], "unknown_item")):
        with pytest.raises(DomainError) as refused:
            application_act(
                actor=police,
                application_id=accepted.pk,
                action="request_info",
                requested=requested,
            )
        assert refused.value.code == code
    # staff tick the proof of residence in the console
    client.force_login(police)
    detail = client.get(f"/console/casework/{accepted.pk}/").content.decode()
    assert 'name="requested" value="proof"' in detail
    client.post(
        f"/console/casework/{accepted.pk}/act/",
        {"action": "request_info", "requested": ["proof"], "note": "证明已过期"},
    )
    accepted.refresh_from_db()
    assert accepted.status == Status.MORE_INFO
    assert accepted.requested == ["proof"]
    # the applicant is told what, and the page asks for just that
    client.force_login(applicant)
    page = client.get(f"/casework/{accepted.pk}/").content.decode()
    assert "住所或就业证明" in page.split('data-testid="requested"')[1].split("</p>")[0]
    assert 'name="proof"' in page
    assert 'name="address"' not in page
    assert 'name="photo"' not in page
    # the requested document must be uploaded anew, and nothing else may be
    url = f"/casework/{accepted.pk}/resubmit/"
    assert client.post(url, {}).status_code == 400
    assert client.post(url, {"proof": pdf(), "photo": png()}).status_code == 400
    response = client.post(url, {"proof": pdf("new.pdf"), "address": "别处"})
    assert response.status_code == 302
    accepted.refresh_from_db()
    assert accepted.status == Status.RESUBMITTED
    assert accepted.data["address"] == residence_answers()["address"]
    slots = ApplicationDocument.objects.filter(application=accepted)
    assert sorted(slots.values_list("slot", flat=True)) == ["photo", "proof", "proof"]
    assert slots.filter(slot="proof", original_name="new.pdf").exists()


@time_machine.travel(TODAY, tick=False)
def test_the_api_request_takes_the_list_and_refuses_an_unknown_item(
    client: Client, police, accepted
) -> None:
    client.force_login(police)
    url = f"/api/v1/casework/queue/{accepted.pk}/actions"
    bad = client.post(
        url, {"action": "request_info", "requested": ["passport"]}, content_type="application/json"
    )
    assert bad.status_code == 400
    good = client.post(
        url,
        {"action": "request_info", "requested": ["employer", "photo"]},
        content_type="application/json",
    )
    assert good.status_code == 200
    body = client.get(f"/api/v1/casework/queue/{accepted.pk}").json()
    assert body["requested"] == ["employer", "photo"]


@time_machine.travel(TODAY, tick=False)
def test_the_staff_page_shows_the_applicants_age_level_and_masked_id(
    client: Client, applicant, police, accepted
) -> None:
    resident = applicant.resident
    resident.birth_date = date(1990, 1, 1)
    resident.save(update_fields=["birth_date"])
    number = resident.id_number.reveal()
    client.force_login(police)
    page = client.get(f"/console/casework/{accepted.pk}/").content.decode()
    assert 'data-testid="fact-age">36<' in page
    assert "已填写身份证号（自行申报）" in page
    assert resident.id_number.masked in page
    assert number not in page
    body = client.get(f"/api/v1/casework/queue/{accepted.pk}").json()
    assert body["applicant_facts"]["age"] == 36
    assert body["applicant_facts"]["level"] == 1
    assert body["applicant_facts"]["id_number_masked"] == resident.id_number.masked
    assert number not in str(body)


def test_bulk_request_for_more_information_is_refused_without_items(police, accepted) -> None:
    staff = make_staff("police2", Role.DEPARTMENT_STAFF, "gongan")
    outcome = application_bulk_act(
        actor=staff, application_ids=[accepted.pk], action="request_info"
    )
    assert outcome.refused
    assert not outcome.done


def test_bulk_request_through_the_api_names_the_items_for_each_application(
    client: Client, police, accepted
) -> None:
    client.force_login(police)
    url = "/api/v1/casework/queue/bulk"
    unknown = client.post(
        url,
        {"ids": [accepted.pk], "action": "request_info", "requested": ["passport"]},
        content_type="application/json",
    ).json()
    assert unknown["done"] == []
    assert list(unknown["refused"]) == [str(accepted.pk)]
    accepted.refresh_from_db()
    assert accepted.status == Status.ACCEPTED

    asked = client.post(
        url,
        {"ids": [accepted.pk], "action": "request_info", "requested": ["proof"], "note": "过期"},
        content_type="application/json",
    ).json()
    assert asked == {"done": [accepted.pk], "refused": {}}
    accepted.refresh_from_db()
    assert (accepted.status, accepted.requested) == (Status.MORE_INFO, ["proof"])


def test_the_service_form_page_edits_the_age_rule(client: Client, card) -> None:
    client.force_login(make_staff("minzheng", Role.DEPARTMENT_STAFF, "minzheng"))
    url = f"/console/casework/forms/{card.pk}/eligibility/"
    page = client.get(url).content.decode()
    min_age_input = re.search(r'<input[^>]*name="min_age"[^>]*>', page)
    assert min_age_input is not None
    assert 'value="60"' in min_age_input.group(0)
    posted = {"save": "1", "min_age": "65", "residence": "city"}
    assert client.post(url, posted).status_code == 302
    assert client.post(f"/console/casework/forms/{card.pk}/publish/").status_code == 302
    latest = current_form(card)
    assert latest is not None
    assert latest.eligibility == {"min_age": 65, "residence": "city"}
    refused = client.post(url, {**posted, "max_age": "50"})
    assert refused.status_code == 400
    assert "最低年龄高于最高年龄" in refused.content.decode() or refused.status_code == 400
