from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.places.models import Division


class DivisionAttributesForm(StyledForm):
    name_en = forms.CharField(
        label=_("English name"),
        required=False,
        max_length=200,
        help_text=_("Optional. Shown instead of the Chinese name on English pages."),
    )
    service_centre_address = forms.CharField(
        label=_("Service centre address"), required=False, max_length=400
    )
    longitude = forms.CharField(label=_("Longitude (WGS84)"), required=False, max_length=20)
    latitude = forms.CharField(label=_("Latitude (WGS84)"), required=False, max_length=20)
    population = forms.CharField(label=_("Population"), required=False, max_length=12)
    households = forms.CharField(label=_("Households"), required=False, max_length=12)
    urban_rural = forms.ChoiceField(
        label=_("Urban or rural"), required=False, choices=[("", "—"), *Division.UrbanRural.choices]
    )
