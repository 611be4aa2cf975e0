"""The authorization endpoint's answers without the consent page: prompt=none (silent
log-in) and verification-level requests (Django test client, no live server)."""

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from shequ.people.models import User, VerificationLevel
from shequ.sso.models import Consent
from tests.factories import make_user
from tests.sso.conftest import REDIRECT_URI, RegisteredApp

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
