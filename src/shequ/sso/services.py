"""Writes of single sign-on: department apps, secrets, consents, token events, signing keys.

Every service runs in one transaction and leaves an ``AuditEvent``.
"""

import hashlib
from datetime import timedelta
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from jwcrypto import jwk
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import (
    clear_expired,
    get_access_token_model,
    get_id_token_model,
    get_refresh_token_model,
)
from oauth2_provider.settings import oauth2_settings

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.pii import encrypt
from shequ.core.scopes import Role
from shequ.core.services import audit_record
from shequ.people.models import Department, User, VerificationLevel
from shequ.people.services.staff import staff_role_grant
from shequ.sso.models import (
    SCOPES,
    Consent,
    DepartmentApp,
    RedeemedCode,
    SigningKey,
    public_jwk_of,
)
from shequ.sso.permissions import can_manage_apps
from shequ.sso.selectors import signing_key_current

# A retired key stays in the JWKS this long after the last token it signed can expire.
KEY_PUBLISH_MARGIN = timedelta(minutes=10)


def _require_admin(actor: User) -> None:
    if not can_manage_apps(actor):
        raise PermissionDenied(
            "sso.not_allowed", _("Only system administrators manage department apps.")
        )


def _clean_uris(raw: str, *, field: str, required: bool) -> str:
    """One absolute URI per line, exactly as the app will send it (no wildcards)."""
    uris = [line.strip() for line in raw.replace(" ", "\n").splitlines() if line.strip()]
    if required and not uris:
        raise DomainError("sso.redirect_uri_required", _("Give at least one URI."), field=field)
    schemes = set(oauth2_settings.ALLOWED_REDIRECT_URI_SCHEMES)
    for uri in uris:
        parts = urlsplit(uri)
        if parts.scheme not in schemes or not parts.netloc or parts.fragment or "*" in uri:
            raise DomainError(
                "sso.redirect_uri_invalid",
                _("%(uri)s is not a valid URI: use a full address without * or #."),
                field=field,
                uri=uri,
            )
    return " ".join(dict.fromkeys(uris))


def _clean_scopes(scopes: list[str]) -> str:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise DomainError(
            "sso.scope_unknown", _("Unknown scope: %(scope)s."), field="scopes", scope=unknown[0]
        )
    chosen = set(scopes) | {"openid"}
    return " ".join(scope for scope in SCOPES if scope in chosen)


def _department(department_id: int) -> Department:
    department = Department.objects.filter(pk=department_id, is_active=True).first()
    if department is None:
        raise DomainError(
            "sso.department_unknown", _("Choose an active department."), field="department"
        )
    return department


@transaction.atomic
def app_register(
    *,
    actor: User,
    name: str,
    department_id: int,
    redirect_uris: str,
    post_logout_redirect_uris: str = "",
    scopes: list[str],
    min_level: int = VerificationLevel.REGISTERED,
    confidential: bool = True,
    full_name_approved: bool = False,
    introspects_tokens: bool = False,
    loopback_any_port: bool = False,
    machine_access: bool = False,
    ip: str | None = None,
) -> tuple[DepartmentApp, str]:
    """Register a department's app. Returns it and its secret (shown once; "" if public).

    Raises: PermissionDenied (not a system administrator), DomainError (bad input).
    """
    _require_admin(actor)
    name = name.strip()
    if not name:
        raise DomainError("sso.name_required", _("Give the app a name."), field="name")
    if machine_access and not confidential:
        raise _public_machine_access()
    secret = generate_client_secret() if confidential else ""
    app = DepartmentApp(
        name=name[:255],
        department=_department(department_id),
        redirect_uris=_clean_uris(redirect_uris, field="redirect_uris", required=True),
        post_logout_redirect_uris=_clean_uris(
            post_logout_redirect_uris, field="post_logout_redirect_uris", required=False
        ),
        allowed_scopes=_clean_scopes(scopes),
        min_level=VerificationLevel(min_level),
        client_type=(
            DepartmentApp.CLIENT_CONFIDENTIAL if confidential else DepartmentApp.CLIENT_PUBLIC
        ),
        authorization_grant_type=DepartmentApp.GRANT_AUTHORIZATION_CODE,
        algorithm=DepartmentApp.RS256_ALGORITHM,
        client_secret=secret,
        hash_client_secret=True,
        full_name_approved=full_name_approved,
        introspects_tokens=introspects_tokens,
        loopback_any_port=loopback_any_port,
    )
    app.save()
    audit_record(
        actor=actor,
        verb="sso.app_registered",
        target=app,
        changes={
            "department": app.department_id,
            "scopes": app.allowed_scopes,
            "min_level": app.min_level,
            "client_type": app.client_type,
            "redirect_uris": app.redirect_uris,
            "introspects_tokens": app.introspects_tokens,
            "loopback_any_port": app.loopback_any_port,
            "machine_access": machine_access,
        },
        ip=ip,
    )
    _machine_access_set(actor=actor, app=app, enabled=machine_access, ip=ip)
    return app, secret


def _public_machine_access() -> DomainError:
    return DomainError(
        "sso.machine_access_public",
        _("Only a confidential app (one that keeps a secret) may have machine access."),
        field="machine_access",
    )


def _machine_access_set(*, actor: User, app: DepartmentApp, enabled: bool, ip: str | None) -> None:
    """Turn client credentials on or off; the service account follows (inside the caller's
    transaction). On: the app's own department-staff account is made, or made active again.
    Off: the account is deactivated and every token it holds is revoked at once.
    """
    account = app.service_account
    if enabled:
        if account is None:
            username = f"sso-app-{app.pk}"
            if User.objects.filter(username=username).exists():  # a person chose it first
                username = f"sso-app-{app.pk}-{app.client_id[:8]}"
            account = User(
                username=username,
                first_name=app.name[:150],
                is_active=True,
            )
            account.set_unusable_password()  # signs in with the client secret only
            account.save()
            app.service_account = account
            staff_role_grant(
                actor=actor,
                user=account,
                role=Role.DEPARTMENT_STAFF,
                department_id=app.department_id,
                ip=ip,
            )
        elif not account.is_active:
            account.is_active = True
            account.save(update_fields=["is_active"])
        app.machine_access = True
        app.save(update_fields=["service_account", "machine_access"])
        audit_record(
            actor=actor,
            verb="sso.machine_access_enabled",
            target=app,
            changes={"service_account": account.pk, "department": app.department_id},
            ip=ip,
        )
        return
    if not app.machine_access and account is None:
        return
    app.machine_access = False
    app.save(update_fields=["machine_access"])
    revoked = 0
    if account is not None:
        account.is_active = False
        account.save(update_fields=["is_active"])
        revoked = _revoke_tokens(user=account, app=app)
    audit_record(
        actor=actor,
        verb="sso.machine_access_disabled",
        target=app,
        changes={"tokens_revoked": revoked},
        ip=ip,
    )


@transaction.atomic
def app_update(
    *,
    actor: User,
    app_id: int,
    redirect_uris: str,
    post_logout_redirect_uris: str,
    scopes: list[str],
    min_level: int,
    full_name_approved: bool,
    is_active: bool,
    introspects_tokens: bool | None = None,
    loopback_any_port: bool | None = None,
    machine_access: bool | None = None,
    ip: str | None = None,
) -> DepartmentApp:
    """Change an app's URIs, scopes, level, roles or status (``None``: role unchanged).

    Raises: PermissionDenied, DomainError.
    """
    _require_admin(actor)
    app = DepartmentApp.objects.select_for_update().filter(pk=app_id).first()
    if app is None:
        raise NotFound("sso.app_not_found", _("No such app."))
    if machine_access and app.client_type != DepartmentApp.CLIENT_CONFIDENTIAL:
        raise _public_machine_access()
    before = {
        "redirect_uris": app.redirect_uris,
        "post_logout_redirect_uris": app.post_logout_redirect_uris,
        "scopes": app.allowed_scopes,
        "min_level": app.min_level,
        "full_name_approved": app.full_name_approved,
        "is_active": app.is_active,
        "introspects_tokens": app.introspects_tokens,
        "loopback_any_port": app.loopback_any_port,
    }
    app.redirect_uris = _clean_uris(redirect_uris, field="redirect_uris", required=True)
    app.post_logout_redirect_uris = _clean_uris(
        post_logout_redirect_uris, field="post_logout_redirect_uris", required=False
    )
    app.allowed_scopes = _clean_scopes(scopes)
    app.min_level = VerificationLevel(min_level)
    app.full_name_approved = full_name_approved
    app.is_active = is_active
    if introspects_tokens is not None:
        app.introspects_tokens = introspects_tokens
    if loopback_any_port is not None:
        app.loopback_any_port = loopback_any_port
    app.save()
    after = {
        "redirect_uris": app.redirect_uris,
        "post_logout_redirect_uris": app.post_logout_redirect_uris,
        "scopes": app.allowed_scopes,
        "min_level": app.min_level,
        "full_name_approved": app.full_name_approved,
        "is_active": app.is_active,
        "introspects_tokens": app.introspects_tokens,
        "loopback_any_port": app.loopback_any_port,
    }
    from shequ.core.services import changes_between

    audit_record(
        actor=actor,
        verb="sso.app_updated",
        target=app,
        changes=changes_between(before, after),
        ip=ip,
    )
    if machine_access is not None and machine_access != app.machine_access:
        _machine_access_set(actor=actor, app=app, enabled=machine_access, ip=ip)
    return app


@transaction.atomic
def app_rotate_secret(*, actor: User, app_id: int, ip: str | None = None) -> str:
    """Give a confidential app a new secret (shown once); the old one stops working at once.

    Raises: PermissionDenied, NotFound, DomainError (public clients have no secret).
    """
    _require_admin(actor)
    app = DepartmentApp.objects.select_for_update().filter(pk=app_id).first()
    if app is None:
        raise NotFound("sso.app_not_found", _("No such app."))
    if app.client_type != DepartmentApp.CLIENT_CONFIDENTIAL:
        raise DomainError("sso.public_client", _("A public app has no secret."))
    secret = generate_client_secret()
    app.client_secret = secret
    app.secret_rotated_at = timezone.now()
    app.save()
    audit_record(actor=actor, verb="sso.secret_rotated", target=app, ip=ip)
    return secret


def consent_record(*, user: User, app: DepartmentApp, scopes: list[str]) -> Consent:
    """Remember (or widen) the resident's consent when a code is issued to the app."""
    now = timezone.now()
    with transaction.atomic():
        consent = (
            Consent.objects.select_for_update()
            .filter(user=user, app=app, revoked_at__isnull=True)
            .first()
        )
        if consent is None:
            consent = Consent.objects.create(
                user=user, app=app, scopes=" ".join(scopes), granted_at=now, last_used_at=now
            )
            audit_record(
                actor=user,
                verb="sso.consent_granted",
                target=app,
                division_code=_division_of(user),
                changes={"scopes": consent.scopes},
            )
            return consent
        if not consent.covers(scopes):
            consent.scopes = " ".join(dict.fromkeys([*consent.scopes.split(), *scopes]))
            audit_record(
                actor=user,
                verb="sso.consent_granted",
                target=app,
                division_code=_division_of(user),
                changes={"scopes": consent.scopes},
            )
        consent.last_used_at = now
        consent.save(update_fields=["scopes", "last_used_at"])
        return consent


def _division_of(user: User) -> str:
    resident = getattr(user, "resident", None)
    return (resident.community_id or "") if resident is not None else ""


def _revoke_tokens(*, user: User, app: DepartmentApp) -> int:
    """Revoke every access, refresh and ID token the app holds for the user."""
    access_model = get_access_token_model()
    refresh_model = get_refresh_token_model()
    id_model = get_id_token_model()
    count = 0
    for refresh in refresh_model.objects.filter(user=user, application=app, revoked__isnull=True):
        refresh.revoke()
        count += 1
    for access in access_model.objects.filter(user=user, application=app):
        access.revoke()
        count += 1
    id_model.objects.filter(user=user, application=app).delete()
    return count


@transaction.atomic
def consent_revoke(*, actor: User, consent_id: int, ip: str | None = None) -> None:
    """The resident withdraws an app's consent; its tokens are revoked at once.

    Raises: NotFound (not the resident's consent).
    """
    consent = (
        Consent.objects.select_for_update()
        .select_related("app")
        .filter(pk=consent_id, user=actor, revoked_at__isnull=True)
        .first()
    )
    if consent is None:
        raise NotFound("sso.consent_not_found", _("No such authorised app."))
    consent.revoked_at = timezone.now()
    consent.save(update_fields=["revoked_at"])
    revoked = _revoke_tokens(user=actor, app=consent.app)
    audit_record(
        actor=actor,
        verb="sso.consent_revoked",
        target=consent.app,
        division_code=_division_of(actor),
        changes={"scopes": consent.scopes, "tokens_revoked": revoked},
        ip=ip,
    )


def token_event_record(
    *,
    user: User | None,
    app: DepartmentApp,
    verb: str,
    scopes: str = "",
    ip: str | None = None,
) -> None:
    """Trail one token issued, refreshed or revoked (the resident sees it in their list)."""
    audit_record(
        actor=user,
        verb=verb,
        target=app,
        division_code=_division_of(user) if user is not None else "",
        changes={"scopes": scopes} if scopes else {},
        ip=ip,
    )


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def code_redemption_record(
    *, app: DepartmentApp, user: User, code: str, access_token: str, refresh_token: str
) -> None:
    """Remember what an authorization code was exchanged for (inside the token transaction).

    Raises: DomainError (the code was exchanged already: a concurrent second use).
    """
    try:
        with transaction.atomic():
            RedeemedCode.objects.create(
                code_checksum=_sha256(code),
                app=app,
                user=user,
                access_token_checksum=_sha256(access_token),
                refresh_token_checksum=_sha256(refresh_token) if refresh_token else "",
                redeemed_at=timezone.now(),
            )
    except IntegrityError as error:
        raise DomainError("sso.code_reused", _("The code was used already.")) from error


@transaction.atomic
def code_replay_revoke(*, app: DepartmentApp, code: str, ip: str | None = None) -> int:
    """A second use of an authorization code: revoke every token the first use got, and
    those refreshed from them since. Returns how many went (0: not a code ever used).
    """
    redeemed = (
        RedeemedCode.objects.select_for_update()
        .select_related("user")
        .filter(code_checksum=_sha256(code), app=app)
        .first()
    )
    if redeemed is None:
        return 0
    access_model = get_access_token_model()
    refresh_model = get_refresh_token_model()
    family = (
        refresh_model.objects.filter(
            token_checksum=redeemed.refresh_token_checksum, application=app
        )
        .values_list("token_family", flat=True)
        .first()
        if redeemed.refresh_token_checksum
        else None
    )
    refresh = refresh_model.objects.filter(token_family=family) if family else None
    access = access_model.objects.filter(application=app, user=redeemed.user).filter(
        Q(token_checksum=redeemed.access_token_checksum)
        | Q(pk__in=refresh.values("access_token_id") if refresh is not None else [])
    )
    id_token_ids = list(access.exclude(id_token=None).values_list("id_token_id", flat=True))
    revoked = access.count()
    if refresh is not None:
        revoked += refresh.filter(revoked__isnull=True).count()
        refresh_model.revoke_family(family)
    access.delete()
    get_id_token_model().objects.filter(pk__in=id_token_ids).delete()
    redeemed.replayed_at = timezone.now()
    redeemed.save(update_fields=["replayed_at"])
    audit_record(
        actor=redeemed.user,
        verb="sso.code_replayed",
        target=app,
        division_code=_division_of(redeemed.user),
        changes={"tokens_revoked": revoked},
        ip=ip,
    )
    return revoked


def signing_key_create() -> SigningKey:
    """Make a new RSA-2048 signing key; its private half is stored encrypted."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    key = jwk.JWK.from_pem(pem.encode())
    signing_key = SigningKey.objects.create(
        kid=key.thumbprint(), private_key=encrypt(pem), public_jwk=public_jwk_of(key)
    )
    audit_record(actor=None, verb="sso.signing_key_created", target=signing_key)
    return signing_key


def signing_key_ensure() -> SigningKey:
    """The key that signs new ID tokens; the first one is made on first use."""
    key = signing_key_current()  # a plain read on every token request: no transaction
    if key is not None:
        return key
    with transaction.atomic():
        return signing_key_create()


@transaction.atomic
def signing_key_rotate(*, actor: User | None = None) -> SigningKey:
    """Sign with a new key from now on; old keys stay published until their tokens expire."""
    now = timezone.now()
    keep_until = now + timedelta(seconds=oauth2_settings.ID_TOKEN_EXPIRE_SECONDS)
    retired = list(SigningKey.objects.select_for_update().filter(retired_at__isnull=True))
    SigningKey.objects.filter(pk__in=[key.pk for key in retired]).update(
        retired_at=now, published_until=keep_until + KEY_PUBLISH_MARGIN
    )
    new_key = signing_key_create()
    audit_record(
        actor=actor,
        verb="sso.signing_key_rotated",
        target=new_key,
        changes={"retired": [key.kid for key in retired]},
    )
    return new_key


def expired_tokens_purge() -> dict[str, int]:
    """Delete expired and revoked tokens, codes and ID tokens (the toolkit's
    ``clear_expired``), and the records of redeemed codes whose tokens have all expired.

    Nothing a resident or an app could still use goes: a refresh token is kept for its
    whole lifetime, and a redeemed code's record as long as a token it bought may live.
    """
    with transaction.atomic():
        clear_expired()
    lifetime = timedelta(
        seconds=max(
            oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS or 0,
            oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS,
        )
    )
    redeemed, _by_model = RedeemedCode.objects.filter(
        redeemed_at__lt=timezone.now() - lifetime
    ).delete()
    return {"redeemed_codes": redeemed}
