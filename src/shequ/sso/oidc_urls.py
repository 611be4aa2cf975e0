"""The provider's endpoints under /o/ (namespace ``oauth2_provider``, as the toolkit expects)."""

from django.urls import path, re_path
from oauth2_provider import views as toolkit

from shequ.sso import endpoints

app_name = "oauth2_provider"
urlpatterns = [
    path("authorize/", endpoints.ShequAuthorizationView.as_view(), name="authorize"),
    path("token/", endpoints.RateLimitedTokenView.as_view(), name="token"),
    path("revoke_token/", toolkit.RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", endpoints.ClientIntrospectView.as_view(), name="introspect"),
    re_path(
        r"^\.well-known/openid-configuration/?$",
        endpoints.DiscoveryView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path(
        ".well-known/oauth-authorization-server",
        endpoints.ServerMetadataView.as_view(),
        name="oauth-server-metadata",
    ),
    path(".well-known/jwks.json", endpoints.JwksView.as_view(), name="jwks-info"),
    path("userinfo/", endpoints.BearerUserInfoView.as_view(), name="user-info"),
    path("logout/", endpoints.AuditedLogoutView.as_view(), name="rp-initiated-logout"),
]
