"""A resident on a phone uses the citizen cloud: find a service by a colloquial word, apply
with an upload, read the message when it is accepted, book a community room, pay a bill."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from shequ.bookings.models import Slot, Venue
from shequ.casework.demo import seed_casework
from shequ.casework.models import Application
from shequ.casework.services.applications import application_act
from shequ.catalogue.demo import seed_catalogue
from shequ.core.scopes import Role
from shequ.payments.models import Bill
from shequ.payments.services import bill_issue
from shequ.people.models import Department
from tests import images
from tests.e2e.steps import log_in
from tests.factories import NIJIAQIAO, make_resident, make_staff, make_user

pytestmark = pytest.mark.e2e

PASSWORD = "Furong-huoguo-2024"
PNG = images.png()
PDF = b"%PDF-1.4\n" + b"0" * 200


@pytest.fixture
def city(chengdu: None, settings, tmp_path) -> dict[str, object]:
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_catalogue(policies_per_service=0)
    seed_casework()
    user = make_user("xiaoli", password=PASSWORD)
    resident = make_resident(NIJIAQIAO, user=user, name="李小丽")
    police = make_staff("police", Role.DEPARTMENT_STAFF, "gongan")
    water = make_staff("water", Role.DEPARTMENT_STAFF, "shuiwu")
    room = Venue.objects.create(
        kind=Venue.Kind.ROOM,
        community_id=NIJIAQIAO,
        name="倪家桥社区党群服务中心·阅览室",
        capacity=1,
    )
    start = timezone.now() + timedelta(days=1)
    Slot.objects.create(venue=room, starts_at=start, ends_at=start + timedelta(hours=2), capacity=1)
    bill = bill_issue(
        actor=water,
        department_id=Department.objects.get(code="shuiwu").pk,
        resident_id=resident.pk,
        title="10月自来水费",
        amount=Decimal("46.80"),
        due_date=timezone.localdate() + timedelta(days=10),
        category=Bill.Category.UTILITY,
    )
    return {"user": user, "police": police, "bill": bill, "resident": resident}


def test_resident_path_on_a_phone(phone_page: Page, city: dict[str, object]) -> None:
    page = phone_page
    log_in(page, "xiaoli", PASSWORD)

    # 查: a colloquial word finds the official service, highlighted.
    page.get_by_test_id("tile-query").click()
    page.get_by_role("searchbox").fill("暂住证")
    page.get_by_role("searchbox").press("Enter")
    hit = page.get_by_test_id("hit").filter(has_text="居住证办理")
    expect(hit.locator("mark").first).to_have_text("居住证")
    hit.click()
    expect(page.get_by_test_id("service-name")).to_have_text("居住证办理")

    # 办: apply with uploads; a missing document is reported on its field first.
    page.get_by_test_id("apply").click()
    page.get_by_label("居住地址").fill("武侯区倪家桥路 8 号")
    page.get_by_label("开始居住日期").fill("2024-03-01")
    page.get_by_label("申领条件").select_option("合法稳定住所")
    page.get_by_role("button", name="近期免冠照片").set_input_files(
        {"name": "photo.png", "mimeType": "image/png", "buffer": PNG}
    )
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("error-proof")).to_have_text("请上传这份材料。")
    page.get_by_role("button", name="近期免冠照片").set_input_files(
        {"name": "photo.png", "mimeType": "image/png", "buffer": PNG}
    )
    page.get_by_role("button", name="住所或就业证明").set_input_files(
        {"name": "lease.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("status")).to_have_text("已提交")

    # The police department accepts; the resident sees the message and the new status.
    application = Application.objects.get()
    application_act(actor=city["police"], application_id=application.pk, action="accept")
    page.goto("/")
    expect(page.get_by_test_id("unread-badge")).to_be_attached()
    page.goto("/notices/")
    page.get_by_test_id("message-row").filter(has_text="已受理").click()
    expect(page.get_by_test_id("message-title")).to_contain_text("居住证办理")
    page.get_by_role("link", name="打开").click()
    expect(page.get_by_test_id("status")).to_have_text("已受理")

    # 约: book the reading room of the community centre.
    page.goto("/")
    page.get_by_test_id("tile-book").click()
    page.get_by_test_id("venue-row").filter(has_text="阅览室").click()
    page.get_by_test_id("book").first.click()
    expect(page.get_by_test_id("booking-status").first).to_have_text("已确认")

    # 缴: pay the water bill at the cashier and see the receipt.
    page.goto("/")
    page.get_by_test_id("tile-pay").click()
    page.get_by_test_id("bill-row").filter(has_text="10月自来水费").click()
    page.get_by_test_id("pay").click()
    expect(page).to_have_url(re.compile(r"/payments/gateway/LG"))
    page.get_by_test_id("confirm-pay").click()
    expect(page.get_by_test_id("receipt-number")).to_have_text(re.compile(r"^SJ\d{8}"))
    expect(page.get_by_test_id("bill-status")).to_have_text("已支付")


def test_department_staff_handle_an_application_to_completion(
    phone_page: Page, city: dict[str, object]
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shequ.casework.services.applications import application_submit
    from shequ.catalogue.models import Service

    application = application_submit(
        actor=city["user"],
        service_id=Service.objects.get(code="juzhuzheng").pk,
        data={"address": "倪家桥路 8 号", "since": "2024-03-01", "basis": "合法稳定住所"},
        files={
            "photo": SimpleUploadedFile("p.png", PNG, content_type="image/png"),
            "proof": SimpleUploadedFile("l.pdf", PDF, content_type="application/pdf"),
        },
    )
    page = phone_page
    log_in(page, "police", "correct-horse-42")
    page.goto("/console/casework/?status=submitted")
    page.get_by_role("link", name=application.reference).click()
    page.get_by_test_id("act-accept").click()
    expect(page.get_by_test_id("status")).to_have_text("已受理")
    page.get_by_test_id("act-reject").click()  # a rejection without a reason is refused
    # (Other alerts may stand on the page too, e.g. the holiday table's warning.)
    expect(page.get_by_role("alert").filter(has_text="此项为必填项")).to_be_visible()
    expect(page.get_by_test_id("status")).to_have_text("已受理")
    page.get_by_test_id("act-approve").click()
    expect(page.get_by_test_id("status")).to_have_text("已批复")
    page.get_by_test_id("act-complete").click()
    expect(page.get_by_test_id("status")).to_have_text("已办结")
    application.refresh_from_db()
    assert application.status == "completed"
    assert list(application.events.values_list("to_status", flat=True)) == [
        "submitted",
        "accepted",
        "approved",
        "completed",
    ]
