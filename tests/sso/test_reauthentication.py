"""A relying party may ask for a fresh sign-in (prompt=login, max_age) or name the
resident it expects (id_token_hint); expired tokens are purged (OpenID Connect Core
§3.1.2.1)."""

import uuid
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from django.test import Client
from django.utils import timezone
from jwcrypto import jwt
from oauth2_provider.models import get_access_token_model, get_id_token_model

from shequ.people.models import User
from shequ.sso import services
from shequ.sso.models import RedeemedCode
from tests.factories import make_user
from tests.sso.conftest import RegisteredApp
from tests.sso.test_authorize import BACKEND, ISSUER, answer, authorize, consent_to


def signed_in_hours_ago(client: Client, user: User, hours: float) -> None:
    client.force_login(user, backend=BACKEND)
    User.objects.filter(pk=user.pk).update(last_login=timezone.now() - timedelta(hours=hours))


def id_token_for(user: User, registered: RegisteredApp, *, issuer: str = ISSUER) -> str:
    """An ID token as the provider issues it: a stored row, signed with the current key."""
    now = timezone.now()
    row = get_id_token_model().objects.create(
        user=user,
        application=registered.app,
        jti=uuid.uuid4(),
        expires=now + timedelta(hours=1),
        scope="openid",
    )
    key = services.signing_key_ensure()
    token = jwt.JWT(
        header={"alg": "RS256", "kid": key.kid},
        claims={
            "iss": issuer,
            "sub": str(user.pk),
            "aud": registered.client_id,
            "jti": str(row.jti),
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(hours=1)).timestamp()),
        },
    )
    token.make_signed_token(key.private_jwk())
    return str(token.serialize())


def is_login_page_back_to_authorize(response: object) -> dict[str, list[str]]:
    assert response.status_code == 302  # type: ignore[attr-defined]
    location = urlsplit(response["Location"])  # type: ignore[index]
    assert location.path == "/accounts/login/"
    back = urlsplit(parse_qs(location.query)["next"][0])
    assert back.path == "/o/authorize/"
    return parse_qs(back.query)


def test_prompt_login_ends_the_session_and_comes_back_without_asking_again(
    client: Client, register_app: Callable[..., RegisteredApp], resident_user: User
) -> None:
    registered = register_app()
    consent_to(resident_user, registered)
    client.force_login(resident_user, backend=BACKEND)

    back = is_login_page_back_to_authorize(authorize(client, registered, prompt="login"))

    assert "prompt" not in back
    assert back["client_id"] == [registered.client_id]
    assert "_auth_user_id" not in client.session  # signed out: the login page asks for real
    client.force_login(resident_user, backend=BACKEND)
    params = answer(client.get("/o/authorize/", {k: v[0] for k, v in back.items()}))
    assert set(params) == {"code", "state", "iss"}


def test_a_sign_in_older_than_max_age_asks_again_and_a_recent_one_does_not(
    client: Client, register_app: Callable[..., RegisteredApp], resident_user: User
) -> None:
    registered = register_app()
    consent_to(resident_user, registered)
    signed_in_hours_ago(client, resident_user, 2)

    back = is_login_page_back_to_authorize(authorize(client, registered, max_age="3600"))
    assert "max_age" not in back

    signed_in_hours_ago(client, resident_user, 0.5)
    params = answer(authorize(client, registered, max_age="3600"))
    assert set(params) == {"code", "state", "iss"}


def test_silent_login_older_than_max_age_is_login_required(
    client: Client, register_app: Callable[..., RegisteredApp], resident_user: User
) -> None:
    registered = register_app()
    consent_to(resident_user, registered)
    signed_in_hours_ago(client, resident_user, 2)

    params = answer(authorize(client, registered, prompt="none", max_age="60"))

    assert params == {"error": "login_required", "state": "s-7", "iss": ISSUER}
    assert "_auth_user_id" in client.session  # a silent answer changes nothing


def test_max_age_that_is_not_a_number_of_seconds_is_an_invalid_request(
    client: Client, register_app: Callable[..., RegisteredApp], resident_user: User
) -> None:
    registered = register_app()
    consent_to(resident_user, registered)
    client.force_login(resident_user, backend=BACKEND)

    for bad in ("-5", "1h", "٣٠"):
        assert answer(authorize(client, registered, max_age=bad))["error"] == "invalid_request"
    assert "_auth_user_id" in client.session


def test_id_token_hint_of_the_signed_in_resident_signs_in_silently(
    client: Client, register_app: Callable[..., RegisteredApp], resident_user: User
) -> None:
    registered = register_app()
    consent_to(resident_user, registered)
    client.force_login(resident_user, backend=BACKEND)

    hint = id_token_for(resident_user, registered)
    params = answer(authorize(client, registered, prompt="none", id_token_hint=hint))

    assert set(params) == {"code", "state", "iss"}


def test_id_token_hint_naming_someone_else_is_login_required(
    client: Client, register_app: Callable[..., RegisteredApp], resident_user: User
) -> None:
    registered = register_app()
    consent_to(resident_user, registered)
    client.force_login(resident_user, backend=BACKEND)
    other = make_user("someone-else")

    for extra in ({"prompt": "none"}, {}):
        params = answer(
            authorize(client, registered, id_token_hint=id_token_for(other, registered), **extra)
        )
        assert params == {"error": "login_required", "state": "s-7", "iss": ISSUER}


def test_id_token_hint_not_issued_here_is_an_invalid_request(
    client: Client, register_app: Callable[..., RegisteredApp], resident_user: User
) -> None:
    registered = register_app()
    consent_to(resident_user, registered)
    client.force_login(resident_user, backend=BACKEND)

    foreign = id_token_for(resident_user, registered, issuer="http://elsewhere.test/o")
    for hint in ("not-a-token", foreign):
        params = answer(authorize(client, registered, prompt="none", id_token_hint=hint))
        assert params["error"] == "invalid_request"


def test_purge_deletes_expired_tokens_and_old_code_records_and_keeps_live_ones(
    register_app: Callable[..., RegisteredApp], resident_user: User
) -> None:
    registered = register_app()
    now = timezone.now()
    access = get_access_token_model()
    for name, expires in (("old", now - timedelta(days=1)), ("live", now + timedelta(hours=1))):
        access.objects.create(
            user=resident_user,
            application=registered.app,
            token=f"token-{name}",
            expires=expires,
            scope="openid",
        )
    for name, days in (("old", 60), ("recent", 1)):
        RedeemedCode.objects.create(
            code_checksum=name.ljust(64, "0"),
            app=registered.app,
            user=resident_user,
            access_token_checksum="a" * 64,
            redeemed_at=now - timedelta(days=days),
        )

    report = services.expired_tokens_purge()

    assert report == {"redeemed_codes": 1}
    assert list(access.objects.values_list("token", flat=True)) == ["token-live"]
    assert list(RedeemedCode.objects.values_list("code_checksum", flat=True)) == [
        "recent".ljust(64, "0")
    ]
