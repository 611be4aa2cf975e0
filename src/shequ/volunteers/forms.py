"""Forms of the volunteers pages: registration, teams, activities, attendance, the ledger."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.people.models import Department, VerificationLevel
from shequ.places.models import Division
from shequ.volunteers.models import AVAILABILITY, FIELDS, SERVICES, SKILLS, Team, TimeSettlement
from shequ.web.pickers import DivisionPickerField, PersonPickerField


def _choices(items: dict[str, object]) -> list[tuple[str, Any]]:
    return list(items.items())


class ProfileForm(StyledForm):
    skills = forms.MultipleChoiceField(
        label=_("Skills"),
        choices=_choices(SKILLS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    service_fields = forms.MultipleChoiceField(
        label=_("Service fields"),
        choices=_choices(FIELDS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    availability = forms.MultipleChoiceField(
        label=_("When you can serve"),
        choices=_choices(AVAILABILITY),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    service_areas = forms.MultipleChoiceField(
        label=_("Communities you can serve in"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, areas: list[Division], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area_field = cast(forms.MultipleChoiceField, self.fields["service_areas"])
        area_field.choices = [(d.pk, d.name) for d in areas]


class RegisterForm(ProfileForm):
    guardian_name = forms.CharField(label=_("Guardian's name"), max_length=30, required=False)
    guardian_relation = forms.CharField(
        label=_("Guardian's relation to you"), max_length=10, required=False
    )
    guardian_consent = forms.BooleanField(
        label=_("My guardian agrees to my volunteering"), required=False
    )
    self_supporting = forms.BooleanField(
        label=_("I am 16 or 17 and live on my own income"), required=False
    )


class LeaveForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you leaving? (optional)"), max_length=200, required=False
    )


class TeamForm(StyledForm):
    name = forms.CharField(label=_("Team name"), max_length=60)
    kind = forms.ChoiceField(label=_("Belongs to"), choices=Team.Kind.choices)
    division = DivisionPickerField(label=_("Area"))
    department = forms.ModelChoiceField(
        label=_("Department (for a department's team)"),
        queryset=Department.objects.filter(is_active=True).order_by("name"),
        required=False,
    )
    organisation = forms.CharField(
        label=_("Organisation (for a social organisation's team)"), max_length=80, required=False
    )
    description = forms.CharField(
        label=_("What the team does"), max_length=1000, required=False, widget=forms.Textarea
    )


class LeaderForm(StyledForm):
    person = PersonPickerField(label=_("Leader (a registered volunteer)"))


class ActivityForm(StyledForm):
    community = DivisionPickerField(label=_("Community"), level=Division.Level.COMMUNITY)
    title = forms.CharField(label=_("Title"), max_length=80)
    description = forms.CharField(
        label=_("What volunteers do"), max_length=2000, widget=forms.Textarea
    )
    field = forms.ChoiceField(
        label=_("Service field"), choices=[("", "—"), *_choices(FIELDS)], required=False
    )
    place = forms.CharField(label=_("Place"), max_length=120)
    latitude = forms.DecimalField(
        label=_("Latitude"),
        max_digits=9,
        decimal_places=6,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        max_digits=9,
        decimal_places=6,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    geofence_m = forms.IntegerField(
        label=_("Check-in radius (metres)"), min_value=20, max_value=5000, required=False
    )
    signup_deadline = forms.DateTimeField(
        label=_("Sign-up deadline"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    starts = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends = forms.TimeField(label=_("To"), widget=forms.TimeInput(attrs={"type": "time"}))
    quota = forms.IntegerField(label=_("Quota"), min_value=1, max_value=10000)
    starts2 = forms.TimeField(
        label=_("Second slot from (optional)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    ends2 = forms.TimeField(
        label=_("Second slot to"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    quota2 = forms.IntegerField(
        label=_("Second slot quota"), min_value=1, max_value=10000, required=False
    )
    min_age = forms.IntegerField(label=_("Minimum age"), min_value=14, max_value=100, initial=14)
    max_age = forms.IntegerField(
        label=_("Maximum age"), min_value=14, max_value=100, required=False
    )
    skills = forms.MultipleChoiceField(
        label=_("Skills needed"),
        choices=_choices(SKILLS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    min_level = forms.TypedChoiceField(
        label=_("Verification level needed"),
        coerce=int,
        choices=[c for c in VerificationLevel.choices if c[0] >= VerificationLevel.ID_CHECKED],
        initial=VerificationLevel.ID_CHECKED,
    )
    training = forms.CharField(label=_("Training needed"), max_length=80, required=False)
    risks = forms.CharField(label=_("Risks"), max_length=200, required=False)
    insured = forms.BooleanField(label=_("Insurance is bought for the volunteers"), required=False)


class AttendanceForm(forms.Form):
    checked_in_at = forms.DateTimeField(
        label=_("Checked in at"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    checked_out_at = forms.DateTimeField(
        label=_("Checked out at"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)


class HonourForm(forms.Form):
    hours = forms.CharField(label=_("Hours"), max_length=8)
    served_on = forms.DateField(
        label=_("Served on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    content = forms.CharField(label=_("Service content"), max_length=200)
    reason = forms.CharField(label=_("Why these hours are certified"), max_length=200)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=_("Your objection"), max_length=500, required=False, widget=forms.Textarea
    )


class DecisionForm(forms.Form):
    uphold = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda v: v == "1",
        choices=[("1", _("Uphold: withdraw the star level")), ("0", _("Dismiss: award it"))],
        widget=forms.RadioSelect,
    )
    decision = forms.CharField(label=_("Reasons for the decision"), max_length=200, required=False)


# --- Time bank ----------------------------------------------------------------------------


class SettleForm(forms.Form):
    """Marking a settlement between communities cleared (the service checks the values)."""

    method = forms.ChoiceField(
        label=_("How it was settled"),
        choices=TimeSettlement.Method.choices,
        initial=TimeSettlement.Method.HOURS,
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class DepositForm(forms.Form):
    amount = forms.CharField(
        label=_("Hours to save as credits"),
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class GiveForm(forms.Form):
    number = forms.CharField(
        label=_("Family member's volunteer number"),
        max_length=20,
        help_text=_("On their volunteer page, e.g. ZY20260000012."),
    )
    name = forms.CharField(label=_("Their real name"), max_length=30)
    amount = forms.CharField(
        label=_("Credits to give (hours)"),
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class OfferForm(forms.Form):
    service = forms.ChoiceField(label=_("Service"), choices=list(SERVICES.items()))
    title = forms.CharField(label=_("Title"), max_length=60)
    description = forms.CharField(
        label=_("What you offer"), max_length=300, required=False, widget=forms.Textarea
    )
    hours = forms.CharField(
        label=_("Usual duration (hours)"),
        max_length=4,
        initial="1",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class TimeRequestForm(forms.Form):
    note = forms.CharField(label=_("Note for the provider"), max_length=200, required=False)


class ConfirmForm(forms.Form):
    hours = forms.CharField(
        label=_("How long it took (hours)"),
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
