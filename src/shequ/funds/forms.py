"""Console forms: they only parse types; the services decide what is allowed."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.funds.models import Commitment, Track


class DateInput(forms.DateInput):
    input_type = "date"


AMOUNT = {"max_length": 20, "widget": forms.TextInput(attrs={"inputmode": "decimal"})}


class FormulaForm(StyledForm):
    base_urban = forms.CharField(label=_("Base amount, urban community"), **AMOUNT)  # type: ignore[arg-type]
    base_rural = forms.CharField(label=_("Base amount, rural village"), **AMOUNT)  # type: ignore[arg-type]
    per_household = forms.CharField(label=_("Amount per household"), **AMOUNT)  # type: ignore[arg-type]
    per_resident = forms.CharField(label=_("Amount per resident"), **AMOUNT)  # type: ignore[arg-type]
    floor = forms.CharField(label=_("Floor"), **AMOUNT)  # type: ignore[arg-type]
    cap = forms.CharField(label=_("Cap"), **AMOUNT)  # type: ignore[arg-type]
    city_share = forms.CharField(label=_("City share (%)"), **AMOUNT)  # type: ignore[arg-type]


class DecisionForm(StyledForm):
    """The members in office are not typed: they come from the council register (of the
    meeting day, or of the meeting chosen, with its sign-in); the service checks the rest."""

    subject = forms.CharField(label=_("Subject"), max_length=200)
    amount = forms.CharField(label=_("Approved amount (yuan)"), **AMOUNT)  # type: ignore[arg-type]
    meeting_id = forms.TypedChoiceField(
        label=_("Council meeting held on the platform (members counted from its sign-in)"),
        coerce=int,
        empty_value=None,
        required=False,
    )
    meeting_date = forms.DateField(
        label=_("Meeting date (a meeting not held on the platform)"),
        widget=DateInput(),
        required=False,
    )
    members_present = forms.IntegerField(
        label=_("Members present (a meeting not held on the platform)"),
        min_value=0,
        max_value=999,
        required=False,
    )
    votes_for = forms.IntegerField(label=_("Votes for"), min_value=0, max_value=999)
    votes_against = forms.IntegerField(label=_("Votes against"), min_value=0, max_value=999)
    votes_abstain = forms.IntegerField(label=_("Abstentions"), min_value=0, max_value=999)
    minutes = forms.FileField(label=_("Minutes (PDF or image)"), required=False)

    def __init__(self, *args: Any, meetings: list[tuple[int, str]] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        field = self.fields["meeting_id"]
        field.choices = [("", "—"), *(meetings or [])]  # type: ignore[attr-defined]


class CommitmentForm(StyledForm):
    approval = forms.TypedChoiceField(label=_("Council decision"), coerce=int)
    track = forms.ChoiceField(label=_("Fund"), choices=Track.choices)
    year = forms.IntegerField(label=_("Year"), min_value=0, max_value=2100)
    project = forms.CharField(label=_("Project"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=Commitment.Category.choices)
    organisation = forms.TypedChoiceField(
        label=_("Supplier from the registry of social organisations"),
        coerce=int,
        required=False,
        empty_value=None,
    )
    supplier = forms.CharField(
        label=_("Or another supplier (name)"), max_length=200, required=False
    )
    amount = forms.CharField(label=_("Amount (yuan)"), **AMOUNT)  # type: ignore[arg-type]


class PaymentForm(StyledForm):
    amount = forms.CharField(label=_("Amount (yuan)"), **AMOUNT)  # type: ignore[arg-type]
    invoice_number = forms.CharField(label=_("Invoice number"), max_length=60)
    receipt = forms.FileField(label=_("Receipt (invoice file)"))
    urgent_reason = forms.CharField(
        label=_("Urgent: why it cannot wait for the objection period to end"),
        max_length=500,
        required=False,
    )


class DonationForm(StyledForm):
    donor_name = forms.CharField(
        label=_("Donor (empty for anonymous)"), max_length=100, required=False
    )
    name_public = forms.BooleanField(label=_("Donor agrees to be named"), required=False)
    amount = forms.CharField(label=_("Amount (yuan)"), **AMOUNT)  # type: ignore[arg-type]
    purpose = forms.CharField(label=_("Designated purpose"), max_length=200, required=False)
    receipt = forms.FileField(label=_("Receipt"), required=False)
