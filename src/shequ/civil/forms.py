"""Forms of the civil pages (input shape only; the rules live in services)."""

import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.civil.models import (
    Call,
    Engagement,
    Evaluation,
    Field,
    Grade,
    Inspection,
    Kind,
    Membership,
    Organisation,
)
from shequ.civil.permissions import CALL_ISSUERS, REGISTRARS
from shequ.core.forms import StyledForm
from shequ.people.permissions import READERS
from shequ.web.pickers import DivisionPickerField, DivisionsPickerField, PersonPickerField


def _select_multiple() -> forms.SelectMultiple:
    return forms.SelectMultiple(attrs={"class": "form-select", "size": "5"})


class OrganisationForm(StyledForm):
    """Register, file or edit an organisation. ID number, mobile and bank account are
    typed only when they change: left empty on an edit, the stored value stays."""

    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    credit_code = forms.CharField(
        label=_("Unified social credit code (18 characters)"), max_length=30, required=False
    )
    authority = DivisionPickerField(
        label=_("Registering authority (district bureau, or the street for a filing)"),
        level=None,
        roles=REGISTRARS,
    )
    registered_on = forms.DateField(label=_("Registered on"), required=False)
    fields_of_service = forms.MultipleChoiceField(
        label=_("Fields of service"),
        choices=Field.choices,
        required=False,
        widget=_select_multiple(),
    )
    service_areas = DivisionsPickerField(
        label=_("Communities served"), roles=READERS, required=False
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    legal_rep_name = forms.CharField(label=_("Legal representative"), max_length=30)
    legal_rep_id = forms.CharField(
        label=_("Legal representative's ID number"), max_length=30, required=False
    )
    legal_rep_phone = forms.CharField(
        label=_("Legal representative's mobile"), max_length=20, required=False
    )
    staff_count = forms.IntegerField(label=_("Full-time staff"), min_value=0, required=False)
    volunteer_count = forms.IntegerField(label=_("Volunteers"), min_value=0, required=False)
    incubation = forms.ChoiceField(
        label=_("Incubation"), choices=Organisation.Incubation.choices, required=False
    )
    incubation_base = forms.CharField(label=_("Incubation base"), max_length=120, required=False)
    bank_name = forms.CharField(label=_("Bank"), max_length=80, required=False)
    bank_account = forms.CharField(label=_("Bank account"), max_length=40, required=False)
    admin_phone = forms.CharField(
        label=_("Mobile of the organisation's administrator (invited to act for it)"),
        max_length=20,
        required=False,
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["registered_on"].widget.input_type = "date"
        self.fields["legal_rep_id"].widget.attrs["autocomplete"] = "off"
        self.fields["bank_account"].widget.attrs["autocomplete"] = "off"
        if editing:
            del self.fields["admin_phone"]
            for name in ("legal_rep_id", "legal_rep_phone", "bank_account"):
                self.fields[name].help_text = _("Leave empty to keep the stored number.")
                self.fields[name].widget.attrs["placeholder"] = str(
                    _("Leave empty to keep the stored number.")
                )


class RatingForm(StyledForm):
    grade = forms.TypedChoiceField(label=_("Grade"), choices=Grade.choices, coerce=int)
    year = forms.IntegerField(label=_("Assessment year"))
    score = forms.IntegerField(label=_("Points (of 1,000)"), required=False)


class InspectionForm(StyledForm):
    year = forms.IntegerField(label=_("Inspection year"))
    result = forms.ChoiceField(label=_("Result"), choices=Inspection.Result.choices)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class StatusForm(StyledForm):
    status = forms.ChoiceField(label=_("Status"), choices=Organisation.Status.choices)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class InviteForm(StyledForm):
    phone = forms.CharField(label=_("Mobile number"), max_length=20)
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


ROWS = 4
LOTS = 3
# The documents calls usually ask for (the officer ticks them, and may add others).
STANDARD_DOCUMENTS = ("实施方案", "预算表", "居民议事会决议", "资质证明", "财务审计报告")


class CallForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=Call.Kind.choices)
    division = DivisionPickerField(
        label=_("Issued for (district or the city)"), level=None, roles=CALL_ISSUERS
    )
    field = forms.ChoiceField(label=_("Field of service"), choices=Field.choices)
    area = DivisionPickerField(
        label=_("Only organisations serving (district, street or community; optional)"),
        level=None,
        roles=CALL_ISSUERS,
        required=False,
    )
    budget = forms.DecimalField(label=_("Budget (yuan)"), decimal_places=2)
    max_award = forms.DecimalField(label=_("Most per project (yuan)"), decimal_places=2)
    year = forms.IntegerField(label=_("Budget year"))
    opens_at = forms.DateTimeField(label=_("Opens"))
    closes_at = forms.DateTimeField(label=_("Deadline"))
    eligible_kinds = forms.MultipleChoiceField(
        label=_("Open to"), choices=Kind.choices, required=False, widget=_select_multiple()
    )
    min_grade = forms.TypedChoiceField(
        label=_("Least grade valid at opening"),
        choices=[("", "—"), *Grade.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )
    inspection_required = forms.BooleanField(
        label=_("Last year's inspection passed"),
        required=False,
        initial=True,
        widget=forms.Select(choices=[(True, _("Required")), (False, _("Not required"))]),
    )
    min_self_share = forms.IntegerField(label=_("Least self-funding (%)"), required=False)
    objection_days = forms.IntegerField(label=_("Public notice days"), initial=5, min_value=1)
    required_documents = forms.MultipleChoiceField(
        label=_("Documents every application attaches"),
        choices=[(d, d) for d in STANDARD_DOCUMENTS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_documents = forms.CharField(
        label=_("Other required documents (separated by commas)"), required=False, max_length=600
    )

    def documents(self) -> list[str]:
        """The ticked documents and the others typed, in order."""
        typed = re.split(r"[,，、;\n]", self.cleaned_data.get("other_documents") or "")
        return [*(self.cleaned_data.get("required_documents") or []), *typed]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["opens_at"].widget.input_type = "datetime-local"
        self.fields["closes_at"].widget.input_type = "datetime-local"
        for i in range(1, ROWS + 1):
            self.fields[f"c{i}_name"] = forms.CharField(
                label=_("Criterion %(n)s") % {"n": i}, max_length=80, required=i == 1
            )
            self.fields[f"c{i}_weight"] = forms.IntegerField(
                label=_("Weight of criterion %(n)s (%%)") % {"n": i}, required=i == 1
            )
        for i in range(1, LOTS + 1):
            self.fields[f"lot{i}_name"] = forms.CharField(
                label=_("Lot %(n)s (optional)") % {"n": i}, max_length=80, required=False
            )
            self.fields[f"lot{i}_budget"] = forms.DecimalField(
                label=_("Budget of lot %(n)s (yuan)") % {"n": i},
                decimal_places=2,
                required=False,
            )

    def lots(self) -> list[tuple[str, Any]]:
        return [
            (self.cleaned_data.get(f"lot{i}_name") or "", self.cleaned_data.get(f"lot{i}_budget"))
            for i in range(1, LOTS + 1)
            if self.cleaned_data.get(f"lot{i}_name")
        ]


class ApplicationForm(StyledForm):
    organisation = forms.TypedChoiceField(label=_("Applying organisation"), coerce=int)
    # Filled by the view with the communities the user's organisations serve inside the call's
    # area (a resident has no area of their own for a division picker).
    # Filled by the view with the call's lots (left out when the call has none).
    lot = forms.TypedChoiceField(label=_("Lot"), coerce=int, required=False, empty_value=None)
    community = forms.ChoiceField(
        label=_("Partner community (community-making grants)"), required=False
    )
    title = forms.CharField(label=_("Project title"), max_length=120)
    # Not required here: a draft may leave them empty; submission requires them.
    summary = forms.CharField(
        label=_("What the project does, outputs and outcomes"),
        max_length=4000,
        required=False,
    )
    amount = forms.DecimalField(
        label=_("Amount requested (yuan)"), decimal_places=2, required=False
    )
    self_funding = forms.DecimalField(
        label=_("Self-funding (yuan)"), decimal_places=2, required=False, initial=0
    )
    council_minutes = forms.FileField(
        label=_("Residents' council decision (PDF or photo)"), required=False
    )

    def __init__(self, *args: Any, documents: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.document_names = list(documents)
        for i, name in enumerate(self.document_names):
            self.fields[f"doc{i}"] = forms.FileField(
                label=_("%(name)s (PDF, Word or photo)") % {"name": name}, required=False
            )
        for i in range(1, ROWS + 1):
            self.fields[f"b{i}_item"] = forms.CharField(
                label=_("Budget line %(n)s") % {"n": i}, max_length=80, required=False
            )
            self.fields[f"b{i}_amount"] = forms.CharField(
                label=_("Amount of line %(n)s (yuan)") % {"n": i}, max_length=20, required=False
            )

    def documents(self) -> dict[str, Any]:
        """The checklist's files uploaded with this form, by document name."""
        return {
            name: self.cleaned_data[f"doc{i}"]
            for i, name in enumerate(self.document_names)
            if self.cleaned_data.get(f"doc{i}")
        }

    def budget_lines(self) -> list[dict[str, str]]:
        return [
            {
                "item": self.cleaned_data.get(f"b{i}_item") or "",
                "amount": self.cleaned_data.get(f"b{i}_amount") or "",
            }
            for i in range(1, ROWS + 1)
        ]


class DetermineForm(StyledForm):
    reason = forms.CharField(label=_("Reasons of the determination"), max_length=300)


class ObjectionForm(StyledForm):
    text = forms.CharField(label=_("Your objection"), max_length=1000)


class AnswerForm(StyledForm):
    answer = forms.CharField(label=_("Answer"), max_length=1000)


class ContractForm(StyledForm):
    signed_on = forms.DateField(label=_("Signed on"))
    ends_on = forms.DateField(label=_("Ends on"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["signed_on"].widget.input_type = "date"
        self.fields["ends_on"].widget.input_type = "date"
        for i in range(1, 4):
            self.fields[f"t{i}_milestone"] = forms.CharField(
                label=_("Milestone %(n)s") % {"n": i}, max_length=120, required=i == 1
            )
            self.fields[f"t{i}_amount"] = forms.CharField(
                label=_("Tranche %(n)s (yuan)") % {"n": i}, max_length=20, required=i == 1
            )
            self.fields[f"t{i}_due"] = forms.DateField(
                label=_("Milestone %(n)s due") % {"n": i}, required=i == 1
            )
            self.fields[f"t{i}_due"].widget.input_type = "date"


class ReportForm(StyledForm):
    report = forms.CharField(label=_("Progress report"), max_length=4000)
    people_served = forms.IntegerField(label=_("People served"), required=False, min_value=0)


class ExpertForm(StyledForm):
    person = PersonPickerField(label=_("Expert (a resident with an account)"), roles=CALL_ISSUERS)
    display_name = forms.CharField(label=_("Name shown"), max_length=60)


class EngagementForm(StyledForm):
    # Filled by the view with the organisations of the officer's area.
    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    kind = forms.ChoiceField(label=_("Engagement"), choices=Engagement.Kind.choices)
    via = forms.TypedChoiceField(
        label=_("Paid through the expert's organisation (optional)"),
        coerce=int,
        required=False,
        empty_value=None,
    )
    started_on = forms.DateField(label=_("From"))
    ended_on = forms.DateField(label=_("Until (empty: still)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, organisations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = organisations  # type: ignore[attr-defined]
        self.fields["via"].choices = [("", "—"), *organisations]  # type: ignore[attr-defined]
        self.fields["started_on"].widget.input_type = "date"
        self.fields["ended_on"].widget.input_type = "date"


class EvaluationForm(StyledForm):
    stage = forms.ChoiceField(label=_("Stage"), choices=Evaluation.Stage.choices)
    # Filled by the view: the experts of the pool and the registry's active organisations
    # other than the contractor.
    expert = forms.TypedChoiceField(
        label=_("Evaluating expert"), coerce=int, required=False, empty_value=None
    )
    evaluator = forms.TypedChoiceField(
        label=_("Or a third-party evaluator organisation"),
        coerce=int,
        required=False,
        empty_value=None,
    )
    score = forms.DecimalField(label=_("Score (of 100)"), decimal_places=2)
    summary = forms.CharField(label=_("Findings"), max_length=4000)
    report = forms.FileField(label=_("Evaluation report (PDF or Word)"), required=False)
    evaluated_on = forms.DateField(label=_("Evaluated on"))

    def __init__(
        self,
        *args: Any,
        experts: list[tuple[int, str]],
        organisations: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expert"].choices = [("", "—"), *experts]  # type: ignore[attr-defined]
        self.fields["evaluator"].choices = [("", "—"), *organisations]  # type: ignore[attr-defined]
        self.fields["evaluated_on"].widget.input_type = "date"


class AssignForm(StyledForm):
    """Choose a reviewer among the experts the officer can still assign (a picker)."""

    expert = forms.TypedChoiceField(label=_("Reviewer from the expert pool"), coerce=int)

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expert"].choices = [("", _("Choose an expert")), *choices]  # type: ignore[attr-defined]


class DeclarationForm(StyledForm):
    """An expert's conflict-of-interest declaration before scoring."""

    conflict = forms.ChoiceField(
        label=_("Conflict of interest with the applicant"),
        choices=[
            ("", _("Choose your declaration")),
            ("no", _("I have no conflict of interest")),
            ("yes", _("I have a conflict of interest")),
        ],
    )
    reason = forms.CharField(
        label=_("Reason (if you have a conflict)"), max_length=300, required=False
    )
