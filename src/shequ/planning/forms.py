"""Forms of the planners' and experts' pages; pickers are bound to the user's area."""

from typing import Any, cast

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.civil.models import Organisation
from shequ.core.forms import StyledForm
from shequ.core.scopes import Area, Role
from shequ.indicators.models import Indicator
from shequ.participation.models import Proposal
from shequ.people.models import StaffRole, User
from shequ.people.permissions import WORKERS, areas_of
from shequ.planning.models import Assignment
from shequ.planning.permissions import ASSIGNERS
from shequ.policies.models import Policy
from shequ.projects.models import Project
from shequ.web.pickers import DivisionPickerField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
RUNNERS = WORKERS | {Role.PLANNER}


class PlanningForm(StyledForm):
    """Inputs carry Bootstrap's class so the templates render ``{{ field }}`` alone."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif not isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-control")


class PlannerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


class AssignmentForm(PlanningForm):
    planner = PlannerChoiceField(label=_("Planner"), queryset=User.objects.none())
    community = DivisionPickerField(label=_("Community"), roles=ASSIGNERS)
    term_start = forms.DateField(label=_("Term starts"), widget=DATE)
    term_end = forms.DateField(label=_("Term ends"), widget=DATE)
    hours_per_month = forms.IntegerField(label=_("Hours committed a month"))
    organisation = forms.ModelChoiceField(
        label=_("Contracting organisation (registry)"),
        queryset=Organisation.objects.none(),
        required=False,
    )
    contract_party = forms.CharField(
        label=_("Contract party (if not in the registry)"), max_length=120, required=False
    )

    def bind(self, user: Any) -> None:
        """Planners whose district or street overlaps the user's area; the registry."""
        areas = [a for a in areas_of(user) if a.role in ASSIGNERS or a.role == Role.SYSTEM_ADMIN]
        roles = StaffRole.objects.filter(role=Role.PLANNER, is_active=True).values_list(
            "user_id", "division_id"
        )
        ids = [
            user_id
            for user_id, code in roles
            if any(
                a.is_everywhere
                or a.covers_division(code)
                or (code and Area(role=a.role, division_code=code).covers_division(a.division_code))
                for a in areas
            )
        ]
        planners = User.objects.filter(pk__in=ids)
        field = self.fields["planner"]
        field = cast(forms.ModelChoiceField, field)
        field.queryset = planners.distinct().order_by("username")
        organisation = self.fields["organisation"]
        organisation = cast(forms.ModelChoiceField, organisation)
        organisation.queryset = Organisation.objects.filter(
            status=Organisation.Status.ACTIVE
        ).order_by("name")[:500]


class ConsultationForm(PlanningForm):
    community = DivisionPickerField(label=_("Community"), roles=RUNNERS)
    title = forms.CharField(label=_("Title"), max_length=120)
    topic = forms.CharField(label=_("Topic"), max_length=2000, widget=forms.Textarea)
    place = forms.CharField(label=_("Place"), max_length=120)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME)


class NotesForm(PlanningForm):
    notes = forms.CharField(
        label=_("Notes"), max_length=8000, required=False, widget=forms.Textarea
    )
    photo = forms.FileField(label=_("Add a photo (JPG or PNG)"), required=False)


class PeopleSearchForm(PlanningForm):
    q = forms.CharField(
        label=_("Resident's name (optionally followed by the mobile number's last digits)"),
        max_length=40,
    )


class PromoteForm(PlanningForm):
    title = forms.CharField(label=_("Title of the proposal"), max_length=120)
    category = forms.ChoiceField(label=_("Category"), choices=Proposal.Category.choices)


class SuggestionForm(PlanningForm):
    text = forms.CharField(label=_("Your suggestion"), max_length=2000, widget=forms.Textarea)
    photo = forms.FileField(label=_("Photo (optional, JPG or PNG)"), required=False)


class RatingForm(PlanningForm):
    stars = forms.TypedChoiceField(
        label=_("Stars"), coerce=int, choices=[(n, "★" * n) for n in range(5, 0, -1)]
    )
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)


class PlanForm(PlanningForm):
    community = DivisionPickerField(label=_("Community"), roles=RUNNERS)
    title = forms.CharField(label=_("Title"), max_length=160)
    summary = forms.CharField(
        label=_("Summary"), max_length=4000, required=False, widget=forms.Textarea
    )


class ProjectsForm(PlanningForm):
    projects = forms.ModelMultipleChoiceField(
        label=_("Projects that follow from the plan"),
        queryset=Project.objects.none(),
        required=False,
    )

    def bind(self, community_code: str) -> None:
        field = self.fields["projects"]
        field = cast(forms.ModelMultipleChoiceField, field)
        field.queryset = (
            Project.objects.filter(Q(communities=community_code) | Q(division_id=community_code))
            .distinct()
            .order_by("-year", "name")
        )


class PlanEditForm(PlanningForm):
    title = forms.CharField(label=_("Title"), max_length=160)
    summary = forms.CharField(
        label=_("Summary"), max_length=4000, required=False, widget=forms.Textarea
    )


class WithdrawForm(PlanningForm):
    reason = forms.CharField(
        label=_("Why it is withdrawn (kept with it)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class VersionForm(PlanningForm):
    file = forms.FileField(label=_("Document (PDF or Word .docx)"))
    notes = forms.CharField(label=_("What changed"), max_length=500, required=False)


class WorkLogForm(PlanningForm):
    community = forms.ChoiceField(label=_("Community"))
    date = forms.DateField(label=_("Date"), widget=DATE)
    hours = forms.DecimalField(label=_("Hours"), max_digits=4, decimal_places=1)
    work = forms.CharField(label=_("What was done"), max_length=2000, widget=forms.Textarea)
    photo = forms.FileField(label=_("Photo (optional)"), required=False)

    def bind(self, user: Any) -> None:
        rows = (
            Assignment.objects.filter(planner_id=user.pk)
            .select_related("community")
            .order_by("community__name")
        )
        field = self.fields["community"]
        field = cast(forms.ChoiceField, field)
        field.choices = list(
            {a.community_id: (a.community_id, a.community.name) for a in rows}.values()
        )


class ReportForm(PlanningForm):
    title = forms.CharField(label=_("Title"), max_length=160)
    summary = forms.CharField(label=_("Summary"), max_length=2000, widget=forms.Textarea)
    findings = forms.CharField(label=_("Findings"), max_length=8000, widget=forms.Textarea)
    recommendations = forms.CharField(
        label=_("Recommendations"), max_length=8000, widget=forms.Textarea
    )
    policies = forms.ModelMultipleChoiceField(
        label=_("Policies it assesses"),
        queryset=Policy.objects.filter(is_published=True).order_by("-issued_on"),
    )
    indicators = forms.ModelMultipleChoiceField(
        label=_("Indicators it uses"),
        queryset=Indicator.objects.select_related("version").order_by("code"),
        required=False,
    )
    file = forms.FileField(label=_("Full report (PDF or Word .docx, optional)"), required=False)
