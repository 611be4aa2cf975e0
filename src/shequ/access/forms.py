from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm

CITY_WIDE = ""


class RunForm(StyledForm):
    label = forms.CharField(label=_("Label"), max_length=200, required=False)


class SitingForm(StyledForm):
    category = forms.ChoiceField(label=_("Category"))
    k = forms.IntegerField(label=_("Number of new sites"), min_value=1, max_value=50, initial=5)
    district = forms.ChoiceField(label=_("Candidate sites: every street node of"), required=False)
    candidates = forms.FileField(
        label=_("or your own candidate sites (Excel or GeoJSON)"), required=False
    )

    def __init__(
        self,
        *args: object,
        categories: list[tuple[str, str]],
        districts: list[tuple[str, str]],
        city_wide: bool = False,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = categories  # type: ignore[attr-defined]
        choices = ([(CITY_WIDE, _("the whole network"))] if city_wide else []) + districts
        self.fields["district"].choices = choices  # type: ignore[attr-defined]
        self.fields["district"].required = not city_wide


class UploadForm(StyledForm):
    file = forms.FileField(label=_("Excel (.xlsx) or GeoJSON file"))


class NetworkUploadForm(StyledForm):
    file = forms.FileField(label=_("OpenStreetMap file (.osm or .osm.pbf)"))
    name = forms.CharField(label=_("Name"), max_length=100, required=False)


class CategoryForm(StyledForm):
    threshold_minutes = forms.CharField(label=_("Threshold (minutes)"), max_length=20)
    speed_mps = forms.CharField(label=_("Walking speed (m/s)"), max_length=20)
    essential = forms.BooleanField(label=_("Essential"), required=False)
