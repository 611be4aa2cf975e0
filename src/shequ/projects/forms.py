"""Forms of the project console (input shape only; the rules live in services)."""

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.projects.models import Photo, Status
from shequ.projects.permissions import MANAGERS
from shequ.web.pickers import DivisionsPickerField


class ProjectForm(StyledForm):
    """Registration (with a code) and later edits (``editing=True``: the code stays)."""

    code = forms.CharField(label=_("Project code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=200)
    project_type = forms.CharField(label=_("Project type"), max_length=40)
    communities = DivisionsPickerField(
        label=_("Communities of the project"),
        roles=MANAGERS,
        help_text=_("Choose the district and street, then tick the communities (one district)."),
    )
    year = forms.IntegerField(label=_("Year"))
    location = forms.CharField(label=_("Location (GeoJSON geometry)"), required=False)
    planned_city = forms.DecimalField(label=_("Planned city funds"), required=False)
    planned_district = forms.DecimalField(label=_("Planned district funds"), required=False)
    planned_social = forms.DecimalField(label=_("Planned social capital"), required=False)
    department = forms.CharField(label=_("Responsible department"), required=False)
    implementer = forms.CharField(label=_("Implementer"), max_length=100, required=False)
    planned_start = forms.DateField(label=_("Planned start"), required=False)
    planned_end = forms.DateField(label=_("Planned end"), required=False)
    description = forms.CharField(label=_("Description"), max_length=2000, required=False)

    def __init__(
        self,
        *args: Any,
        type_choices: list[tuple[str, str]],
        department_choices: list[tuple[str, str]],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]
        self.fields["project_type"] = forms.ChoiceField(
            label=_("Project type"),
            choices=type_choices,
            widget=forms.Select(attrs={"class": "form-select"}),
        )
        self.fields["department"] = forms.ChoiceField(
            label=_("Responsible department"),
            choices=[("", "—"), *department_choices],
            required=False,
            widget=forms.Select(attrs={"class": "form-select"}),
        )
        self.fields["planned_start"].widget.input_type = "date"
        self.fields["planned_end"].widget.input_type = "date"

    def clean_location(self) -> dict[str, Any] | None:
        text = self.cleaned_data.get("location") or ""
        if not text.strip():
            return None
        try:
            value = json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(_("The location is not valid JSON.")) from error
        if isinstance(value, dict) and value.get("type") == "Feature":
            value = value.get("geometry")
        return value if isinstance(value, dict) else {"type": None}


class TransitionForm(StyledForm):
    target = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    on = forms.DateField(label=_("Date"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].widget.input_type = "date"


class ProgressForm(StyledForm):
    month = forms.DateField(label=_("Month"), input_formats=["%Y-%m", "%Y-%m-%d"])
    progress = forms.IntegerField(label=_("Progress (%)"))
    actual_city = forms.DecimalField(label=_("Actual city funds"), required=False)
    actual_district = forms.DecimalField(label=_("Actual district funds"), required=False)
    actual_social = forms.DecimalField(label=_("Actual social capital"), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["month"].widget.input_type = "month"


class PhotoForm(StyledForm):
    phase = forms.ChoiceField(label=_("Phase"), choices=Photo.Phase.choices)
    image = forms.FileField(label=_("Photo"))
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)


class MilestoneForm(StyledForm):
    name = forms.CharField(label=_("Milestone"), max_length=100)
    weight = forms.IntegerField(label=_("Weight (%)"))
    planned_on = forms.DateField(label=_("Planned date"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["planned_on"].widget.input_type = "date"


class UploadForm(StyledForm):
    file = forms.FileField(label=_("Excel file (.xlsx)"))
    valid_rows_only = forms.BooleanField(
        label=_("Import the valid rows and skip the others"), required=False
    )


class MonthlyUploadForm(UploadForm):
    month = forms.DateField(label=_("Month"), input_formats=["%Y-%m", "%Y-%m-%d"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["month"].widget.input_type = "month"
        self.order_fields(["month", "file", "valid_rows_only"])


class ProjectTypeForm(StyledForm):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=60)
    name_en = forms.CharField(
        label=_("English name"),
        max_length=120,
        required=False,
        help_text=_("Optional. Shown instead of the Chinese name on English pages."),
    )
    action = forms.CharField(label=_("Action"), max_length=40)
    report_label = forms.CharField(label=_("Label in reports"), max_length=60, required=False)
    unit = forms.CharField(label=_("Measure word"), max_length=4, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, action_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"] = forms.ChoiceField(
            label=_("Action"),
            choices=action_choices,
            widget=forms.Select(attrs={"class": "form-select"}),
        )
