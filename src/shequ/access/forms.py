from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm


class RunForm(StyledForm):
    label = forms.CharField(label=_("Label"), max_length=200, required=False)


class SitingForm(StyledForm):
    category = forms.ChoiceField(label=_("Category"))
    k = forms.IntegerField(label=_("Number of new sites"), min_value=1, max_value=50, initial=5)
    district = forms.ChoiceField(label=_("Candidate sites: every street node of"))

    def __init__(
        self,
        *args: object,
        categories: list[tuple[str, str]],
        districts: list[tuple[str, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = categories  # type: ignore[attr-defined]
        self.fields["district"].choices = districts  # type: ignore[attr-defined]


class UploadForm(StyledForm):
    file = forms.FileField(label=_("Excel (.xlsx) or GeoJSON file"))
