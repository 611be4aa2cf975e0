"""Residents' own pages: register, log in, real-name check, profile, password reset."""

from base64 import b32encode
from collections.abc import Callable

import segno
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, redirect_to_login
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import DEVICE_ID_SESSION_KEY

from shequ.core.digits import digits_or_none
from shequ.core.errors import DomainError
from shequ.core.forms import add_domain_error, form_status, submit
from shequ.core.services import client_ip
from shequ.people.demo import demo_code_for
from shequ.people.forms import (
    EmailForm,
    IdCheckForm,
    LoginForm,
    NewPasswordForm,
    PasswordChangeForm,
    RegisterConfirmForm,
    RegisterForm,
    ResetByEmailForm,
    ResetConfirmForm,
    ResetRequestForm,
    TwoFactorCodeForm,
)
from shequ.people.levels import actions_for
from shequ.people.middleware import (
    TWO_FACTOR_STEP_KEY,
    staff_session_start,
    staff_session_verified,
)
from shequ.people.models import User, VerificationLevel
from shequ.people.selectors import (
    two_factor_device_for,
    two_factor_required_for,
    two_factor_session_valid,
)
from shequ.people.services import accounts, passwords, registration, residents
from shequ.people.services import two_factor as two_factor_services
from shequ.people.verifiers import configured_verifier
from shequ.places.models import Division
from shequ.places.selectors import division_children, division_list


class ShequLoginView(LoginView):
    template_name = "people/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        if not two_factor_required_for(user):
            return response
        # The password alone opens nothing for staff: on to the second factor.
        step = "verify" if two_factor_device_for(user) is not None else "enrol"
        staff_session_start(self.request, step=step)
        return redirect_to_login(self.get_success_url(), "people:two_factor")


def _next_url(request: HttpRequest) -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return next_url
    return reverse("console:home")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Second step of a staff login: enrol an authenticator the first time, then a code."""
    user: User = request.user  # type: ignore[assignment]
    next_url = _next_url(request)
    if not two_factor_required_for(user):
        return redirect(next_url)
    if two_factor_session_valid(user, str(request.session.get(DEVICE_ID_SESSION_KEY, ""))):
        return redirect(next_url)
    if two_factor_device_for(user) is not None:
        return _two_factor_verify(request, user, next_url)
    if request.session.get(TWO_FACTOR_STEP_KEY) is None:
        # Only right after the password: a session left open elsewhere (say, after a reset
        # for a lost phone) must not be able to enrol a new authenticator.
        logout(request)
        messages.info(request, _("Please log in again to set up two-factor sign-in."))
        return redirect_to_login(next_url)
    return _two_factor_enrol(request, user, next_url)


def _two_factor_verify(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    form = TwoFactorCodeForm(request.POST or None)
    if done := submit(
        request,
        form,
        lambda data: two_factor_services.two_factor_verify(
            actor=user, code=data["code"], ip=client_ip(request)
        ),
    ):
        staff_session_verified(request, done.value.persistent_id)
        left = two_factor_services.two_factor_recovery_codes_left(user)
        if done.value.persistent_id.startswith("otp_static.") and left < 3:
            messages.warning(
                request,
                _("Only %(count)d recovery codes are left. Ask an administrator for a reset.")
                % {"count": left},
            )
        return redirect(next_url)
    return render(
        request,
        "people/two_factor_verify.html",
        {"form": form, "next": next_url, "demo_code": demo_code_for(user)},
        status=form_status(form),
    )


def _two_factor_enrol(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    device = two_factor_services.two_factor_enrol_start(actor=user)
    form = TwoFactorCodeForm(request.POST or None)
    if done := submit(
        request,
        form,
        lambda data: two_factor_services.two_factor_enrol_confirm(
            actor=user, device_id=device.pk, code=data["code"], ip=client_ip(request)
        ),
    ):
        staff_session_verified(request, done.value.device.persistent_id)
        # Shown on this response only: never stored in the clear, never sent again.
        response = render(
            request,
            "people/two_factor_codes.html",
            {"codes": done.value.recovery_codes, "next": next_url},
        )
        response["Cache-Control"] = "no-store"
        return response
    secret = b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m").svg_inline(
        scale=5, svgclass="two-factor-qr", border=2
    )
    response = render(
        request,
        "people/two_factor_enrol.html",
        {
            "form": form,
            "next": next_url,
            # segno's own markup of a QR matrix; the secret is base32, no markup in it
            "qr": mark_safe(qr),  # noqa: S308
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        },
        status=form_status(form),
    )
    response["Cache-Control"] = "no-store"
    return response


PENDING_REGISTRATION = "shequ.pending_registration"


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None)
    if done := submit(
        request,
        form,
        lambda data: registration.registration_start(
            username=data["username"],
            password=data["password"],
            phone=data["phone"],
            ip=client_ip(request),
        ),
    ):
        # The same next page whether or not the number has an account: its owner learns by SMS.
        request.session[PENDING_REGISTRATION] = done.value.as_dict()
        return redirect("people:register_confirm")
    return render(request, "people/register.html", {"form": form}, status=form_status(form))


@require_http_methods(["GET", "POST"])
def register_confirm(request: HttpRequest) -> HttpResponse:
    pending = registration.PendingRegistration.from_dict(request.session.get(PENDING_REGISTRATION))
    if pending is None:
        return redirect("people:register")
    form = RegisterConfirmForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: registration.registration_confirm(
            pending=pending, code=data["code"], ip=client_ip(request)
        ),
    )
    if done is None:
        # Keeps the count of wrong codes, which the service raised on ``pending``.
        request.session[PENDING_REGISTRATION] = pending.as_dict()
        return render(
            request,
            "people/register_confirm.html",
            {"form": form, "phone": pending.masked_phone},
            status=form_status(form),
        )
    del request.session[PENDING_REGISTRATION]
    login(request, done.value, backend="shequ.people.auth_backends.UsernameOrPhoneBackend")
    messages.success(request, _("Welcome! Please complete the real-name check."))
    return redirect("people:id_check")


@login_required
@require_http_methods(["GET", "POST"])
def id_check(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = IdCheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            residents.resident_check_id(
                user=user,
                real_name=form.cleaned_data["real_name"],
                id_number=form.cleaned_data["id_number"],
                community_code=form.cleaned_data["community"],
                ip=client_ip(request),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Your identity has been checked."))
            # Back to where the resident came from (e.g. a department app's sign-in).
            next_url = request.GET.get("next", "")
            if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                return redirect(next_url)
            return redirect("people:profile")
    # After an error, the place pickers keep what the resident chose.
    chosen = {key: str(request.POST.get(key, "")) for key in ("district", "street", "community")}
    return render(
        request,
        "people/id_check.html",
        {
            "form": form,
            "chosen": chosen,
            "districts": division_list(level=Division.Level.DISTRICT),
            "streets": _children_or_none(chosen["district"]),
            "communities": _children_or_none(chosen["street"]),
        },
    )


def _children_or_none(raw: str) -> QuerySet[Division]:
    code = digits_or_none(raw)
    return division_children(code) if code is not None else Division.objects.none()


@require_GET
def division_options(request: HttpRequest) -> HttpResponse:
    """<option>s of a division's children, for the cascading place pickers (htmx)."""
    # The street picker sends `street`; the district picker sends `district`.
    children = _children_or_none(request.GET.get("street") or request.GET.get("district") or "")
    return render(request, "people/_division_options.html", {"children": children})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    resident = getattr(user, "resident", None)
    return render(
        request,
        "people/profile.html",
        {
            "resident": resident,
            "level": VerificationLevel(user.verification_level),
            "levels": VerificationLevel,
            "authority_available": configured_verifier() is not None,
            "actions": actions_for(user.verification_level),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def email_edit(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = EmailForm(request.POST or None, initial={"email": user.email})
    if submit(
        request,
        form,
        lambda data: accounts.email_set(actor=user, email=data["email"], ip=client_ip(request)),
    ):
        messages.success(request, _("Your e-mail address is saved."))
        return redirect("people:profile")
    return render(request, "people/email_edit.html", {"form": form}, status=form_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = PasswordChangeForm(request.POST or None)
    if done := submit(
        request,
        form,
        lambda data: passwords.password_change(actor=user, ip=client_ip(request), **data),
    ):
        update_session_auth_hash(request, done.value)  # stay signed in on this device
        messages.success(request, _("Your password has been changed."))
        return redirect("people:profile")
    return render(request, "people/password_change.html", {"form": form}, status=form_status(form))


@login_required
@require_http_methods(["POST"])
def verify_by_authority(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    resident = getattr(user, "resident", None)
    if resident is None:
        messages.error(request, _("Please complete the ID check first."))
        return redirect("people:id_check")
    try:
        residents.resident_verify_by_authority(actor=user, resident=resident, ip=client_ip(request))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The authority confirmed your identity."))
    return redirect("people:profile")


@require_http_methods(["GET", "POST"])
def password_reset_request(request: HttpRequest) -> HttpResponse:
    form = ResetRequestForm(request.POST or None)
    if submit(
        request,
        form,
        lambda data: passwords.password_reset_send_code(phone=data["phone"], ip=client_ip(request)),
    ):
        messages.info(
            request, _("If this number has an account, a code is on its way by text message.")
        )
        return redirect("people:password_reset_confirm")
    return render(
        request, "people/password_reset_request.html", {"form": form}, status=form_status(form)
    )


@require_http_methods(["GET", "POST"])
def password_reset_confirm(request: HttpRequest) -> HttpResponse:
    form = ResetConfirmForm(request.POST or None)
    if submit(
        request,
        form,
        lambda data: passwords.password_reset_with_code(ip=client_ip(request), **data),
    ):
        messages.success(request, _("Your password has been changed. Please log in."))
        return redirect("people:login")
    return render(
        request, "people/password_reset_confirm.html", {"form": form}, status=form_status(form)
    )


@require_http_methods(["GET", "POST"])
def password_reset_by_email(request: HttpRequest) -> HttpResponse:
    form = ResetByEmailForm(request.POST or None)

    def link_for(uidb64: str, token: str) -> str:
        return request.build_absolute_uri(
            reverse("people:password_reset_link", args=[uidb64, token])
        )

    if submit(
        request,
        form,
        lambda data: passwords.password_reset_send_link(
            email=data["email"], link_for=link_for, ip=client_ip(request)
        ),
    ):
        messages.info(
            request, _("If this address belongs to an account, a link is on its way by e-mail.")
        )
        return redirect("people:login")
    return render(
        request, "people/password_reset_email.html", {"form": form}, status=form_status(form)
    )


def password_set_link_builder(request: HttpRequest) -> Callable[[str, str], str]:
    """Builds the absolute address of the set-password page a staff member gets by text."""

    def link(uidb64: str, token: str) -> str:
        return request.build_absolute_uri(reverse("people:password_set", args=[uidb64, token]))

    return link


@require_http_methods(["GET", "POST"])
def password_reset_link(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    form = NewPasswordForm(request.POST or None)
    try:
        passwords.password_reset_link_user(uidb64=uidb64, token=token)
    except DomainError as error:
        return render(
            request, "people/password_reset_link.html", {"invalid": str(error)}, status=400
        )
    if submit(
        request,
        form,
        lambda data: passwords.password_reset_with_link(
            uidb64=uidb64,
            token=token,
            ip=client_ip(request),
            # A staff member's link came by text message, a resident's by e-mail.
            by=(
                "sms"
                if request.resolver_match and request.resolver_match.url_name == "password_set"
                else "email"
            ),
            **data,
        ),
    ):
        messages.success(request, _("Your password has been changed. Please log in."))
        return redirect("people:login")
    return render(
        request, "people/password_reset_link.html", {"form": form}, status=form_status(form)
    )
