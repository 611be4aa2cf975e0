import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from shequ.core.scopes import Role
from shequ.notices import services
from shequ.notices.models import CommunityNotice, Message
from shequ.people.models import StaffRole
from tests.factories import NIJIAQIAO, SHUIJINGFANG, make_resident, make_staff, make_user


@pytest.fixture
def resident_client(chengdu: None, client: Client) -> Client:
    user = make_user("res")
    make_resident(NIJIAQIAO, user=user)
    client.force_login(user)
    client.user = user  # type: ignore[attr-defined]
    return client


def test_badge_shows_unread_count_and_reading_clears_it(resident_client: Client) -> None:
    user = resident_client.user  # type: ignore[attr-defined]
    message = services.message_send(user_id=user.pk, category="system", title="欢迎")
    home = resident_client.get("/")
    assert 'data-testid="unread-badge">1<' in home.content.decode()
    page = resident_client.get(f"/notices/{message.pk}/").content.decode()
    assert "欢迎" in page
    # The message's own page already counts it read.
    assert 'data-testid="unread-badge"' not in page
    assert 'data-testid="unread-badge"' not in resident_client.get("/").content.decode()


def test_a_new_role_and_a_revoked_one_show_on_the_next_page(resident_client: Client) -> None:
    """The frame's console link follows the user's roles from one request to the next."""
    user = resident_client.user  # type: ignore[attr-defined]
    console_link = 'href="/console/"'
    assert console_link not in resident_client.get("/").content.decode()
    role = StaffRole.objects.create(user=user, role=Role.COMMUNITY_WORKER, division_id=NIJIAQIAO)
    assert console_link in resident_client.get("/").content.decode()
    StaffRole.objects.filter(pk=role.pk).update(is_active=False)
    assert console_link not in resident_client.get("/").content.decode()


def test_inbox_query_count_is_constant(
    resident_client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    user = resident_client.user  # type: ignore[attr-defined]
    for i in range(3):
        services.message_send(user_id=user.pk, category="system", title=f"m{i}")
    resident_client.get("/notices/")
    few = _queries(resident_client, "/notices/")
    for i in range(10):
        services.message_send(user_id=user.pk, category="system", title=f"n{i}")
    with django_assert_num_queries(few):
        response = resident_client.get("/notices/")
    assert response.content.decode().count('data-testid="message-row"') == 13


def test_preferences_page_saves_and_reports_missing_email(resident_client: Client) -> None:
    response = resident_client.post("/notices/preferences/", {"bill-sms": "on"})
    assert response.status_code == 302
    response = resident_client.post("/notices/preferences/", {"bill-email": "on"})
    assert response.status_code == 400
    assert 'data-testid="error-bill"' in response.content.decode()


def test_console_publish_and_refusal_for_other_community(chengdu: None, client: Client) -> None:
    client.force_login(make_staff("wk", Role.COMMUNITY_WORKER, NIJIAQIAO))
    response = client.post(
        "/console/notices/", {"community": NIJIAQIAO, "title": "议事会", "body": "周五晚"}
    )
    assert response.status_code == 302
    response = client.post(
        "/console/notices/", {"community": SHUIJINGFANG, "title": "x", "body": "y"}
    )
    assert response.status_code == 400
    assert CommunityNotice.objects.count() == 1


def test_resident_cannot_open_console_notices(resident_client: Client) -> None:
    assert resident_client.get("/console/notices/").status_code == 403


def test_api_inbox_is_own_only(resident_client: Client) -> None:
    user = resident_client.user  # type: ignore[attr-defined]
    other = make_user("other2")
    mine = services.message_send(user_id=user.pk, category="system", title="mine")
    theirs = services.message_send(user_id=other.pk, category="system", title="theirs")
    body = resident_client.get("/api/v1/notices/messages").json()
    assert [m["title"] for m in body["items"]] == ["mine"]
    assert resident_client.get("/api/v1/notices/messages/unread-count").json() == {"unread": 1}
    assert resident_client.post(f"/api/v1/notices/messages/{theirs.pk}/read").status_code == 404
    assert resident_client.post(f"/api/v1/notices/messages/{mine.pk}/read").status_code == 200
    assert Message.objects.get(pk=theirs.pk).read_at is None


def _queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_notice_lists_keep_a_constant_query_count(resident_client: Client) -> None:
    user = resident_client.user  # type: ignore[attr-defined]
    worker = make_staff("wq", Role.COMMUNITY_WORKER, NIJIAQIAO)
    services.community_notice_publish(actor=worker, community_code=NIJIAQIAO, title="一", body="b")
    services.message_send(user_id=user.pk, category="system", title="m")
    urls = [
        "/notices/community/",
        "/api/v1/notices/community-notices",
        "/api/v1/notices/messages",
    ]
    before = [_queries(resident_client, url) for url in urls]
    for n in range(5):
        services.community_notice_publish(
            actor=worker, community_code=NIJIAQIAO, title=f"n{n}", body="b"
        )
    assert [_queries(resident_client, url) for url in urls] == before
