"""Forms of the message centre."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.places.models import Division
from shequ.web.pickers import DivisionPickerField


class CommunityNoticeForm(StyledForm):
    community = DivisionPickerField(label=_("Community"), level=Division.Level.COMMUNITY)
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(label=_("Text"), max_length=4000, widget=forms.Textarea)
