"""Department apps (部门应用) that sign residents in, their consents and our signing keys."""

import json
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _
from jwcrypto import jwk
from oauth2_provider.models import AbstractApplication

from shequ.core.pii import decrypt
from shequ.people.models import Department, VerificationLevel

# Loopback IP literals a native app's redirect URI may use (not "localhost", RFC 8252 §8.3).
LOOPBACK_HOSTS = ("127.0.0.1", "::1")

# The scopes a department app may be allowed; ``openid`` is always among them.
# ``api:read`` and ``api:write`` let its tokens call /api/v1/: GET and HEAD need the first,
# every other method the second; what the caller then sees is its account's permissions.
API_READ = "api:read"
API_WRITE = "api:write"
API_SCOPES = (API_READ, API_WRITE)
SCOPES = ("openid", "profile", "phone", "community", "verification", *API_SCOPES)


class DepartmentApp(AbstractApplication):
    """An OpenID Connect client owned by a department (the toolkit's Application, swapped)."""

    # Annotated: the toolkit's base model is untyped, so django-stubs cannot infer these.
    department: "models.ForeignKey[Department | None, Department | None]" = models.ForeignKey(
        Department,
        verbose_name=_("owner department"),
        on_delete=models.PROTECT,
        related_name="sso_apps",
        null=True,
    )
    allowed_scopes: "models.CharField[str, str]" = models.CharField(
        _("allowed scopes"), max_length=200, default="openid"
    )
    min_level: "models.PositiveSmallIntegerField[int, int]" = models.PositiveSmallIntegerField(
        _("minimum verification level"),
        choices=VerificationLevel.choices,
        default=VerificationLevel.REGISTERED,
    )
    # Approved by the city to receive the resident's full real name; others get it masked.
    full_name_approved: "models.BooleanField[bool, bool]" = models.BooleanField(
        _("approved for the full name"), default=False
    )
    # A resource server (a department's API) may introspect tokens held by other apps; any
    # other app only its own.
    introspects_tokens: "models.BooleanField[bool, bool]" = models.BooleanField(
        _("resource server (introspects other apps' tokens)"), default=False
    )
    # A native app that listens on an ephemeral loopback port (RFC 8252 §7.3) opts in to
    # any port on its registered http://127.0.0.1 or http://[::1] redirect URIs.
    loopback_any_port: "models.BooleanField[bool, bool]" = models.BooleanField(
        _("any port on loopback redirect URIs"), default=False
    )
    # Client credentials (machine access): a confidential app's own system calls the API as
    # the department, through its service account (a department-staff account of its own).
    machine_access: "models.BooleanField[bool, bool]" = models.BooleanField(
        _("machine access (client credentials)"), default=False
    )
    service_account: "models.OneToOneField[Any, Any]" = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("service account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sso_service_app",
    )
    is_active: "models.BooleanField[bool, bool]" = models.BooleanField(_("active"), default=True)
    secret_rotated_at: "models.DateTimeField[Any, Any]" = models.DateTimeField(
        _("secret rotated at"), null=True, blank=True
    )

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        verbose_name = _("department app")
        verbose_name_plural = _("department apps")
        ordering = ["name"]

    def scope_list(self) -> list[str]:
        granted = set(self.allowed_scopes.split()) | {"openid"}
        return [scope for scope in SCOPES if scope in granted]

    def is_usable(self, request: Any) -> bool:
        return self.is_active

    def allows_grant_type(self, *grant_types: str) -> bool:
        # The toolkit keeps one grant type per app; ours also takes client credentials when
        # an administrator turned machine access on (confidential apps only).
        if self.authorization_grant_type in grant_types:
            return True
        return (
            self.GRANT_CLIENT_CREDENTIALS in grant_types
            and self.machine_access
            and self.client_type == self.CLIENT_CONFIDENTIAL
            and self.service_account_id is not None
        )

    def redirect_uri_allowed(self, uri: str) -> bool:
        return uri_registered(
            uri, self.redirect_uris.split(), any_loopback_port=self.loopback_any_port
        )

    def post_logout_redirect_uri_allowed(self, uri: str) -> bool:
        return uri_registered(
            uri, self.post_logout_redirect_uris.split(), any_loopback_port=self.loopback_any_port
        )

    @cached_property
    def jwk_key(self) -> jwk.JWK:
        """The current RS256 signing key (the toolkit signs ID tokens with it).

        The token validator sets it before signing, making the first key on first use
        (``services.signing_key_ensure``); read here otherwise. Cached: the app object lives
        for one request, so a rotation takes effect on the next one.
        """
        key = SigningKey.objects.filter(retired_at__isnull=True).first()
        if key is None:
            raise ImproperlyConfigured("No signing key yet: run manage.py sso_rotate_signing_key.")
        return key.private_jwk()


def uri_registered(uri: str, registered: list[str], *, any_loopback_port: bool) -> bool:
    """Whether ``uri`` is one of the registered URIs, compared as plain strings (OpenID
    Connect Core §3.1.2.1, RFC 9700 §2.1). With ``any_loopback_port``, an http URI on a
    loopback address may differ from a registered one in its port alone (RFC 8252 §7.3).
    """
    if uri in registered:
        return True
    if not any_loopback_port:
        return False
    asked = _loopback_parts(uri)
    return asked is not None and any(_loopback_parts(known) == asked for known in registered)


def _loopback_parts(uri: str) -> tuple[str, str, str, str] | None:
    """Host, path, query and fragment of an http loopback URI without credentials."""
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS or "@" in parts.netloc:
        return None
    return parts.hostname, parts.path, parts.query, parts.fragment


class SigningKey(models.Model):
    """An RSA key for ID tokens. Retired keys stay published until their tokens expire."""

    kid = models.CharField(max_length=64, unique=True)
    # PEM of the private key, encrypted with the PII Fernet keys (rotate_pii_keys re-encrypts).
    private_key = models.TextField()
    public_jwk = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    published_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.kid

    def private_jwk(self) -> jwk.JWK:
        return _jwk_from_ciphertext(self.private_key)

    def public_document(self) -> dict[str, Any]:
        return {"alg": "RS256", "use": "sig", "kid": self.kid, **self.public_jwk}


@lru_cache(maxsize=8)
def _jwk_from_ciphertext(ciphertext: str) -> jwk.JWK:
    # Parsing and decrypting an RSA key costs milliseconds; the ciphertext identifies it.
    return jwk.JWK.from_pem(decrypt(ciphertext).encode())


class Consent(models.Model):
    """A resident's remembered consent (授权) for one app; revoking it revokes its tokens."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_consents"
    )
    app = models.ForeignKey(DepartmentApp, on_delete=models.CASCADE, related_name="consents")
    scopes = models.CharField(_("scopes"), max_length=200)
    granted_at = models.DateTimeField(_("granted at"))
    last_used_at = models.DateTimeField(_("last used at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "app"],
                condition=models.Q(revoked_at__isnull=True),
                name="sso_one_active_consent_per_app",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.app_id}"

    def covers(self, scopes: list[str]) -> bool:
        return set(scopes) <= set(self.scopes.split())


class RedeemedCode(models.Model):
    """An authorization code already exchanged for tokens, kept by its SHA-256 so that a
    second use revokes what the first one got (RFC 6749 §4.1.2)."""

    code_checksum = models.CharField(max_length=64, unique=True)
    app = models.ForeignKey(DepartmentApp, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The tokens the code bought, by SHA-256 (what the toolkit stores too); the refresh
    # token's row outlives its rotation, so its family finds every later token as well.
    access_token_checksum = models.CharField(max_length=64)
    refresh_token_checksum = models.CharField(max_length=64, blank=True)
    redeemed_at = models.DateTimeField(db_index=True)
    replayed_at = models.DateTimeField(null=True, blank=True)

    # Declared: mypy's Django plugin may load the models of another checkout of the project.
    objects: "models.Manager[RedeemedCode]" = models.Manager()

    def __str__(self) -> str:
        return f"redeemed code {self.code_checksum[:8]}…"


def public_jwk_of(key: jwk.JWK) -> dict[str, Any]:
    return dict(json.loads(key.export_public()))
