"""Forms of the story archive: the donation form on the phone and the worker's review."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.stories.models import Item


class DonationForm(StyledForm):
    kind = forms.ChoiceField(label=_("What is it?"), choices=Item.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("Its story"), max_length=5000, widget=forms.Textarea)
    era = forms.CharField(label=_("Era (for example 1980s)"), max_length=60, required=False)
    place = forms.CharField(label=_("Place"), max_length=120, required=False)
    creator = forms.CharField(label=_("Made or taken by"), max_length=120, required=False)
    subject = forms.CharField(label=_("Keywords"), max_length=200, required=False)
    photo = forms.FileField(label=_("Photo (JPG or PNG)"), required=False)
    audio = forms.FileField(label=_("Recording of the story (MP3, optional)"), required=False)
    audience = forms.ChoiceField(label=_("Who may see it"), choices=Item.Audience.choices)
    licence = forms.ChoiceField(label=_("Licence"), choices=Item.Licence.choices)
    show_donor_name = forms.BooleanField(label=_("Show my name with it"), required=False)
    consent = forms.BooleanField(
        label=_(
            "I own this item or its photo and agree that it is kept in the archive and "
            "shown as chosen above. I can withdraw this consent at any time."
        )
    )


class ReviewForm(StyledForm):
    note = forms.CharField(label=_("Note to the donor"), max_length=300, required=False)


class ExhibitForm(StyledForm):
    location = forms.CharField(label=_("Where it is shown"), max_length=120)
