"""Scopes (授权范围) a department app may ask for, each with the data it releases."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from oauth2_provider.scopes import BaseScopes

from shequ.sso.models import API_SCOPES, SCOPES

SCOPE_DESCRIPTIONS = {
    "openid": _("Know it is you (an identifier for this app only)"),
    "profile": _("Your name"),
    "phone": _("Your mobile number"),
    "community": _("Your community (code and name)"),
    "verification": _("Your real-name verification level"),
    "api:read": _("Read through the API what your account may see"),
    "api:write": _("Act through the API as your account may act"),
}

# Which claims each scope releases (the toolkit filters claims by this map).
CLAIM_SCOPES = {
    "sub": "openid",
    "name": "profile",
    "phone_number": "phone",
    "community": "community",
    "verification_level": "verification",
    "acr": "verification",
}


class DepartmentAppScopes(BaseScopes):
    """An app may ask only for the scopes a system administrator allowed it."""

    def get_all_scopes(self) -> dict[str, str]:
        return {scope: str(SCOPE_DESCRIPTIONS[scope]) for scope in SCOPES}

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        if application is None:
            return list(SCOPES)
        return list(application.scope_list())

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        # A department system asking for no scope gets the API scopes it is allowed: an
        # OpenID scope means nothing to a token that signs no one in.
        if getattr(request, "grant_type", None) == "client_credentials" and application:
            allowed = [scope for scope in application.scope_list() if scope in API_SCOPES]
            return allowed or ["openid"]
        return ["openid"]
