"""Staff pages: system administrators register department apps and manage their secrets."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequ.core.errors import DomainError
from shequ.core.forms import add_domain_error
from shequ.core.services import client_ip
from shequ.people.models import User
from shequ.people.permissions import staff_required
from shequ.sso import services
from shequ.sso.forms import AppRegisterForm, AppUpdateForm
from shequ.sso.models import DepartmentApp
from shequ.sso.permissions import can_manage_apps
from shequ.sso.selectors import app_get_for, app_list_for


def _admin(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not can_manage_apps(user):
        raise DjangoPermissionDenied
    return user


def _issuer(request: HttpRequest) -> str:
    return request.build_absolute_uri("/o/.well-known/openid-configuration")


@staff_required
@require_http_methods(["GET", "POST"])
def app_list(request: HttpRequest) -> HttpResponse:
    user = _admin(request)
    form = AppRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            app, secret = services.app_register(
                actor=user,
                name=data["name"],
                department_id=data["department"].pk,
                redirect_uris=data["redirect_uris"],
                post_logout_redirect_uris=data["post_logout_redirect_uris"],
                scopes=data["scopes"],
                min_level=data["min_level"],
                confidential=data["confidential"],
                full_name_approved=data["full_name_approved"],
                introspects_tokens=data["introspects_tokens"],
                loopback_any_port=data["loopback_any_port"],
                machine_access=data["machine_access"],
                ip=client_ip(request),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            # The secret is shown on this response only; it is stored hashed.
            return render(
                request,
                "sso/console/app_secret.html",
                {"app": app, "secret": secret, "discovery": _issuer(request)},
            )
    return render(
        request,
        "sso/console/app_list.html",
        {"apps": list(app_list_for(user=user)), "form": form},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def app_detail(request: HttpRequest, app_id: int) -> HttpResponse:
    user = _admin(request)
    app = app_get_for(user=user, app_id=app_id)
    initial = {
        "redirect_uris": "\n".join(app.redirect_uris.split()),
        "post_logout_redirect_uris": "\n".join(app.post_logout_redirect_uris.split()),
        "scopes": app.scope_list(),
        "min_level": app.min_level,
        "full_name_approved": app.full_name_approved,
        "introspects_tokens": app.introspects_tokens,
        "loopback_any_port": app.loopback_any_port,
        "machine_access": app.machine_access,
        "is_active": app.is_active,
    }
    form = AppUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.app_update(
                actor=user,
                app_id=app.pk,
                redirect_uris=data["redirect_uris"],
                post_logout_redirect_uris=data["post_logout_redirect_uris"],
                scopes=data["scopes"],
                min_level=data["min_level"],
                full_name_approved=data["full_name_approved"],
                introspects_tokens=data["introspects_tokens"],
                loopback_any_port=data["loopback_any_port"],
                machine_access=data["machine_access"],
                is_active=data["is_active"],
                ip=client_ip(request),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect("sso_console:app_detail", app_id=app.pk)
    return render(
        request,
        "sso/console/app_detail.html",
        {
            "app": app,
            "form": form,
            "confidential": app.client_type == DepartmentApp.CLIENT_CONFIDENTIAL,
            "discovery": _issuer(request),
            "token_url": request.build_absolute_uri("/o/token/"),
        },
    )


@staff_required
@require_POST
def app_rotate_secret(request: HttpRequest, app_id: int) -> HttpResponse:
    user = _admin(request)
    app = app_get_for(user=user, app_id=app_id)
    secret = services.app_rotate_secret(actor=user, app_id=app.pk, ip=client_ip(request))
    return render(
        request,
        "sso/console/app_secret.html",
        {"app": app, "secret": secret, "rotated": True, "discovery": _issuer(request)},
    )


@staff_required
@require_POST
def signing_key_rotate(request: HttpRequest) -> HttpResponse:
    user = _admin(request)
    services.signing_key_rotate(actor=user)
    from django.contrib import messages

    messages.success(request, _("A new signing key is in use; the old one stays published."))
    return redirect("sso_console:app_list")
