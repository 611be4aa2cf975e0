"""Machine access to /api/v1/: department systems with client-credentials tokens, people
with their single sign-on tokens, scopes, refusals, throttling and the OpenAPI document."""

import base64
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from shequ.casework.demo import seed_casework
from shequ.casework.models import Application, Status
from shequ.casework.services.applications import application_submit
from shequ.catalogue.demo import seed_catalogue
from shequ.catalogue.models import Service
from shequ.core.errors import DomainError
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.people.models import Department, StaffRole, User
from shequ.sso import api_auth, services
from shequ.sso.models import DepartmentApp
from tests.casework.conftest import pdf, png, residence_answers
from tests.factories import NIJIAQIAO, make_resident, make_staff, make_user
from tests.sso.conftest import REDIRECT_URI, Flow, RegisteredApp, browser_for

QUEUE = "/api/v1/casework/queue"
API_SCOPES = ["openid", "api:read", "api:write"]


@pytest.fixture(autouse=True)
def fresh_rate_counters(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # One fixed minute for the whole test, so a window never closes half-way through.
    monkeypatch.setattr(api_auth._PerMinute, "clock", staticmethod(lambda: 6_000_030.0))
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def forms(chengdu: None, settings: Any, tmp_path: Any) -> None:
    """The demo catalogue and forms; uploads go to a temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_catalogue(policies_per_service=0)
    seed_casework()


@pytest.fixture
def applicant(forms: None) -> User:
    user = make_user("applicant")
    make_resident(NIJIAQIAO, user=user, name="李四")
    return user


@pytest.fixture
def police(forms: None) -> User:
    return make_staff("police", Role.DEPARTMENT_STAFF, "gongan")


@pytest.fixture
def residence_permit(forms: None) -> Service:
    return Service.objects.get(code="juzhuzheng")


@pytest.fixture
def machine_app(admin_user: User) -> Callable[..., RegisteredApp]:
    def register(department: str = "gongan", scopes: list[str] | None = None) -> RegisteredApp:
        app, secret = services.app_register(
            actor=admin_user,
            name=f"{department} 业务系统",
            department_id=Department.objects.get(code=department).pk,
            redirect_uris=REDIRECT_URI,
            scopes=API_SCOPES if scopes is None else scopes,
            machine_access=True,
        )
        return RegisteredApp(app=app, client_id=app.client_id, secret=secret)

    return register


def client_token(client: Client, registered: RegisteredApp, scope: str = "") -> dict[str, Any]:
    """What a department system does first: POST its id and secret to the token endpoint."""
    basic = base64.b64encode(f"{registered.client_id}:{registered.secret}".encode()).decode()
    data = {"grant_type": "client_credentials"} | ({"scope": scope} if scope else {})
    response = client.post("/o/token/", data, HTTP_AUTHORIZATION=f"Basic {basic}")
    body: dict[str, Any] = response.json()
    body["status"] = response.status_code
    return body


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def submitted(applicant: User, service: Service) -> Application:
    return application_submit(
        actor=applicant,
        service_id=service.pk,
        data=residence_answers(),
        files={"photo": png(), "proof": pdf()},
    )


def test_department_system_works_its_queue_with_a_client_credentials_token(
    client: Client,
    machine_app: Callable[..., RegisteredApp],
    applicant: User,
    residence_permit: Service,
) -> None:
    # given an application in the police's queue and the police system's token
    application = submitted(applicant, residence_permit)
    registered = machine_app("gongan")
    token = client_token(client, registered)
    assert token["status"] == 200, token
    assert set(token["scope"].split()) == {"api:read", "api:write"}
    assert "refresh_token" not in token  # a system asks again with its secret
    # when it lists the queue and accepts the application (no cookie, no CSRF token)
    listed = client.get(QUEUE, **bearer(token["access_token"]))
    accepted = client.post(
        f"{QUEUE}/{application.pk}/actions",
        {"action": "accept"},
        content_type="application/json",
        **bearer(token["access_token"]),
    )
    # then it sees the application and the step is done as the department's service account
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["items"]] == [application.pk]
    assert accepted.status_code == 200, accepted.content
    application.refresh_from_db()
    assert application.status == Status.ACCEPTED
    account = DepartmentApp.objects.get(pk=registered.app.pk).service_account
    assert account is not None
    assert not account.has_usable_password()
    assert StaffRole.objects.filter(
        user=account, role=Role.DEPARTMENT_STAFF, department__code="gongan", is_active=True
    ).exists()
    assert AuditEvent.objects.filter(actor=account, verb="sso.machine_token_issued").exists()


def test_a_token_of_another_department_sees_nothing_of_this_one(
    client: Client,
    machine_app: Callable[..., RegisteredApp],
    applicant: User,
    residence_permit: Service,
) -> None:
    application = submitted(applicant, residence_permit)
    other = Department.objects.exclude(code="gongan").order_by("code").first()
    assert other is not None
    token = client_token(client, machine_app(other.code))["access_token"]

    listed = client.get(QUEUE, **bearer(token))
    one = client.get(f"{QUEUE}/{application.pk}", **bearer(token))
    act = client.post(
        f"{QUEUE}/{application.pk}/actions",
        {"action": "accept"},
        content_type="application/json",
        **bearer(token),
    )

    assert listed.json()["items"] == []
    assert one.status_code == 404
    assert act.status_code == 404
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_a_token_without_the_write_scope_gets_a_403_problem_and_changes_nothing(
    client: Client,
    machine_app: Callable[..., RegisteredApp],
    applicant: User,
    residence_permit: Service,
) -> None:
    application = submitted(applicant, residence_permit)
    token = client_token(client, machine_app("gongan"), scope="api:read")
    assert token["scope"] == "api:read"

    readable = client.get(QUEUE, **bearer(token["access_token"]))
    refused = client.post(
        f"{QUEUE}/{application.pk}/actions",
        {"action": "accept"},
        content_type="application/json",
        **bearer(token["access_token"]),
    )

    assert readable.status_code == 200
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    problem = refused.json()
    assert (problem["code"], problem["scope"]) == ("insufficient_scope", "api:write")
    assert "api:write" in problem["title"]
    assert "权限范围" in problem["title"]  # in the caller's language
    assert 'error="insufficient_scope"' in refused["WWW-Authenticate"]
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_an_app_cannot_get_a_scope_it_was_not_allowed(
    client: Client, machine_app: Callable[..., RegisteredApp], forms: None
) -> None:
    registered = machine_app("gongan", scopes=["openid", "api:read"])

    asked = client_token(client, registered, scope="api:write")
    plain = client_token(client, registered)

    assert asked["status"] == 400
    assert asked["error"] == "invalid_scope"
    assert plain["scope"] == "api:read"


def _refused(response: Any) -> None:
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_token"
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_expired_revoked_and_unknown_tokens_get_a_401_problem(
    client: Client, machine_app: Callable[..., RegisteredApp], forms: None
) -> None:
    registered = machine_app("gongan")
    expired = client_token(client, registered)["access_token"]
    revoked = client_token(client, registered)["access_token"]
    first = get_access_token_model().objects.filter(application=registered.app).order_by("id")[0]
    first.expires = timezone.now() - timedelta(seconds=1)
    first.save(update_fields=["expires"])
    basic = base64.b64encode(f"{registered.client_id}:{registered.secret}".encode()).decode()
    assert (
        client.post(
            "/o/revoke_token/", {"token": revoked}, HTTP_AUTHORIZATION=f"Basic {basic}"
        ).status_code
        == 200
    )

    for token in (expired, revoked, "not-a-token-we-issued"):
        _refused(client.get(QUEUE, **bearer(token)))
    # a write with a dead token is refused the same way, not with a CSRF failure
    _refused(
        client.post(
            f"{QUEUE}/bulk",
            {"ids": [1], "action": "accept"},
            content_type="application/json",
            **bearer(expired),
        )
    )


def test_turning_machine_access_off_revokes_its_tokens_and_refuses_new_ones(
    client: Client, admin_user: User, machine_app: Callable[..., RegisteredApp], forms: None
) -> None:
    registered = machine_app("gongan")
    token = client_token(client, registered)["access_token"]
    app = registered.app

    services.app_update(
        actor=admin_user,
        app_id=app.pk,
        redirect_uris=app.redirect_uris,
        post_logout_redirect_uris="",
        scopes=app.scope_list(),
        min_level=app.min_level,
        full_name_approved=False,
        is_active=True,
        machine_access=False,
    )

    _refused(client.get(QUEUE, **bearer(token)))
    again = client_token(client, registered)
    assert (again["status"], again["error"]) == (400, "unauthorized_client")
    assert AuditEvent.objects.filter(
        verb="sso.machine_access_disabled", object_id=str(app.pk)
    ).exists()


def test_a_public_app_cannot_have_machine_access(admin_user: User, department: Department) -> None:
    with pytest.raises(DomainError) as raised:
        services.app_register(
            actor=admin_user,
            name="掌上公安",
            department_id=department.pk,
            redirect_uris=REDIRECT_URI,
            scopes=API_SCOPES,
            confidential=False,
            machine_access=True,
        )

    assert raised.value.code == "sso.machine_access_public"
    assert not DepartmentApp.objects.exists()
    assert not User.objects.filter(username__startswith="sso-app-").exists()


def test_an_app_without_machine_access_gets_no_client_credentials_token(
    client: Client, register_app: Callable[..., RegisteredApp]
) -> None:
    answer = client_token(client, register_app())

    assert (answer["status"], answer["error"]) == (400, "unauthorized_client")


def test_calls_over_the_per_app_rate_get_a_429_problem_with_retry_after(
    client: Client, settings: Any, machine_app: Callable[..., RegisteredApp], forms: None
) -> None:
    settings.SHEQU_API_RATE_PER_CLIENT_PER_MINUTE = 2
    token = client_token(client, machine_app("gongan"))["access_token"]

    answers = [client.get(QUEUE, **bearer(token)) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    limited = answers[-1]
    assert limited["Content-Type"] == "application/problem+json"
    assert limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60


def test_calls_over_the_per_account_rate_get_a_429_also_with_a_session(
    client: Client, settings: Any, police: User
) -> None:
    settings.SHEQU_API_RATE_PER_USER_PER_MINUTE = 2
    client.force_login(police)

    codes = [client.get(QUEUE).status_code for _ in range(3)]

    assert codes == [200, 200, 429]


def test_the_session_path_still_needs_csrf_for_writes(police: User) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(police)

    read = browser.get(QUEUE)
    write = browser.post(
        f"{QUEUE}/bulk", {"ids": [1], "action": "accept"}, content_type="application/json"
    )

    assert read.status_code == 200
    assert write.status_code == 403
    assert write.json()["code"] == "csrf_failed"


def test_the_openapi_document_describes_the_session_and_the_oauth2_schemes(
    client: Client, db: None
) -> None:
    document = client.get("/api/v1/openapi.json").json()

    schemes = document["components"]["securitySchemes"]
    assert schemes["SessionAuth"]["type"] == "apiKey"
    flows = schemes["OAuth2Bearer"]["flows"]
    assert flows["clientCredentials"]["tokenUrl"] == "/o/token/"
    assert flows["authorizationCode"]["authorizationUrl"] == "/o/authorize/"
    assert set(flows["clientCredentials"]["scopes"]) == {"api:read", "api:write"}
    queue = document["paths"]["/api/v1/casework/queue"]["get"]
    assert {"OAuth2Bearer": ["api:read"]} in queue["security"]
    assert {"SessionAuth": []} in queue["security"]
    bulk = document["paths"]["/api/v1/casework/queue/bulk"]["post"]
    assert {"OAuth2Bearer": ["api:write"]} in bulk["security"]
    assert "429" in bulk["responses"]


def test_the_administrator_turns_machine_access_on_in_the_console(
    client: Client, admin_user: User, register_app: Callable[..., RegisteredApp]
) -> None:
    registered = register_app(scopes=API_SCOPES)
    client.force_login(admin_user)
    form = {
        "redirect_uris": REDIRECT_URI,
        "post_logout_redirect_uris": "",
        "scopes": API_SCOPES,
        "min_level": "0",
        "is_active": "on",
        "machine_access": "on",
    }

    saved = client.post(f"/console/sso/{registered.app.pk}/", form)
    page = client.get(f"/console/sso/{registered.app.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert saved.status_code == 302
    app = DepartmentApp.objects.get(pk=registered.app.pk)
    assert app.machine_access
    assert app.service_account is not None
    assert 'data-testid="machine-access"' in page.content.decode()
    assert client_token(client, registered)["status"] == 200


def test_the_console_refuses_machine_access_for_a_public_app(
    client: Client, admin_user: User, register_app: Callable[..., RegisteredApp]
) -> None:
    registered = register_app(confidential=False)
    client.force_login(admin_user)
    form = {
        "redirect_uris": REDIRECT_URI,
        "scopes": ["openid"],
        "min_level": "0",
        "is_active": "on",
        "machine_access": "on",
    }

    answer = client.post(f"/console/sso/{registered.app.pk}/", form, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert answer.status_code == 200
    assert 'data-testid="error-machine_access"' in answer.content.decode()
    app = DepartmentApp.objects.get(pk=registered.app.pk)
    assert not app.machine_access
    assert app.service_account is None


@pytest.mark.usefixtures("transactional_db")
def test_a_user_token_from_single_sign_on_acts_as_that_person(
    register_app: Callable[..., RegisteredApp],
    make_flow: Callable[..., Flow],
    applicant: User,
    residence_permit: Service,
) -> None:
    # given the resident's application and a token the resident granted an app
    application = submitted(applicant, residence_permit)
    flow = make_flow(register_app(scopes=API_SCOPES), scope="openid api:read")
    token = flow.sign_in(browser_for(flow.base, applicant))["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    # when the app calls the API with it
    mine = requests.get(f"{flow.base}/api/v1/casework/mine", headers=headers, timeout=10)
    queue = requests.get(f"{flow.base}{QUEUE}", headers=headers, timeout=10)
    staff_view = requests.get(f"{flow.base}{QUEUE}/{application.pk}", headers=headers, timeout=10)
    withdraw = requests.post(
        f"{flow.base}/api/v1/casework/mine/{application.pk}/withdraw", headers=headers, timeout=10
    )
    # then it reads what the resident may see, and no staff queue
    assert [item["id"] for item in mine.json()["items"]] == [application.pk]
    assert queue.json()["items"] == []
    assert staff_view.status_code == 404
    assert withdraw.status_code == 403  # only api:read was granted
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
