"""Forms of requests. The services check every value; these carry the errors to the page."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.appeals.models import (
    Category,
    DeadlineClass,
    DissatisfactionCause,
    Nature,
    Satisfaction,
    Unit,
)
from shequ.appeals.services.handling import RETURN_REASONS
from shequ.core.forms import StyledForm
from shequ.people.models import Department
from shequ.web.pickers import DivisionPickerField

SHANGHAI = ZoneInfo("Asia/Shanghai")


class IntakeForm(StyledForm):
    category = forms.IntegerField(label=_("What is it about"))
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea)
    community = forms.CharField(label=_("Community"))
    location = forms.CharField(label=_("Place on the map"), required=False)
    photos = forms.FileField(label=_("Photos"), required=False)
    address = forms.CharField(label=_("Address or landmark"), required=False)
    caller_name = forms.CharField(label=_("Caller's name"), required=False)
    caller_phone = forms.CharField(label=_("Caller's mobile number"), required=False)


class DispatchForm(StyledForm):
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.filter(is_active=True), empty_label=None
    )
    note = forms.CharField(label=_("Note for the unit"), max_length=300)


class ReturnForm(StyledForm):
    reason = forms.ChoiceField(
        label=_("Why return it"), choices=[("", "—"), *RETURN_REASONS.items()]
    )
    text = forms.CharField(
        label=_("Explain"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class CloseForm(StyledForm):
    reply = forms.CharField(
        label=_("Reply to the resident (public)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = forms.FileField(label=_("Photos of the fix"), required=False)
    template = forms.ChoiceField(
        label=_("Or use a reply template of your unit"), required=False, choices=[]
    )

    def __init__(
        self, *args: object, templates: list[tuple[str, str]] | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["template"]
        field.choices = [("", "—"), *(templates or [])]  # type: ignore[attr-defined]
        field.help_text = _("Used as the reply when the reply above is left empty.")
        if templates:
            self.fields["reply"].required = False
        else:
            del self.fields["template"]


class ReferForm(StyledForm):
    note = forms.CharField(
        label=_("Why the committee must rule (internal)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RulingForm(StyledForm):
    unit = forms.ModelChoiceField(
        label=_("Unit that handles it"),
        queryset=Unit.objects.filter(is_active=True),
        empty_label="—",
    )
    ruling = forms.CharField(
        label=_("Written ruling (internal; the public sees the unit only)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AssignForm(StyledForm):
    officer = forms.ChoiceField(label=_("Officer of the unit"), choices=[])
    note = forms.CharField(
        label=_("Note for the officer"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self, *args: object, officers: list[tuple[int, str]] | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *[(str(pk), label) for pk, label in officers or []],
        ]


class UnitHeadForm(StyledForm):
    head = forms.ChoiceField(label=_("Head of the unit"), choices=[], required=False)

    def __init__(
        self, *args: object, members: list[tuple[int, str]] | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["head"].choices = [  # type: ignore[attr-defined]
            ("", _("— nobody —")),
            *[(str(pk), label) for pk, label in members or []],
        ]


class NoteForm(StyledForm):
    text = forms.CharField(
        label=_("Internal note (staff only, never public)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReplyTemplateForm(StyledForm):
    unit = forms.ChoiceField(label=_("Unit"), choices=[])
    title = forms.CharField(label=_("Title"), max_length=60)
    text = forms.CharField(
        label=_("Reply text"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self, *args: object, units: list[tuple[int, str]] | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [  # type: ignore[attr-defined]
            (str(pk), name) for pk, name in units or []
        ]


class RateForm(StyledForm):
    level = forms.ChoiceField(label=_("How satisfied are you"), choices=Satisfaction.choices)
    fixed = forms.TypedChoiceField(
        label=_("Is the problem fixed?"),
        choices=[("1", _("Yes")), ("0", _("No"))],
        coerce=lambda v: v == "1",
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    cause = forms.ChoiceField(
        label=_("If not satisfied, the main reason"),
        choices=[("", "—"), *DissatisfactionCause.choices],
        required=False,
    )


class CategoryForm(StyledForm):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=60)
    name_en = forms.CharField(
        label=_("English name"),
        max_length=120,
        required=False,
        help_text=_("Optional. Shown instead of the Chinese name on English pages."),
    )
    nature = forms.ChoiceField(label=_("Nature"), choices=Nature.choices)
    deadline_class = forms.ChoiceField(label=_("Deadline class"), choices=DeadlineClass.choices)
    out_of_scope = forms.BooleanField(label=_("Not taken here"), required=False)
    redirect_text = forms.CharField(label=_("Where to go instead"), required=False, max_length=300)
    service_code = forms.SlugField(
        label=_("Catalogue service code that opens this intake"), required=False, max_length=60
    )
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=1000, initial=100)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)
    followup = forms.BooleanField(label=_("Follow-up questionnaire after a fix"), required=False)
    followup_days = forms.IntegerField(
        label=_("Days after the rating to ask"), initial=30, required=False
    )


class UnitForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=Unit.Kind.choices)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.filter(is_active=True), required=False
    )
    division = DivisionPickerField(label=_("Place"), level=None, required=False)


class RoutingRowForm(StyledForm):
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.filter(is_active=True, out_of_scope=False)
    )
    place = DivisionPickerField(label=_("Place"), level=None)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.filter(is_active=True))
    note = forms.CharField(label=_("What changed"), max_length=200)


class Open311KeyForm(StyledForm):
    name = forms.CharField(label=_("Client application"), max_length=100)
    unit = forms.ModelChoiceField(
        label=_("Owner unit"), queryset=Unit.objects.filter(is_active=True)
    )


class ExtensionForm(StyledForm):
    new_deadline = forms.DateTimeField(
        label=_("New deadline"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(
        label=_("Why more time is needed"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ExtensionDecisionForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason of the decision"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OutcomeForm(StyledForm):
    """Link a request and the requests like it to a proposal or a project of its community."""

    target = forms.ChoiceField(label=_("What it led to"))
    also = forms.MultipleChoiceField(
        label=_("Requests like it to link too"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: object,
        targets: list[tuple[str, list[tuple[str, str]]]],
        like: list[tuple[str, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [("", "—"), *targets]  # type: ignore[attr-defined]
        self.fields["also"].choices = like  # type: ignore[attr-defined]


class PeriodForm(forms.Form):
    """The period of the statistics: a month, or any span of days up to three years."""

    MOST_DAYS = 3 * 366

    month = forms.RegexField(
        label=_("Month"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        widget=forms.TextInput(attrs={"type": "month"}),
        error_messages={"invalid": _("Give the month as YYYY-MM.")},
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To (inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if (start is None) != (end is None) and not self.errors:
            raise forms.ValidationError(_("Give both the first and the last day."))
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The last day comes before the first."))
            if (end - start).days >= self.MOST_DAYS:
                raise forms.ValidationError(_("Choose at most three years."))
        return data

    def bounds(self) -> tuple[datetime, datetime, str]:
        """The valid form's period as aware bounds [since, until) in Shanghai time, and its
        label; this month when nothing was asked."""
        data = self.cleaned_data
        if data.get("start") and data.get("end"):
            start, end = data["start"], data["end"]
            since = datetime(start.year, start.month, start.day, tzinfo=SHANGHAI)
            until = datetime(end.year, end.month, end.day, tzinfo=SHANGHAI) + timedelta(days=1)
            return since, until, f"{start:%Y-%m-%d} — {end:%Y-%m-%d}"
        if data.get("month"):
            year, month = (int(part) for part in data["month"].split("-"))
        else:
            today = timezone.localdate()
            year, month = today.year, today.month
        since = datetime(year, month, 1, tzinfo=SHANGHAI)
        return since, (since + timedelta(days=32)).replace(day=1), f"{since:%Y-%m}"


class FollowupForm(StyledForm):
    still_fixed = forms.ChoiceField(
        label=_("Is the problem still fixed?"), choices=[("yes", _("Yes")), ("no", _("No"))]
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ClusterLinkForm(StyledForm):
    target = forms.ChoiceField(label=_("Proposal or project"), choices=[])

    def __init__(self, *args: Any, targets: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["target"]
        if isinstance(field, forms.ChoiceField):
            field.choices = [("", "—"), *targets]


class ClusterMergeForm(StyledForm):
    """Merge another cluster into this one: picked from the candidates, never typed."""

    other = forms.ChoiceField(label=_("Cluster to merge into this one"), choices=[])

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["other"]
        if isinstance(field, forms.ChoiceField):
            field.choices = [("", "—"), *choices]


class ClusterDetachForm(StyledForm):
    """Take one request of the cluster out of it (alone, or into a cluster of its own)."""

    appeal = forms.ChoiceField(label=_("Request to take out"), choices=[])
    new_cluster = forms.BooleanField(label=_("Put it in a new cluster of its own"), required=False)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["appeal"]
        if isinstance(field, forms.ChoiceField):
            field.choices = [("", "—"), *choices]
