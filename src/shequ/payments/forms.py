"""Forms of payments."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.payments.models import Bill, UtilityCompany
from shequ.people.models import Department


class BillForm(StyledForm):
    resident_id = forms.IntegerField(label=_("Resident number"), min_value=1)
    title = forms.CharField(label=_("Title"), max_length=120)
    amount = forms.DecimalField(label=_("Amount (yuan)"), decimal_places=2, max_digits=12)
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    category = forms.ChoiceField(label=_("Category"), choices=Bill.Category.choices)


class RefundForm(StyledForm):
    amount = forms.DecimalField(label=_("Amount (yuan)"), decimal_places=2, max_digits=12)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class BindAccountForm(StyledForm):
    company = forms.ModelChoiceField(
        label=_("Company"), queryset=UtilityCompany.objects.filter(is_active=True), empty_label=None
    )
    number = forms.CharField(
        label=_("Account number (户号)"),
        max_length=30,
        help_text=_("As printed on your bill or the meter card."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    label = forms.CharField(label=_("Label (e.g. home, parents)"), max_length=20, required=False)


class DonationForm(StyledForm):
    amount = forms.CharField(
        label=_("Amount (yuan)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    purpose = forms.CharField(label=_("For what (optional)"), max_length=200, required=False)
    name_public = forms.BooleanField(
        label=_("Show my name in the public disclosure (otherwise masked, e.g. 张**)"),
        required=False,
    )


class UtilityCompanyForm(StyledForm):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=UtilityCompany.Kind.choices)
    department = forms.ModelChoiceField(
        label=_("Department that handles its bills"),
        queryset=Department.objects.filter(is_active=True),
    )
