"""Forms of the message centre."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm


class CommunityNoticeForm(StyledForm):
    community = forms.CharField(label=_("Community code"), max_length=12, min_length=12)
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(label=_("Text"), max_length=4000, widget=forms.Textarea)
