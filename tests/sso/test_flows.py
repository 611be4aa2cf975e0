"""Full sign-in flows against the live server, driven by Authlib (a standard OIDC client)."""

import base64
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.integrations.base_client.errors import OAuthError
from django.utils import timezone
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet
from oauth2_provider.models import get_access_token_model, get_grant_model

from shequ.core.models import AuditEvent
from shequ.people.models import User, VerificationLevel
from shequ.sso import services
from shequ.sso.models import Consent
from tests.sso.conftest import LOGOUT_URI, Flow, RegisteredApp, browser_for

pytestmark = pytest.mark.usefixtures("transactional_db")


def kid_of(token: str) -> str:
    header = token.split(".")[0]
    return str(json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"])


def id_claims(flow: Flow, id_token: str) -> dict[str, Any]:
    """Verify an ID token the way a relying party does: JWKS signature, iss, aud, nonce."""
    jwks = KeySet.import_key_set(requests.get(flow.metadata["jwks_uri"], timeout=10).json())
    token = jwt.decode(id_token, jwks, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": flow.metadata["issuer"]},
        aud={"essential": True, "value": flow.registered.client_id},
        nonce={"essential": True, "value": flow.nonce},
        exp={"essential": True},
        sub={"essential": True},
    ).validate(token.claims)
    return dict(token.claims)


def test_code_flow_with_pkce_signs_in_and_releases_granted_claims(
    register_app: Callable[..., RegisteredApp], resident_user: User, make_flow: Callable[..., Flow]
) -> None:
    flow = make_flow(register_app(), scope="openid profile community verification")
    browser = browser_for(flow.base, resident_user)

    token = flow.sign_in(browser)

    claims = id_claims(flow, token["id_token"])
    assert claims["sub"] == str(resident_user.pk)
    assert claims["name"] == "张*丰"  # the app is not approved for the full name
    assert claims["community"] == {"code": "510107005004", "name": "倪家桥社区居委会"}
    assert claims["verification_level"] == VerificationLevel.ID_CHECKED
    assert claims["acr"] == "urn:shequ:loa:1:id-checked"
    assert "phone_number" not in claims  # the phone scope was not asked for
    info = flow.client.get(flow.metadata["userinfo_endpoint"]).json()
    assert (info["sub"], info["name"]) == (str(resident_user.pk), "张*丰")
    assert AuditEvent.objects.filter(actor=resident_user, verb="sso.token_issued").count() == 1


def test_app_approved_for_full_name_gets_name_and_phone(
    register_app: Callable[..., RegisteredApp], resident_user: User, make_flow: Callable[..., Flow]
) -> None:
    flow = make_flow(register_app(full_name_approved=True), scope="openid profile phone")

    flow.sign_in(browser_for("", resident_user))

    info = flow.client.get(flow.metadata["userinfo_endpoint"]).json()
    assert info["name"] == "张三丰"
    assert info["phone_number"] == "13912345678"
    assert "community" not in info


def test_public_client_signs_in_with_pkce_and_no_secret(
    register_app: Callable[..., RegisteredApp], resident_user: User, make_flow: Callable[..., Flow]
) -> None:
    registered = register_app(confidential=False)
    assert registered.secret == ""
    flow = make_flow(registered, scope="openid")

    token = flow.sign_in(browser_for("", resident_user))

    assert id_claims(flow, token["id_token"])["sub"] == str(resident_user.pk)


def test_refresh_rotates_and_the_old_refresh_token_is_refused(
    register_app: Callable[..., RegisteredApp], resident_user: User, make_flow: Callable[..., Flow]
) -> None:
    flow = make_flow(register_app(), scope="openid")
    first = flow.sign_in(browser_for("", resident_user))

    second = flow.client.refresh_token(
        flow.metadata["token_endpoint"], refresh_token=first["refresh_token"]
    )

    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    with pytest.raises(OAuthError) as refused:
        flow.client.refresh_token(
            flow.metadata["token_endpoint"], refresh_token=first["refresh_token"]
        )
    assert refused.value.error == "invalid_grant"
    assert AuditEvent.objects.filter(actor=resident_user, verb="sso.token_refreshed").exists()


def test_revoked_access_token_no_longer_reads_userinfo(
    register_app: Callable[..., RegisteredApp], resident_user: User, make_flow: Callable[..., Flow]
) -> None:
    flow = make_flow(register_app(), scope="openid")
    token = flow.sign_in(browser_for("", resident_user))
    assert flow.client.get(flow.metadata["userinfo_endpoint"]).status_code == 200

    flow.client.revoke_token(
        flow.metadata["revocation_endpoint"],
        token=token["access_token"],
        token_type_hint="access_token",
    )

    assert flow.client.get(flow.metadata["userinfo_endpoint"]).status_code == 401
    with pytest.raises(OAuthError):  # the bound refresh token went with it
        flow.client.refresh_token(
            flow.metadata["token_endpoint"], refresh_token=token["refresh_token"]
        )
    assert AuditEvent.objects.filter(actor=resident_user, verb="sso.token_revoked").exists()


def test_rp_initiated_logout_ends_the_session_and_the_tokens(
    register_app: Callable[..., RegisteredApp], resident_user: User, make_flow: Callable[..., Flow]
) -> None:
    flow = make_flow(register_app(), scope="openid")
    browser = browser_for("", resident_user)
    token = flow.sign_in(browser)

    response = browser.get(
        flow.metadata["end_session_endpoint"],
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": LOGOUT_URI,
            "state": "s1",
        },
        allow_redirects=False,
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"{LOGOUT_URI}?state=s1"
    assert flow.client.get(flow.metadata["userinfo_endpoint"]).status_code == 401
    # The shequ session is over too: the next sign-in asks for the log-in page.
    again = browser.get(flow.authorization_url(), allow_redirects=False)
    assert "/accounts/login/" in again.headers["Location"]
    assert AuditEvent.objects.filter(actor=resident_user, verb="sso.logout").exists()


def test_logout_to_an_unregistered_address_is_refused(
    register_app: Callable[..., RegisteredApp], resident_user: User, make_flow: Callable[..., Flow]
) -> None:
    flow = make_flow(register_app(), scope="openid")
    browser = browser_for("", resident_user)
    token = flow.sign_in(browser)

    response = browser.get(
        flow.metadata["end_session_endpoint"],
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": "http://evil.test/",
        },
        allow_redirects=False,
    )

    assert response.status_code == 400
    assert flow.client.get(flow.metadata["userinfo_endpoint"]).status_code == 200


def test_consent_is_remembered_and_revoking_it_revokes_the_tokens(
    register_app: Callable[..., RegisteredApp], resident_user: User, make_flow: Callable[..., Flow]
) -> None:
    flow = make_flow(register_app(), scope="openid profile")
    browser = browser_for("", resident_user)
    flow.sign_in(browser)

    # The second sign-in goes straight back to the app: no consent screen.
    again = browser.get(flow.authorization_url(), allow_redirects=False)
    assert again.status_code == 302
    assert "code=" in again.headers["Location"]
    flow.client.fetch_token(
        flow.metadata["token_endpoint"],
        authorization_response=again.headers["Location"],
        code_verifier=flow.verifier,
    )

    consent = Consent.objects.get(user=resident_user, revoked_at__isnull=True)
    services.consent_revoke(actor=resident_user, consent_id=consent.pk)

    assert flow.client.get(flow.metadata["userinfo_endpoint"]).status_code == 401
    assert get_access_token_model().objects.filter(user=resident_user).count() == 0
    page = browser.get(flow.authorization_url(), allow_redirects=False)
    assert page.status_code == 200
    assert 'data-testid="consent"' in page.text


def test_app_requiring_in_person_level_refuses_until_verified(
    register_app: Callable[..., RegisteredApp], resident_user: User, make_flow: Callable[..., Flow]
) -> None:
    flow = make_flow(register_app(min_level=VerificationLevel.IN_PERSON), scope="openid")
    browser = browser_for("", resident_user)

    refused = browser.get(flow.authorization_url(), allow_redirects=False)

    assert refused.status_code == 403
    assert 'data-testid="level-required"' in refused.text
    assert "社区" in refused.text  # told to verify in person at the community centre
    resident = resident_user.resident
    resident.verification_level = VerificationLevel.IN_PERSON
    resident.save()
    token = flow.sign_in(browser, scope="openid")
    assert id_claims(flow, token["id_token"])["sub"] == str(resident_user.pk)


def test_registered_only_resident_is_sent_to_the_id_check_and_back(
    register_app: Callable[..., RegisteredApp], chengdu: None, make_flow: Callable[..., Flow]
) -> None:
    from tests.factories import make_user

    newcomer = make_user("newcomer")
    flow = make_flow(register_app(min_level=VerificationLevel.ID_CHECKED), scope="openid")
    url = flow.authorization_url()

    response = browser_for("", newcomer).get(url, allow_redirects=False)

    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == "/accounts/id-check/"
    assert parse_qs(target.query)["next"][0] == url.removeprefix(flow.base)


@pytest.mark.parametrize(
    ("redirect_uri", "expected"),
    [("http://rp.test/callback/other", 400), ("http://evil.test/callback", 400)],
)
def test_unregistered_redirect_uri_is_refused_without_redirecting(
    register_app: Callable[..., RegisteredApp],
    resident_user: User,
    make_flow: Callable[..., Flow],
    redirect_uri: str,
    expected: int,
) -> None:
    flow = make_flow(register_app(), scope="openid")
    flow.client.redirect_uri = redirect_uri

    response = browser_for("", resident_user).get(flow.authorization_url(), allow_redirects=False)

    assert response.status_code == expected
    assert "Location" not in response.headers
    assert 'data-testid="oauth-error"' in response.text


def _code_response(flow: Flow, browser: requests.Session) -> str:
    response = flow.approve(browser, flow.authorization_url())
    assert response.status_code == 302
    return str(response.headers["Location"])


def test_code_cannot_be_used_twice(
    register_app: Callable[..., RegisteredApp], resident_user: User, make_flow: Callable[..., Flow]
) -> None:
    flow = make_flow(register_app(), scope="openid")
    location = _code_response(flow, browser_for("", resident_user))
    token_url = flow.metadata["token_endpoint"]
    flow.client.fetch_token(token_url, authorization_response=location, code_verifier=flow.verifier)

    with pytest.raises(OAuthError) as refused:
        flow.client.fetch_token(
            token_url, authorization_response=location, code_verifier=flow.verifier
        )

    assert refused.value.error == "invalid_grant"


def _userinfo_status(flow: Flow, access_token: str) -> int:
    headers = {"Authorization": f"Bearer {access_token}"}
    return requests.get(flow.metadata["userinfo_endpoint"], headers=headers, timeout=10).status_code


def test_replayed_code_revokes_the_tokens_its_first_use_got(
    register_app: Callable[..., RegisteredApp], resident_user: User, make_flow: Callable[..., Flow]
) -> None:
    registered = register_app()
    browser = browser_for("", resident_user)
    flow = make_flow(registered, scope="openid")
    location = _code_response(flow, browser)
    token_url = flow.metadata["token_endpoint"]
    first = flow.client.fetch_token(
        token_url, authorization_response=location, code_verifier=flow.verifier
    )
    refreshed = flow.client.refresh_token(token_url, refresh_token=first["refresh_token"])
    other = make_flow(registered, scope="openid").sign_in(browser)  # another sign-in: kept

    with pytest.raises(OAuthError) as refused:
        flow.client.fetch_token(
            token_url, authorization_response=location, code_verifier=flow.verifier
        )

    assert refused.value.error == "invalid_grant"
    assert _userinfo_status(flow, refreshed["access_token"]) == 401
    with pytest.raises(OAuthError):
        flow.client.refresh_token(token_url, refresh_token=refreshed["refresh_token"])
    assert _userinfo_status(flow, other["access_token"]) == 200
    event = AuditEvent.objects.get(verb="sso.code_replayed")
    assert (event.actor, event.changes["tokens_revoked"]) == (resident_user, 2)


def test_wrong_pkce_verifier_is_refused(
    register_app: Callable[..., RegisteredApp], resident_user: User, make_flow: Callable[..., Flow]
) -> None:
    flow = make_flow(register_app(), scope="openid")
    location = _code_response(flow, browser_for("", resident_user))

    with pytest.raises(OAuthError) as refused:
        flow.client.fetch_token(
            flow.metadata["token_endpoint"],
            authorization_response=location,
            code_verifier="x" * 50,
        )

    assert refused.value.error == "invalid_grant"


def test_expired_code_is_refused(
    register_app: Callable[..., RegisteredApp], resident_user: User, make_flow: Callable[..., Flow]
) -> None:
    flow = make_flow(register_app(), scope="openid")
    location = _code_response(flow, browser_for("", resident_user))
    get_grant_model().objects.update(expires=timezone.now() - timedelta(seconds=1))

    with pytest.raises(OAuthError) as refused:
        flow.client.fetch_token(
            flow.metadata["token_endpoint"],
            authorization_response=location,
            code_verifier=flow.verifier,
        )

    assert refused.value.error == "invalid_grant"


def test_wrong_client_secret_is_invalid_client(
    register_app: Callable[..., RegisteredApp], resident_user: User, make_flow: Callable[..., Flow]
) -> None:
    flow = make_flow(register_app(), scope="openid")
    location = _code_response(flow, browser_for("", resident_user))
    flow.client.client_secret = "not-the-secret"

    with pytest.raises(OAuthError) as refused:
        flow.client.fetch_token(
            flow.metadata["token_endpoint"],
            authorization_response=location,
            code_verifier=flow.verifier,
        )

    assert refused.value.error == "invalid_client"


def test_scope_the_app_is_not_allowed_is_invalid_scope(
    register_app: Callable[..., RegisteredApp], resident_user: User, make_flow: Callable[..., Flow]
) -> None:
    flow = make_flow(register_app(scopes=["openid"]), scope="openid phone")

    response = browser_for("", resident_user).get(flow.authorization_url(), allow_redirects=False)

    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query)["error"] == ["invalid_scope"]


def test_tampered_id_token_signature_is_refused(
    register_app: Callable[..., RegisteredApp], resident_user: User, make_flow: Callable[..., Flow]
) -> None:
    flow = make_flow(register_app(), scope="openid")
    browser = browser_for("", resident_user)
    id_token = flow.sign_in(browser)["id_token"]
    header, payload, signature = id_token.split(".")
    tampered = f"{header}.{payload}.{signature[:-6]}AAAAAA"

    with pytest.raises(BadSignatureError):
        id_claims(flow, tampered)
    # The provider refuses it as a logout hint too (no silent logout to the app's address).
    response = browser.get(
        flow.metadata["end_session_endpoint"],
        params={"id_token_hint": tampered, "post_logout_redirect_uri": LOGOUT_URI},
        allow_redirects=False,
    )
    assert response.status_code == 400


def test_rotated_key_old_tokens_still_verify_and_new_ones_use_the_new_key(
    register_app: Callable[..., RegisteredApp], resident_user: User, make_flow: Callable[..., Flow]
) -> None:
    flow = make_flow(register_app(), scope="openid")
    browser = browser_for("", resident_user)
    old = flow.sign_in(browser)["id_token"]

    services.signing_key_rotate()

    keys = requests.get(flow.metadata["jwks_uri"], timeout=10).json()["keys"]
    assert len(keys) == 2
    assert id_claims(flow, old)["sub"] == str(resident_user.pk)
    new_flow = make_flow(flow.registered, scope="openid")
    new = new_flow.sign_in(browser)["id_token"]
    assert kid_of(new) != kid_of(old)
    assert id_claims(new_flow, new)["sub"] == str(resident_user.pk)
