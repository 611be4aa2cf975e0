"""Forms of the catalogue."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.catalogue.models import Service
from shequ.core.forms import StyledForm
from shequ.people.models import VerificationLevel


class ServiceForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=80)
    summary = forms.CharField(label=_("Summary"), max_length=300)
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea
    )
    eligibility = forms.CharField(label=_("Who may use it"), max_length=300, required=False)
    documents = forms.CharField(
        label=_("Documents needed (one per line)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea,
    )
    min_level = forms.TypedChoiceField(
        label=_("Required verification level"), choices=VerificationLevel.choices, coerce=int
    )
    time_limit_days = forms.IntegerField(
        label=_("Legal time limit (working days)"), min_value=0, max_value=365, required=False
    )
    fee = forms.DecimalField(label=_("Fee (yuan)"), min_value=0, max_value=100000, decimal_places=2)
    channel = forms.ChoiceField(label=_("Channel"), choices=Service.Channel.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=Service.Kind.choices)
    community_level = forms.BooleanField(label=_("Handled with the community"), required=False)
    is_published = forms.BooleanField(label=_("Published"), required=False)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search services"), max_length=100, required=False)
