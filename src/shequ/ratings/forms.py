"""Forms of ratings: the rating itself, the follow-up comment, the verdict, the answer."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.ratings.models import REASONS, Level


class RatingForm(StyledForm):
    """Rendered by hand (big level buttons, reasons per level); the service checks the values."""

    level = forms.TypedChoiceField(label=_("Your rating"), choices=Level.choices, coerce=int)
    reasons = forms.MultipleChoiceField(
        label=_("Reasons"),
        choices=[(code, label) for code, label in REASONS.items()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    comment = forms.CharField(
        label=_("Anything else to tell the department"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AddendumForm(StyledForm):
    text = forms.CharField(
        label=_("Follow-up comment"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ConfirmForm(StyledForm):
    comment = forms.CharField(
        label=_("What is still not resolved (if anything)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AnswerForm(StyledForm):
    text = forms.CharField(
        label=_("Answer to the resident"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What was found and what has been done; the resident sees this answer."),
    )
