"""Forms of casework. The application form is built from its definition (data, not code);
the service validates the answers, so the Django form only renders and carries errors."""

import json
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.casework.models import FormDefinition
from shequ.casework.services import FILE_TYPES, STAFF_ACTIONS
from shequ.core.forms import StyledForm
from shequ.core.pii import unseal


class DateWidget(forms.DateInput):
    input_type = "date"


def application_form_class(
    definition: FormDefinition, *, kept: Mapping[str, Any] | None = None
) -> type[forms.Form]:
    """A Django form with one field per defined field and document. ``kept``: the answers on
    file (a resubmission), whose personal numbers may be left blank to keep them."""
    fields: dict[str, forms.Field] = {}
    for spec in definition.fields:
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
        types = spec.get("types", [])
        accept = ",".join(FILE_TYPES[t][0] for t in types if t in FILE_TYPES)
        field = forms.FileField(
            label=spec["label"],
            required=False,
            widget=forms.ClearableFileInput(attrs={"accept": accept}),
            help_text=_("%(types)s, at most %(kb)s KB")
            % {"types": "/".join(types).upper(), "kb": spec.get("max_kb", 2048)},
        )
        setattr(field, "shequ_required", bool(spec.get("required")))  # noqa: B010 - template flag
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
    action = forms.ChoiceField(choices=[(a, a) for a in STAFF_ACTIONS])
    note = forms.CharField(label=_("Note or reason"), max_length=1000, required=False)


class FormDefinitionForm(forms.Form):
    fields_json = forms.CharField(label=_("Fields (JSON)"), widget=forms.Textarea)
    documents_json = forms.CharField(label=_("Documents (JSON)"), widget=forms.Textarea)

    def clean_fields_json(self) -> Any:
        return _parse(self.cleaned_data["fields_json"])

    def clean_documents_json(self) -> Any:
        return _parse(self.cleaned_data["documents_json"])


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise forms.ValidationError(_("This is not valid JSON.")) from None
