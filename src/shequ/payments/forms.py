"""Forms of payments."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.payments.models import Bill


class BillForm(StyledForm):
    resident_id = forms.IntegerField(label=_("Resident number"), min_value=1)
    title = forms.CharField(label=_("Title"), max_length=120)
    amount = forms.DecimalField(label=_("Amount (yuan)"), decimal_places=2, max_digits=12)
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    category = forms.ChoiceField(label=_("Category"), choices=Bill.Category.choices)


class RefundForm(StyledForm):
    amount = forms.DecimalField(label=_("Amount (yuan)"), decimal_places=2, max_digits=12)
    reason = forms.CharField(label=_("Reason"), max_length=300)
