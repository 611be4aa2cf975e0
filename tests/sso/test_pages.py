"""Residents' authorised-apps page and the administrators' console."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.people.models import Department, User
from shequ.sso import services
from shequ.sso.models import Consent, DepartmentApp
from tests.factories import make_staff, make_user
from tests.sso.conftest import RegisteredApp

BACKEND = "shequ.people.auth_backends.UsernameOrPhoneBackend"


def _consent(user: User, app: DepartmentApp) -> Consent:
    now = timezone.now()
    return Consent.objects.create(
        user=user, app=app, scopes="openid profile", granted_at=now, last_used_at=now
    )


def test_authorised_apps_lists_consents_and_sign_ins_without_n_plus_one(
    client: Client,
    register_app: Callable[..., RegisteredApp],
    django_assert_num_queries: Any,
) -> None:
    user = make_user("lisi")
    for name in ("社保查询", "公积金", "户政服务"):
        app = register_app(name=name).app
        _consent(user, app)
        services.token_event_record(user=user, app=app, verb="sso.token_issued")
    client.force_login(user, backend=BACKEND)

    # session, the user (with the frame's staff-role and unread-message answers), consents,
    # events, apps
    with django_assert_num_queries(5):
        page = client.get("/sso/apps/")

    html = page.content.decode()
    assert html.count('data-testid="consent-row"') == 3
    assert html.count('data-testid="signin-row"') == 3
    assert "成都市公安局" in html
    assert "已授权应用" in html or "Authorised apps" in html


def test_resident_withdraws_an_app_from_the_page(
    client: Client, register_app: Callable[..., RegisteredApp]
) -> None:
    user = make_user("wangwu")
    consent = _consent(user, register_app().app)
    client.force_login(user, backend=BACKEND)

    response = client.post(f"/sso/apps/{consent.pk}/revoke/")

    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_at is not None
    assert AuditEvent.objects.filter(verb="sso.consent_revoked", actor=user).exists()
    assert 'data-testid="no-consents"' in client.get("/sso/apps/").content.decode()


def test_another_residents_consent_cannot_be_withdrawn(
    client: Client, register_app: Callable[..., RegisteredApp]
) -> None:
    consent = _consent(make_user("owner"), register_app().app)
    client.force_login(make_user("intruder"), backend=BACKEND)

    assert client.post(f"/sso/apps/{consent.pk}/revoke/").status_code == 404


def test_admin_registers_an_app_and_sees_the_secret_once(
    client: Client, admin_user: User, department: Department
) -> None:
    client.force_login(admin_user, backend=BACKEND)

    page = client.post(
        "/console/sso/",
        {
            "name": "不动产登记",
            "department": department.pk,
            "confidential": "1",
            "redirect_uris": "https://bdc.example/callback",
            "scopes": ["profile", "verification"],
            "min_level": "2",
        },
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="client-secret"' in html
    app = DepartmentApp.objects.get(name="不动产登记")
    assert app.min_level == 2
    assert app.allowed_scopes == "openid profile verification"
    detail = client.get(f"/console/sso/{app.pk}/").content.decode()
    assert app.client_id in detail
    assert 'data-testid="client-secret"' not in detail


def test_console_shows_a_bad_redirect_uri_as_a_form_error(
    client: Client, admin_user: User, department: Department
) -> None:
    client.force_login(admin_user, backend=BACKEND)

    page = client.post(
        "/console/sso/",
        {
            "name": "x",
            "department": department.pk,
            "confidential": "1",
            "redirect_uris": "https://*.example/cb",
            "min_level": "0",
        },
    )

    assert 'data-testid="error-redirect_uris"' in page.content.decode()
    assert not DepartmentApp.objects.exists()


def test_console_app_list_has_no_n_plus_one(
    client: Client,
    admin_user: User,
    register_app: Callable[..., RegisteredApp],
    django_assert_num_queries: Any,
) -> None:
    for index in range(4):
        register_app(name=f"应用{index}")
    client.force_login(admin_user, backend=BACKEND)
    client.get("/console/sso/")  # warm the per-request role cache path

    # One more than before the holiday table's warning (a console banner for the committee and
    # administrators), still the same for any number of apps; the unread-message badge is read
    # with the user.
    with django_assert_num_queries(6):
        page = client.get("/console/sso/")

    assert page.content.decode().count('data-testid="app-row"') == 4


@pytest.mark.parametrize(
    ("role", "scope"),
    [(Role.CITY_COMMITTEE, "510100000000"), (Role.DEPARTMENT_STAFF, "gongan")],
)
def test_console_is_for_system_administrators_only(
    client: Client, role: Role, scope: str, register_app: Callable[..., RegisteredApp]
) -> None:
    app = register_app().app
    client.force_login(make_staff("not-admin", role, scope), backend=BACKEND)

    assert client.get("/console/sso/").status_code == 403
    assert client.post(f"/console/sso/{app.pk}/rotate-secret/").status_code == 403


def test_residents_are_sent_to_log_in_for_the_console(client: Client) -> None:
    assert "/accounts/login/" in client.get("/console/sso/")["Location"]
