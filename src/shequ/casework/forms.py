"""Forms of casework. The application form is built from its definition (data, not code);
the service validates the answers, so the Django form only renders and carries errors."""

import json
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.casework.models import FormDefinition
from shequ.casework.services.applications import STAFF_ACTIONS
from shequ.casework.services.definitions import FILE_TYPES
from shequ.casework.services.holidays import HolidayPeriod
from shequ.core.forms import StyledForm
from shequ.core.pii import unseal


class DateWidget(forms.DateInput):
    input_type = "date"


def application_form_class(
    definition: FormDefinition,
    *,
    kept: Mapping[str, Any] | None = None,
    only: Sequence[str] | None = None,
) -> type[forms.Form]:
    """A Django form with one field per defined field and document. ``kept``: the answers on
    file (a resubmission), whose personal numbers may be left blank to keep them; ``only``:
    the items a request for more information named (a resubmission shows just those)."""
    fields: dict[str, forms.Field] = {}
    for spec in definition.fields:
        if only and spec["name"] not in only:
            continue
        label, kind = spec["label"], spec["type"]
        field: forms.Field
        if kind == "textarea":
            field = forms.CharField(label=label, widget=forms.Textarea)
        elif kind in ("integer", "decimal"):
            field = forms.CharField(label=label, widget=forms.NumberInput(attrs={"step": "any"}))
        elif kind == "date":
            field = forms.CharField(label=label, widget=DateWidget())
        elif kind == "choice":
            choices = [("", "—")] + [(str(c), str(c)) for c in spec.get("choices", [])]
            field = forms.ChoiceField(
                label=label, choices=choices, widget=forms.Select(attrs={"class": "form-select"})
            )
        elif kind == "boolean":
            field = forms.BooleanField(label=label)
        elif kind == "phone":
            field = forms.CharField(
                label=label, widget=forms.TextInput(attrs={"inputmode": "tel", "maxlength": 20})
            )
        elif kind == "id_number":
            field = forms.CharField(
                label=label, widget=forms.TextInput(attrs={"maxlength": 18, "autocomplete": "off"})
            )
        else:
            field = forms.CharField(label=label)
        field.required = False
        on_file = unseal((kept or {}).get(spec["name"]))
        if on_file is not None:
            field.help_text = _("Leave blank to keep %(number)s.") % {"number": on_file.masked}
        setattr(field, "shequ_required", bool(spec.get("required")))  # noqa: B010 - template flag
        fields[spec["name"]] = field
    for spec in definition.documents:
        if only and spec["name"] not in only:
            continue
        types = spec.get("types", [])
        accept = ",".join(FILE_TYPES[t][0] for t in types if t in FILE_TYPES)
        field = forms.FileField(
            label=spec["label"],
            required=False,
            widget=forms.ClearableFileInput(attrs={"accept": accept}),
            help_text=_("%(types)s, at most %(kb)s KB")
            % {"types": "/".join(types).upper(), "kb": spec.get("max_kb", 2048)},
        )
        required = bool(spec.get("required")) or bool(only)  # a requested slot: upload anew
        setattr(field, "shequ_required", required)  # noqa: B010 - template flag
        fields[spec["name"]] = field
    return type("ApplicationForm", (forms.Form,), fields)


class RevealAnswerForm(StyledForm):
    """Which personal number of an application to show in full, and why (audited)."""

    field = forms.ChoiceField(label=_("Number to show"))
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, *args: Any, answers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = answers  # type: ignore[attr-defined]


class ActionForm(StyledForm):
    """A staff step; ``requested`` (for a request for more information) is rendered as
    checkboxes of the application form's fields and document slots."""

    action = forms.ChoiceField(choices=[(a, a) for a in STAFF_ACTIONS])
    note = forms.CharField(label=_("Note or reason"), max_length=1000, required=False)


class FormDefinitionForm(forms.Form):
    fields_json = forms.CharField(label=_("Fields (JSON)"), widget=forms.Textarea)
    documents_json = forms.CharField(label=_("Documents (JSON)"), widget=forms.Textarea)
    min_age = forms.IntegerField(
        label=_("Minimum age"),
        required=False,
        min_value=0,
        max_value=150,
        help_text=_("From the registry's date of birth, on the day of submission."),
    )
    max_age = forms.IntegerField(label=_("Maximum age"), required=False, min_value=0, max_value=150)
    residence = forms.ChoiceField(
        label=_("Residence"),
        required=False,
        choices=[
            ("", _("Anybody")),
            ("city", _("Residents of the city (registered in a community)")),
            ("community", _("Residents of the communities below")),
        ],
    )
    communities = forms.CharField(
        label=_("Only these communities"),
        required=False,
        help_text=_("Division codes, separated by spaces or commas."),
    )

    def eligibility(self) -> dict[str, Any]:
        """The eligibility rules as the form definition keeps them (unset rules left out)."""
        data = self.cleaned_data
        codes = (data.get("communities") or "").replace(",", " ").replace("，", " ").split()
        return {
            "min_age": data.get("min_age"),
            "max_age": data.get("max_age"),
            "residence": data.get("residence") or "",
            "communities": codes,
        }

    def clean_fields_json(self) -> Any:
        return _parse(self.cleaned_data["fields_json"])

    def clean_documents_json(self) -> Any:
        return _parse(self.cleaned_data["documents_json"])


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise forms.ValidationError(_("This is not valid JSON.")) from None


# The holidays of a State Council notice, in its order (the committee may add a row).
NOTICE_HOLIDAYS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
MAKE_UP_FIELDS = ("work_1", "work_2", "work_3")


class HolidayYearForm(StyledForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    source = forms.CharField(
        label=_("Notice"),
        max_length=80,
        help_text=_("The State Council's notice, e.g. 国办发明电〔2025〕7号"),
    )
    replace = forms.BooleanField(
        label=_("Replace the days already entered for this year"), required=False
    )


class HolidayPeriodForm(forms.Form):
    """One holiday of the notice: its days off, and the weekend days worked for it."""

    name = forms.CharField(label=_("Holiday"), max_length=30, required=False)
    first_off = forms.DateField(label=_("First day off"), required=False, widget=DateWidget())
    last_off = forms.DateField(label=_("Last day off"), required=False, widget=DateWidget())
    work_1 = forms.DateField(label=_("Make-up working day"), required=False, widget=DateWidget())
    work_2 = forms.DateField(label=_("Make-up working day"), required=False, widget=DateWidget())
    work_3 = forms.DateField(label=_("Make-up working day"), required=False, widget=DateWidget())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        dates = [data.get(k) for k in ("first_off", "last_off", *MAKE_UP_FIELDS)]
        if not any(dates):
            return data  # an unused row
        if not (data.get("name") or "").strip():
            self.add_error("name", _("Name the holiday."))
        first, last = data.get("first_off"), data.get("last_off")
        if first is None:
            self.add_error("first_off", _("Enter the first day off."))
        elif last is not None and last < first:
            self.add_error("last_off", _("The last day off is before the first."))
        elif last is not None and (last - first).days > 14:
            self.add_error("last_off", _("A holiday is at most 15 days long."))
        return data

    def period(self) -> HolidayPeriod | None:
        """The row as the service's ``HolidayPeriod`` (None for an unused row)."""
        data = self.cleaned_data
        if not data.get("first_off"):
            return None
        return HolidayPeriod(
            name=data["name"].strip(),
            first_off=data["first_off"],
            last_off=data.get("last_off") or data["first_off"],
            work_days=tuple(data[k] for k in MAKE_UP_FIELDS if data.get(k)),
        )


HolidayPeriodFormSet = forms.formset_factory(HolidayPeriodForm, extra=0, max_num=12)


def holiday_period_initial() -> list[dict[str, str]]:
    return [{"name": name} for name in NOTICE_HOLIDAYS] + [{"name": ""}]
