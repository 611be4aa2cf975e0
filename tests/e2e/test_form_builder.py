"""On a phone, department staff build an application form without typing JSON — an ID-number
field and an age rule — preview it, publish it; an eligible resident applies with it and an
ineligible one is refused in Chinese."""

import re
from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from shequ.casework.demo import seed_casework
from shequ.casework.models import Application, FormDefinition
from shequ.catalogue.demo import seed_catalogue
from shequ.catalogue.models import Service
from shequ.core.pii import unseal
from shequ.core.scopes import Role
from shequ.people.models import Department
from tests.e2e.steps import log_in
from tests.factories import NIJIAQIAO, make_resident, make_staff, make_user, valid_id_number

pytestmark = pytest.mark.e2e

PASSWORD = "Furong-huoguo-2024"
ID_NUMBER = valid_id_number(born=date(1950, 1, 1), sequence=401)
YOUNG_ID = valid_id_number(born=date(1990, 1, 1), sequence=402)


@pytest.fixture
def service(chengdu: None, settings, tmp_path) -> Service:
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_catalogue(policies_per_service=0)
    seed_casework()
    staff = make_staff("minzheng", Role.DEPARTMENT_STAFF, "minzheng")
    staff.set_password(PASSWORD)
    staff.save()
    department = Department.objects.get(code="minzheng")
    found = (
        Service.objects.filter(
            kind=Service.Kind.APPLICATION, department=department, is_published=True
        )
        .exclude(forms__isnull=False)
        .first()
    )
    assert found is not None
    found.min_level = 0
    found.community_level = False
    found.save(update_fields=["min_level", "community_level"])
    return found


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def person(username: str, born: date, id_number: str | None = None) -> None:
    user = make_user(username, password=PASSWORD)
    resident = make_resident(NIJIAQIAO, user=user, name="王五", id_number=id_number)
    resident.birth_date = born
    resident.save(update_fields=["birth_date"])


def test_staff_build_a_form_and_residents_apply_with_it(phone_page: Page, service) -> None:
    page = phone_page
    log_in(page, "minzheng", PASSWORD)
    page.goto(reverse("catalogue:service", args=[service.pk]))
    page.get_by_test_id("design-form").click()
    expect(page.get_by_role("heading", name=re.compile("设计申请表"))).to_be_visible()
    no_sideways_scroll(page)

    # an ID-number field, required, picked by type — no JSON anywhere
    page.get_by_test_id("new-type").select_option(label="身份证号")
    page.get_by_test_id("add-field").click()
    page.get_by_label("问题", exact=True).fill("申请人身份证号")
    page.get_by_label("必填").check()
    page.get_by_test_id("save-item").click()
    expect(page.get_by_test_id("item-申请人身份证号")).to_be_visible()
    # a choice with no options is refused in Chinese
    page.get_by_test_id("new-type").select_option(label="单选")
    page.get_by_test_id("add-field").click()
    page.get_by_label("问题", exact=True).fill("领取方式")
    page.get_by_test_id("save-item").click()
    expect(page.get_by_text("选择题至少需要一个选项")).to_be_visible()
    page.get_by_label("选项").fill("社区领取\n邮寄")
    page.get_by_test_id("save-item").click()
    expect(page.get_by_test_id("item-领取方式")).to_be_visible()
    # reorder without scripts' help: the choice goes first
    page.get_by_test_id("item-领取方式").get_by_test_id("up").click()
    expect(page.get_by_test_id("field-list").locator("li").first).to_contain_text("领取方式")

    # who may apply: 60 and over
    page.get_by_test_id("edit-eligibility").click()
    page.get_by_label("最低年龄").fill("60")
    page.get_by_test_id("save-eligibility").click()
    expect(page.get_by_test_id("eligibility")).to_contain_text("60")

    # the live phone preview shows the draft
    preview = page.frame_locator("[data-testid=preview]")
    expect(preview.get_by_label(re.compile("申请人身份证号"))).to_be_visible()
    expect(preview.get_by_test_id("submit")).to_be_disabled()
    no_sideways_scroll(page)

    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("versions")).to_contain_text("v1")
    assert FormDefinition.objects.get(service=service, is_draft=False).eligibility == {
        "min_age": 60
    }

    # an eligible resident applies
    person("senior", date(1950, 1, 1), ID_NUMBER)
    page.context.clear_cookies()
    log_in(page, "senior", PASSWORD)
    page.goto(f"/casework/apply/{service.pk}/")
    no_sideways_scroll(page)
    page.get_by_label(re.compile("领取方式")).select_option("邮寄")
    page.get_by_label(re.compile("申请人身份证号")).fill(ID_NUMBER)
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("status")).to_have_text("已提交")
    answers = Application.objects.get().data
    assert ID_NUMBER not in str(answers)
    assert unseal(next(v for v in answers.values() if unseal(v))).reveal() == ID_NUMBER  # type: ignore[union-attr]

    # an ineligible (younger) resident is refused in Chinese
    person("young", date(1990, 1, 1), YOUNG_ID)
    page.context.clear_cookies()
    log_in(page, "young", PASSWORD)
    page.goto(f"/casework/apply/{service.pk}/")
    page.get_by_label(re.compile("领取方式")).select_option("邮寄")
    page.get_by_label(re.compile("申请人身份证号")).fill(YOUNG_ID)
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("60")
    assert Application.objects.count() == 1
