"""Reads of single sign-on: apps for the console, a resident's consents and sign-ins, keys."""

import hashlib

from django.db.models import Q, QuerySet
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from shequ.core.errors import NotFound
from shequ.core.models import AuditEvent
from shequ.people.models import User
from shequ.sso.models import Consent, DepartmentApp, SigningKey
from shequ.sso.permissions import can_manage_apps

# Audit verbs a resident sees in "which apps signed me in".
SIGN_IN_VERBS = (
    "sso.token_issued",
    "sso.token_refreshed",
    "sso.token_revoked",
    "sso.code_replayed",
    "sso.logout",
)


def app_list_for(*, user: User) -> QuerySet[DepartmentApp]:
    """Every department app, for system administrators; nothing for anyone else."""
    if not can_manage_apps(user):
        return DepartmentApp.objects.none()
    return DepartmentApp.objects.select_related("department").order_by("name", "id")


def app_get_for(*, user: User, app_id: int) -> DepartmentApp:
    """One app for the console. Raises: NotFound (missing or not allowed)."""
    app = app_list_for(user=user).filter(pk=app_id).first()
    if app is None:
        raise NotFound("sso.app_not_found", "No such app.")
    return app


def consent_list_for(*, user: User) -> QuerySet[Consent]:
    """The resident's active consents, newest use first, with the app and its department."""
    return (
        Consent.objects.filter(user=user, revoked_at__isnull=True)
        .select_related("app", "app__department")
        .order_by("-last_used_at", "-id")
    )


def consent_active(*, user: User, app: DepartmentApp) -> Consent | None:
    return Consent.objects.filter(user=user, app=app, revoked_at__isnull=True).first()


def token_introspectable_by(*, caller: DepartmentApp, token: str) -> bool:
    """Whether the app may learn about this access token: its own, or any if it is a
    resource server. False for an unknown token too (the answer is then ``active: false``).
    """
    checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
    owner = (
        get_access_token_model()
        .objects.filter(token_checksum=checksum)
        .values_list("application_id", flat=True)
        .first()
    )
    if owner is None:
        return False
    return caller.introspects_tokens or owner == caller.pk


def signin_list_for(*, user: User, limit: int = 50) -> QuerySet[AuditEvent]:
    """Token events about the resident's own account (which app, what, when)."""
    return AuditEvent.objects.filter(actor=user, verb__in=SIGN_IN_VERBS).order_by(
        "-created_at", "-id"
    )[:limit]


def signing_key_current() -> SigningKey | None:
    """The key that signs new ID tokens (None before the first one is made)."""
    return SigningKey.objects.filter(retired_at__isnull=True).first()


def signing_keys_published() -> QuerySet[SigningKey]:
    """Keys in the JWKS: the current one and retired ones whose tokens may still be valid."""
    return SigningKey.objects.filter(
        Q(retired_at__isnull=True) | Q(published_until__gt=timezone.now())
    )


def signing_key_by_kid(kid: str) -> SigningKey | None:
    return signing_keys_published().filter(kid=kid).first()
