"""The OpenID Connect endpoints: the toolkit's views with our consent, level gate, keys,
rate limit and audit. Mounted under /o/ (see ``oidc_urls.py``)."""

import json
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views import (
    AuthorizationView,
    ConnectDiscoveryInfoView,
    IntrospectTokenView,
    JwksInfoView,
    OAuthServerMetadataView,
    RPInitiatedLogoutView,
    TokenView,
    UserInfoView,
)
from oauth2_provider.views.oidc import _load_id_token, _validate_claims
from oauthlib.common import Request as OAuthlibRequest
from oauthlib.common import urlencode as oauthlib_urlencode
from oauthlib.oauth2.rfc6749 import errors as oauth2_errors

from shequ.core.services import client_ip
from shequ.people.models import User, VerificationLevel
from shequ.sso import services
from shequ.sso.assurance import ACR_BY_LEVEL, AcrRequest, acr_request
from shequ.sso.models import DepartmentApp
from shequ.sso.scopes import SCOPE_DESCRIPTIONS
from shequ.sso.selectors import (
    consent_active,
    signing_keys_published,
    token_introspectable_by,
)

# Authorization requests whose consent page was shown, by app and PKCE challenge: the
# consent form's answer is checked against what the request asked for, not against
# what the form (which the browser can change) says. A few per session at most.
PENDING_SESSION_KEY = "sso_pending_authorizations"
PENDING_KEEP = 10


def with_issuer(uri: str, issuer: str) -> str:
    """The redirect URI with the ``iss`` authorization-response parameter (RFC 9207), once."""
    parts = urlsplit(uri)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "iss"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("iss", issuer)])))


class ShequAuthorizationView(AuthorizationView):
    """Consent screen in the resident's language; remembered consent; minimum level gate."""

    template_name = "sso/authorize.html"

    def redirect(self, redirect_to: str, application: Any) -> HttpResponse:
        # Every answer to the app's redirect URI, errors included, names the issuer (RFC 9207)
        # so a client talking to several providers can tell which one answered.
        issuer = oauth2_settings.oauth2_authorization_server_issuer(self.request)
        return super().redirect(with_issuer(redirect_to, issuer), application)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        app = DepartmentApp.objects.select_related("department").get(
            client_id=credentials["client_id"]
        )
        if credentials.get("code_challenge_method") != "S256":
            # PKCE is required, and only with S256 (RFC 9700 §2.1.1): refuse before consent.
            return self._refuse(
                app,
                credentials,
                oauth2_errors.InvalidRequestError.error,
                'PKCE with code_challenge_method "S256" is required.',
            )
        for parameter in ("request", "request_uri"):
            if parameter in request.GET:
                # Request objects are not supported, and discovery says so.
                return self._refuse(
                    app,
                    credentials,
                    f"{parameter}_not_supported",
                    f"The {parameter} parameter is not supported.",
                )
        prompt = set(request.GET.get("prompt", "").split())
        # prompt=none: answer at once, without any page (OpenID Connect Core §3.1.2.6). The
        # anonymous case (login_required) is answered by the toolkit before this method.
        silent = "none" in prompt
        refused = self._authentication_check(app, credentials, prompt, silent=silent)
        if refused is not None:
            return refused
        acr = acr_request(request.GET.get("acr_values", ""), credentials.get("claims"))
        refused = self._level_gate(
            app, credentials, acr, back=request.get_full_path(), silent=silent
        )
        if refused is not None:
            return refused
        consent = consent_active(user=request.user, app=app)  # type: ignore[arg-type]
        if consent is not None and consent.covers(scopes) and not prompt & {"consent", "login"}:
            if isinstance(credentials.get("ui_locales"), list):
                credentials["ui_locales"] = " ".join(credentials["ui_locales"])
            try:
                uri, _headers, _body, _status = self.create_authorization_response(
                    request=request, scopes=" ".join(scopes), credentials=credentials, allow=True
                )
            except OAuthToolkitError as error:
                return self.error_response(error, app)
            return self.redirect(uri, app)
        if silent:
            return self._refuse(
                app, credentials, "consent_required", "The resident has not consented yet."
            )
        self._remember_pending(credentials, acr)
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        client_id = request.POST.get("client_id", "")
        app = DepartmentApp.objects.filter(client_id=client_id).first()
        pending = self._take_pending(client_id, request.POST.get("code_challenge", ""))
        if app is None or pending is None:
            # Not the answer to a consent page shown in this session (or answered already).
            error = {
                "error": "invalid_request",
                "description": _("This sign-in request has expired. Start again from the app."),
            }
            return render(request, self.template_name, {"error": error}, status=400)
        acr = AcrRequest(
            level=None if pending["level"] is None else VerificationLevel(pending["level"]),
            unmeetable=pending["unmeetable"],
        )
        refused = self._level_gate(app, pending, acr, back="", silent=False)
        if refused is not None:
            return refused
        return super().post(request, *args, **kwargs)

    def _authentication_check(
        self, app: DepartmentApp, credentials: dict[str, Any], prompt: set[str], *, silent: bool
    ) -> HttpResponse | None:
        """None when the signed-in session may answer this request as it is; otherwise a
        fresh sign-in or an error to the app (OpenID Connect Core §3.1.2.1).

        ``prompt=login`` and a ``max_age`` older than the session's sign-in need a new
        sign-in; an ``id_token_hint`` naming someone else is ``login_required``.
        """
        request = self.request
        user: User = request.user
        hint = request.GET.get("id_token_hint", "")
        if hint:
            id_token, claims = _load_id_token(hint)
            if id_token is None or not _validate_claims(request, claims):
                return self._refuse(
                    app,
                    credentials,
                    oauth2_errors.InvalidRequestError.error,
                    "The id_token_hint is not an ID token this provider issued.",
                )
            if id_token.user_id != user.pk:
                return self._refuse(
                    app,
                    credentials,
                    "login_required",
                    "The signed-in resident is not the one the id_token_hint names.",
                )
        raw_max_age = request.GET.get("max_age")
        too_old = False
        if raw_max_age is not None:
            if not raw_max_age.isascii() or not raw_max_age.isdigit():
                return self._refuse(
                    app,
                    credentials,
                    oauth2_errors.InvalidRequestError.error,
                    "max_age must be a whole number of seconds.",
                )
            signed_in = user.last_login
            too_old = signed_in is None or (
                (timezone.now() - signed_in).total_seconds() > int(raw_max_age)
            )
        if not too_old and "login" not in prompt:
            return None
        if silent:
            return self._refuse(
                app, credentials, "login_required", "The resident must sign in again."
            )
        # A new sign-in, then back here without what asked for it: the fresh sign-in
        # satisfies both, and max_age=0 would otherwise ask again for ever.
        query = [
            (key, value)
            for key, value in parse_qsl(request.GET.urlencode(), keep_blank_values=True)
            if key not in {"prompt", "max_age"}
        ]
        remaining = " ".join(sorted(prompt - {"login"}))
        if remaining:
            query.append(("prompt", remaining))
        logout(request)
        return redirect_to_login(f"{request.path}?{urlencode(query)}")

    def _remember_pending(self, credentials: dict[str, Any], acr: AcrRequest) -> None:
        session = self.request.session
        pending = dict(session.get(PENDING_SESSION_KEY, {}))
        key = f"{credentials['client_id']} {credentials.get('code_challenge', '')}"
        pending.pop(key, None)
        pending[key] = {
            "level": None if acr.level is None else int(acr.level),
            "unmeetable": acr.unmeetable,
            "redirect_uri": credentials["redirect_uri"],
            "state": credentials.get("state"),
        }
        session[PENDING_SESSION_KEY] = dict(list(pending.items())[-PENDING_KEEP:])

    def _take_pending(self, client_id: str, code_challenge: str) -> dict[str, Any] | None:
        session = self.request.session
        pending = dict(session.get(PENDING_SESSION_KEY, {}))
        entry = pending.pop(f"{client_id} {code_challenge}", None)
        if entry is not None:
            session[PENDING_SESSION_KEY] = pending
        return entry

    def _refuse(
        self, app: DepartmentApp, credentials: dict[str, Any], error: str, description: str
    ) -> HttpResponse:
        """Send an OAuth error to the app's (validated) redirect URI, with its state."""
        oauth_error = oauth2_errors.CustomOAuth2Error(
            error=error, description=description, state=credentials.get("state")
        )
        return self.error_response(
            OAuthToolkitError(error=oauth_error, redirect_uri=credentials["redirect_uri"]), app
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        app: DepartmentApp | None = context.get("application")
        items = []
        for scope in context.get("scopes", []):
            if scope == "profile" and app is not None:
                text = (
                    _("Your full real name")
                    if app.full_name_approved
                    else _("Your name, partly hidden (for example 张*)")
                )
            else:
                text = str(SCOPE_DESCRIPTIONS.get(scope, scope))
            items.append(text)
        context["data_items"] = items
        return context

    def _level_gate(
        self,
        app: DepartmentApp,
        credentials: dict[str, Any],
        acr: AcrRequest,
        *,
        back: str,
        silent: bool,
    ) -> HttpResponse | None:
        """None when the resident's verification level is enough for the app and for the
        ``acr`` the request asked for; otherwise the step up (the real-name check, then back
        here), the "higher level needed" page, or an error to the app: never a token that
        claims less than was asked for.
        """
        user: User = self.request.user
        level = VerificationLevel(user.verification_level)
        if acr.unmeetable:
            return self._refuse(
                app,
                credentials,
                "unmet_authentication_requirements",
                "No requested acr value is offered by this provider.",
            )
        needed = max(app.min_level, acr.level if acr.level is not None else app.min_level)
        if level >= needed:
            return None
        # The real-name check is the one step up a resident can take online.
        step_up = level == VerificationLevel.REGISTERED and needed == VerificationLevel.ID_CHECKED
        below_app = level < app.min_level
        if silent:
            error = "interaction_required" if step_up or below_app else None
            return self._refuse(
                app,
                credentials,
                error or "unmet_authentication_requirements",
                "The resident's verification level is below the one required.",
            )
        id_check_url = reverse("people:id_check")
        if back:
            id_check_url += "?" + urlencode({"next": back})
        if step_up:
            return redirect(id_check_url)
        if not below_app:
            # Only this request asks for more than the resident can reach here.
            return self._refuse(
                app,
                credentials,
                "unmet_authentication_requirements",
                "The resident's verification level is below the requested acr.",
            )
        return render(
            self.request,
            "sso/level_required.html",
            {
                "application": app,
                "required": VerificationLevel(needed),
                "level": level,
                "levels": VerificationLevel,
                "id_check_url": id_check_url,
                "back": back,
            },
            status=403,
        )


class RateLimitedTokenView(TokenView):
    """The token endpoint, limited per client address (a brute-force brake on codes)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limit = settings.SHEQU_SSO_TOKEN_RATE_PER_MINUTE
        window = int(time.time() // 60)
        key = f"sso:token:{client_ip(request)}:{window}"
        cache.add(key, 0, timeout=70)
        try:
            count = cache.incr(key)
        except ValueError:
            count = 1
        if count > limit:
            response = JsonResponse(
                {
                    "error": "slow_down",
                    "error_description": "Too many token requests; retry after a minute.",
                },
                status=429,
            )
            response["Retry-After"] = str(60 - int(time.time()) % 60)
            response["Cache-Control"] = "no-store"
            return response
        return super().post(request, *args, **kwargs)


class ClientIntrospectView(IntrospectTokenView):
    """Token introspection (RFC 7662) for confidential apps with their own credentials.

    An app learns about its own tokens only; a resource server (``introspects_tokens``) about
    any. Another app's token answers ``{"active": false}``, like an unknown one.
    """

    http_method_names = ["post", "options"]
    caller: DepartmentApp | None = None

    def authenticate_client(self, request: HttpRequest) -> bool:
        core = self.get_oauthlib_core()
        oauth_request = OAuthlibRequest(
            request.build_absolute_uri(),
            http_method=request.method,
            body=oauthlib_urlencode(core.extract_body(request)),
            headers=core.extract_headers(request),
        )
        if not core.server.request_validator.authenticate_client(oauth_request):
            return False
        client = oauth_request.client
        if client.client_type != DepartmentApp.CLIENT_CONFIDENTIAL or not client.is_active:
            return False  # a public app has no secret to prove who asks
        self.caller = client
        return True

    def verify_request(self, request: HttpRequest) -> tuple[bool, Any]:
        return False, None  # no bearer-token access: only an app's own credentials

    def unauthenticated_response(
        self, request: HttpRequest, oauthlib_request: Any = None
    ) -> HttpResponse:
        response = JsonResponse({"error": "invalid_client"}, status=401)
        response["WWW-Authenticate"] = 'Basic realm="shequ"'
        return response

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = request.POST.get("token")
        if token is None:
            return self.get_token_response(None)  # 400 invalid_request
        if self.caller is None or not token_introspectable_by(caller=self.caller, token=token):
            return JsonResponse({"active": False})
        return self.get_token_response(token)


class BearerUserInfoView(UserInfoView):
    """UserInfo with the access token in the Authorization header or a POSTed form body
    (RFC 6750 §2.1, §2.2), never in the query string, where logs and Referer headers keep it.
    """

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "access_token" in request.GET:
            description = "Send the access token in the Authorization header, not the URL."
            response = JsonResponse(
                {"error": "invalid_request", "error_description": description}, status=400
            )
            response["WWW-Authenticate"] = (
                f'Bearer error="invalid_request", error_description="{description}"'
            )
            response["Cache-Control"] = "no-store"
            return response
        return super().dispatch(request, *args, **kwargs)


# Request objects (OpenID Connect Core §6) are not supported. Said outright: a missing
# request_uri_parameter_supported means true (OpenID Connect Discovery §3).
NO_REQUEST_OBJECTS = {
    "request_parameter_supported": False,
    "request_uri_parameter_supported": False,
}


class DiscoveryView(ConnectDiscoveryInfoView):
    """OpenID Provider metadata: RS256 from our key table, acr values and end session."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        data = json.loads(response.content)
        data["id_token_signing_alg_values_supported"] = ["RS256"]
        data["acr_values_supported"] = list(ACR_BY_LEVEL.values())
        data["grant_types_supported"] = [
            "authorization_code",
            "refresh_token",
            "client_credentials",
        ]
        data["response_modes_supported"] = ["query"]
        data["claim_types_supported"] = ["normal"]
        data["revocation_endpoint"] = request.build_absolute_uri(
            reverse("oauth2_provider:revoke-token")
        )
        data["revocation_endpoint_auth_methods_supported"] = data[
            "token_endpoint_auth_methods_supported"
        ]
        data["ui_locales_supported"] = ["zh-CN", "en"]
        data["prompt_values_supported"] = ["none", "login", "consent"]
        data.update(NO_REQUEST_OBJECTS)
        out = JsonResponse(data)
        out["Access-Control-Allow-Origin"] = "*"
        out["Cache-Control"] = "public, max-age=300"
        return out


class ServerMetadataView(OAuthServerMetadataView):
    """OAuth 2.0 authorization server metadata (RFC 8414), in step with OpenID discovery."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        data = json.loads(response.content)
        data.update(NO_REQUEST_OBJECTS)
        out = JsonResponse(data)
        for header in ("Access-Control-Allow-Origin", "Cache-Control"):
            if header in response:
                out[header] = response[header]
        return out


class JwksView(JwksInfoView):
    """The JSON Web Key Set: the current key and retired keys whose tokens may be alive."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        services.signing_key_ensure()  # a fresh install publishes its first key at once
        keys = [key.public_document() for key in signing_keys_published()]
        response = JsonResponse({"keys": keys})
        response["Access-Control-Allow-Origin"] = "*"
        response["Cache-Control"] = f"public, max-age={oauth2_settings.OIDC_JWKS_MAX_AGE_SECONDS}"
        return response


class AuditedLogoutView(RPInitiatedLogoutView):
    """RP-initiated logout; the tokens it deletes are trailed as a logout."""

    template_name = "sso/logout_confirm.html"

    def do_logout(
        self,
        application: Any = None,
        post_logout_redirect_uri: Any = None,
        state: Any = None,
        token_user: Any = None,
    ) -> HttpResponse:
        user = token_user or self.request.user
        if application is not None and getattr(user, "is_authenticated", False):
            services.token_event_record(
                user=user, app=application, verb="sso.logout", ip=client_ip(self.request)
            )
        return super().do_logout(application, post_logout_redirect_uri, state, token_user)
