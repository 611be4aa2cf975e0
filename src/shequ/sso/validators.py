"""The toolkit's request validator, taught our claims, consents, key rotation and audit."""

import hashlib
import json
from typing import Any

from django.core.cache import cache
from django.db import connections, router
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]
from jwcrypto import jwk, jws
from jwcrypto.common import JWException
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_refresh_token_model,
)
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.common import Request
from oauthlib.oauth2.rfc6749 import errors as oauth2_errors

from shequ.core.errors import DomainError
from shequ.core.pii import mask_name
from shequ.core.services import client_ip_from_meta
from shequ.people.models import User, VerificationLevel
from shequ.sso import services
from shequ.sso.assurance import ACR_BY_LEVEL
from shequ.sso.scopes import CLAIM_SCOPES
from shequ.sso.selectors import signing_key_by_kid

# How long a verified (client, secret) pair skips the slow hash.
SECRET_CHECK_CACHE_SECONDS = 300


class _TokenLookup:
    """The access token by checksum, with its app, account, resident and community joined.

    Django rebuilds a query's SQL on every call; for this five-table join that was about a
    third of a userinfo request. The statement and the compiler's column map are built once
    per process and database, and only the checksum changes between calls.
    """

    PLACEHOLDER = "0" * 64

    def __init__(self) -> None:
        self._compiled: dict[str, tuple[Any, str, list[str], list[Any], int, int]] = {}

    def _compile(self, db: str) -> tuple[Any, str, list[str], list[Any], int, int]:
        queryset = (
            get_access_token_model()
            .objects.select_related("application", "user__resident__community")
            .filter(token_checksum=self.PLACEHOLDER)[:1]
        )
        compiler = queryset.query.get_compiler(using=db)
        sql, params = compiler.as_sql()
        if list(params) != [self.PLACEHOLDER]:
            raise RuntimeError(f"unexpected parameters in the token query: {params!r}")
        select, klass_info = compiler.select, compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        init_list = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, db)
        return compiler, sql, init_list, populators, start, end

    def __call__(self, checksum: str) -> Any:
        model = get_access_token_model()
        db = router.db_for_read(model)
        if db not in self._compiled:
            self._compiled[db] = self._compile(db)
        compiler, sql, init_list, populators, start, end = self._compiled[db]
        with connections[db].cursor() as cursor:
            cursor.execute(sql, [checksum])
            rows = cursor.fetchmany(1)
        for row in compiler.results_iter([rows]):  # applies the fields' converters
            token = model.from_db(db, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, token)
            return token
        return None


_token_lookup = _TokenLookup()


def _ip(request: Request) -> str | None:
    # oauthlib's headers are the Django request's META (django-oauth-toolkit copies it).
    return client_ip_from_meta(request.headers or {})


def _name(request: Request) -> str:
    resident = getattr(request.user, "resident", None)
    if resident is None:
        return ""
    full = resident.real_name
    return full if request.client.full_name_approved else mask_name(full)


def _phone(request: Request) -> str | None:
    phone = request.user.phone
    return phone.reveal() if phone is not None else None


def _community(request: Request) -> dict[str, str] | None:
    resident = getattr(request.user, "resident", None)
    if resident is None or resident.community is None:
        return None
    return {"code": resident.community.code, "name": resident.community.name}


# The published ``verification_level`` claim (0–3) that relying parties compare; it stays
# on its scale when internal levels are added, so ">= 2" still means "seen in person".
CLAIM_LEVEL = {
    VerificationLevel.REGISTERED: 0,
    VerificationLevel.ID_CHECKED: 1,
    VerificationLevel.REGISTRY_MATCHED: 1,
    VerificationLevel.IN_PERSON: 2,
    VerificationLevel.AUTHORITY: 3,
}


def _level(request: Request) -> int:
    return CLAIM_LEVEL[VerificationLevel(request.user.verification_level)]


def _acr(request: Request) -> str:
    return ACR_BY_LEVEL[VerificationLevel(request.user.verification_level)]


class ShequOAuth2Validator(OAuth2Validator):
    oidc_claim_scope = CLAIM_SCOPES

    def get_additional_claims(self, request: Request) -> dict[str, Any]:
        # Callables: a claim is computed (and a phone decrypted) only when its scope is granted.
        return {
            "name": _name,
            "phone_number": _phone,
            "community": _community,
            "verification_level": _level,
            "acr": _acr,
        }

    def _load_access_token(self, token: str) -> Any:
        # One query for userinfo: the token with its app, the account, the resident record and
        # the community joined (the claims read them), looked up by the token's SHA-256.
        return _token_lookup(hashlib.sha256(token.encode("utf-8")).hexdigest())

    def validate_code(
        self, client_id: str, code: str, client: Any, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        # As the toolkit's, with the resident and community joined: the ID token's claims
        # read them, so the code exchange needs no further query for them.
        grant = (
            get_grant_model()
            .objects.select_related("user__resident__community")
            .filter(code=code, application=client)
            .first()
        )
        if grant is None:
            # Used already? Then the code leaked: what its first use got is revoked.
            services.code_replay_revoke(app=client, code=code, ip=_ip(request))
            return False
        if grant.is_expired():
            return False
        request.scopes = grant.scope.split(" ")
        request.user = grant.user
        if grant.nonce:
            request.nonce = grant.nonce
        if grant.claims:
            request.claims = json.loads(grant.claims)
        return True

    def finalize_id_token(
        self, id_token: dict[str, Any], token: dict[str, Any], token_handler: Any, request: Request
    ) -> str:
        # The toolkit signs with the app's ``jwk_key``: hand it the current key, read once
        # per request (the first one is made on first use).
        request.client.jwk_key = services.signing_key_ensure().private_jwk()
        return str(super().finalize_id_token(id_token, token, token_handler, request))

    # --- prompt=none: the authorization view decides, it knows the session --------------
    def validate_silent_login(self, request: Request) -> bool:
        # An anonymous prompt=none request never gets this far with a session to check: the
        # toolkit answers login_required before validating for the view.
        return True

    def validate_silent_authorization(self, request: Request) -> bool:
        # Consent and the verification level are checked by ShequAuthorizationView, which
        # answers consent_required or interaction_required.
        return True

    def get_discovery_claims(self, request: Any) -> list[str]:
        return list(CLAIM_SCOPES)

    def get_oidc_claims(self, token: Any, token_handler: Any, request: Request) -> dict[str, Any]:
        claims = super().get_oidc_claims(token, token_handler, request)
        return {key: value for key, value in claims.items() if value not in (None, "")}

    # --- client secrets: PBKDF2 once, then a short-lived cache of the good answer ----------
    def _check_secret(self, provided_secret: str, stored_secret: str) -> bool:
        # Secrets are 128 random characters, so the slow hash protects nothing on a repeat
        # check of the same pair; it is kept for the first check and for every wrong secret.
        # The stored hash is in the key, so rotating the secret invalidates it at once.
        digest = hashlib.sha256(f"{stored_secret}\0{provided_secret}".encode()).hexdigest()
        key = f"sso:secret-ok:{digest}"
        if cache.get(key):
            return True
        ok = bool(super()._check_secret(provided_secret, stored_secret))
        if ok:
            cache.set(key, True, timeout=SECRET_CHECK_CACHE_SECONDS)
        return ok

    # --- consent and audit -----------------------------------------------------------------
    def save_authorization_code(
        self, client_id: str, code: dict[str, Any], request: Request, *args: Any, **kwargs: Any
    ) -> None:
        super().save_authorization_code(client_id, code, request, *args, **kwargs)
        services.consent_record(user=request.user, app=request.client, scopes=request.scopes)

    def _save_bearer_token(
        self, token: dict[str, Any], request: Request, *args: Any, **kwargs: Any
    ) -> Any:
        result = super()._save_bearer_token(token, request, *args, **kwargs)
        if request.grant_type == "authorization_code":
            try:
                services.code_redemption_record(
                    app=request.client,
                    user=request.user,
                    code=request.code,
                    access_token=token["access_token"],
                    refresh_token=str(token.get("refresh_token") or ""),
                )
            except DomainError as error:  # the same code exchanged twice at once
                raise oauth2_errors.InvalidGrantError(request=request) from error
        verb = {
            "refresh_token": "sso.token_refreshed",
            "client_credentials": "sso.machine_token_issued",
        }.get(request.grant_type, "sso.token_issued")
        services.token_event_record(
            user=request.user,
            app=request.client,
            verb=verb,
            scopes=str(token.get("scope", "")),
            ip=_ip(request),
        )
        return result

    def _create_access_token(
        self, expires: Any, request: Request, token: dict[str, Any], *args: Any, **kwargs: Any
    ) -> Any:
        if request.grant_type == "client_credentials":
            # The toolkit stores such tokens without an account; ours act as the app's
            # service account, so the API applies the department's permissions unchanged.
            request.user = request.client.service_account
        return super()._create_access_token(expires, request, token, *args, **kwargs)

    def revoke_token(
        self, token: str, token_type_hint: str, request: Request, *args: Any, **kwargs: Any
    ) -> None:
        app_pk = getattr(request.client, "pk", None)
        checksum = hashlib.sha256(token.encode()).hexdigest()
        owners: list[User | None] = []
        if app_pk is not None:
            for model in (get_access_token_model(), get_refresh_token_model()):
                owners.extend(
                    row.user
                    for row in model.objects.select_related("user").filter(
                        token_checksum=checksum, application_id=app_pk
                    )
                )
        super().revoke_token(token, token_type_hint, request, *args, **kwargs)
        for user in dict.fromkeys(owners):
            services.token_event_record(
                user=user, app=request.client, verb="sso.token_revoked", ip=_ip(request)
            )

    # --- key rotation: find the key by the token's kid, retired keys included --------------
    def _get_key_for_token(self, token: str) -> jwk.JWK | None:
        unverified = jws.JWS()
        unverified.deserialize(token)
        try:
            header = json.loads(unverified.objects["protected"])
        except (KeyError, ValueError, JWException):
            return None
        if header.get("alg") != "RS256":
            return None
        key = signing_key_by_kid(str(header.get("kid", "")))
        return key.private_jwk() if key is not None else None
