from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.participation.models import Proposal


class ProposalForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, max_length=4000)
    category = forms.ChoiceField(label=_("Category"), choices=Proposal.Category.choices)
    estimated_cost = forms.DecimalField(
        label=_("Estimated cost (yuan)"), required=False, decimal_places=2
    )


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class PaperBallotForm(StyledForm):
    sheet = forms.CharField(label=_("Sheet number"), max_length=20)
    id_number = forms.CharField(label=_("Voter's ID number"), max_length=18)
