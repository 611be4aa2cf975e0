"""Discovery, JWKS and the token endpoint's rate limit (Django test client, no live server)."""

import base64
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.common.security import generate_token
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from shequ.core.models import AuditEvent
from shequ.people.models import User
from shequ.sso.models import DepartmentApp, SigningKey
from tests.factories import make_user
from tests.sso.conftest import RegisteredApp, hidden_inputs

# OpenID Connect Discovery 1.0 §3: REQUIRED provider metadata.
REQUIRED_METADATA = {
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "response_types_supported",
    "subject_types_supported",
    "id_token_signing_alg_values_supported",
}


@pytest.mark.parametrize(
    "path", ["/.well-known/openid-configuration", "/o/.well-known/openid-configuration"]
)
def test_discovery_has_the_required_fields_at_both_addresses(client: Client, path: str) -> None:
    data = client.get(path).json()

    assert set(data) >= REQUIRED_METADATA
    assert data["issuer"] == "http://testserver/o"
    assert data["jwks_uri"] == "http://testserver/o/.well-known/jwks.json"
    assert data["response_types_supported"] == ["code"]
    assert data["code_challenge_methods_supported"] == ["S256"]
    assert data["id_token_signing_alg_values_supported"] == ["RS256"]
    assert {"openid", "profile", "phone", "community", "verification"} <= set(
        data["scopes_supported"]
    )
    assert {"name", "phone_number", "community", "verification_level", "acr"} <= set(
        data["claims_supported"]
    )
    assert data["end_session_endpoint"].endswith("/o/logout/")
    assert data["revocation_endpoint"].endswith("/o/revoke_token/")
    assert data["authorization_response_iss_parameter_supported"] is True


def test_jwks_publishes_public_rsa_keys_only(client: Client, db: None) -> None:
    keys = client.get("/o/.well-known/jwks.json").json()["keys"]

    assert len(keys) == 1
    key = keys[0]
    # RFC 7517/7518: kty, and for RSA the modulus and exponent; kid and use for selection.
    assert {"kty", "n", "e", "kid", "use", "alg"} <= set(key)
    assert (key["kty"], key["use"], key["alg"]) == ("RSA", "sig", "RS256")
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)
    stored = SigningKey.objects.get()
    assert "PRIVATE KEY" not in stored.private_key  # encrypted at rest with the PII keys


def test_token_endpoint_is_rate_limited_per_address(
    client: Client, db: None, settings: object
) -> None:
    settings.SHEQU_SSO_TOKEN_RATE_PER_MINUTE = 3  # type: ignore[attr-defined]
    codes = [
        client.post(
            "/o/token/",
            {"grant_type": "authorization_code", "code": "nope", "client_id": "x"},
            REMOTE_ADDR="10.9.8.7",
        ).status_code
        for _ in range(4)
    ]

    assert codes[:3] == [401, 401, 401]  # unknown client: invalid_client, no hint of accounts
    assert codes[3] == 429


def test_token_rate_limit_is_not_escaped_by_forging_forwarded_for(
    client: Client, db: None, settings: object
) -> None:
    settings.SHEQU_SSO_TOKEN_RATE_PER_MINUTE = 3  # type: ignore[attr-defined]
    settings.SHEQU_TRUSTED_PROXIES = []  # type: ignore[attr-defined]
    codes = [
        client.post(
            "/o/token/",
            {"grant_type": "authorization_code", "code": "nope", "client_id": "x"},
            REMOTE_ADDR="10.9.8.6",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(4)
    ]

    assert codes[3] == 429


def test_authorization_without_pkce_is_refused(client: Client, db: None, register_app) -> None:  # type: ignore[no-untyped-def]
    registered = register_app()
    client.force_login(
        make_user("someone"), backend="shequ.people.auth_backends.UsernameOrPhoneBackend"
    )

    response = client.get(
        "/o/authorize/",
        {
            "client_id": registered.client_id,
            "response_type": "code",
            "scope": "openid",
            "redirect_uri": "http://rp.test/callback",
            "state": "s",
        },
    )

    assert response.status_code == 302
    assert "error=invalid_request" in response["Location"]


def test_plain_pkce_method_is_refused(client: Client, db: None, register_app) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import make_user

    registered = register_app()
    client.force_login(
        make_user("someone"), backend="shequ.people.auth_backends.UsernameOrPhoneBackend"
    )

    response = client.get(
        "/o/authorize/",
        {
            "client_id": registered.client_id,
            "response_type": "code",
            "scope": "openid",
            "redirect_uri": "http://rp.test/callback",
            "code_challenge": "a" * 43,
            "code_challenge_method": "plain",
        },
    )

    assert response.status_code == 302
    assert "error=" in response["Location"]
    assert "code=" not in response["Location"]


def bearer_for(user: User, app: DepartmentApp, scope: str, *, hours: int = 1) -> str:
    """An access token as the token endpoint would store it (hashed); returns the plain one."""
    plain = generate_token(40)
    get_access_token_model().objects.create(
        user=user,
        application=app,
        token=plain,
        expires=timezone.now() + timedelta(hours=hours),
        scope=scope,
    )
    return plain


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (
            "openid profile phone community verification",
            {
                "name": "张*丰",
                "phone_number": "13912345678",
                "community": {"code": "510107005004", "name": "倪家桥社区居委会"},
                "verification_level": 1,
                "acr": "urn:shequ:loa:1:id-checked",
            },
        ),
        ("openid community", {"community": {"code": "510107005004", "name": "倪家桥社区居委会"}}),
        ("openid", {}),
    ],
)
def test_userinfo_answers_in_one_query_without_audit_or_session(
    client: Client,
    register_app: Callable[..., RegisteredApp],
    resident_user: User,
    django_assert_num_queries: Any,
    scope: str,
    expected: dict[str, Any],
) -> None:
    token = bearer_for(resident_user, register_app().app, scope)
    trail = AuditEvent.objects.count()

    with django_assert_num_queries(1):
        response = client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200
    assert response.json() == {"sub": str(resident_user.pk), **expected}
    assert AuditEvent.objects.count() == trail  # issue/refresh/revoke are trailed, reads not
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("hours", [-1, None])
def test_userinfo_refuses_expired_or_unknown_tokens(
    client: Client,
    register_app: Callable[..., RegisteredApp],
    resident_user: User,
    hours: int | None,
) -> None:
    app = register_app().app
    token = bearer_for(resident_user, app, "openid profile", hours=hours) if hours else "nope"

    response = client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 401
    assert "name" not in response.content.decode()


def test_userinfo_of_a_registered_account_without_resident_record(
    client: Client,
    register_app: Callable[..., RegisteredApp],
    django_assert_num_queries: Any,
) -> None:
    account = make_user("only_registered", phone="13712345678")
    token = bearer_for(account, register_app().app, "openid profile phone community verification")

    with django_assert_num_queries(1):
        response = client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200
    # No real name and no community yet: those claims are left out, the level says why.
    assert response.json() == {
        "sub": str(account.pk),
        "phone_number": "13712345678",
        "verification_level": 0,
        "acr": "urn:shequ:loa:0:registered",
    }


def _basic(registered: RegisteredApp) -> str:
    pair = f"{registered.client_id}:{registered.secret}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def test_an_app_introspects_its_own_tokens_but_not_another_apps(
    client: Client, register_app: Callable[..., RegisteredApp], resident_user: User
) -> None:
    owner, other = register_app(name="户政服务"), register_app(name="公积金查询")
    token = bearer_for(resident_user, owner.app, "openid profile")

    foreign = client.post("/o/introspect/", {"token": token}, HTTP_AUTHORIZATION=_basic(other))
    own = client.post("/o/introspect/", {"token": token}, HTTP_AUTHORIZATION=_basic(owner))

    assert foreign.status_code == 200
    assert foreign.json() == {"active": False}
    assert own.json()["active"] is True
    assert own.json()["username"] == resident_user.get_username()
    assert own.json()["client_id"] == owner.client_id


def test_a_resource_server_introspects_tokens_of_other_apps(
    client: Client, register_app: Callable[..., RegisteredApp], resident_user: User
) -> None:
    owner = register_app(name="户政服务")
    api = register_app(name="户政接口", introspects_tokens=True)
    token = bearer_for(resident_user, owner.app, "openid profile")

    response = client.post("/o/introspect/", {"token": token}, HTTP_AUTHORIZATION=_basic(api))

    assert response.json()["active"] is True
    assert response.json()["scope"] == "openid profile"


def test_introspection_needs_a_confidential_apps_credentials(
    client: Client, register_app: Callable[..., RegisteredApp], resident_user: User
) -> None:
    owner = register_app()
    public = register_app(name="掌上办", confidential=False)
    token = bearer_for(resident_user, owner.app, "openid")

    by_public = client.post("/o/introspect/", {"token": token, "client_id": public.client_id})
    wrong_secret = client.post(
        "/o/introspect/",
        {"token": token},
        HTTP_AUTHORIZATION=_basic(RegisteredApp(owner.app, owner.client_id, "nope")),
    )
    by_bearer = client.post(
        "/o/introspect/", {"token": token}, HTTP_AUTHORIZATION=f"Bearer {token}"
    )

    assert (by_public.status_code, wrong_secret.status_code, by_bearer.status_code) == (
        401,
        401,
        401,
    )
    assert "username" not in by_public.content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_userinfo_refuses_an_access_token_in_the_query_string(
    client: Client,
    register_app: Callable[..., RegisteredApp],
    resident_user: User,
    method: str,
) -> None:
    token = bearer_for(resident_user, register_app().app, "openid profile")

    response = getattr(client, method)(f"/o/userinfo/?access_token={token}")

    assert response.status_code == 400
    assert 'error="invalid_request"' in response["WWW-Authenticate"]
    assert "name" not in response.json()


def test_userinfo_takes_the_access_token_from_a_posted_form(
    client: Client, register_app: Callable[..., RegisteredApp], resident_user: User
) -> None:
    token = bearer_for(resident_user, register_app().app, "openid profile")

    response = client.post("/o/userinfo/", {"access_token": token})

    assert response.status_code == 200
    assert response.json()["name"] == "张*丰"


def _authorize_params(registered: RegisteredApp, **extra: str) -> dict[str, str]:
    params = {
        "client_id": registered.client_id,
        "response_type": "code",
        "scope": "openid",
        "redirect_uri": "http://rp.test/callback",
        "state": "s-42",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
    }
    params.update(extra)
    return params


def _query(response: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(response["Location"]).query)


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),  # refused by shequ
        ({"scope": "openid payroll"}, "invalid_scope"),  # refused by the toolkit
    ],
)
def test_error_redirects_name_the_issuer(
    client: Client,
    register_app: Callable[..., RegisteredApp],
    resident_user: User,
    extra: dict[str, str],
    error: str,
) -> None:
    registered = register_app()
    client.force_login(resident_user, backend="shequ.people.auth_backends.UsernameOrPhoneBackend")

    response = client.get("/o/authorize/", _authorize_params(registered, **extra))

    assert response.status_code == 302
    query = _query(response)
    assert (query["error"], query["state"]) == ([error], ["s-42"])
    assert query["iss"] == [client.get("/o/.well-known/openid-configuration").json()["issuer"]]


@pytest.mark.parametrize(("allow", "answer"), [(False, "error"), (True, "code")])
def test_consent_answer_names_the_issuer_once(
    client: Client,
    register_app: Callable[..., RegisteredApp],
    resident_user: User,
    allow: bool,
    answer: str,
) -> None:
    registered = register_app()
    client.force_login(resident_user, backend="shequ.people.auth_backends.UsernameOrPhoneBackend")
    page = client.get("/o/authorize/", _authorize_params(registered))
    form = hidden_inputs(page.content.decode())
    if allow:
        form["allow"] = "Authorize"

    response = client.post("/o/authorize/", form)

    query = _query(response)
    assert answer in query
    assert query["iss"] == ["http://testserver/o"]


@pytest.mark.parametrize(
    "path",
    [
        "/.well-known/openid-configuration",
        "/o/.well-known/openid-configuration",
        "/o/.well-known/oauth-authorization-server",
    ],
)
def test_metadata_says_request_objects_are_not_supported(client: Client, path: str) -> None:
    data = client.get(path).json()

    # Left out, request_uri_parameter_supported would mean true (OIDC Discovery §3).
    assert data["request_uri_parameter_supported"] is False
    assert data["request_parameter_supported"] is False
    assert data["authorization_response_iss_parameter_supported"] is True


@pytest.mark.parametrize(
    ("parameter", "value"),
    [("request_uri", "https://rp.test/request.jwt"), ("request", "eyJhbGciOiJub25lIn0.e30.")],
)
def test_authorization_with_a_request_object_is_refused(
    client: Client,
    register_app: Callable[..., RegisteredApp],
    resident_user: User,
    parameter: str,
    value: str,
) -> None:
    registered = register_app()
    client.force_login(resident_user, backend="shequ.people.auth_backends.UsernameOrPhoneBackend")

    response = client.get("/o/authorize/", _authorize_params(registered, **{parameter: value}))

    query = _query(response)
    assert query["error"] == [f"{parameter}_not_supported"]
    assert query["state"] == ["s-42"]
    assert "code" not in query
