"""On a phone: department staff close a case and issue its certificate; the resident downloads
it from 我的证照; the address printed under the PDF's QR code opens the verification page,
which says 有效."""

import io
import re
import urllib.request

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from shequ.casework.demo import seed_casework
from shequ.casework.services.applications import application_submit
from shequ.catalogue.demo import seed_catalogue
from shequ.catalogue.models import Service
from shequ.core.scopes import Role
from shequ.documents.demo import seed_result_templates
from tests import images
from tests.e2e.steps import log_in
from tests.factories import NIJIAQIAO, make_resident, make_staff, make_user

pytestmark = pytest.mark.e2e

PASSWORD = "Furong-huoguo-2024"
VERIFY = re.compile(r"https?://\S+?/verify/CD-\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]/")


def _fits_the_phone(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.fixture
def case(chengdu: None, settings, tmp_path, live_server: LiveServer) -> object:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = live_server.url
    seed_catalogue(policies_per_service=0)
    seed_casework()
    seed_result_templates()
    user = make_user("xiaoli", password=PASSWORD)
    make_resident(NIJIAQIAO, user=user, name="李小丽")
    make_staff("police", Role.DEPARTMENT_STAFF, "gongan")
    # The server's first page (templates, catalogues) is slow on a busy machine: not the test.
    with urllib.request.urlopen(f"{live_server.url}/accounts/login/", timeout=120) as first:  # noqa: S310 - the live server
        assert first.status == 200
    return application_submit(
        actor=user,
        service_id=Service.objects.get(code="juzhuzheng").pk,
        data={"address": "倪家桥路 8 号", "since": "2024-03-01", "basis": "合法稳定住所"},
        files={
            "photo": SimpleUploadedFile("p.png", images.png(), content_type="image/png"),
            "proof": SimpleUploadedFile("l.pdf", b"%PDF-1.4\n" + b"0" * 200),
        },
    )


def test_a_certificate_from_case_to_verification(phone_page: Page, case) -> None:
    page = phone_page
    log_in(page, "police", "correct-horse-42")
    page.goto(f"/console/casework/{case.pk}/")
    for action, status in (("accept", "已受理"), ("approve", "已批复"), ("complete", "已办结")):
        page.get_by_test_id(f"act-{action}").click()
        expect(page.get_by_test_id("status")).to_have_text(status)
    page.get_by_test_id("issue-document").click()
    number = page.get_by_test_id("case-document-number")
    expect(number).to_have_text(re.compile(r"^CD-\d{4}-"))
    issued = number.inner_text()

    page.context.clear_cookies()
    log_in(page, "xiaoli", PASSWORD)
    page.get_by_test_id("link-wallet").click()
    expect(page.get_by_role("heading", name="我的证照")).to_be_visible()
    expect(page.get_by_test_id("wallet-document")).to_contain_text(issued)
    assert _fits_the_phone(page)
    href = page.get_by_test_id("wallet-download").get_attribute("href")
    assert href is not None
    response = page.request.get(href)
    assert response.ok
    reader = pypdf.PdfReader(io.BytesIO(response.body()))
    text = "".join("".join(p.extract_text().replace("\x00", "").split()) for p in reader.pages)
    found = VERIFY.search(text)
    assert found is not None, text
    assert issued in found.group(0)

    page.context.clear_cookies()  # anyone who scans the code, signed in or not
    page.goto(found.group(0))
    expect(page.get_by_test_id("verify-status")).to_have_text("有效")
    expect(page.get_by_test_id("verify-holder")).to_have_text("李*丽")
    expect(page.get_by_test_id("verify-number")).to_have_text(issued)
    assert _fits_the_phone(page)
    page.goto("/verify/")
    page.get_by_label("文书编号").fill("CD-2026-0000-0000-0")
    page.get_by_test_id("verify-submit").click()
    expect(page.get_by_test_id("verify-error")).to_contain_text("文书编号格式不正确")
