from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from shequ.catalogue.models import Service
from shequ.core.scopes import Role
from shequ.people.models import Department, User
from shequ.policies import services
from shequ.policies.models import Attachment, Policy
from tests.factories import NIJIAQIAO, WUHOU, make_staff
from tests.policies.conftest import make_policy

pytestmark = pytest.mark.django_db


def test_public_library_searches_and_filters_by_validity(
    client: Client, city_officer: User
) -> None:
    make_policy(city_officer)
    make_policy(
        city_officer,
        title="社区保障资金旧办法",
        doc_number="X2",
        issued_on=date(2012, 1, 1),
        effective_on=date(2012, 1, 1),
        expires_on=date(2013, 1, 1),
    )
    page = client.get("/policies/", {"q": "社区保障资金"}).content.decode()
    assert page.count('data-testid="policy-row"') == 2
    assert 'data-validity="in_force"' in page
    assert 'data-validity="expired"' in page
    page = client.get("/policies/", {"q": "社区保障资金", "validity": "in_force"}).content.decode()
    assert page.count('data-testid="policy-row"') == 1
    assert "旧办法" not in page


def test_library_query_count_does_not_grow(
    client: Client, city_officer: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    make_policy(city_officer)
    client.get("/policies/")
    with django_assert_num_queries(2):
        client.get("/policies/")
    for i in range(5):
        make_policy(city_officer, title=f"文件{i}", doc_number=f"N{i}")
    with django_assert_num_queries(2):
        response = client.get("/policies/")
    assert response.content.decode().count('data-testid="policy-row"') == 6


def test_policy_page_shows_links_and_hides_drafts(client: Client, city_officer: User) -> None:
    core = make_policy(city_officer, title="意见", doc_number="P1", structure="core")
    child = make_policy(city_officer, title="配套办法", doc_number="P2", parent=core.pk)
    make_policy(city_officer, title="草稿细则", doc_number="P3", parent=core.pk, publish=False)
    department = Department.objects.create(code="mz", name="民政局", short_name="民政")
    service = Service.objects.create(
        code="baozhang",
        department=department,
        name="社区保障资金公示",
        summary="公示",
        channel="online",
        kind="information",
    )
    child.services.add(service)
    page = client.get(f"/policies/{core.pk}/").content.decode()
    assert "配套办法" in page
    assert "草稿细则" not in page
    assert client.get(f"/policies/{Policy.objects.get(title='草稿细则').pk}/").status_code == 404
    page = client.get(f"/policies/{child.pk}/").content.decode()
    assert 'data-testid="policy-parent"' in page
    assert "社区保障资金公示" in page
    # ...and back: the service's page names the policy behind it.
    service_page = client.get(f"/catalogue/services/{service.pk}/").content.decode()
    assert 'data-testid="service-policies"' in service_page
    assert "配套办法" in service_page


def test_console_is_for_officers_of_the_area(client: Client, city_officer: User) -> None:
    policy = make_policy(city_officer)
    client.force_login(make_staff("worker", Role.COMMUNITY_WORKER, NIJIAQIAO))
    assert client.get("/console/policies/").status_code == 403
    client.force_login(make_staff("wuhou", Role.DISTRICT_OFFICER, WUHOU))
    assert client.get(f"/console/policies/{policy.pk}/").status_code == 404
    assert client.get("/console/policies/").status_code == 200


def test_console_author_publish_and_bad_dates(client: Client, city_officer: User) -> None:
    client.force_login(city_officer)
    form = {
        "title": "社区规划师制度实施办法",
        "issuer": "成都市规划和自然资源局",
        "doc_number": "成规发〔2019〕3号",
        "kind": "measures",
        "division": "",
        "structure": "implementation",
        "issued_on": "2019-05-01",
        "effective_on": "2019-06-01",
        "expires_on": "2019-01-01",
    }
    response = client.post("/console/policies/new/", form)
    assert response.status_code == 400
    assert "不能早于" in response.content.decode()
    assert not Policy.objects.exists()
    form["expires_on"] = ""
    response = client.post("/console/policies/new/", form)
    assert response.status_code == 302
    policy = Policy.objects.get()
    assert not policy.is_published
    assert client.get(f"/policies/{policy.pk}/").status_code == 404
    client.post(f"/console/policies/{policy.pk}/publish/", {"published": "1"})
    assert client.get(f"/policies/{policy.pk}/").status_code == 200
    response = client.post(
        f"/console/policies/{policy.pk}/relations/", {"kind": "repeals", "target": policy.pk}
    )
    assert response.status_code == 400
    assert "不能修订或废止自身" in response.content.decode()


def test_attachment_must_be_what_its_name_says(client: Client, city_officer: User) -> None:
    policy = make_policy(city_officer)
    client.force_login(city_officer)
    fake = SimpleUploadedFile("办法.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(f"/console/policies/{policy.pk}/attachments/", {"file": fake})
    assert response.status_code == 400
    assert 'data-testid="error-file"' in response.content.decode()
    assert not Attachment.objects.exists()
    real = SimpleUploadedFile("办法.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    assert (
        client.post(f"/console/policies/{policy.pk}/attachments/", {"file": real}).status_code
        == 302
    )
    attachment = Attachment.objects.get()
    response = client.get(f"/policies/files/{attachment.pk}/")
    assert response["Content-Type"] == "application/pdf"
    services.policy_publish(actor=city_officer, policy_id=policy.pk, published=False)
    client.logout()
    assert client.get(f"/policies/files/{attachment.pk}/").status_code == 404
