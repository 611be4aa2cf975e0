"""Forms of documents: what a service's result document certifies."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.documents.models import Kind


class ResultTemplateForm(StyledForm):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[(k.value, k.label) for k in (Kind.CERTIFICATE, Kind.PROOF)]
    )
    title = forms.CharField(
        label=_("Title on the document"),
        max_length=60,
        help_text=_("For example 低保待遇核定证明."),
    )
    statement = forms.CharField(
        label=_("What it certifies"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Printed after the holder's name. {service} stands for the service's name."),
    )
