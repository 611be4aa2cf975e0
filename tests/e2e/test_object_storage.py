"""On a phone, with the files on an S3-compatible store: a resident's ID photo opens through a
signed link after the check; when the store is down, the application is refused clearly."""

import re
from typing import Any

import pytest
from django.conf import LazySettings
from playwright.sync_api import Page, expect

from shequ.casework.demo import seed_casework
from shequ.casework.models import Application
from shequ.catalogue.demo import seed_catalogue
from shequ.catalogue.models import Service
from tests import images
from tests.e2e.steps import log_in
from tests.factories import NIJIAQIAO, make_resident, make_user
from tests.object_store import s3_storages

pytestmark = pytest.mark.e2e

PASSWORD = "Furong-huoguo-2024"
PNG = images.png()
PDF = b"%PDF-1.4\n" + b"0" * 200


@pytest.fixture
def resident(chengdu: None) -> Any:
    seed_catalogue(policies_per_service=0)
    seed_casework()
    user = make_user("xiaoli", password=PASSWORD)
    make_resident(NIJIAQIAO, user=user, name="李小丽")
    return user


def _apply(page: Page) -> None:
    page.goto(f"/casework/apply/{Service.objects.get(code='juzhuzheng').pk}/")
    page.get_by_label("居住地址").fill("武侯区倪家桥路 8 号")
    page.get_by_label("开始居住日期").fill("2024-03-01")
    page.get_by_label("申领条件").select_option("合法稳定住所")
    page.get_by_role("button", name="近期免冠照片").set_input_files(
        {"name": "photo.png", "mimeType": "image/png", "buffer": PNG}
    )
    page.get_by_role("button", name="住所或就业证明").set_input_files(
        {"name": "lease.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_test_id("submit").click()


def test_papers_on_the_object_store_on_a_phone(
    phone_page: Page, resident: Any, on_object_store: str, settings: LazySettings
) -> None:
    page = phone_page
    log_in(page, "xiaoli", PASSWORD)

    # the application goes through, and the ID photo opens from a signed, expiring link
    _apply(page)
    expect(page.get_by_test_id("status")).to_have_text("已提交")
    page.get_by_role("link", name="photo.png").click()
    expect(page).to_have_url(re.compile(rf"^{on_object_store}/shequ-private/casework/.*X-Amz-"))

    # when the store stops answering, a second application is refused in Chinese, not saved
    settings.STORAGES = s3_storages("http://127.0.0.1:9", timeout=1, retries=1)
    _apply(page)
    expect(page.get_by_text("文件存储暂时不可用，请稍后再试")).to_be_visible()
    assert Application.objects.count() == 1
