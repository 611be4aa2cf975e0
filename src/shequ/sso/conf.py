"""Settings of the OpenID Connect provider (django-oauth-toolkit), read by ``config.settings``.

Kept here so the provider's policy sits beside its code. No Django imports: settings load it.
"""

from typing import Any

from shequ.config.env import env, is_production

# Exact redirect URIs, PKCE with S256 only, refresh tokens rotated with replay detection,
# tokens stored hashed, and the RFC 9700 (OAuth 2.0 Security BCP) switches all on.
OAUTH2_PROVIDER: dict[str, Any] = {
    "OIDC_ENABLED": True,
    # Empty: the issuer is derived from the request (http://host/o). Set it behind a proxy.
    "OIDC_ISS_ENDPOINT": env.str("SSO_ISSUER", default=""),
    "OAUTH2_VALIDATOR_CLASS": "shequ.sso.validators.ShequOAuth2Validator",
    "SCOPES_BACKEND_CLASS": "shequ.sso.scopes.DepartmentAppScopes",
    "PKCE_REQUIRED": True,
    "ALLOW_URI_WILDCARDS": False,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("SSO_ACCESS_TOKEN_SECONDS", default=3600),
    "ID_TOKEN_EXPIRE_SECONDS": env.int("SSO_ID_TOKEN_SECONDS", default=3600),
    "REFRESH_TOKEN_EXPIRE_SECONDS": env.int("SSO_REFRESH_TOKEN_SECONDS", default=30 * 24 * 3600),
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    # client_credentials only for confidential apps an administrator gave machine access.
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token", "client_credentials"],
    "OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": [
        "client_secret_basic",
        "client_secret_post",
        "none",
    ],
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    # With a valid id_token_hint of the signed-in resident the logout needs no extra click.
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    "OIDC_RP_INITIATED_LOGOUT_ACCEPT_EXPIRED_TOKENS": True,
    "OIDC_RP_INITIATED_LOGOUT_DELETE_TOKENS": True,
    "REQUEST_APPROVAL_PROMPT": "force",
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    # Production: https redirect URIs only (manage.py check --deploy enforces it). On a
    # laptop, http stays allowed for loopback relying parties such as examples/sso_rp.
    "ALLOWED_REDIRECT_URI_SCHEMES": env.list(
        "SSO_REDIRECT_URI_SCHEMES", default=["https"] if is_production() else ["https", "http"]
    ),
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": is_production(),
}

# Token endpoint requests per client address per minute (429 beyond).
SHEQU_SSO_TOKEN_RATE_PER_MINUTE = env.int("SSO_TOKEN_RATE_PER_MINUTE", default=120)

# API calls per minute allowed to one account (a resident, a staff member, a department's
# service account), and to one department app over all the tokens it holds (429 beyond).
SHEQU_API_RATE_PER_USER_PER_MINUTE = env.int("API_RATE_PER_USER_PER_MINUTE", default=600)
SHEQU_API_RATE_PER_CLIENT_PER_MINUTE = env.int("API_RATE_PER_CLIENT_PER_MINUTE", default=3000)
