"""Forms of the department-app console."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.people.models import Department, VerificationLevel
from shequ.sso.models import SCOPES
from shequ.sso.scopes import SCOPE_DESCRIPTIONS

SCOPE_CHOICES = [(scope, f"{scope} — {SCOPE_DESCRIPTIONS[scope]}") for scope in SCOPES]


class AppSettingsForm(StyledForm):
    redirect_uris = forms.CharField(
        label=_("Redirect URIs (one per line, exact)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    post_logout_redirect_uris = forms.CharField(
        label=_("After-logout URIs (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Allowed scopes"),
        choices=SCOPE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    min_level = forms.TypedChoiceField(
        label=_("Minimum verification level"),
        choices=VerificationLevel.choices,
        coerce=int,
        initial=VerificationLevel.REGISTERED,
    )
    full_name_approved = forms.BooleanField(
        label=_("Approved to receive the full real name"), required=False
    )
    loopback_any_port = forms.BooleanField(
        label=_("Native app: accept any port on its http://127.0.0.1 redirect URIs"),
        required=False,
    )
    introspects_tokens = forms.BooleanField(
        label=_("Resource server: may look up tokens held by other apps (introspection)"),
        required=False,
    )
    machine_access = forms.BooleanField(
        label=_(
            "Machine access: the department's system may get API tokens with its client "
            "secret (client credentials) and act as the department's staff"
        ),
        required=False,
    )


class AppRegisterForm(AppSettingsForm):
    name = forms.CharField(label=_("App name"), max_length=100)
    department = forms.ModelChoiceField(
        label=_("Owner department"), queryset=Department.objects.filter(is_active=True)
    )
    confidential = forms.TypedChoiceField(
        label=_("Client type"),
        choices=[
            ("1", _("Confidential (a server that keeps a secret)")),
            ("0", _("Public (a mobile or browser app, no secret)")),
        ],
        coerce=lambda value: value == "1",
        initial="1",
    )

    field_order = ["name", "department", "confidential"]


class AppUpdateForm(AppSettingsForm):
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
