from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.participation.models import AgendaItem, Council, Proposal, Round
from shequ.people.levels import level_choices
from shequ.web.pickers import DivisionPickerField, PersonPickerField


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ProposalForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, max_length=4000)
    category = forms.ChoiceField(label=_("Category"), choices=Proposal.Category.choices)
    estimated_cost = forms.DecimalField(
        label=_("Estimated cost (yuan)"), required=False, decimal_places=2
    )
    # A list of uploads; the service checks count, type (extension + content) and size.
    photos = forms.Field(
        label=_("Photos (up to 3, jpg or png, 5 MB each)"),
        required=False,
        widget=MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png"}),
    )

    def clean_photos(self) -> list[Any]:
        value = self.cleaned_data.get("photos")
        if not value:
            return []
        return list(value) if isinstance(value, list | tuple) else [value]


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class PaperBallotForm(StyledForm):
    sheet = forms.CharField(label=_("Sheet number"), max_length=20)
    resident_id = PersonPickerField(
        label=_("Voter"),
        help_text=_("Search the voter by name; the sheet counts for the resident chosen."),
    )


# ---------------------------------------------------------------- console forms


class CommunityPickForm(forms.Form):
    """City-wide staff open a community's desk by picking it (district → street → community)."""

    code = DivisionPickerField(label=_("Community"))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class ConsoleForm(StyledForm):
    """Bootstrap classes on every widget, so templates render ``{{ field }}`` as it is.
    Choices that depend on the community are passed in; whether a choice is allowed is the
    service's decision, so its message is shown on the form."""

    def __init__(self, *args: Any, choices: dict[str, list[Any]] | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        for name, options in (choices or {}).items():
            widget = self.fields[name].widget
            if isinstance(widget, forms.Select):
                widget.choices = options
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                widget.attrs.setdefault("class", "form-check-input")
            elif not isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-control")


def _pick(label: Any, *, required: bool = True) -> forms.IntegerField:
    """An id chosen from a list (the list is given per request)."""
    return forms.IntegerField(label=label, required=required, widget=forms.Select)


class CouncilLevelsForm(ConsoleForm):
    support_level = forms.TypedChoiceField(
        label=_("Verification level to support proposals"),
        choices=[("", _("As set for the whole system")), *level_choices()],
        coerce=int,
        empty_value=None,
        required=False,
    )
    object_level = forms.TypedChoiceField(
        label=_("Verification level to object to fund decisions"),
        choices=[("", _("As set for the whole system")), *level_choices()],
        coerce=int,
        empty_value=None,
        required=False,
    )
    comment_level = forms.TypedChoiceField(
        label=_("Verification level to comment"),
        choices=[("", _("ID checked")), *level_choices()],
        coerce=int,
        empty_value=None,
        required=False,
    )


class CouncilForm(CouncilLevelsForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=Council.Kind.choices)
    support_threshold = forms.IntegerField(
        label=_("Supports a proposal needs to reach the agenda"), initial=10
    )
    quorum_num = forms.IntegerField(label=_("Quorum numerator"), initial=2)
    quorum_den = forms.IntegerField(label=_("Quorum denominator"), initial=3)

    field_order = ["name", "kind", "support_threshold", "quorum_num", "quorum_den"]


class MemberForm(ConsoleForm):
    resident_id = PersonPickerField(label=_("Member"))
    term_start = forms.DateField(label=_("Term starts"), widget=DateInput)
    term_end = forms.DateField(label=_("Term ends"), widget=DateInput)
    is_chair = forms.BooleanField(label=_("Chair"), required=False)


class MemberEndForm(ConsoleForm):
    last_day = forms.DateField(label=_("Last day in office"), widget=DateInput)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class MeetingForm(ConsoleForm):
    title = forms.CharField(label=_("Title"), max_length=120)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeInput)
    location = forms.CharField(label=_("Location"), max_length=120, required=False)
    capacity = forms.IntegerField(
        label=_("Seats for residents (empty: no registration)"),
        min_value=1,
        max_value=10000,
        required=False,
    )


class AgendaForm(ConsoleForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=AgendaItem.Kind.choices)
    proposal_id = _pick(_("Proposal (for a proposal item)"), required=False)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    amount = forms.CharField(label=_("Amount (yuan, for a spending item)"), required=False)
    secret = forms.BooleanField(label=_("Secret vote"), required=False)


class RoundForm(ConsoleForm):
    title = forms.CharField(label=_("Title"), max_length=120)
    fund_account_id = _pick(_("Fund account"))
    budget = forms.CharField(label=_("Budget (whole yuan)"), max_length=20)
    rule = forms.ChoiceField(label=_("Ballot rule"), choices=Round.Rule.choices)
    max_choices = forms.IntegerField(label=_("k (for k-approval)"), initial=3)
    method = forms.ChoiceField(
        label=_("Counting method"),
        choices=Round.Method.choices,
        initial=Round.Method.EQUAL_SHARES,
    )
    collect_until = forms.DateField(label=_("Proposals until"), required=False, widget=DateInput)
    review_until = forms.DateField(label=_("Review until"), required=False, widget=DateInput)
    voting_from = forms.DateTimeField(label=_("Voting opens"), required=False, widget=DateTimeInput)
    voting_until = forms.DateTimeField(
        label=_("Voting closes"), required=False, widget=DateTimeInput
    )
    vote_level = forms.TypedChoiceField(
        label=_("Verification level to vote"),
        choices=[("", _("As set for the whole system")), *level_choices()],
        coerce=int,
        empty_value=None,
        required=False,
    )


class RulesForm(ConsoleForm):
    rule = forms.ChoiceField(label=_("Ballot rule"), choices=Round.Rule.choices)
    max_choices = forms.IntegerField(label=_("k (for k-approval)"))
    method = forms.ChoiceField(label=_("Counting method"), choices=Round.Method.choices)
    budget = forms.CharField(
        label=_("Budget (whole yuan; only while the round is being prepared)"),
        max_length=20,
        required=False,
    )


class DatesForm(ConsoleForm):
    collect_until = forms.DateField(label=_("Proposals until"), required=False, widget=DateInput)
    review_until = forms.DateField(label=_("Review until"), required=False, widget=DateInput)
    voting_from = forms.DateTimeField(label=_("Voting opens"), required=False, widget=DateTimeInput)
    voting_until = forms.DateTimeField(
        label=_("Voting closes"), required=False, widget=DateTimeInput
    )


class ProjectForm(ConsoleForm):
    proposal_id = _pick(_("From a proposal (optional)"), required=False)
    title = forms.CharField(
        label=_("Title (empty: the proposal's title)"), max_length=120, required=False
    )
    description = forms.CharField(
        label=_("Description"), max_length=4000, required=False, widget=forms.Textarea
    )
    cost = forms.CharField(label=_("Cost (whole yuan)"), max_length=20)
    is_works = forms.BooleanField(label=_("Construction works"), required=False)


class ReviewForm(ConsoleForm):
    feasible = forms.TypedChoiceField(
        label=_("Result of the review"),
        choices=[("1", _("Feasible")), ("0", _("Not feasible"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    cost = forms.CharField(label=_("Reviewed cost (whole yuan)"), max_length=20, required=False)
    note = forms.CharField(
        label=_("Reason / note (required when not feasible)"), max_length=300, required=False
    )


class MergeForm(ConsoleForm):
    into_id = _pick(_("Merge into"))
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class DecisionForm(ConsoleForm):
    item_id = _pick(_("Council decision (a passed spending item)"))


class AnswerForm(ConsoleForm):
    state = forms.ChoiceField(label=_("Official answer"), choices=[])
    text = forms.CharField(
        label=_("Explanation (required for “not feasible”)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    merge_into_id = _pick(_("Merged into (only for “merged”)"), required=False)

    def __init__(self, *args: Any, states: list[Any] | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        field = self.fields["state"]
        if isinstance(field, forms.ChoiceField):
            field.choices = states or []


class DebateForm(ConsoleForm):
    title = forms.CharField(label=_("Question"), max_length=120)
    description = forms.CharField(
        label=_("Description"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )
    council_id = _pick(_("In the name of (empty: the community)"), required=False)
    opens_at = forms.DateTimeField(
        label=_("Opens (empty: now)"), widget=DateTimeInput, required=False
    )
    closes_at = forms.DateTimeField(label=_("Closes"), widget=DateTimeInput)


class DebateCloseForm(ConsoleForm):
    summary = forms.CharField(
        label=_("Summary of the arguments and the outcome"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
