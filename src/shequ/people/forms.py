"""Forms for residents' own pages. Validation lives in services; forms only collect input."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.core.scopes import CITY_CODE, Role
from shequ.people.models import Department
from shequ.web.pickers import DivisionPickerField


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username or mobile number"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class RegisterForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_again = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class RegisterConfirmForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class IdCheckForm(forms.Form):
    real_name = forms.CharField(label=_("Real name"), max_length=60)
    id_number = forms.CharField(
        label=_("ID number"), max_length=30, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    district = forms.CharField(label=_("District"), required=False)
    street = forms.CharField(label=_("Street"), required=False)
    community = forms.CharField(label=_("Community"), max_length=12)


class ResetRequestForm(forms.Form):
    phone = forms.CharField(label=_("Mobile number"), max_length=20)


class ResetByEmailForm(StyledForm):
    email = forms.CharField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class NewPasswordForm(StyledForm):
    new_password = forms.CharField(
        label=_("New password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class ResetConfirmForm(forms.Form):
    phone = forms.CharField(label=_("Mobile number"), max_length=20)
    code = forms.CharField(label=_("Code from the text message"), max_length=6)
    new_password = forms.CharField(label=_("New password"), widget=forms.PasswordInput)


class RevealForm(StyledForm):
    field = forms.ChoiceField(
        label=_("Number to show"), choices=[("id_number", _("ID number")), ("phone", _("Mobile"))]
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)


class VerifyInPersonForm(forms.Form):
    note = forms.CharField(label=_("Note (document seen, place)"), max_length=500, required=False)


class AreaPickerForm(StyledForm):
    """A role and the area it covers, picked district → street → community (the shared
    division picker); the deepest level chosen is the area, none at all is the whole city."""

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    division = DivisionPickerField(
        label=_("Area"),
        level=None,
        required=False,
        empty_label=_("Whole city"),
        help_text=_(
            "For community, street and district roles and auditors: choose down to the level "
            "of the role. Nothing chosen is the whole city."
        ),
    )
    department = forms.ModelChoiceField(
        label=_("Department (for department staff)"),
        required=False,
        queryset=Department.objects.filter(is_active=True),
    )

    def picked_division(self) -> str:
        return str(self.cleaned_data.get("division") or CITY_CODE)

    def picked_department(self) -> int | None:
        department = self.cleaned_data.get("department")
        return department.pk if department is not None else None


class StaffAccountForm(AreaPickerForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=60)
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        help_text=_("The link to set a password is sent here."),
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    field_order = ["username", "full_name", "phone", "role"]


class DepartmentForm(StyledForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("Lower-case letters, digits or hyphens, e.g. minzheng. It cannot change."),
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    short_name = forms.CharField(
        label=_("Short name"),
        max_length=40,
        required=False,
        help_text=_("Leave empty to use the name."),
    )


class DepartmentRenameForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    short_name = forms.CharField(label=_("Short name"), max_length=40, required=False)


class EmailForm(StyledForm):
    email = forms.CharField(
        label=_("E-mail address"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("For messages by e-mail. Leave empty to remove it."),
    )


class PasswordChangeForm(StyledForm):
    old_password = forms.CharField(
        label=_("Current password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Sign-in code"),
        max_length=20,
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "autocapitalize": "none"}
        ),
    )


class TwoFactorResetForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("For example: phone lost, reported by the staff member in person."),
    )
