"""Department apps, secrets, consents and signing keys through the services."""

from collections.abc import Callable

import pytest
from django.contrib.auth.hashers import check_password
from django.utils import timezone

from shequ.core.errors import DomainError, NotFound, PermissionDenied
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.people.models import Department, User
from shequ.sso import services
from shequ.sso.models import Consent, DepartmentApp, SigningKey
from shequ.sso.selectors import signing_key_current, signing_keys_published
from tests.factories import make_staff, make_user
from tests.sso.conftest import RegisteredApp


def test_registered_app_keeps_only_a_hash_of_its_secret(
    register_app: Callable[..., RegisteredApp],
) -> None:
    registered = register_app(scopes=["profile", "community"])

    app = DepartmentApp.objects.get(pk=registered.app.pk)
    assert len(registered.secret) >= 40
    assert app.client_secret != registered.secret
    assert check_password(registered.secret, app.client_secret)
    assert app.scope_list() == ["openid", "profile", "community"]
    assert AuditEvent.objects.filter(verb="sso.app_registered", object_id=str(app.pk)).exists()


def test_rotating_the_secret_retires_the_old_one(
    register_app: Callable[..., RegisteredApp], admin_user: User
) -> None:
    registered = register_app()

    new_secret = services.app_rotate_secret(actor=admin_user, app_id=registered.app.pk)

    app = DepartmentApp.objects.get(pk=registered.app.pk)
    assert check_password(new_secret, app.client_secret)
    assert not check_password(registered.secret, app.client_secret)
    assert AuditEvent.objects.filter(verb="sso.secret_rotated").count() == 1


def test_public_app_has_no_secret_to_rotate(
    register_app: Callable[..., RegisteredApp], admin_user: User
) -> None:
    registered = register_app(confidential=False)

    with pytest.raises(DomainError) as error:
        services.app_rotate_secret(actor=admin_user, app_id=registered.app.pk)

    assert error.value.code == "sso.public_client"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"redirect_uris": ""}, "sso.redirect_uri_required"),
        ({"redirect_uris": "http://rp.test/*"}, "sso.redirect_uri_invalid"),
        ({"redirect_uris": "rp.test/callback"}, "sso.redirect_uri_invalid"),
        ({"redirect_uris": "ftp://rp.test/callback"}, "sso.redirect_uri_invalid"),
        ({"redirect_uris": "https://rp.test/cb#frag"}, "sso.redirect_uri_invalid"),
        ({"scopes": ["openid", "id_number"]}, "sso.scope_unknown"),
        ({"name": "  "}, "sso.name_required"),
        ({"department_id": 999999}, "sso.department_unknown"),
    ],
)
def test_bad_registration_is_refused_and_nothing_is_written(
    register_app: Callable[..., RegisteredApp], overrides: dict[str, object], code: str
) -> None:
    with pytest.raises(DomainError) as error:
        register_app(**overrides)

    assert error.value.code == code
    assert DepartmentApp.objects.count() == 0
    assert not AuditEvent.objects.filter(verb="sso.app_registered").exists()


@pytest.mark.parametrize("role", [Role.CITY_COMMITTEE, Role.DEPARTMENT_STAFF, Role.AUDITOR])
def test_only_system_administrators_register_apps(department: Department, role: Role) -> None:
    scope = "gongan" if role == Role.DEPARTMENT_STAFF else "510100000000"
    staff = make_staff(f"staff-{role}", role, scope)

    with pytest.raises(PermissionDenied):
        services.app_register(
            actor=staff,
            name="x",
            department_id=department.pk,
            redirect_uris="https://rp.test/cb",
            scopes=["openid"],
        )


def test_update_changes_scopes_level_and_trails_the_change(
    register_app: Callable[..., RegisteredApp], admin_user: User
) -> None:
    registered = register_app()

    services.app_update(
        actor=admin_user,
        app_id=registered.app.pk,
        redirect_uris="https://rp.test/new",
        post_logout_redirect_uris="",
        scopes=["community"],
        min_level=2,
        full_name_approved=True,
        is_active=False,
    )

    app = DepartmentApp.objects.get(pk=registered.app.pk)
    assert (app.redirect_uris, app.allowed_scopes, app.min_level) == (
        "https://rp.test/new",
        "openid community",
        2,
    )
    assert not app.is_usable(None)
    event = AuditEvent.objects.get(verb="sso.app_updated")
    assert event.changes["min_level"] == [0, 2]


def test_revoking_someone_elses_consent_is_not_found(
    register_app: Callable[..., RegisteredApp],
) -> None:
    registered = register_app()
    owner, other = make_user("owner"), make_user("other")
    now = timezone.now()
    consent = Consent.objects.create(
        user=owner, app=registered.app, scopes="openid", granted_at=now, last_used_at=now
    )

    with pytest.raises(NotFound):
        services.consent_revoke(actor=other, consent_id=consent.pk)

    consent.refresh_from_db()
    assert consent.revoked_at is None


def test_consent_widens_when_an_app_asks_for_more(
    register_app: Callable[..., RegisteredApp],
) -> None:
    registered = register_app()
    user = make_user("widen")

    services.consent_record(user=user, app=registered.app, scopes=["openid"])
    services.consent_record(user=user, app=registered.app, scopes=["openid", "phone"])

    consent = Consent.objects.get(user=user)
    assert consent.covers(["openid", "phone"])
    assert AuditEvent.objects.filter(verb="sso.consent_granted", actor=user).count() == 2


def test_signing_key_rotation_keeps_the_old_key_published_until_tokens_expire(
    db: None, settings: object
) -> None:
    first = services.signing_key_ensure()

    second = services.signing_key_rotate()

    assert signing_key_current() == second
    assert set(signing_keys_published()) == {first, second}
    first.refresh_from_db()
    assert first.published_until is not None
    SigningKey.objects.filter(pk=first.pk).update(published_until=timezone.now())
    assert list(signing_keys_published()) == [second]


def test_a_code_is_recorded_as_redeemed_once(register_app: Callable[..., RegisteredApp]) -> None:
    # Two exchanges of one code racing past the grant check: the second gets no tokens.
    app, user = register_app().app, make_user("racer")
    services.code_redemption_record(
        app=app, user=user, code="c0de", access_token="a1", refresh_token="r1"
    )

    with pytest.raises(DomainError) as error:
        services.code_redemption_record(
            app=app, user=user, code="c0de", access_token="a2", refresh_token="r2"
        )

    assert error.value.code == "sso.code_reused"


def test_an_unknown_code_revokes_nothing(register_app: Callable[..., RegisteredApp]) -> None:
    assert services.code_replay_revoke(app=register_app().app, code="never-issued") == 0
    assert not AuditEvent.objects.filter(verb="sso.code_replayed").exists()
