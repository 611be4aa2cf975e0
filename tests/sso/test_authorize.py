"""The authorization endpoint's answers without the consent page: prompt=none (silent
log-in) and verification-level requests (Django test client, no live server)."""

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import get_grant_model

from shequ.people.models import User, VerificationLevel
from shequ.sso.models import Consent
from tests.factories import make_resident, make_user
from tests.sso.conftest import REDIRECT_URI, RegisteredApp, hidden_inputs

ISSUER = "http://testserver/o"
BACKEND = "shequ.people.auth_backends.UsernameOrPhoneBackend"


def authorize(client: Client, registered: RegisteredApp, **extra: str) -> Any:
    params = {
        "client_id": registered.client_id,
        "response_type": "code",
        "scope": "openid profile",
        "redirect_uri": REDIRECT_URI,
        "state": "s-7",
        "nonce": "n-7",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
    }
    params.update(extra)
    return client.get("/o/authorize/", params)


def answer(response: Any) -> dict[str, str]:
    """The parameters of a redirect to the app (one value each; no error_description)."""
    assert response.status_code == 302, response.content[:300]
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    params = {key: values[0] for key, values in parse_qs(location.query).items()}
    params.pop("error_description", None)
    return params


def consent_to(user: User, registered: RegisteredApp, scopes: str = "openid profile") -> None:
    now = timezone.now()
    Consent.objects.create(
        user=user, app=registered.app, scopes=scopes, granted_at=now, last_used_at=now
    )


def test_silent_login_of_an_anonymous_visitor_is_login_required(
    client: Client, register_app: Callable[..., RegisteredApp]
) -> None:
    response = authorize(client, register_app(), prompt="none")

    assert answer(response) == {"error": "login_required", "state": "s-7", "iss": ISSUER}


def test_silent_login_to_an_unregistered_address_is_not_redirected(
    client: Client, register_app: Callable[..., RegisteredApp]
) -> None:
    response = authorize(client, register_app(), prompt="none", redirect_uri="http://evil.test/")

    assert response.status_code == 400
    assert "Location" not in response.headers


def test_silent_login_without_consent_is_consent_required(
    client: Client, register_app: Callable[..., RegisteredApp], resident_user: User
) -> None:
    client.force_login(resident_user, backend=BACKEND)

    response = authorize(client, register_app(), prompt="none")

    assert answer(response) == {"error": "consent_required", "state": "s-7", "iss": ISSUER}


def test_silent_login_with_remembered_consent_issues_a_code_without_a_page(
    client: Client, register_app: Callable[..., RegisteredApp], resident_user: User
) -> None:
    registered = register_app()
    consent_to(resident_user, registered)
    client.force_login(resident_user, backend=BACKEND)

    params = answer(authorize(client, registered, prompt="none"))

    assert set(params) == {"code", "state", "iss"}
    assert params["state"] == "s-7"


def test_silent_login_below_the_apps_level_is_interaction_required(
    client: Client, register_app: Callable[..., RegisteredApp], chengdu: None
) -> None:
    registered = register_app(min_level=VerificationLevel.ID_CHECKED)
    newcomer = make_user("newcomer")
    consent_to(newcomer, registered)
    client.force_login(newcomer, backend=BACKEND)

    params = answer(authorize(client, registered, prompt="none"))

    assert params["error"] == "interaction_required"
    assert params["state"] == "s-7"


@pytest.mark.parametrize("prompt", ["none login", "none consent"])
def test_silent_login_mixed_with_other_prompts_is_an_invalid_request(
    client: Client, register_app: Callable[..., RegisteredApp], resident_user: User, prompt: str
) -> None:
    client.force_login(resident_user, backend=BACKEND)

    params = answer(authorize(client, register_app(), prompt=prompt))

    assert params["error"] == "invalid_request"


ID_CHECKED_ACR = "urn:shequ:loa:1:id-checked"
IN_PERSON_ACR = "urn:shequ:loa:2:in-person"


def acr_claim(**request: Any) -> str:
    """The claims parameter asking for the ID token's acr (OpenID Connect Core §5.5)."""
    return json.dumps({"id_token": {"acr": request}})


def test_acr_above_a_registered_residents_level_sends_them_to_the_id_check_then_on(
    client: Client, register_app: Callable[..., RegisteredApp], chengdu: None
) -> None:
    registered = register_app()
    newcomer = make_user("newcomer")
    consent_to(newcomer, registered)
    client.force_login(newcomer, backend=BACKEND)

    response = authorize(client, registered, acr_values=ID_CHECKED_ACR)

    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == "/accounts/id-check/"
    back = parse_qs(target.query)["next"][0]
    assert "acr_values=" in back
    make_resident(user=newcomer, name="李四", level=VerificationLevel.ID_CHECKED)
    assert "code" in answer(client.get(back))  # verified: the sign-in continues


@pytest.mark.parametrize(
    "request_params",
    [
        {"acr_values": IN_PERSON_ACR},
        {"claims": acr_claim(essential=True, value=IN_PERSON_ACR)},
        {"claims": acr_claim(essential=True, values=["urn:x:gold"])},
    ],
)
def test_acr_the_resident_cannot_reach_here_is_unmet_not_a_lower_token(
    client: Client,
    register_app: Callable[..., RegisteredApp],
    resident_user: User,
    request_params: dict[str, str],
) -> None:
    registered = register_app()
    consent_to(resident_user, registered)
    client.force_login(resident_user, backend=BACKEND)  # ID checked, not in person

    params = answer(authorize(client, registered, **request_params))

    assert params == {"error": "unmet_authentication_requirements", "state": "s-7", "iss": ISSUER}


@pytest.mark.parametrize(
    "request_params",
    [
        {"acr_values": f"{IN_PERSON_ACR} {ID_CHECKED_ACR}"},  # either will do
        {"acr_values": "urn:x:gold"},  # voluntary and unknown: nothing asked
        {"claims": acr_claim(values=[IN_PERSON_ACR])},  # voluntary
    ],
)
def test_acr_the_resident_meets_signs_in(
    client: Client,
    register_app: Callable[..., RegisteredApp],
    resident_user: User,
    request_params: dict[str, str],
) -> None:
    registered = register_app()
    consent_to(resident_user, registered)
    client.force_login(resident_user, backend=BACKEND)

    assert "code" in answer(authorize(client, registered, **request_params))


@pytest.mark.parametrize(
    ("acr", "error"),
    [
        (ID_CHECKED_ACR, "interaction_required"),
        (IN_PERSON_ACR, "unmet_authentication_requirements"),
    ],
)
def test_silent_login_with_an_acr_above_the_residents_level_is_refused(
    client: Client, register_app: Callable[..., RegisteredApp], chengdu: None, acr: str, error: str
) -> None:
    registered = register_app()
    newcomer = make_user("newcomer")
    consent_to(newcomer, registered)
    client.force_login(newcomer, backend=BACKEND)

    assert answer(authorize(client, registered, prompt="none", acr_values=acr))["error"] == error


def test_consent_answer_without_its_page_issues_no_code(
    client: Client, register_app: Callable[..., RegisteredApp], chengdu: None
) -> None:
    # A registered-only resident forges the consent form of a request that asked for the
    # ID-checked level (its acr_values are not in the form): no code, whatever the form says.
    registered = register_app()
    client.force_login(make_user("newcomer"), backend=BACKEND)
    form = {
        "client_id": registered.client_id,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": "openid",
        "state": "s-7",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
        "allow": "Authorize",
    }

    response = client.post("/o/authorize/", form)

    assert response.status_code == 400
    assert "Location" not in response.headers
    assert not get_grant_model().objects.exists()


def test_consent_answer_is_checked_against_the_acr_its_page_was_shown_for(
    client: Client, register_app: Callable[..., RegisteredApp], resident_user: User
) -> None:
    registered = register_app()
    client.force_login(resident_user, backend=BACKEND)
    page = authorize(client, registered, acr_values=ID_CHECKED_ACR)
    form = hidden_inputs(page.content.decode())
    form["allow"] = "Authorize"
    resident = resident_user.resident
    resident.verification_level = VerificationLevel.REGISTERED  # e.g. the check was withdrawn
    resident.save()

    response = client.post("/o/authorize/", form)

    assert urlsplit(response["Location"]).path == "/accounts/id-check/"
    assert not get_grant_model().objects.exists()


LOOPBACK = "http://127.0.0.1:8765/callback"


@pytest.mark.parametrize(
    ("opted_in", "redirect_uri", "shown"),
    [
        (False, LOOPBACK, True),
        (False, "http://127.0.0.1:9999/callback", False),  # no port wildcard by default
        (True, "http://127.0.0.1:9999/callback", True),
        (True, "http://127.0.0.1:9999/other", False),
        (True, "http://localhost:8765/callback", False),
        (True, "http://u:p@127.0.0.1:9999/callback", False),
    ],
)
def test_redirect_uri_must_match_exactly_unless_the_app_opts_in_to_loopback_ports(
    client: Client,
    register_app: Callable[..., RegisteredApp],
    resident_user: User,
    opted_in: bool,
    redirect_uri: str,
    shown: bool,
) -> None:
    registered = register_app(redirect_uris=LOOPBACK, loopback_any_port=opted_in)
    client.force_login(resident_user, backend=BACKEND)

    response = authorize(client, registered, redirect_uri=redirect_uri)

    if shown:
        assert response.status_code == 200
        assert 'data-testid="consent"' in response.content.decode()
    else:
        assert response.status_code == 400
        assert "Location" not in response.headers


def test_after_logout_uri_must_match_exactly(
    register_app: Callable[..., RegisteredApp],
) -> None:
    app = register_app(post_logout_redirect_uris="http://127.0.0.1:8765/bye").app

    assert app.post_logout_redirect_uri_allowed("http://127.0.0.1:8765/bye")
    assert not app.post_logout_redirect_uri_allowed("http://127.0.0.1:9999/bye")
