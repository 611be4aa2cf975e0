"""Who calls /api/v1/: a browser session (with CSRF) or an OAuth 2 bearer token of ours.

A token acts as its account: a resident's or staff member's token from single sign-on as
that person, a department system's client-credentials token as the app's service account
(department staff of its department). The pages' permission checks then apply unchanged;
the token's scopes only narrow them: ``api:read`` for GET and HEAD, ``api:write`` for the
rest. Calls are counted per account and per app (``SHEQU_API_RATE_*`` settings).
"""

import hashlib
import math
import time
from abc import ABC, abstractmethod
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import Throttled
from ninja.security import django_auth
from ninja.security.base import AuthBase
from ninja.throttling import BaseThrottle
from oauth2_provider.models import get_access_token_model

from shequ.core.api import problem
from shequ.sso.models import API_READ, API_WRITE

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_URL = "/o/token/"  # noqa: S105 - an address, not a secret
AUTHORIZATION_URL = "/o/authorize/"
RATE_WINDOW_SECONDS = 60
# In the OpenAPI document, which stays English whatever the server's language.
OPENAPI_SCOPES = {
    API_READ: "GET and HEAD calls, with the permissions of the token's account",
    API_WRITE: "POST, PUT, PATCH and DELETE calls, with the permissions of the token's account",
}


class InvalidToken(Exception):
    """A bearer token we do not know, or one expired, revoked or of a disabled app."""


class InsufficientScope(Exception):
    """A valid token without the scope the operation needs."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__(scope)


def scope_for(method: str) -> str:
    return API_READ if method.upper() in READ_METHODS else API_WRITE


def _access_token(raw: str) -> Any:
    # Tokens are stored by SHA-256 (RFC 9700 token storage); the account and app come along.
    checksum = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    return (
        get_access_token_model()
        .objects.select_related("application", "user")
        .filter(token_checksum=checksum)
        .first()
    )


class OAuth2Bearer(AuthBase):
    """``Authorization: Bearer <access token>`` issued by our provider (/o/token/)."""

    openapi_type = "oauth2"
    openapi_description = (
        "Access tokens of shequ's own OAuth 2 provider, sent as `Authorization: Bearer`. "
        "Department systems use client credentials (an app with machine access acts as its "
        "department's staff); department apps signing people in use the authorization code "
        "flow with PKCE (the token acts as that person). GET needs `api:read`, every other "
        "method `api:write`; a missing scope answers 403, an unknown, expired or revoked "
        "token 401."
    )
    openapi_flows = {
        "clientCredentials": {
            "tokenUrl": TOKEN_URL,
            "scopes": OPENAPI_SCOPES,
        },
        "authorizationCode": {
            "authorizationUrl": AUTHORIZATION_URL,
            "tokenUrl": TOKEN_URL,
            "scopes": OPENAPI_SCOPES,
        },
    }

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() != "bearer":
            return None  # no token: the session may still sign the call
        return self.authenticate(request, raw.strip())

    def authenticate(self, request: HttpRequest, raw: str) -> Any:
        token = _access_token(raw) if raw else None
        if (
            token is None
            or token.is_expired()
            or token.user is None
            or not token.user.is_active
            or token.application is None
            or not token.application.is_active
        ):
            raise InvalidToken
        needed = scope_for(request.method or "GET")
        if needed not in token.scope.split():
            raise InsufficientScope(needed)
        # The API's operations read ``request.user`` as the session would have set it.
        request.user = token.user
        request.api_client_id = token.application.client_id  # type: ignore[attr-defined]
        return token.user


# Bearer first: the session's CSRF check refuses a POST before looking at any token.
# ``django_auth`` is the session cookie; unsafe methods need the X-CSRFToken header.
API_AUTH = [OAuth2Bearer(), django_auth]


def _anyone(request: HttpRequest) -> bool:
    return True


# Public reads whose answer depends on who asks (the site search): a token or a session
# widens it to what that person or department may see; nobody gets the public part. A token
# that is sent but dead still gets a 401, never a silently narrower answer.
PUBLIC_OR_SIGNED_IN = [OAuth2Bearer(), django_auth, _anyone]


# --- Throttling ----------------------------------------------------------------------------


class _PerMinute(BaseThrottle, ABC):
    """At most N calls a minute per key, counted in the shared cache (one fixed window per
    minute, so every machine behind the load balancer counts together)."""

    setting = ""
    kind = ""
    clock = staticmethod(time.time)

    @abstractmethod
    def key_of(self, request: HttpRequest) -> str | None:
        """Whose calls are counted together; None: this throttle does not apply."""

    def allow_request(self, request: HttpRequest) -> bool:
        ident = self.key_of(request)
        if ident is None:
            return True
        window = int(self.clock() // RATE_WINDOW_SECONDS)
        key = f"api-rate:{self.kind}:{ident}:{window}"
        cache.add(key, 0, timeout=RATE_WINDOW_SECONDS + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=RATE_WINDOW_SECONDS + 5)
            count = 1
        return bool(count <= int(getattr(settings, self.setting)))

    def wait(self) -> float:
        # Until the current window closes; the same for every caller of this window.
        return float(math.ceil(RATE_WINDOW_SECONDS - self.clock() % RATE_WINDOW_SECONDS))


class PerUserThrottle(_PerMinute):
    setting = "SHEQU_API_RATE_PER_USER_PER_MINUTE"
    kind = "user"

    def key_of(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        return str(user.pk) if user is not None and user.is_authenticated else None


class PerClientThrottle(_PerMinute):
    setting = "SHEQU_API_RATE_PER_CLIENT_PER_MINUTE"
    kind = "client"

    def key_of(self, request: HttpRequest) -> str | None:
        client_id = getattr(request, "api_client_id", None)
        return str(client_id) if client_id else None


API_THROTTLES: list[BaseThrottle] = [PerUserThrottle(), PerClientThrottle()]


# --- Problems ------------------------------------------------------------------------------


def install_token_handlers(api: NinjaAPI) -> None:
    """401, 403 and 429 problems for bearer callers (after ``install_problem_handlers``)."""

    @api.exception_handler(InvalidToken)
    def invalid_token(request: HttpRequest, exc: InvalidToken) -> HttpResponse:
        response = problem(
            api,
            request,
            status=401,
            code="invalid_token",
            title=_("The access token is unknown, expired or revoked: get a new one."),
        )
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response

    @api.exception_handler(InsufficientScope)
    def insufficient_scope(request: HttpRequest, exc: InsufficientScope) -> HttpResponse:
        response = problem(
            api,
            request,
            status=403,
            code="insufficient_scope",
            title=_("The access token lacks the scope %(scope)s for this call.")
            % {"scope": exc.scope},
            scope=exc.scope,
        )
        response["WWW-Authenticate"] = f'Bearer error="insufficient_scope", scope="{exc.scope}"'
        return response

    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        wait = max(1, math.ceil(exc.wait or RATE_WINDOW_SECONDS))
        response = problem(
            api,
            request,
            status=429,
            code="rate_limited",
            title=_("Too many requests: try again in %(seconds)s seconds.") % {"seconds": wait},
        )
        response["Retry-After"] = str(wait)
        return response


def document_scopes(schema: dict[str, Any]) -> dict[str, Any]:
    """Name in the OpenAPI document the scope each operation needs from a bearer token."""
    name = OAuth2Bearer.__name__
    for path in schema.get("paths", {}).values():
        for method, operation in path.items():
            if not isinstance(operation, dict):
                continue
            for requirement in operation.get("security", []):
                if name in requirement:
                    requirement[name] = [scope_for(method)]
    return schema
