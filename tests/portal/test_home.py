"""The portal home: to-dos, the community card, large text that persists, staff to console."""

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from shequ.core.scopes import Role
from shequ.notices.models import CommunityNotice
from shequ.participation.models import Proposal
from shequ.payments.models import Bill
from tests.factories import NIJIAQIAO, make_resident, make_staff, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident_user(chengdu: None) -> object:
    user = make_user("resident_h")
    make_resident(NIJIAQIAO, user=user, name="李华")
    return user


def test_a_resident_sees_to_dos_and_their_community_card(
    client: Client, resident_user: object
) -> None:
    Bill.objects.create(
        user=resident_user,
        title="捐赠",
        category=Bill.Category.DONATION,
        amount=Decimal("36.50"),
        community_id=NIJIAQIAO,
        due_date=timezone.localdate(),
    )
    CommunityNotice.objects.create(community_id=NIJIAQIAO, title="电梯检修", body="周三")
    Proposal.objects.create(
        community_id=NIJIAQIAO,
        author=resident_user,
        title="增设休息座椅",
        description="老人需要休息",
        category=Proposal.Category.FACILITIES,
    )
    client.force_login(resident_user)
    client.get("/")  # cached now; what follows changes it and shows at once
    Proposal.objects.create(
        community_id=NIJIAQIAO,
        author=resident_user,
        title="修补步道",
        description="步道破损",
        category=Proposal.Category.FACILITIES,
    )
    page = client.get("/").content.decode()
    assert "修补步道" in page
    assert 'data-testid="todo-bills"' in page
    assert "36.50" in page
    assert 'data-testid="community-card"' in page
    assert "电梯检修" in page
    assert "增设休息座椅" in page
    assert f'href="/funds/{NIJIAQIAO}/"' in page
    assert f'href="/dashboards/{NIJIAQIAO}/"' in page


def test_the_home_page_costs_the_same_with_more_to_do(
    client: Client, resident_user: object, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    client.force_login(resident_user)
    client.get("/")
    with django_assert_max_num_queries(6):
        client.get("/")


def test_another_residents_card_is_never_shown(client: Client, resident_user: object) -> None:
    CommunityNotice.objects.create(community_id=NIJIAQIAO, title="仅本社区", body="x")
    client.force_login(resident_user)
    assert "仅本社区" in client.get("/").content.decode()
    other = make_user("other_h")
    make_resident("510104017001", user=other, name="赵六")
    client.force_login(other)
    assert "仅本社区" not in client.get("/").content.decode()


def test_large_text_persists_on_the_device_and_the_account(
    client: Client, resident_user: object
) -> None:
    client.force_login(resident_user)
    response = client.post("/display/large-text/", {"on": "1", "next": "/"})
    assert response.status_code == 302
    assert 'class="large-text"' in client.get("/").content.decode()
    # a new phone: signing in brings the choice back
    phone = Client()
    phone.force_login(resident_user)
    assert 'class="large-text"' in phone.get("/").content.decode()
    # not signed in, the device's cookie keeps it
    anonymous = Client()
    anonymous.post("/display/large-text/", {"on": "1", "next": "https://evil.example/"})
    assert 'class="large-text"' in anonymous.get("/").content.decode()
    anonymous.post("/display/large-text/", {"on": "0"})
    assert 'class="large-text"' not in anonymous.get("/").content.decode()


def test_a_foreign_next_address_is_ignored(client: Client, db: None) -> None:
    response = client.post("/display/large-text/", {"on": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_staff_land_on_their_console_after_signing_in(client: Client, chengdu: None) -> None:
    worker = make_staff("worker_h", Role.COMMUNITY_WORKER, NIJIAQIAO)
    client.force_login(worker)
    assert client.get("/")["Location"] == "/console/"
    # only once: the portal home stays reachable
    assert client.get("/").status_code == 200
